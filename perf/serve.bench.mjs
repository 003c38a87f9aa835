#!/usr/bin/env node
/**
 * Load on the live execution service: a real `execlab serve` process (the paper's network, random
 * weights; SQLite state in a temporary directory; JSON logs at info to /dev/null) and autocannon
 * clients on loopback, 64 and 200 connections. Three scenarios per connection count:
 *
 *   run    each connection runs executions end to end (opened before the clock starts): per bar
 *          GET the plan, POST a fill at each period's first bar, POST the bar. Closed loop (each
 *          connection sends its next request when the last is answered): the capacity.
 *   plans-live  plans-paced with a bar post in place of every tenth request, over 400 open
 *          executions (perf/paced-live.lua): about 560 bars/s beside 5,000 plans/s, so that periods
 *          are decided under the load (33,000 executions on 1-minute bars post that many).
 *   run-wrk  the same flow from wrk (perf/executions-pool.lua, two wrk threads, each execution with
 *          at most one request in flight): the client costs far less CPU than autocannon, which
 *          shares the 2 cores with the server.
 *   run-paced  the run-wrk flow offered at 5,000 plans/s (about 10,200 requests/s with the bars and
 *          fills) evenly from two wrk threads (perf/executions-paced.lua): the whole-execution target,
 *          p99 included, at the target rate.
 *   plans  each connection polls GET /executions/:id/plan of its own open execution. Closed loop.
 *   plans-paced  plan requests at a steady offered load of 5,000/s (the target) from wrk with
 *          perf/paced-plans.lua: the requests leave evenly spaced over time, whichever connection
 *          is free. In a closed loop latency is just connections / throughput (Little's law), so
 *          the p99 target is checked at the target rate. (autocannon's own rate limit is not used
 *          for this: it lets every connection send its second's quota back to back and then wait
 *          for the next second, so it measures bursts at full speed, and its correction for
 *          coordinated omission then adds a sample for every millisecond of each answer.)
 *
 * Requests are prebuilt per connection (autocannon sends them from buffers; its dynamic
 * setupRequest path cost more than the server and lost responses with hundreds of connections).
 * Plan requests/s = all requests/s x the plans' share of the flow. The last line is `BENCH {json}`.
 * wrk (Debian package `wrk`) is needed for run-wrk, plans-paced and plans-live; without it they are reported as
 * skipped.
 *
 *   npm run build && node perf/serve.bench.mjs [seconds per scenario, default 10]
 *   EXECLAB_BENCH_SERVE_FLAGS='--log-level warn --sync full' adds flags to the server's command line.
 *   EXECLAB_BENCH_SERVE_PROBE=1 times the server's commits, GC pauses and event-loop delay (perf/serve-probe.cjs).
 *   EXECLAB_BENCH_SERVE_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' adds flags to the server's node (a profile).
 *   EXECLAB_BENCH_SERVE_SCENARIOS=run-wrk,plans-live runs only the scenarios named (a target flag of
 *   a scenario not run is null).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { ActorCritic } = await import(join(repo, 'dist', 'nn', 'network.js'));
const { savePolicy, POLICY_FORMAT } = await import(join(repo, 'dist', 'rl', 'common', 'policy-file.js'));
const { DEFAULT_SIM_SETTINGS } = await import(join(repo, 'dist', 'sim', 'settings.js'));
const { MINUTE_FEATURES } = await import(join(repo, 'dist', 'data', 'features.js'));
const { Rng } = await import(join(repo, 'dist', 'util', 'random.js'));
const { ServiceStore } = await import(join(repo, 'dist', 'serve', 'live', 'store.js'));
const { addApiKey } = await import(join(repo, 'dist', 'serve', 'live', 'auth.js'));

const seconds = Number(process.argv[2] ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'execlab-serve-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const policyPath = join(dir, 'policy.json');
savePolicy(policyPath, {
  format: POLICY_FORMAT,
  name: 'bench',
  algo: 'ppo',
  spec: { view: 'student', privateFeatures: 2, actionMap: [...DEFAULT_SIM_SETTINGS.actionMap] },
  network: ActorCritic.create({ pubIn: 18, privIn: 2, hidden: 64, mlp: [64, 32], actions: 5 }, new Rng(1)).toJSON(),
  sim: DEFAULT_SIM_SETTINGS,
  featureStats: { names: [...MINUTE_FEATURES], median: [1, 1, 1, 1, 1, 0.7], scale: [0.01, 0.01, 0.01, 0.01, 0.01, 0.5], fittedOn: [] },
  dataset: 'bench',
  training: { settings: {}, distillation: null, best: { iteration: 1, paBps: 0, reward: 0 }, iterations: 1, stoppedEarly: false, history: [] },
  createdAt: '2025-01-01T00:00:00.000Z',
});
const db = join(dir, 'service.db');
const store = new ServiceStore(db);
const { key } = addApiKey(store, 'bench', ['bench']);
store.close();

// EXECLAB_BENCH_SERVE_PROBE=1 loads perf/serve-probe.cjs into the server: its commit, GC and event-loop
// summary is printed at the end.
const probe = process.env.EXECLAB_BENCH_SERVE_PROBE === '1';
const nodeArgs = process.env.EXECLAB_BENCH_SERVE_NODE_ARGS ? process.env.EXECLAB_BENCH_SERVE_NODE_ARGS.split(' ') : [];
const server = spawn(process.execPath, [...nodeArgs, ...(probe ? ['--require', join(repo, 'perf', 'serve-probe.cjs')] : []), join(repo, 'bin', 'execlab.js'), 'serve', '--policy', policyPath, '--db', db, '--port', '0', '--max-connections', '4096', ...(process.env.EXECLAB_BENCH_SERVE_FLAGS ? process.env.EXECLAB_BENCH_SERVE_FLAGS.split(' ') : [])], { stdio: ['ignore', 'ignore', 'pipe'] });
process.on('exit', () => server.kill('SIGKILL'));
let serverErr = '';
server.stderr.on('data', (d) => {
  if (probe) serverErr += d;
});
const base = await new Promise((resolveBase, reject) => {
  let err = '';
  server.stderr.on('data', (d) => {
    err += d;
    const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
    if (m) resolveBase(m[1]);
  });
  server.once('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
});

const HORIZON = 237;
const PERIOD = 30;
const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
const openBody = (n) => JSON.stringify({ instrument: `B${n % 1000}`, side: n % 2 ? 'buy' : 'sell', quantity: 10_000, date: '2025-03-03', policy: 'bench', context: { previousClose: 10, meanMinuteVolume: 50_000 } });
let connectionSeq = 0;

/** A deterministic bar of a random walk: price from the connection's own LCG. */
function nextBar(c) {
  c.seed = (c.seed * 1103515245 + 12345) % 2147483648;
  const r = c.seed / 2147483648 - 0.5;
  const open = c.price;
  const close = Math.max(1, open * (1 + 0.002 * r));
  const high = Math.max(open, close) * 1.0005;
  const low = Math.min(open, close) * 0.9995;
  c.price = close;
  return { index: c.bar, open, high, low, close, volume: 10_000 + Math.floor(40_000 * (r + 0.5)) };
}

/**
 * One connection's requests for an execution opened beforehand, from its first bar to its horizon:
 * GET the plan, POST a fill of 10 shares at each period's first bar, POST the bar. Prebuilt (static)
 * requests: autocannon sends them from a buffer, so the client costs little next to the server.
 */
function executionFlow(id, seed) {
  const c = { seed, price: 10, bar: 0 };
  const out = [];
  const auth = { authorization: headers.authorization };
  for (let m = 0; m < HORIZON; m++) {
    out.push({ method: 'GET', path: `/executions/${id}/plan`, headers: auth });
    if (m % PERIOD === 0) out.push({ method: 'POST', path: `/executions/${id}/fills`, headers: { ...headers }, body: JSON.stringify({ fills: [{ fillId: `f${m}`, bar: m, quantity: 10, price: c.price }] }) });
    out.push({ method: 'POST', path: `/executions/${id}/bars`, headers: { ...headers }, body: JSON.stringify({ bars: [nextBar(c)] }) });
    c.bar++;
  }
  return out;
}
const PLAN_SHARE = HORIZON / (2 * HORIZON + Math.ceil(HORIZON / PERIOD));

/** Executions opened before a scenario (before the clock starts), `bars` bars each. */
async function openExecutions(count, bars) {
  const ids = [];
  for (let n = 0; n < count; n++) {
    const c = { seed: ++connectionSeq * 7919, price: 10, bar: 0 };
    const open = await (await fetch(`${base}/executions`, { method: 'POST', headers, body: openBody(c.seed) })).json();
    const list = [];
    while (c.bar < bars) list.push(nextBar(c)), c.bar++;
    if (list.length > 0) await fetch(`${base}/executions/${open.id}/bars`, { method: 'POST', headers, body: JSON.stringify({ bars: list }) });
    ids.push(open.id);
  }
  return ids;
}

/**
 * run: each connection runs `perConnection` executions one after the other (enough for the
 * scenario's length); plans: each connection polls the plan of one execution with 45 bars.
 */
async function scenario(name, connections, overallRate) {
  const polling = name.startsWith('plans');
  const perConnection = polling ? 1 : Math.max(2, Math.ceil((overallRate ?? 16_000) * seconds * 1.3 / connections / (2 * HORIZON + 8)));
  const ids = await openExecutions(connections * perConnection, polling ? 45 : 0);
  const lists = [];
  for (let k = 0; k < connections; k++) {
    const mine = ids.slice(k * perConnection, (k + 1) * perConnection);
    lists.push(polling ? [{ method: 'GET', path: `/executions/${mine[0]}/plan`, headers: { authorization: headers.authorization } }] : mine.flatMap((id, j) => executionFlow(id, (k + 1) * 7919 + j)));
  }
  let next = 0;
  const result = await autocannon({
    url: base,
    connections,
    duration: seconds,
    pipelining: 1,
    setupClient: (client) => client.setRequests(lists[next++ % lists.length]),
    ...(overallRate ? { overallRate } : {}),
  });
  const share = polling ? 1 : PLAN_SHARE;
  const out = {
    scenario: name,
    connections,
    offeredRequestsPerSecond: overallRate ?? null,
    requestsPerSecond: Math.round(result.requests.total / result.duration),
    planRequestsPerSecond: Math.round((share * result.requests.total) / result.duration),
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
  console.log(JSON.stringify(out));
  return out;
}

const hasWrk = spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error === undefined;
const apiKey = headers.authorization.slice('Bearer '.length);

/** Runs wrk with `args`; returns its script's summary (microseconds, counts) and echoes its notes of refused requests. */
async function spawnWrk(args) {
  if (probe) console.error(`PROBE-BENCH ${Date.now()} wrk starts: ${args.slice(0, 3).join(' ')}`);
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (d) => (text += d));
  child.stderr.on('data', (d) => (text += d));
  await new Promise((done) => child.once('exit', done));
  if (probe) console.error(`PROBE-BENCH ${Date.now()} wrk ends`);
  const line = text.split('\n').find((l) => l.startsWith('WRK '));
  if (!line) throw new Error(`wrk gave no summary:\n${text}`);
  // The scripts' note of each refused request (the first three per thread), for the log.
  for (const l of text.split('\n')) if (l.startsWith('thread ')) console.error(`wrk ${l}`);
  return JSON.parse(line.slice(4));
}

/** One run of a paced script on one wrk thread (perf/paced-plans.lua by default). */
function pacedWrk(connections, secs, rate, ids, script = join(repo, 'perf', 'paced-plans.lua'), extra = []) {
  return spawnWrk(['-t1', `-c${connections}`, `-d${secs}s`, '--timeout', '5s', '-s', script, base, '--', String(rate), apiKey, ...extra, ...ids]);
}

/** The row of a scenario wrk cannot run here. */
function skipped(scenario, connections, offered) {
  const out = { scenario, connections, offeredRequestsPerSecond: offered, skipped: 'wrk is not installed (Debian package wrk)' };
  console.log(JSON.stringify(out));
  return out;
}

/** The row of a wrk run: `planShare` of its requests were plans. */
function wrkRow(scenario, connections, offered, w, planShare, more = {}) {
  const perSecond = w.requests / (w.durationUs / 1e6);
  const out = {
    scenario,
    connections,
    offeredRequestsPerSecond: offered,
    requestsPerSecond: Math.round(perSecond),
    planRequestsPerSecond: Math.round(perSecond * planShare),
    p50Ms: w.p50Us / 1000,
    p90Ms: w.p90Us / 1000,
    p99Ms: w.p99Us / 1000,
    maxMs: w.maxUs / 1000,
    errors: w.connect + w.read + w.write,
    timeouts: w.timeout,
    non2xx: w.status,
    ...more,
  };
  console.log(JSON.stringify(out));
  return out;
}

/** One bar post in place of every LIVE_BAR_EVERY-th request of plans-live. */
const LIVE_BAR_EVERY = 10;
/** Executions plans-live goes round (an execution's next bar comes this many bar posts later). */
const LIVE_EXECUTIONS = 400;

/**
 * plans-live: 5,000 plan requests/s offered evenly (wrk, perf/paced-live.lua) while the same
 * executions take a bar post in place of every tenth request (about 560 bars/s, the bar flow of
 * 33,000 executions on 1-minute bars), so that new periods are decided under the load.
 */
async function live(connections, planRate) {
  if (!hasWrk) return skipped('plans-live', connections, null);
  const ids = await openExecutions(LIVE_EXECUTIONS, 0);
  const rate = Math.round((planRate * LIVE_BAR_EVERY) / (LIVE_BAR_EVERY - 1));
  // Warm-up over the same executions and connections, plans only (each decides its first period).
  await pacedWrk(connections, 3, 3000, ids);
  const w = await pacedWrk(connections, seconds, rate, ids, join(repo, 'perf', 'paced-live.lua'), [String(LIVE_BAR_EVERY), String(HORIZON)]);
  return wrkRow('plans-live', connections, rate, w, (LIVE_BAR_EVERY - 1) / LIVE_BAR_EVERY);
}

/**
 * run-wrk: whole executions as in `run`, from wrk with perf/executions-pool.lua: two wrk threads,
 * each keeping twice as many executions running as it has connections, each execution with at most
 * one request in flight (its answer, which names it, frees it), so its bars stay in order.
 * wrk's client costs far less CPU per request than autocannon's, which shares the 2 cores with the server.
 */
async function wrkRun(connections) {
  if (!hasWrk) return skipped('run-wrk', connections, null);
  // Executions for 20,000 requests/s (26,000 with wrkExecutions' margin; the server answered 19,100 at most).
  const w = await wrkExecutions(connections, seconds, 20_000, false);
  return wrkRow('run-wrk', connections, null, w, poolPlanShare(w), { idleRequests: w.idle });
}

/**
 * One wrk run of whole executions on two threads: perf/executions-pool.lua (closed loop), or with
 * `paced` perf/executions-paced.lua offering `rate` requests/s in all; executions are opened for
 * `rate` requests/s over `secs`, and at least twice the running ones.
 */
async function wrkExecutions(connections, secs, rate, paced) {
  const threads = 2;
  const active = Math.ceil((2 * connections) / threads);
  const ids = await openExecutions(Math.max(2 * active * threads, Math.ceil((rate * secs * 1.3) / (2 * HORIZON + 8))), 0);
  const script = join(repo, 'perf', paced ? 'executions-paced.lua' : 'executions-pool.lua');
  const pace = paced ? [String(Math.round(rate / threads))] : [];
  return spawnWrk([`-t${threads}`, `-c${connections}`, `-d${secs}s`, '--timeout', '5s', '-s', script, base, '--', ...pace, apiKey, String(HORIZON), String(PERIOD), String(threads), String(active), ...ids]);
}

/** The plans' share of the requests of a wrkExecutions run (idle ones included). */
const poolPlanShare = (w) => w.plans / (w.plans + w.bars + w.fills + w.idle);

/**
 * run-paced: whole executions as in run-wrk (bars, fills and plans, each execution's bars in order),
 * offered at `planRate` plans/s evenly (perf/executions-paced.lua on two wrk threads, about 10,200
 * requests/s in all for 5,000 plans/s), after a 3 s warm-up at 60% of that rate on executions of its
 * own: the whole-execution target at the target rate, where run-wrk measures the capacity.
 */
async function runPaced(connections, planRate) {
  if (!hasWrk) return skipped('run-paced', connections, null);
  const total = planRate / PLAN_SHARE;
  await wrkExecutions(connections, 3, 0.6 * total, true);
  const w = await wrkExecutions(connections, seconds, total, true);
  return wrkRow('run-paced', connections, Math.round(total), w, poolPlanShare(w), { idleRequests: w.idle });
}

/** plans-paced: wrk offering `rate` plan requests/s, evenly spaced, over `connections` connections. */
async function paced(connections, rate) {
  if (!hasWrk) return skipped('plans-paced', connections, rate);
  const ids = await openExecutions(connections, 45);
  // Warm-up, not reported: 3 s at 3,000/s over the same executions and as many connections (the
  // connections are opened, the first plan of each execution decides its first periods, the route
  // is compiled). Then the measured run at the target rate.
  await pacedWrk(connections, 3, 3000, ids);
  // Every request of this scenario is a plan.
  return wrkRow('plans-paced', connections, rate, await pacedWrk(connections, seconds, rate, ids), 1);
}

const results = [];
// EXECLAB_BENCH_SERVE_SCENARIOS=run-wrk,plans-live runs only those (for repeated rounds of one).
const only = process.env.EXECLAB_BENCH_SERVE_SCENARIOS ? process.env.EXECLAB_BENCH_SERVE_SCENARIOS.split(',') : null;
const wanted = (name) => only === null || only.includes(name);
// A short warm-up (JIT, SQLite pages), not reported.
await autocannon({ url: `${base}/health`, connections: 16, duration: 2 });
for (const c of [64, 200]) {
  if (wanted('run')) results.push(await scenario('run', c));
  if (wanted('run-wrk')) results.push(await wrkRun(c));
  // The target for whole executions: 5,000 plan requests/s with their bars and fills, offered evenly.
  if (wanted('run-paced')) results.push(await runPaced(c, 5000));
  if (wanted('plans')) results.push(await scenario('plans', c));
  // The target: 5,000 plan requests/s, offered evenly.
  if (wanted('plans-paced')) results.push(await paced(c, 5000));
  if (wanted('plans-live')) results.push(await live(c, 5000));
}
/** Whether both rows of a paced scenario met the target: 5,000 plans/s (4,900 counted), p99 at most 10 ms, no failure. */
function latencyTargetMet(scenarioName) {
  if (!wanted(scenarioName)) return null;
  const rows = results.filter((r) => r.scenario === scenarioName && r.skipped === undefined);
  return rows.length === 2 && rows.every((r) => r.planRequestsPerSecond >= 4900 && r.p99Ms <= 10 && r.errors === 0 && r.timeouts === 0 && r.non2xx === 0);
}
const targetMetPaced = latencyTargetMet('plans-paced');
// The same target with a live desk's bar flow beside the plans.
const targetMetLive = latencyTargetMet('plans-live');
// Whole executions at the target rate, p99 included.
const targetMetRunningPaced = latencyTargetMet('run-paced');
// Whole executions at 5,000 plans/s would need their bars and fills too: about 10,200 requests/s.
const runRows = results.filter((r) => r.scenario === 'run-wrk' && r.skipped === undefined);
const runningRows = runRows.length > 0 ? runRows : results.filter((r) => r.scenario === 'run');
const targetMetRunning = runningRows.length === 0 ? null : runningRows.every((r) => r.planRequestsPerSecond >= 5000 && r.errors === 0 && r.non2xx === 0);
server.kill('SIGTERM');
if (probe) {
  await new Promise((r) => server.once('exit', r));
  console.error(serverErr.split('\n').filter((l) => l.startsWith('PROBE')).join('\n'));
}
console.log(`BENCH ${JSON.stringify({ name: 'serve', seconds, results, targetMetPolling: targetMetPaced, targetMetLive, targetMetRunning, targetMetRunningPaced })}`);

#!/usr/bin/env node
/**
 * Replays one day of a dataset through the live service (in process, Fastify's inject, no sockets)
 * for a policy that reads the market (and peer) context: the day's universe registered in the
 * market feed, every instrument's bars posted period by period, executions opened for some orders
 * of the day, and each period's plan compared with the backtest's decision on the same episodes.
 * Prints the time of each phase and the largest difference. A check of a deployment on real data,
 * not a test (tests use their own small fixtures): run `npm run build` first.
 *
 *   node scripts/replay-feed.mjs --data runs/data/a15v --policy runs/reproduce/deploy/policy.json \
 *     [--date YYYY-MM-DD (default: the last test day)] [--orders 100]
 *     [--side sell|buy|mixed (default: mixed for a policy that reads the side, else sell)]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const dist = new URL('../dist/', import.meta.url);
const load = (p) => import(new URL(p, dist).href);
const { openDataset } = await load('data/store.js');
const { generateOrders, OrderSettingsSchema } = await load('data/orders.js');
const { buildEpisodes } = await load('sim/episodes.js');
const { loadPolicy } = await load('rl/common/policy-file.js');
const { rollout } = await load('rl/common/policy.js');
const { logProb } = await load('rl/common/losses.js');
const { ActorCritic } = await load('nn/network.js');
const { ExecutionEnv } = await load('sim/env.js');
const { policyRuntime } = await load('serve/decide.js');
const { createApp } = await load('serve/live/app.js');
const { addApiKey } = await load('serve/live/auth.js');
const { ServiceStore } = await load('serve/live/store.js');

const { values } = parseArgs({ options: { data: { type: 'string' }, policy: { type: 'string' }, date: { type: 'string' }, orders: { type: 'string', default: '100' }, side: { type: 'string' } } });
if (!values.data || !values.policy) {
  process.stderr.write('usage: node scripts/replay-feed.mjs --data DATASET --policy POLICY.json [--date YYYY-MM-DD] [--orders N] [--side sell|buy|mixed]\n');
  process.exit(2);
}
const store = openDataset(values.data);
const policy = loadPolicy(values.policy);
const date = values.date ?? store.datesOf('test').at(-1);
const sim = policy.sim;
const side = values.side ?? (policy.spec.side ? 'mixed' : 'sell');
const orders = generateOrders(store, [date], OrderSettingsSchema.parse({ side })).slice(0, Number(values.orders));
process.stdout.write(`${orders.length} orders (${orders.filter((o) => o.side === 'buy').length} buys) on ${date}\n`);
const { episodes } = buildEpisodes(store, orders, sim, { featureStats: policy.featureStats, peers: policy.spec.peers ?? null });
// The backtest's rollout of the policy, in its evaluation mode: every period's action, its
// log-probability and the shares traded.
const env = new ExecutionEnv(episodes, sim);
const rec = rollout(ActorCritic.fromJSON(policy.network), policy.spec, env, policy.evaluation ?? 'greedy', null);
const backtest = { periodQty: env.periodQty };
const T = episodes.grid.periods;
const { start, horizon } = episodes.grid;

const dir = mkdtempSync(join(tmpdir(), 'execlab-replay-feed-'));
const db = new ServiceStore(join(dir, 'service.db'), 'normal', { groupCommit: true });
const { app } = await createApp({ store: db, policies: [{ id: 'p', rt: policyRuntime(policy, undefined, undefined, { marketFeed: true }) }], logLevel: 'silent', maxBodyBytes: 16 << 20 });
const key = addApiKey(db, 'replay', ['p'], new Date(), true).key;
const call = async (method, url, body) => {
  const r = await app.inject({ method, url, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, payload: body ? JSON.stringify(body) : undefined });
  if (r.statusCode >= 300) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body.slice(0, 300)}`);
  return r.json();
};
const day = store.loadDay(date);
const codes = store.meta.instruments;
const M = day.bars.minutes;
const bar = (panel, i, m) => ({ open: panel.open[i * M + m], high: panel.high[i * M + m], low: panel.low[i * M + m], close: panel.close[i * M + m], avgPrice: panel.avgPrice[i * M + m], volume: panel.volume[i * M + m] });
const valid = codes.map((_, i) => i).filter((i) => day.bars.valid[i]);
const timed = async (what, fn) => {
  const t0 = performance.now();
  const out = await fn();
  process.stdout.write(`${what}: ${((performance.now() - t0) / 1000).toFixed(3)} s\n`);
  return out;
};

await timed(`registered ${valid.length} instruments`, async () => {
  for (let k = 0; k < valid.length; k += 200) {
    const instruments = valid.slice(k, k + 200).map((i) => ({
      instrument: codes[i],
      context: { previousClose: day.context.prevClose[i], meanMinuteVolume: day.context.meanMinuteVolume[i] },
      ...(day.previous?.valid[i] ? { previousDay: Array.from({ length: M }, (_, m) => bar(day.previous, i, m)) } : {}),
    }));
    await call('POST', `/market/${date}/instruments`, { instruments });
  }
  await call('POST', `/market/${date}/ready`);
});
const ids = await timed(`opened ${episodes.count} executions`, async () => {
  const out = [];
  for (let e = 0; e < episodes.count; e++) {
    const o = episodes.orders[e];
    const i = codes.indexOf(o.instrument);
    const previousDay = day.previous?.valid[i] ? Array.from({ length: M }, (_, m) => bar(day.previous, i, m)) : undefined;
    out.push((await call('POST', '/executions', { instrument: o.instrument, side: o.side, quantity: o.quantity, date, policy: 'p', context: { previousClose: day.context.prevClose[i], meanMinuteVolume: day.context.meanMinuteVolume[i] }, ...(previousDay ? { previousDay } : {}) })).id);
  }
  return out;
});
let worst = 0;
// The first plan of a period computes the policy's context over the whole universe; the others read it.
const planTimes = { first: [], rest: [] };
let differentLogits = 0;
let plans = 0;
let planSeconds = 0;
let feedSeconds = 0;
for (let t = 0; t < T; t++) {
  const t0 = performance.now();
  for (let e = 0; e < episodes.count; e++) {
    const p0 = performance.now();
    const plan = await call('GET', `/executions/${ids[e]}/plan`);
    planTimes[e === 0 ? 'first' : 'rest'].push(performance.now() - p0);
    worst = Math.max(worst, Math.abs(plan.quantity - backtest.periodQty[e * T + t]) / episodes.quantity[e]);
    if (plan.action !== rec.actions[e * T + t] || Math.fround(logProb(Float32Array.from(plan.logits), 0, plan.logits.length, plan.action)) !== rec.logp[e * T + t]) { differentLogits++; if (process.env.DEBUG) process.stdout.write(`diff e=${e} t=${t} ${plan.action} ${rec.actions[e * T + t]} ${plan.logits.join(",")}\n`); }
    plans++;
    const qty = backtest.periodQty[e * T + t];
    if (qty > 0) await call('POST', `/executions/${ids[e]}/fills`, { fills: [{ fillId: `f${t}`, bar: start[t], quantity: qty, price: episodes.periodMeanPrice[e * T + t] }] });
    const i = codes.indexOf(episodes.orders[e].instrument);
    await call('POST', `/executions/${ids[e]}/bars`, { bars: Array.from({ length: start[t + 1] - start[t] }, (_, k) => ({ index: start[t] + k, ...bar(day.bars, i, start[t] + k) })) });
  }
  planSeconds += (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const bars = valid.flatMap((i) => Array.from({ length: start[t + 1] - start[t] }, (_, k) => ({ instrument: codes[i], index: start[t] + k, ...bar(day.bars, i, start[t] + k) })));
  for (let k = 0; k < bars.length; k += 5000) await call('POST', `/market/${date}/bars`, { bars: bars.slice(k, k + 5000) });
  feedSeconds += (performance.now() - t1) / 1000;
}
process.stdout.write(`${plans} plans (with their orders' fills and bars): ${planSeconds.toFixed(3)} s; the feed's bars of ${valid.length} instruments over ${T} periods: ${feedSeconds.toFixed(3)} s\n`);
const median = (a) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
process.stdout.write(`a period's first plan (the context over ${valid.length} instruments computed): median ${median(planTimes.first).toFixed(2)} ms; the other plans: median ${median(planTimes.rest).toFixed(3)} ms\n`);
process.stdout.write(`plans whose action or log-probability differs from the backtest's: ${differentLogits} of ${plans}; largest difference of a period's quantity: ${worst.toExponential(2)} of Q (horizon ${horizon} bars)\n`);
await app.close();
db.close();
rmSync(dir, { recursive: true, force: true });
process.exit(differentLogits === 0 ? 0 : 1);

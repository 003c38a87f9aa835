/**
 * kill -9 with the market feed. A real server process (the built CLI) serves a policy that reads
 * the market and peer context; one client registers the day's universe, posts every instrument's
 * bars to the feed in small requests, and runs three executions on it. The server is killed with
 * SIGKILL twice, each time with a request in flight, and restarted on the same database; the client
 * retries the request that was cut. Every acknowledged registration and feed bar is there after each
 * restart, the retried ones count once, and every decision equals the backtest's.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rollout } from '../../../src/rl/common/policy.js';
import { savePolicy } from '../../../src/rl/common/policy-file.js';
import { addApiKey } from '../../../src/serve/live/auth.js';
import { ServiceStore } from '../../../src/serve/live/store.js';
import { buildEpisodes } from '../../../src/sim/episodes.js';
import { ExecutionEnv } from '../../../src/sim/env.js';
import { DEFAULT_SIM_SETTINGS } from '../../../src/sim/settings.js';
import { tempDirs } from '../../helpers/tmp.js';
import { haveBuild, startServerProcess } from './server-process.js';
import { codes, files, market, nets, peers, universe } from './feed-fixture.js';
import { barsOf } from './fixture.js';


const { tmp } = tempDirs('execlab-live-feed-crash-');
const dir = tmp('crash');
const policyPath = join(dir, 'peer.json');
const dbPath = join(dir, 'service.db');
const date = market.meta.dates[4];
const day = market.loadDay(date);
const orders = codes.slice(0, 3).map((instrument, k) => ({ instrument, date, side: (k % 2 ? 'buy' : 'sell') as 'buy' | 'sell', quantity: 800 + 300 * k }));
const { episodes } = buildEpisodes(market, orders, DEFAULT_SIM_SETTINGS, { peers });
const env = new ExecutionEnv(episodes, DEFAULT_SIM_SETTINGS);
const rec = rollout(nets.peer, files.peer.spec, env, 'greedy', null);
const { start, periods: T, horizon } = episodes.grid;
const M = day.bars.minutes;

let child: ChildProcess | null = null;
afterAll(() => child?.kill('SIGKILL'));

function startServer(): Promise<string> {
  return startServerProcess(`peer=${policyPath}`, dbPath, (p) => (child = p));
}

interface Step {
  readonly what: string;
  readonly method: 'GET' | 'POST';
  readonly path: () => string;
  readonly body?: unknown;
  readonly acked: (json: any) => void;
}

describe('a kill -9 with the market feed', () => {
  it.skipIf(!haveBuild)('loses no acknowledged registration or feed bar, counts a retry once, and decides as without the crash', async () => {
    savePolicy(policyPath, { ...files.peer, training: { settings: {}, distillation: null, best: { iteration: 1, paBps: 0, reward: 0 }, iterations: 1, stoppedEarly: false, history: [] } });
    const store = new ServiceStore(dbPath);
    const { key } = addApiKey(store, 'desk', ['peer'], new Date(), true);
    store.close();
    const ids: string[] = [];
    const ackedFeedBars = new Map<string, number>(codes.map((c) => [c, 0]));
    const plans = new Map<string, number>();
    let registered = 0;
    const steps: Step[] = [];
    const items = universe(date);
    for (const part of [items.slice(0, 3), items.slice(3)]) steps.push({ what: 'register', method: 'POST', path: () => `/market/${date}/instruments`, body: { instruments: part }, acked: (j) => (registered = j.instruments) });
    steps.push({ what: 'ready', method: 'POST', path: () => `/market/${date}/ready`, acked: () => undefined });
    for (const [e, o] of episodes.orders.entries()) {
      const i = codes.indexOf(o.instrument);
      const body = { instrument: o.instrument, side: o.side, quantity: o.quantity, date, policy: 'peer', clientOrderId: `o${e}`, previousDay: barsOf(day.previous!, i, 0, M, false), context: { previousClose: day.context.prevClose[i], meanMinuteVolume: day.context.meanMinuteVolume[i] } };
      steps.push({ what: 'open', method: 'POST', path: () => '/executions', body, acked: (j) => (ids[e] = j.id) });
    }
    for (let t = 0; t < T; t++) {
      for (let e = 0; e < episodes.count; e++) {
        steps.push({ what: 'plan', method: 'GET', path: () => `/executions/${ids[e]}/plan`, acked: (j) => plans.set(`${e}:${j.period}`, j.action) });
        const qty = env.periodQty[e * T + t];
        if (qty > 0) steps.push({ what: 'fill', method: 'POST', path: () => `/executions/${ids[e]}/fills`, body: { fills: [{ fillId: `f${t}`, bar: start[t], quantity: qty, price: episodes.periodMeanPrice[e * T + t] }] }, acked: () => undefined });
        const i = codes.indexOf(episodes.orders[e].instrument);
        steps.push({ what: 'bars', method: 'POST', path: () => `/executions/${ids[e]}/bars`, body: { bars: barsOf(day.bars, i, start[t], start[t + 1]) }, acked: () => undefined });
      }
      // The period's cross-section, ten bars of one instrument a request.
      for (const [i, code] of codes.entries()) {
        for (let a = start[t]; a < start[t + 1]; a += 10) {
          const b = Math.min(start[t + 1], a + 10);
          steps.push({ what: 'feed bars', method: 'POST', path: () => `/market/${date}/bars`, body: { bars: barsOf(day.bars, i, a, b).map((x) => ({ instrument: code, ...x })) }, acked: () => ackedFeedBars.set(code, b) });
        }
      }
    }
    let base = await startServer();
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    let next = 0;
    let answeredBeforeKill = -1;
    for (const killAt of [Math.floor(steps.length * 0.3), Math.floor(steps.length * 0.7), steps.length]) {
      while (next < killAt) {
        const s = steps[next];
        const r = await fetch(`${base}${s.path()}`, { method: s.method, headers: s.body === undefined ? { authorization: headers.authorization } : headers, body: s.body === undefined ? undefined : JSON.stringify(s.body) });
        const json = (await r.json()) as any;
        expect(r.status, `${s.what}: ${JSON.stringify(json)}`).toBeLessThan(300);
        // A feed post the server answered just before it was killed is all duplicates when retried.
        if (next === answeredBeforeKill && s.what === 'feed bars') expect(json).toMatchObject({ accepted: 0, duplicates: (s.body as { bars: unknown[] }).bars.length });
        s.acked(json);
        next++;
      }
      if (killAt === steps.length) break;
      // The next request in flight, and the server killed under it.
      const s = steps[next];
      const server = child!;
      const exited = new Promise((r) => server.once('exit', r));
      const inFlight = fetch(`${base}${s.path()}`, { method: s.method, headers: s.body === undefined ? { authorization: headers.authorization } : headers, body: s.body === undefined ? undefined : JSON.stringify(s.body) }).catch(() => null);
      server.kill('SIGKILL');
      const answer = await inFlight;
      answeredBeforeKill = answer?.status === 200 ? next : -1;
      await exited;
      base = await startServer();
      // Everything acknowledged is there.
      const feed = (await (await fetch(`${base}/market/${date}`, { headers: { authorization: headers.authorization } })).json()) as any;
      expect(feed.instruments).toBeGreaterThanOrEqual(registered);
      if (next > 2) expect(feed.status).toBe('ready');
      expect(feed.barsComplete).toBeGreaterThanOrEqual(Math.min(...ackedFeedBars.values()));
      for (const [e, id] of ids.entries()) {
        if (!id) continue;
        const state = (await (await fetch(`${base}/executions/${id}`, { headers: { authorization: headers.authorization } })).json()) as any;
        for (const d of state.decisions as { period: number; action: number }[]) if (plans.has(`${e}:${d.period}`)) expect(d.action).toBe(plans.get(`${e}:${d.period}`));
        for (const [k, a] of plans) if (Number(k.split(':')[0]) === e) expect((state.decisions as { period: number; action: number }[]).find((d) => d.period === Number(k.split(':')[1]))?.action).toBe(a);
      }
    }
    const feed = (await (await fetch(`${base}/market/${date}`, { headers: { authorization: headers.authorization } })).json()) as any;
    expect(feed).toMatchObject({ status: 'ready', instruments: codes.length, barsComplete: horizon });
    for (const [e, id] of ids.entries()) {
      await fetch(`${base}/executions/${id}/bars`, { method: 'POST', headers, body: JSON.stringify({ bars: barsOf(day.bars, codes.indexOf(episodes.orders[e].instrument), horizon, M) }) });
      const state = (await (await fetch(`${base}/executions/${id}`, { headers: { authorization: headers.authorization } })).json()) as any;
      expect(state.status).toBe('complete');
      expect((state.decisions as { action: number }[]).map((d) => d.action)).toEqual(Array.from(rec.actions.subarray(e * T, (e + 1) * T)));
    }
    // The feed has each bar once: what the retries repeated was counted as duplicates, not stored again.
    const db = new ServiceStore(dbPath);
    expect(db.marketDay(date)!.bars.map((r) => r.bars.length)).toEqual(codes.map(() => horizon));
    db.close();
    expect(new Set(rec.actions).size).toBeGreaterThan(1);
  });
});

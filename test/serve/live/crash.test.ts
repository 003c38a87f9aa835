/**
 * kill -9 under load. A real server process (the built CLI) runs eight executions from eight
 * concurrent clients; it is killed with SIGKILL twice at arbitrary moments and restarted on the same
 * database. After each restart every acknowledged bar, fill and plan is there; the clients retry what
 * was in flight (bars and fills by index and id, the open by client order id) and finish, and every
 * decision equals the backtest's, with no bar or fill counted twice.
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
import { barsOf, createBody, market, nets, policies } from './fixture.js';


const { tmp } = tempDirs('execlab-live-crash-');
const dir = tmp('crash');
const policyPath = join(dir, 'p3.json');
const dbPath = join(dir, 'service.db');

const dates = market.meta.dates.slice(3, 5);
const orders = dates.flatMap((date) => market.meta.instruments.map((instrument, k) => ({ instrument, date, side: (k % 2 ? 'buy' : 'sell') as 'buy' | 'sell', quantity: 500 + 250 * k })));
const { episodes } = buildEpisodes(market, orders, DEFAULT_SIM_SETTINGS);
const env = new ExecutionEnv(episodes, DEFAULT_SIM_SETTINGS);
const rec = rollout(nets.p3, policies.p3.spec, env, 'greedy', null);
const { start, periods: T } = episodes.grid;

let child: ChildProcess | null = null;
/** Requests that were in flight when the server was killed. */
let interrupted = 0;
afterAll(() => child?.kill('SIGKILL'));

/** Starts the server; resolves with its base URL once it listens. */
function startServer(): Promise<string> {
  return startServerProcess(`p3=${policyPath}`, dbPath, (p) => (child = p));
}

interface Step {
  readonly what: 'open' | 'plan' | 'fill' | 'bars';
  readonly send: (base: string) => Promise<Response>;
  /** Called with the answer once acknowledged. */
  readonly acked: (json: any) => void;
}

/** One client's script for episode e: open, then per period plan, fill, bars in chunks; then the day's last bars. */
class Client {
  id = '';
  next = 0;
  readonly steps: Step[] = [];
  readonly ackedBars = new Set<number>();
  readonly ackedFills = new Set<string>();
  readonly ackedPlans = new Map<number, number>();

  constructor(
    readonly e: number,
    readonly key: string,
  ) {
    const o = episodes.orders[e];
    const day = market.loadDay(o.date);
    const i = market.meta.instruments.indexOf(o.instrument);
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const post = (base: string, path: string, body: unknown) => fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    this.steps.push({
      what: 'open',
      send: (base) => post(base, '/executions', { ...createBody(o.date, o.instrument, o.side, o.quantity, 'p3'), clientOrderId: `order-${e}` }),
      acked: (json) => (this.id = json.id),
    });
    const barSteps = (from: number, to: number): void => {
      for (let a = from; a < to; a += 6) {
        const b = Math.min(to, a + 6);
        this.steps.push({ what: 'bars', send: (base) => post(base, `/executions/${this.id}/bars`, { bars: barsOf(day.bars, i, a, b) }), acked: () => { for (let m = a; m < b; m++) this.ackedBars.add(m); } });
      }
    };
    for (let t = 0; t < T; t++) {
      this.steps.push({ what: 'plan', send: (base) => fetch(`${base}/executions/${this.id}/plan`, { headers }), acked: (json) => this.ackedPlans.set(json.period, json.action) });
      const qty = env.periodQty[e * T + t];
      if (qty > 0) {
        const fill = { fillId: `fill-${t}`, bar: start[t], quantity: qty, price: episodes.periodMeanPrice[e * T + t] };
        this.steps.push({ what: 'fill', send: (base) => post(base, `/executions/${this.id}/fills`, { fills: [fill] }), acked: () => this.ackedFills.add(fill.fillId) });
      }
      barSteps(start[t], start[t + 1]);
    }
    barSteps(episodes.grid.horizon, day.bars.minutes);
  }

  /** Runs the script from where it stopped until it ends or the server goes away. */
  async run(base: () => string, onAck: () => void): Promise<void> {
    while (this.next < this.steps.length) {
      const step = this.steps[this.next];
      let res: Response;
      try {
        res = await step.send(base());
      } catch {
        interrupted++;
        return; // the server is gone: retry this step after the restart
      }
      const json = await res.json().catch(() => null);
      if (json === null) return;
      expect(res.status, `${step.what}: ${JSON.stringify(json)}`).toBeLessThan(300);
      step.acked(json);
      this.next++;
      onAck();
    }
  }
}

describe('a kill -9 under load', () => {
  it.skipIf(!haveBuild)('loses nothing acknowledged, replays nothing twice, and every execution decides as without the crash', async () => {
    savePolicy(policyPath, { ...policies.p3, training: { settings: {}, distillation: null, best: { iteration: 1, paBps: 0, reward: 0 }, iterations: 1, stoppedEarly: false, history: [] } });
    const store = new ServiceStore(dbPath);
    const { key } = addApiKey(store, 'desk', ['p3']);
    store.close();
    const clients = episodes.orders.map((_, e) => new Client(e, key));
    const total = clients.reduce((s, c) => s + c.steps.length, 0);
    let base = await startServer();
    let acks = 0;
    for (const killAt of [Math.floor(total * 0.23), Math.floor(total * 0.61), Infinity]) {
      const server = child!;
      const exited = new Promise((r) => server.once('exit', r));
      await Promise.all(
        clients.map((c) =>
          c.run(
            () => base,
            () => {
              if (++acks === killAt) server.kill('SIGKILL');
            },
          ),
        ),
      );
      if (killAt === Infinity) break;
      await exited;
      expect(interrupted, 'requests cut by the kill').toBeGreaterThan(0);
      interrupted = 0;
      base = await startServer();
      // Everything acknowledged before the kill is there.
      for (const c of clients) {
        if (!c.id) continue;
        const state = (await (await fetch(`${base}/executions/${c.id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as any;
        expect(state.barsReceived).toBeGreaterThanOrEqual(c.ackedBars.size);
        for (const m of c.ackedBars) expect(m).toBeLessThan(state.barsReceived);
        const fills = new Set((state.fills as { fillId: string }[]).map((f) => f.fillId));
        for (const f of c.ackedFills) expect(fills.has(f), f).toBe(true);
        const actions = new Map((state.decisions as { period: number; action: number }[]).map((d) => [d.period, d.action]));
        for (const [p, a] of c.ackedPlans) expect(actions.get(p)).toBe(a);
      }
    }
    expect(acks).toBe(total);
    // Every execution finished as it would have without the crashes, nothing counted twice.
    for (const c of clients) {
      const state = (await (await fetch(`${base}/executions/${c.id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as any;
      expect(state.status).toBe('complete');
      expect(state.barsReceived).toBe(240);
      expect((state.decisions as { action: number }[]).map((d) => d.action)).toEqual(Array.from(rec.actions.subarray(c.e * T, (c.e + 1) * T)));
      let filled = 0;
      for (let t = 0; t < T; t++) filled += env.periodQty[c.e * T + t];
      expect(state.filled).toBeCloseTo(filled, 6);
      expect(state.fills).toHaveLength(c.ackedFills.size);
    }
    // One execution per order: the opens retried after a kill found theirs.
    const db = new ServiceStore(dbPath);
    expect(db.openExecutions()).toBe(0);
    db.close();
  });
});

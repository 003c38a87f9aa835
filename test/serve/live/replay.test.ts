/**
 * Backtest days replayed through the API: every period's plan (action, share, quantity) equals the
 * backtest's decision on the same bars, the recurrent state carried from period to period, and the
 * PA reported at the end is the simulator's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logProb } from '../../../src/rl/common/losses.js';
import { rollout } from '../../../src/rl/common/policy.js';
import { buildEpisodes } from '../../../src/sim/episodes.js';
import { ExecutionEnv } from '../../../src/sim/env.js';
import { DEFAULT_SIM_SETTINGS } from '../../../src/sim/settings.js';
import { tempDirs } from '../../helpers/tmp.js';
import { barsOf, call, createBody, market, nets, openService, policies, type TestService } from './fixture.js';

const { tmp } = tempDirs('execlab-live-replay-');
const dates = market.meta.dates.slice(3, 5);
const orders = dates.flatMap((date) => market.meta.instruments.map((instrument, k) => ({ instrument, date, side: (k % 2 ? 'buy' : 'sell') as 'buy' | 'sell', quantity: 500 + 250 * k })));
const { episodes } = buildEpisodes(market, orders, DEFAULT_SIM_SETTINGS);

let svc: TestService;
beforeAll(async () => {
  svc = await openService(tmp('svc'));
});
afterAll(() => svc.close());

describe('replaying backtest days through the API', () => {
  for (const id of ['p2', 'p3', 'ps', 'pm'] as const) {
    it(`gives the backtest's decision in every period (policy ${id})`, async () => {
      const env = new ExecutionEnv(episodes, DEFAULT_SIM_SETTINGS);
      const rec = rollout(nets[id], policies[id].spec, env, 'greedy', null);
      const { start, periods: T, horizon } = episodes.grid;
      let compared = 0;
      for (let e = 0; e < episodes.count; e++) {
        const o = episodes.orders[e];
        const day = market.loadDay(o.date);
        const i = market.meta.instruments.indexOf(o.instrument);
        const created = await call(svc, 'POST', '/executions', createBody(o.date, o.instrument, o.side, o.quantity, id));
        expect(created.status).toBe(201);
        const x = created.json.id as string;
        for (let t = 0; t < T; t++) {
          const plan = await call(svc, 'GET', `/executions/${x}/plan`);
          expect(plan.status).toBe(200);
          expect(plan.json.period).toBe(t);
          expect(plan.json.action, `episode ${e} period ${t}`).toBe(rec.actions[e * T + t]);
          // The whole output, not only its argmax: the log-probability of the action, to float32 rounding.
          expect(Math.fround(logProb(Float32Array.from(plan.json.logits as number[]), 0, 5, plan.json.action))).toBe(rec.logp[e * T + t]);
          expect(plan.json.quantity).toBeCloseTo(env.periodQty[e * T + t], 6);
          expect(plan.json.childOrders).toHaveLength(start[t + 1] - start[t]);
          compared++;
          const qty = env.periodQty[e * T + t];
          if (qty > 0) {
            const fill = await call(svc, 'POST', `/executions/${x}/fills`, { fills: [{ fillId: `f${t}`, bar: start[t], quantity: qty, price: episodes.periodMeanPrice[e * T + t] }] });
            expect(fill.status).toBe(200);
          }
          // The period's bars in two requests: any split gives the same state.
          const mid = start[t] + 7;
          for (const [a, b] of [[start[t], mid], [mid, start[t + 1]]]) {
            const r = await call(svc, 'POST', `/executions/${x}/bars`, { bars: barsOf(day.bars, i, a, b) });
            expect(r.status).toBe(200);
          }
        }
        await call(svc, 'POST', `/executions/${x}/bars`, { bars: barsOf(day.bars, i, horizon, day.bars.minutes) });
        const state = await call(svc, 'GET', `/executions/${x}`);
        expect(state.json.status).toBe('complete');
        expect(state.json.decisions).toHaveLength(T);
        const sign = o.side === 'sell' ? 1 : -1;
        const pa = sign * 1e4 * (env.executedValue[e] / env.executedQty[e] / episodes.benchmark[e] - 1);
        expect(state.json.paBps).toBeCloseTo(pa, 6);
        expect(state.json.remaining).toBeCloseTo(0, 6);
      }
      expect(compared).toBe(episodes.count * T);
      // The policy does not decide the same in every period (the comparison would be weak otherwise).
      expect(new Set(rec.actions).size).toBeGreaterThan(2);
      if (policies[id].spec.side) {
        // Its buy orders would be decided otherwise as sells: the comparison above checks the side.
        const asSells = rollout(nets[id], policies[id].spec, new ExecutionEnv({ ...episodes, side: new Int8Array(episodes.count).fill(1) }, DEFAULT_SIM_SETTINGS), 'greedy', null);
        expect(Array.from(asSells.actions)).not.toEqual(Array.from(rec.actions));
      }
      if (policies[id].spec.mirrorBuys) {
        // The same network reading the buys as they are decides them otherwise: the mirror reached it.
        const plain = rollout(nets[id], { ...policies[id].spec, mirrorBuys: false }, new ExecutionEnv(episodes, DEFAULT_SIM_SETTINGS), 'greedy', null);
        const buys = (r: typeof rec): number[] => Array.from(r.actions).filter((_, k) => episodes.side[Math.floor(k / T)] < 0);
        const sells = (r: typeof rec): number[] => Array.from(r.actions).filter((_, k) => episodes.side[Math.floor(k / T)] > 0);
        expect(buys(plain)).not.toEqual(buys(rec));
        expect(sells(plain)).toEqual(sells(rec));
      }
    });
  }
});

import { describe, expect, it } from 'vitest';
import { buildEpisodes } from '../../src/sim/episodes.js';
import { ExecutionEnv } from '../../src/sim/env.js';
import { PUBLIC_FEATURES } from '../../src/sim/observation.js';
import { DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';
import { ActorCritic } from '../../src/nn/network.js';
import { rollout } from '../../src/rl/common/policy.js';
import type { PolicyFile } from '../../src/rl/common/policy-file.js';
import { decide, policyRuntime, type DecisionRequest } from '../../src/serve/decide.js';
import { Rng } from '../../src/util/random.js';
import { memoryStore } from '../helpers/memory-store.js';
import { studentPolicyFile } from '../helpers/policies.js';

const store = memoryStore({ instruments: 5, days: 5, seed: 11, validationDays: 1, testDays: 1 }, 3, 1);
const date = store.meta.dates[4];
const orders = store.meta.instruments.map((instrument, k) => ({ instrument, date, side: (k % 2 ? 'buy' : 'sell') as 'buy' | 'sell', quantity: 1000 + 100 * k }));
const episodes = buildEpisodes(store, orders, DEFAULT_SIM_SETTINGS).episodes;
const net = ActorCritic.create({ pubIn: PUBLIC_FEATURES, privIn: 2, hidden: 16, mlp: [16, 8], actions: 5 }, new Rng(21));
const policy: PolicyFile = studentPolicyFile(net, store.meta.featureStats, 'test-student', 2);

function requestFor(i: number, t: number, executed: number[]): DecisionRequest {
  const day = store.loadDay(date);
  const M = day.bars.minutes;
  const cut = (a: Float64Array, to: number): number[] => Array.from(a.subarray(i * M, i * M + to));
  const bars = (p: typeof day.bars, to: number) => ({ open: cut(p.open, to), high: cut(p.high, to), low: cut(p.low, to), close: cut(p.close, to), avgPrice: cut(p.avgPrice, to), volume: cut(p.volume, to) });
  return {
    side: orders[i].side,
    quantity: orders[i].quantity,
    executed,
    previousClose: day.context.prevClose[i],
    meanMinuteVolume: day.context.meanMinuteVolume[i],
    previousDay: bars(day.previous!, M),
    today: bars(day.bars, episodes.grid.start[t]),
  };
}

describe('serving a policy', () => {
  const sideNet = ActorCritic.create({ pubIn: PUBLIC_FEATURES, privIn: 3, hidden: 16, mlp: [16, 8], actions: 5 }, new Rng(22));
  for (let k = 0; k < sideNet.params.length; k++) sideNet.params[k] *= 6;
  const sidePolicy = studentPolicyFile(sideNet, store.meta.featureStats, 'side-student', 2, true);
  const mirrorPolicy = studentPolicyFile(sideNet, store.meta.featureStats, 'mirror-student', 2, true, true);
  for (const [what, n, p] of [['a sell-trained policy', net, policy], ['a policy that reads the side', sideNet, sidePolicy], ['a policy that reads buys mirrored', sideNet, mirrorPolicy]] as const) {
    it(`decides exactly as the backtest does, period by period (${what})`, () => {
      const env = new ExecutionEnv(episodes, DEFAULT_SIM_SETTINGS);
      const rec = rollout(n, p.spec, env, 'greedy', null);
      const rt = policyRuntime(p);
      const T = episodes.grid.periods;
      for (let i = 0; i < episodes.count; i++) {
        for (let t = 0; t < T; t++) {
          const executed = Array.from(env.periodQty.subarray(i * T, i * T + t));
          const d = decide(rt, requestFor(i, t, executed));
          expect(d.action).toBe(rec.actions[i * T + t]);
          expect(d.period).toBe(t);
        }
      }
      if (p.spec.side) {
        // The buy orders decided as sells differ: the comparison above checks the side input.
        const asSells = rollout(n, p.spec, new ExecutionEnv({ ...episodes, side: new Int8Array(episodes.count).fill(1) }, DEFAULT_SIM_SETTINGS), 'greedy', null);
        expect(Array.from(asSells.actions)).not.toEqual(Array.from(rec.actions));
      }
      if (p.spec.mirrorBuys) {
        // Read as they are, its buy orders are decided otherwise: the comparison above checks the mirror.
        const plain = rollout(n, { ...p.spec, mirrorBuys: false }, new ExecutionEnv(episodes, DEFAULT_SIM_SETTINGS), 'greedy', null);
        expect(Array.from(plain.actions)).not.toEqual(Array.from(rec.actions));
      }
    });
  }

  it('refuses a teacher and inconsistent input', () => {
    expect(() => policyRuntime({ ...policy, spec: { ...policy.spec, view: 'teacher' } })).toThrow(/not deployed/);
    const rt = policyRuntime(policy);
    const r = requestFor(0, 2, [100, 100]);
    expect(() => decide(rt, { ...r, executed: [100] })).toThrow(/needs exactly the 30 minutes/);
    expect(() => decide(rt, { ...r, quantity: -1 })).toThrow(/quantity/);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DayPanel } from '../../src/data/types.js';
import { buildEpisodes } from '../../src/sim/episodes.js';
import { ExecutionEnv } from '../../src/sim/env.js';
import { EPISODE_PUBLIC_FEATURES, publicObservation, PUBLIC_FEATURES } from '../../src/sim/observation.js';
import { DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';
import { ActorCritic } from '../../src/nn/network.js';
import { rollout } from '../../src/rl/common/policy.js';
import { Rng } from '../../src/util/random.js';
import { memoryStore, storeFromPanels } from '../helpers/memory-store.js';

/**
 * SPEC 6: the student sees only minutes strictly before the decision time. Perturbing any bar at or
 * after the start of period t must leave the student's observation and its actions up to t unchanged.
 */
const base = memoryStore({ instruments: 4, days: 4, seed: 3, validationDays: 1, testDays: 1 }, 2, 1);
const orders = base.meta.instruments.map((instrument) => ({ instrument, date: base.meta.dates[3], side: 'sell' as const, quantity: 1000 }));
const original = buildEpisodes(base, orders, DEFAULT_SIM_SETTINGS).episodes;
const start = original.grid.start;
const net = ActorCritic.create({ pubIn: PUBLIC_FEATURES, privIn: 2, hidden: 8, mlp: [8, 8], actions: 5 }, new Rng(5));
const spec = { view: 'student' as const, privateFeatures: 2 as const, actionMap: DEFAULT_SIM_SETTINGS.actionMap };
// A student that also reads the market context (every instrument's past periods).
const marketNet = ActorCritic.create({ pubIn: EPISODE_PUBLIC_FEATURES, privIn: 2, hidden: 8, mlp: [8, 8], actions: 5 }, new Rng(6));
const marketSpec = { ...spec, market: true };
// A student that also reads the peer context (its peers' past periods).
const peers = { size: 2, groups: Object.fromEntries(base.meta.instruments.map((c, i, all) => [c, [all[(i + 1) % 4], all[(i + 2) % 4]]])) };
const originalPeers = buildEpisodes(base, orders, DEFAULT_SIM_SETTINGS, { peers }).episodes;
const peerNet = ActorCritic.create({ pubIn: EPISODE_PUBLIC_FEATURES + PUBLIC_FEATURES, privIn: 2, hidden: 8, mlp: [8, 8], actions: 5 }, new Rng(7));
const peerSpec = { ...spec, market: true, peers };

function perturbed(t: number, minute: number, field: number, factor: number): DayPanel[] {
  return base.panels.map((p, d) => {
    if (d !== 3) return p;
    const copy = { ...p, open: p.open.slice(), high: p.high.slice(), low: p.low.slice(), close: p.close.slice(), avgPrice: p.avgPrice.slice(), volume: p.volume.slice() };
    const fields = [copy.open, copy.high, copy.low, copy.close, copy.avgPrice, copy.volume];
    const m = start[t] + (minute % (p.minutes - start[t]));
    for (let i = 0; i < p.instrumentCount; i++) fields[field][i * p.minutes + m] *= factor;
    return copy;
  });
}

describe('no look-ahead for the student', () => {
  it('perturbing any future bar leaves the student view and actions unchanged (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 239 }), fc.integer({ min: 0, max: 5 }), fc.double({ min: 0.5, max: 2, noNaN: true }), (t, minute, field, factor) => {
        const changed = buildEpisodes(storeFromPanels(perturbed(t, minute, field, factor), 2, 1), orders, DEFAULT_SIM_SETTINGS).episodes;
        const S = original.steps;
        const a = new Float32Array(S * EPISODE_PUBLIC_FEATURES);
        const b = new Float32Array(S * EPISODE_PUBLIC_FEATURES);
        for (let i = 0; i < original.count; i++) {
          for (let k = 0; k <= t; k++) {
            expect(publicObservation(changed.pub, S, changed.publicStride, i, 'student', k, b)).toEqual(publicObservation(original.pub, S, original.publicStride, i, 'student', k, a));
          }
        }
        const ra = rollout(net, spec, new ExecutionEnv(original, DEFAULT_SIM_SETTINGS), 'greedy', null);
        const rb = rollout(net, spec, new ExecutionEnv(changed, DEFAULT_SIM_SETTINGS), 'greedy', null);
        for (let i = 0; i < original.count; i++) {
          for (let k = 0; k <= t; k++) expect(rb.actions[i * 8 + k]).toBe(ra.actions[i * 8 + k]);
        }
        const ma = rollout(marketNet, marketSpec, new ExecutionEnv(original, DEFAULT_SIM_SETTINGS), 'greedy', null);
        const mb = rollout(marketNet, marketSpec, new ExecutionEnv(changed, DEFAULT_SIM_SETTINGS), 'greedy', null);
        for (let i = 0; i < original.count; i++) {
          for (let k = 0; k <= t; k++) expect(mb.actions[i * 8 + k]).toBe(ma.actions[i * 8 + k]);
        }
        const changedPeers = buildEpisodes(storeFromPanels(perturbed(t, minute, field, factor), 2, 1), orders, DEFAULT_SIM_SETTINGS, { peers }).episodes;
        const W = originalPeers.publicStride;
        for (let i = 0; i < original.count; i++) {
          for (let k = 0; k <= t; k++) {
            expect(publicObservation(changedPeers.pub, S, W, i, 'student', k, new Float32Array(S * W))).toEqual(publicObservation(originalPeers.pub, S, W, i, 'student', k, new Float32Array(S * W)));
          }
        }
        const pa = rollout(peerNet, peerSpec, new ExecutionEnv(originalPeers, DEFAULT_SIM_SETTINGS), 'greedy', null);
        const pb = rollout(peerNet, peerSpec, new ExecutionEnv(changedPeers, DEFAULT_SIM_SETTINGS), 'greedy', null);
        for (let i = 0; i < original.count; i++) {
          for (let k = 0; k <= t; k++) expect(pb.actions[i * 8 + k]).toBe(pa.actions[i * 8 + k]);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('the same perturbation does change the teacher view (the test can see a leak)', () => {
    const changed = buildEpisodes(storeFromPanels(perturbed(2, 10, 4, 1.5), 2, 1), orders, DEFAULT_SIM_SETTINGS).episodes;
    const S = original.steps;
    const a = publicObservation(original.pub, S, original.publicStride, 0, 'teacher', 2, new Float32Array(S * EPISODE_PUBLIC_FEATURES));
    const b = publicObservation(changed.pub, S, changed.publicStride, 0, 'teacher', 2, new Float32Array(S * EPISODE_PUBLIC_FEATURES));
    expect(b).not.toEqual(a);
  });

  it('a peer-reading policy refuses episodes without its peer groups', () => {
    expect(() => rollout(peerNet, peerSpec, new ExecutionEnv(original, DEFAULT_SIM_SETTINGS), 'greedy', null)).toThrow(/peer context/);
    const other = { size: 2, groups: { ...peers.groups, [base.meta.instruments[0]]: [base.meta.instruments[3]] } };
    expect(() => rollout(peerNet, { ...peerSpec, peers: other }, new ExecutionEnv(originalPeers, DEFAULT_SIM_SETTINGS), 'greedy', null)).toThrow(/other peer groups/);
  });

  it('a student cannot ask the environment for a future step', async () => {
    const { publicStepInput } = await import('../../src/rl/common/observe.js');
    const env = new ExecutionEnv(original, DEFAULT_SIM_SETTINGS);
    expect(() => publicStepInput(env, 'student', 1, new Float32Array(original.count * PUBLIC_FEATURES), PUBLIC_FEATURES)).toThrow(/after the decision time/);
  });
});

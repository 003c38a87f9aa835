import { describe, expect, it } from 'vitest';
import { generateOrders, OrderSettingsSchema } from '../../src/data/orders.js';
import { runStrategy } from '../../src/eval/run.js';
import { kernelMemory } from '../../src/nn/memory.js';
import { ActorCritic } from '../../src/nn/network.js';
import { policyStrategy } from '../../src/rl/common/policy-file.js';
import { buildEpisodes, selectEpisodes } from '../../src/sim/episodes.js';
import { publicWidth } from '../../src/sim/observation.js';
import { DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';
import { Rng } from '../../src/util/random.js';
import { memoryStore } from '../helpers/memory-store.js';

const sim = DEFAULT_SIM_SETTINGS;

describe('kernel memory of evaluations', () => {
  it('is given back when a policy strategy closes, so a loop of large evaluations does not grow it', () => {
    const store = memoryStore({ instruments: 5, days: 3, seed: 2, validationDays: 1, testDays: 1 }, 1, 1);
    const base = buildEpisodes(store, generateOrders(store, store.datesOf('all'), OrderSettingsSchema.parse({})), sim).episodes;
    // 4,000 orders: each evaluation's inference scratch is several MB.
    const episodes = selectEpisodes(base, Int32Array.from({ length: 4000 }, (_, k) => k % base.count));
    const shape = { pubIn: publicWidth({}), privIn: 2, hidden: 64, mlp: [32], actions: sim.actionMap.length };
    const spec = { view: 'student' as const, privateFeatures: 2 as const, actionMap: sim.actionMap };
    const evaluate = (seed: number): void => {
      const s = policyStrategy(ActorCritic.create(shape, new Rng(seed)), spec, 'S', 'learned');
      try {
        runStrategy(s, episodes, sim);
      } finally {
        s.close?.();
      }
    };
    evaluate(1);
    const after1 = kernelMemory().memory.buffer.byteLength;
    for (let k = 2; k <= 8; k++) evaluate(k);
    // Without the release each run would keep about 7 MB (4,000 x (2 x 64 hidden + 7 x 64 scratch) floats).
    expect(kernelMemory().memory.buffer.byteLength - after1).toBeLessThan(4 * 2 ** 20);
  });
});

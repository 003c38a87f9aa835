import { describe, expect, it } from 'vitest';
import { runStrategy, runStrategyInParts } from '../../src/eval/run.js';
import { generateOrders, OrderSettingsSchema } from '../../src/data/orders.js';
import { buildEpisodes } from '../../src/sim/episodes.js';
import { DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';
import { publicWidth } from '../../src/sim/observation.js';
import { ActorCritic } from '../../src/nn/network.js';
import { policyStrategy } from '../../src/rl/common/policy-file.js';
import { createAlmgrenChriss } from '../../src/strategies/almgren-chriss.js';
import { Rng } from '../../src/util/random.js';
import { memoryStore } from '../helpers/memory-store.js';

const sim = DEFAULT_SIM_SETTINGS;
const store = memoryStore({ instruments: 7, days: 5, seed: 4, validationDays: 1, testDays: 1 }, 3, 1);
const episodes = buildEpisodes(store, generateOrders(store, store.datesOf('all'), OrderSettingsSchema.parse({})), sim).episodes;

describe('running a strategy in parts of the orders', () => {
  it('gives the one run\'s per-order results for a teacher, a student and a rule', () => {
    expect(episodes.count).toBeGreaterThan(20);
    const shape = (market: boolean) => ({ pubIn: publicWidth({ market }), privIn: 2, hidden: 8, mlp: [8], actions: sim.actionMap.length });
    const teacher = policyStrategy(ActorCritic.create(shape(true), new Rng(3)), { view: 'teacher', privateFeatures: 2, actionMap: sim.actionMap, market: true }, 'T', 'oracle', 1, 'expected');
    const student = policyStrategy(ActorCritic.create(shape(false), new Rng(5)), { view: 'student', privateFeatures: 2, actionMap: sim.actionMap }, 'S', 'learned');
    for (const s of [teacher, student, createAlmgrenChriss()]) {
      const whole = runStrategy(s, episodes, sim, { recordMinuteFills: true });
      const parts = runStrategyInParts(s, episodes, sim, { recordMinuteFills: true }, 6);
      expect(Array.from(parts.paBps)).toEqual(Array.from(whole.paBps));
      expect(Array.from(parts.reward)).toEqual(Array.from(whole.reward));
      expect(Array.from(parts.periodQty)).toEqual(Array.from(whole.periodQty));
      expect(Array.from(parts.minuteFills!)).toEqual(Array.from(whole.minuteFills!));
      expect(parts.count).toBe(episodes.count);
    }
  });
});

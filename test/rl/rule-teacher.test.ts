import { describe, expect, it } from 'vitest';
import { nearestAction, ruleTeacherHook } from '../../src/rl/distill/rule-teacher.js';
import type { RolloutRecord } from '../../src/rl/common/policy.js';
import { SimSettingsSchema } from '../../src/sim/settings.js';
import type { Strategy } from '../../src/strategies/types.js';
import { makeEpisodes } from '../helpers/episodes.js';

const sim = SimSettingsSchema.parse({ horizonMinutes: 8, periodMinutes: 2 });

describe('distillation from a rule strategy', () => {
  it('maps a share to the nearest action, the first on ties', () => {
    const map = [0, 0.25, 0.5, 0.75, 1];
    expect(nearestAction(map, 0.3)).toBe(1);
    expect(nearestAction(map, 0.125)).toBe(0);
    expect(nearestAction(map, 0.9)).toBe(4);
  });

  it("asks the rule on the student's own states", () => {
    // The rule trades a quarter of Q while it holds all of it, then half of Q: its answer depends on
    // what the student did before.
    const rule: Strategy = {
      name: 'RULE',
      kind: 'rule',
      begin() {},
      decide(env, out) {
        for (let i = 0; i < env.n; i++) out[i] = env.remaining[i] >= env.episodes.quantity[i] - 1e-9 ? 0.25 : 0.5;
      },
    };
    const flat = [10, 10, 10, 10, 10, 10, 10, 10];
    const episodes = makeEpisodes([{ price: flat }, { price: flat }], sim, 8);
    // Student 0 waits two periods, then sells half; student 1 sells half at once. T = 4.
    const actions = Int32Array.from([0, 0, 2, 2, 2, 2, 0, 0]);
    const rec = { episodes: 2, periods: 4, actions } as unknown as RolloutRecord;
    const teacher = ruleTeacherHook(rule, sim, 0.5).teacherActions(episodes, rec);
    expect(Array.from(teacher)).toEqual([1, 1, 1, 2, 1, 2, 2, 2]);
    expect(ruleTeacherHook(rule, sim, 0.5).coef).toBe(0.5);
  });
});

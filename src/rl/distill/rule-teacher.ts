/**
 * Distillation from a rule strategy instead of a trained network: the teacher's action of every
 * transition is the strategy's decision on the student's own state (the same order, day, period and
 * remaining inventory), mapped to the nearest action of the map. With a past-only strategy such as
 * the forecast planner this is a deployable teacher: the student is pulled toward what a model of the
 * state would trade while PPO optimises the reward.
 *
 * The student's states are replayed through the one simulator: at each period the strategy decides
 * on the environment as the student left it, then the environment steps with the student's recorded
 * action.
 */
import { ExecutionEnv } from '../../sim/env.js';
import type { EpisodeSet } from '../../sim/episodes.js';
import type { SimSettings } from '../../sim/settings.js';
import type { Strategy } from '../../strategies/types.js';
import type { RolloutRecord } from '../common/policy.js';
import type { DistillationHook } from '../ppo/ppo.js';

/** Index of the action-map value nearest to `share` (the first on ties). */
export function nearestAction(actionMap: readonly number[], share: number): number {
  let best = 0;
  for (let a = 1; a < actionMap.length; a++) if (Math.abs(actionMap[a] - share) < Math.abs(actionMap[best] - share)) best = a;
  return best;
}

export function ruleTeacherHook(strategy: Strategy, sim: SimSettings, coef: number): DistillationHook {
  return {
    coef,
    teacherActions(episodes: EpisodeSet, rec: RolloutRecord): Int32Array {
      const T = rec.periods;
      const n = rec.episodes;
      const env = new ExecutionEnv(episodes, sim);
      const teacher = new Float64Array(n);
      const student = new Float64Array(n);
      const actions = new Int32Array(n * T);
      strategy.begin(env);
      while (!env.done) {
        const t = env.t;
        strategy.decide(env, teacher);
        for (let i = 0; i < n; i++) {
          actions[i * T + t] = nearestAction(sim.actionMap, teacher[i]);
          student[i] = sim.actionMap[rec.actions[i * T + t]];
        }
        env.step(student);
      }
      return actions;
    },
  };
}

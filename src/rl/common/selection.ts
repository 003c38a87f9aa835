/**
 * How the training loop scores a checkpoint on the validation split, and so which checkpoint and
 * which evaluation mode a learner keeps.
 *
 * - 'mean-pa' (the default): the greedy policy's mean PA.
 * - 'one-se': the one-standard-error rule. For each evaluation mode (greedy and expected), the
 *   mean episode reward less one standard error of the day means of that reward. The orders of a
 *   day share the market's move, so a schedule that bets on one period (all of Q at the close, say)
 *   has a day-to-day spread many times a cautious one's. The plain mean picks such a bet on the
 *   luck of the validation window; this rule asks a gain to stand clear of its own noise. TWAP
 *   scores its reward exactly (every order's PA is 0, so the spread is 0).
 */
import { z } from 'zod';
import { groupByDay, mean, standardError } from '../../eval/stats.js';
import type { EpisodeSet } from '../../sim/episodes.js';
import { ExecutionEnv } from '../../sim/env.js';
import type { SimSettings } from '../../sim/settings.js';
import type { ActorCritic } from '../../nn/network.js';
import type { InferenceFactory } from './inference-pool.js';
import { rollout, rolloutSummary, type PolicySpec } from './policy.js';

export const SELECTION_RULES = ['mean-pa', 'one-se'] as const;
export type SelectionRule = (typeof SELECTION_RULES)[number];

/** A learner's `selection` setting (PPO and DDQN alike). */
export const SelectionSettingSchema = z
  .enum(SELECTION_RULES)
  .default('one-se')
  .describe(
    "How the kept checkpoint and evaluation mode are chosen on validation: 'one-se' the mean reward less one standard error of its day means, over the greedy and expected modes (a bet on one period must stand clear of its day-to-day noise); 'mean-pa' the greedy policy's mean PA (the rule before 2026-12-02).",
  );

/** The modes a checkpoint is evaluated in under 'one-se' (ties keep the first). */
export const SELECTED_MODES = ['greedy', 'expected'] as const;
export type SelectedMode = (typeof SELECTED_MODES)[number];

export interface ValidationScore {
  readonly mode: SelectedMode;
  readonly paBps: number;
  /** Mean episode reward. */
  readonly reward: number;
  /** Standard error of the day means of the episode reward (0 with fewer than two days). */
  readonly rewardSeByDay: number;
  /** What the loop maximises: paBps under 'mean-pa', reward - rewardSeByDay under 'one-se'. */
  readonly score: number;
}

/** The one-standard-error score of per-episode rewards: their mean less the SE of their day means. */
export function oneSeScore(episodeRewards: ArrayLike<number>, dayKeys: readonly string[]): { reward: number; seByDay: number; score: number } {
  const reward = mean(episodeRewards);
  const days = groupByDay(episodeRewards, dayKeys);
  const seByDay = days.means.length >= 2 ? standardError(days.means) : 0;
  return { reward, seByDay, score: reward - seByDay };
}

/** Each episode's total reward from a rollout's per-period rewards [e * T + t]. */
export function episodeRewards(rewards: Float32Array, episodes: number, periods: number): Float64Array {
  const out = new Float64Array(episodes);
  for (let e = 0; e < episodes; e++) {
    let s = 0;
    for (let t = 0; t < periods; t++) s += rewards[e * periods + t];
    out[e] = s;
  }
  return out;
}

/** One mode's validation: its mean PA, mean reward and one-SE score. */
export function validateMode(
  net: ActorCritic,
  spec: PolicySpec,
  episodes: EpisodeSet,
  sim: SimSettings,
  mode: SelectedMode,
  inference: InferenceFactory | null,
): Omit<ValidationScore, 'score'> & { oneSe: number } {
  const env = new ExecutionEnv(episodes, sim);
  const rec = rollout(net, spec, env, mode, null, { inference });
  const { meanPaBps } = rolloutSummary(env, rec);
  const s = oneSeScore(episodeRewards(rec.rewards, rec.episodes, rec.periods), episodes.date);
  return { mode, paBps: meanPaBps, reward: s.reward, rewardSeByDay: s.seByDay, oneSe: s.score };
}

/** Scores a checkpoint under `rule`: the greedy policy alone, or the better of the two modes. */
export function scoreCheckpoint(
  net: ActorCritic,
  spec: PolicySpec,
  episodes: EpisodeSet,
  sim: SimSettings,
  rule: SelectionRule,
  inference: InferenceFactory | null = null,
): ValidationScore {
  if (rule === 'mean-pa') {
    const v = validateMode(net, spec, episodes, sim, 'greedy', inference);
    return { mode: 'greedy', paBps: v.paBps, reward: v.reward, rewardSeByDay: v.rewardSeByDay, score: v.paBps };
  }
  let best: ValidationScore | null = null;
  for (const mode of SELECTED_MODES) {
    const v = validateMode(net, spec, episodes, sim, mode, inference);
    if (best === null || v.oneSe > best.score) best = { mode, paBps: v.paBps, reward: v.reward, rewardSeByDay: v.rewardSeByDay, score: v.oneSe };
  }
  return best!;
}

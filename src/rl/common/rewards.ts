/**
 * Reward choices for learners. 'opd' is SPEC 4's per-period reward, computed by the environment.
 * 'sparse' is Lin and Beling's terminal reward (SPEC 7): +1 / 0 / -1 from comparing the achieved
 * average price with the benchmark. The released code's ratio thresholds (1.0 and 1.1) made +1
 * nearly unreachable; ExecLab compares the order's PA with a symmetric band of +-thresholdBps.
 */
import type { ExecutionEnv } from '../../sim/env.js';
import type { RolloutRecord } from './policy.js';
import { executedPaBps } from '../../sim/reward.js';

export type RewardKind = 'opd' | 'sparse';

export function sparseTerminalReward(paBps: number, thresholdBps: number): number {
  if (paBps > thresholdBps) return 1;
  if (paBps < -thresholdBps) return -1;
  return 0;
}

/** Replaces the per-period rewards of a rollout by the sparse terminal reward. */
export function applySparseReward(thresholdBps: number) {
  return (env: ExecutionEnv, rec: RolloutRecord): void => {
    const T = rec.periods;
    const { benchmark, side } = env.episodes;
    rec.rewards.fill(0);
    for (let i = 0; i < rec.episodes; i++) {
      const pa = executedPaBps(env.executedValue[i], env.executedQty[i], benchmark[i], side[i]);
      rec.rewards[i * T + T - 1] = Number.isNaN(pa) ? -1 : sparseTerminalReward(pa, thresholdBps);
    }
  };
}

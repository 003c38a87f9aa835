/**
 * One learned method's settings: the global ones of a reproduction or a sweep (MethodBase), and
 * what a sweep's trial or a method's own sweep sets on top of them (MethodSettings). The sweep's
 * trials and the reproduction's per-method sweeps apply them the same way, here.
 */
import type { Budget } from './settings.js';
import type { LearnerOverrides } from './tasks.js';

/** The settings a sweep chooses for its method (the learner's; the rest stays global). */
export interface MethodSettings {
  readonly learningRate?: number;
  readonly distillCoef?: number;
  readonly marketContext?: boolean;
  readonly rewardBaseline?: 'none' | 'market';
  readonly initialPolicy?: 'uniform' | 'twap';
  readonly entropyCoef?: number;
  readonly hidden?: number;
  readonly iterations?: number;
  readonly episodesPerIteration?: number;
}

/** The global settings one method trains with, before its own sweep's choice is applied. */
export interface MethodBase {
  readonly budget: Budget;
  readonly learningRate: number;
  readonly distillCoef: number;
  readonly learner: LearnerOverrides;
}

/** `base` with `own` applied: the budget, learning rate, distillation weight and learner settings of one method. */
export function applyMethodSettings(base: MethodBase, own: MethodSettings | undefined): MethodBase {
  if (!own) return base;
  const iterations = own.iterations ?? base.budget.iterations;
  return {
    budget: {
      ...base.budget,
      iterations,
      episodesPerIteration: own.episodesPerIteration ?? base.budget.episodesPerIteration,
      validateEvery: Math.min(base.budget.validateEvery, iterations),
    },
    learningRate: own.learningRate ?? base.learningRate,
    distillCoef: own.distillCoef ?? base.distillCoef,
    learner: {
      ...base.learner,
      ...(own.marketContext !== undefined ? { marketContext: own.marketContext } : {}),
      ...(own.rewardBaseline !== undefined ? { rewardBaseline: own.rewardBaseline } : {}),
      ...(own.initialPolicy !== undefined ? { initialPolicy: own.initialPolicy } : {}),
      ...(own.entropyCoef !== undefined ? { entropyCoef: own.entropyCoef } : {}),
      ...(own.hidden !== undefined ? { hidden: own.hidden } : {}),
    },
  };
}

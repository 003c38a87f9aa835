/**
 * One learned method's settings: the global ones of a reproduction or a sweep (MethodBase), and
 * what a sweep's trial or a method's own sweep sets on top of them (MethodSettings). The sweep's
 * trials and the reproduction's per-method sweeps apply them the same way, here.
 */
import type { Budget } from './settings.js';
import type { SweepKey } from './sweep.js';
import type { LearnerOverrides, Method } from './tasks.js';

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

const COMMON_KEYS = ['learningRate', 'marketContext', 'hidden', 'iterations', 'episodesPerIteration'] as const satisfies readonly SweepKey[];
/** Every PPO learner's actor: where it starts and its entropy bonus. */
const ACTOR_KEYS = [...COMMON_KEYS, 'initialPolicy', 'entropyCoef'] as const satisfies readonly SweepKey[];
/** The OPD learners' own settings: the actor's, and the reward baseline. */
const OPD_KEYS = [...ACTOR_KEYS, 'rewardBaseline'] as const satisfies readonly SweepKey[];

/**
 * The settings that reach a method's training (tasks.ts): the distillation weight is OPD's alone,
 * the reward baseline the OPD learners' (Lin and Beling's PPO keeps its sparse reward), and DDQN
 * has no actor to start or entropy bonus.
 */
export function methodSettingKeys(method: Method): readonly (keyof MethodSettings)[] {
  if (method === 'OPD') return [...OPD_KEYS, 'distillCoef'];
  if (method === 'PPO') return ACTOR_KEYS;
  if (method === 'DDQN') return COMMON_KEYS;
  return OPD_KEYS;
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

/**
 * Training tasks of a reproduction: one per (method, seed), each a plain JSON-safe description that a
 * worker thread (or this process) can run. Finished tasks are cached on disk under a key of
 * everything that determines their result; an interrupted task resumes from its checkpoint.
 */
import { createHash } from 'node:crypto';
import { KERNEL_NUMERICS } from '../nn/kernels.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { OrderSettings } from '../data/orders.js';
import { openDataset, type DatasetStore } from '../data/store.js';
import { fitForecastOnStore } from '../eval/forecast-fit.js';
import { peerGroupsOf } from '../data/peers.js';
import { loadPolicy } from '../rl/common/policy-file.js';
import { DdqnSettingsSchema, type DdqnSettings } from '../rl/ddqn/settings.js';
import { PpoSettingsSchema, type PpoSettings } from '../rl/ppo/settings.js';
import { prepareTrainingData, trainPolicy, type TrainingData, type TrainJob } from '../rl/train.js';
import type { SimSettings } from '../sim/settings.js';
import type { ProgressFn } from '../util/progress.js';
import type { Strategy } from '../strategies/types.js';
import type { SelectionRule } from '../rl/common/selection.js';
import type { MethodSettings } from './method-settings.js';
import type { Budget } from './settings.js';

export type Method = 'OPD-T' | 'OPD-S' | 'OPD' | 'OPD-F' | 'PPO' | 'DDQN';

/**
 * OPD-F's weight of the distillation toward the forecast planner. The teacher is past-only, so the
 * student may follow it closely (the paper's 0.01 is for an oracle it cannot follow): at 1 the term
 * is a quarter to a third of the update's output gradient on the 2025 data (docs/RESULTS.md).
 */
export const FORECAST_DISTILL_COEF = 1;

export interface TrainTask {
  readonly id: string;
  readonly method: Method;
  readonly seed: number;
  readonly dataDir: string;
  readonly sim: SimSettings;
  readonly orders: OrderSettings;
  readonly algo: 'ppo' | 'ddqn';
  readonly ppo?: PpoSettings;
  readonly ddqn?: DdqnSettings;
  /** OPD: the id of its teacher task and the distillation settings. */
  readonly teacher?: {
    readonly taskId: string;
    readonly mode: 'query' | 'replay';
    readonly coef: number;
    /** Set when the teacher learns longer than the budget: part of the cache key, as the teacher is. */
    readonly teacherIterations?: number;
    /** Set when the teacher collects more episodes per iteration than the budget (cache key, likewise). */
    readonly teacherEpisodesPerIteration?: number;
    /** Set when the teacher has its own learning rate (cache key, likewise). */
    readonly teacherLearningRate?: number;
    /** Set when the teacher has its own early-stopping patience (cache key, likewise). */
    readonly teacherPatience?: number;
    /** Set when the teacher trains with settings of its own method sweep (cache key, likewise). */
    readonly teacherSettings?: MethodSettings;
  };
  /** OPD-F: distillation toward the forecast planner, fitted by the worker on the task's dataset. */
  readonly ruleTeacher?: { readonly name: 'FORECAST'; readonly coef: number };
  readonly outDir: string;
  readonly dependsOn: readonly string[];
  readonly iterations: number;
}

/** Observation, start, reward and size settings a reproduction or a sweep sets for every learner. */
export interface LearnerOverrides {
  readonly marketContext: boolean;
  /** Peer context of groups of this size (src/data/peers.ts) for every learner; absent or null = none. */
  readonly peerGroups?: number | null;
  readonly rewardBaseline: 'none' | 'market';
  /** Every learner reads a buy order's price features mirrored (orders of both sides; mirrorPublicStep). */
  readonly mirrorBuys?: boolean;
  readonly entropyCoef?: number | null;
  readonly initialPolicy?: 'uniform' | 'twap';
  readonly hidden?: number | null;
  /** The teacher's (OPD-T's) iterations when they differ from the budget's: it learns longer. */
  readonly teacherIterations?: number | null;
  /** The teacher's episodes per iteration, when they differ from the budget's. */
  readonly teacherEpisodesPerIteration?: number | null;
  /** The teacher's learning rate, when it differs from the learners'. */
  readonly teacherLearningRate?: number | null;
  /** The teacher's early-stopping patience (validations without a new best), when it differs from the budget's. */
  readonly teacherPatience?: number | null;
  /**
   * How the students (every method but OPD-T, which keeps 'mean-pa') choose their checkpoint and
   * evaluation mode on validation (selection.ts; default 'one-se').
   */
  readonly selection?: SelectionRule | null;
}

/** Settings of a learned method from the budget (SPEC 7 and 8). */
export function methodTask(
  method: Method,
  seed: number,
  budget: Budget,
  learningRate: number,
  base: {
    dataDir: string;
    sim: SimSettings;
    orders: OrderSettings;
    cacheDir: string;
    fingerprint: string;
    distill?: { mode: 'query' | 'replay'; coef: number };
    /** Observation and training-reward settings shared by the learners (see ReproduceSettings). */
    learner?: LearnerOverrides;
    /** Appended to the task id (a sweep's trial), so that trials of one method and seed differ. */
    idSuffix?: string;
    /** OPD: the settings its teacher's own method sweep chose, when there is one (part of the cache key). */
    teacherSettings?: MethodSettings;
  },
): TrainTask {
  const l = base.learner;
  const common = {
    ...budget,
    seed,
    learningRate,
    marketContext: l?.marketContext ?? false,
    ...(l?.peerGroups != null ? { peerGroups: l.peerGroups } : {}),
    ...(l?.hidden != null ? { hidden: l.hidden } : {}),
    ...(l?.mirrorBuys ? { mirrorBuys: true } : {}),
  };
  // The teacher is not deployed: it keeps the mean-PA rule (and its cached trainings).
  const selection = { selection: method === 'OPD-T' ? 'mean-pa' : (l?.selection ?? 'one-se') };
  // The teacher's own budget, where it differs from the learners': OPD-T's settings, and part of
  // OPD's cache key under the same names prefixed with 'teacher' (as it depends on its teacher).
  const teacherBudget = Object.fromEntries(
    (
      [
        ['iterations', l?.teacherIterations],
        ['episodesPerIteration', l?.teacherEpisodesPerIteration],
        ['learningRate', l?.teacherLearningRate],
        ['patience', l?.teacherPatience],
      ] as const
    ).filter(([, v]) => v != null),
  );
  // Where every PPO learner's actor starts and its entropy bonus (DDQN has no actor).
  const actorStart = {
    initialPolicy: l?.initialPolicy ?? 'uniform',
    ...(l?.entropyCoef != null ? { entropyCoef: l.entropyCoef } : {}),
  };
  // The market-neutral baseline applies to the OPD reward (not to Lin and Beling's sparse one, nor DDQN).
  const opdCommon = { ...common, rewardBaseline: l?.rewardBaseline ?? 'none', ...actorStart };
  let algo: 'ppo' | 'ddqn' = 'ppo';
  let ppo: PpoSettings | undefined;
  let ddqn: DdqnSettings | undefined;
  let teacher: TrainTask['teacher'];
  let ruleTeacher: TrainTask['ruleTeacher'];
  switch (method) {
    case 'OPD-T':
      ppo = PpoSettingsSchema.parse({ ...opdCommon, ...selection, view: 'teacher', ...teacherBudget });
      break;
    case 'OPD-S':
      ppo = PpoSettingsSchema.parse({ ...opdCommon, ...selection });
      break;
    case 'OPD':
      ppo = PpoSettingsSchema.parse({ ...opdCommon, ...selection });
      teacher = {
        taskId: `OPD-T-s${seed}`,
        mode: base.distill?.mode ?? 'query',
        coef: base.distill?.coef ?? 0.01,
        ...Object.fromEntries(Object.entries(teacherBudget).map(([k, v]) => [`teacher${k[0].toUpperCase()}${k.slice(1)}`, v])),
        ...(base.teacherSettings && Object.keys(base.teacherSettings).length > 0 ? { teacherSettings: base.teacherSettings } : {}),
      };
      break;
    case 'OPD-F':
      ppo = PpoSettingsSchema.parse({ ...opdCommon, ...selection });
      ruleTeacher = { name: 'FORECAST', coef: FORECAST_DISTILL_COEF };
      break;
    case 'PPO':
      // Lin and Beling's reward and state; the actor's start and entropy bonus are the OPD learners'
      // (no market baseline: their reward is the sparse one).
      ppo = PpoSettingsSchema.parse({ ...common, ...actorStart, ...selection, reward: 'sparse', previousActionInState: true });
      break;
    case 'DDQN':
      algo = 'ddqn';
      ddqn = DdqnSettingsSchema.parse({
        ...common,
        ...selection,
        learningRate: learningRate / 3,
        episodesPerIteration: Math.max(64, Math.round(budget.episodesPerIteration / 2)),
        updatesPerIteration: 8,
        epsilonDecayIterations: Math.max(1, Math.round(budget.iterations * 0.6)),
        bufferEpisodes: Math.max(2048, budget.episodesPerIteration * 10),
        targetUpdateEvery: 50,
      });
      break;
  }
  const id = `${method}-s${seed}${base.idSuffix ?? ''}`;
  // The kernels' numerics are part of the key: a training cached under other numerics is not this
  // run's result (its seed would not reproduce it), so it is trained again.
  const key = createHash('sha256')
    .update(JSON.stringify({ fingerprint: base.fingerprint, sim: base.sim, orders: base.orders, method, seed, ppo: keyed(ppo), ddqn: keyed(ddqn), teacher, ruleTeacher, numerics: KERNEL_NUMERICS }))
    .digest('hex')
    .slice(0, 12);
  return {
    id,
    method,
    seed,
    dataDir: base.dataDir,
    sim: base.sim,
    orders: base.orders,
    algo,
    ppo,
    ddqn,
    teacher,
    ...(ruleTeacher ? { ruleTeacher } : {}),
    outDir: join(base.cacheDir, `${id}-${key}`),
    dependsOn: teacher ? [teacher.taskId] : [],
    iterations: ppo?.iterations ?? ddqn?.iterations ?? budget.iterations,
  };
}

/**
 * A learner's settings as its cache key sees them: 'mean-pa' selection, the rule of the trainings
 * made before the setting existed, is left out, so that its key is theirs (with the kernels'
 * numerics since 2026-12-06, so that only trainings of the same numerics are found again).
 */
function keyed<T extends { selection: SelectionRule }>(settings: T | undefined): T | Omit<T, 'selection'> | undefined {
  if (settings === undefined || settings.selection !== 'mean-pa') return settings;
  const { selection: _mean, ...rest } = settings;
  return rest;
}

export function policyPath(task: TrainTask): string {
  return join(task.outDir, 'policy.json');
}

export function isDone(task: TrainTask): boolean {
  return existsSync(policyPath(task));
}

const dataCache = new Map<string, TrainingData>();
/** One opened dataset per directory and thread, so that its peer groups are fitted once (peerGroupsOf). */
const storeCache = new Map<string, DatasetStore>();
/** The forecast planner of a dataset, fitted once per thread for every OPD-F seed (deterministic). */
const forecastCache = new Map<string, Strategy>();

/**
 * Runs one task in this thread (resuming its checkpoint when there is one); `onCheckpoint` is called
 * after each checkpoint is written to task.outDir.
 */
export async function runTask(task: TrainTask, teacherPolicyPath: string | null, onProgress?: ProgressFn, onCheckpoint?: () => Promise<void>): Promise<void> {
  // The peer context's groups, fitted on the training days, when the learner reads it.
  const size = (task.ppo ?? task.ddqn)?.peerGroups ?? null;
  const key = JSON.stringify([task.dataDir, task.sim, task.orders, size]);
  const store = storeCache.get(task.dataDir) ?? openDataset(task.dataDir);
  storeCache.set(task.dataDir, store);
  const peers = size !== null ? peerGroupsOf(store, size) : null;
  let data = dataCache.get(key);
  if (!data) {
    data = prepareTrainingData(store, task.sim, task.orders, undefined, undefined, peers);
    dataCache.set(key, data);
  }
  let job: TrainJob;
  if (task.algo === 'ppo') {
    const teacher = task.teacher && teacherPolicyPath ? { policy: loadPolicy(teacherPolicyPath), mode: task.teacher.mode, coef: task.teacher.coef } : undefined;
    // The forecast planner is fitted here, on the training and validation splits of the task's data.
    let forecast = task.ruleTeacher ? forecastCache.get(key) : undefined;
    if (task.ruleTeacher && !forecast) {
      forecast = fitForecastOnStore(store, task.sim, task.orders, undefined, peers ? [peers] : []).strategy;
      forecastCache.set(key, forecast);
    }
    const ruleTeacher = task.ruleTeacher && forecast ? { strategy: forecast, name: task.ruleTeacher.name, coef: task.ruleTeacher.coef } : undefined;
    job = { algo: 'ppo', name: task.method, settings: task.ppo!, teacher, ruleTeacher };
  } else {
    job = { algo: 'ddqn', name: task.method, settings: task.ddqn! };
  }
  await trainPolicy(data, task.sim, job, { outDir: task.outDir, resume: true, onProgress, onCheckpoint });
}

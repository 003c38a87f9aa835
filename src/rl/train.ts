/**
 * Training as a library call: build the training and validation episodes from a dataset, create the
 * network, run PPO (optionally with distillation from a teacher) or DDQN through the shared loop,
 * and return the best policy by validation PA.
 */
import type { PeerGroups } from '../data/peers.js';
import { peerSpec } from './common/peer-spec.js';
import { join } from 'node:path';
import { generateOrders, type OrderSettings } from '../data/orders.js';
import type { DatasetStore } from '../data/store.js';
import { ExecLabError } from '../errors.js';
import { buildEpisodes, type EpisodeSet } from '../sim/episodes.js';
import { publicWidth } from '../sim/observation.js';
import { mean } from '../eval/stats.js';
import type { SimSettings } from '../sim/settings.js';
import type { ProgressFn } from '../util/progress.js';
import { Rng } from '../util/random.js';
import { runLoop, type LoopResult } from './common/loop.js';
import { privateWidth, type PrivateLayout } from './common/observe.js';
import { sideSpec } from './common/policy.js';
import { TwoThreadInference } from './common/inference-pool.js';
import { ActorCritic } from '../nn/network.js';
import { DataParallel } from './common/data-parallel.js';
import { EVALUATION_MODES, POLICY_FORMAT, policyStrategy, savePolicy, type EvaluationMode, type PolicyBars, type PolicyFile } from './common/policy-file.js';
import { runStrategyInParts } from '../eval/run.js';
import { maxEntropyPrior, startActorAt } from './common/prior.js';
import { periodGrid } from '../sim/settings.js';
import { DdqnLearner } from './ddqn/ddqn.js';
import type { DdqnSettings } from './ddqn/settings.js';
import { distillationHook, type DistillMode } from './distill/teacher.js';
import { ruleTeacherHook } from './distill/rule-teacher.js';
import type { Strategy } from '../strategies/types.js';
import { PpoLearner } from './ppo/ppo.js';
import type { PpoSettings } from './ppo/settings.js';

export interface TrainingData {
  readonly train: EpisodeSet;
  readonly validation: EpisodeSet;
  readonly datasetName: string;
  readonly featureStats: DatasetStore['meta']['featureStats'];
  readonly bars: PolicyBars;
  /** Orders available before sampling (equal to the episode counts unless MAX_EPISODES_IN_MEMORY cut them). */
  readonly available: { readonly train: number; readonly validation: number };
  /** The peer groups the episodes carry (their peer context), or null. */
  readonly peers: PeerGroups | null;
}

/**
 * At most this many training (and validation) orders are cut into episodes (about 6.5 KB each): at
 * the paper's scale (3,500 instruments x 600 days) a uniform random sample of the orders keeps a
 * training run well under 2 GB. Smaller datasets use every order.
 */
export const MAX_EPISODES_IN_MEMORY = 100_000;

/** A seeded uniform sample of at most `max` orders, in their original sequence. */
function sampleOrders<T>(list: readonly T[], max: number, seed: number): T[] {
  if (list.length <= max) return [...list];
  const rng = new Rng(seed);
  const idx = Int32Array.from({ length: list.length }, (_, k) => k);
  for (let i = 0; i < max; i++) {
    const j = i + rng.int(list.length - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return Array.from(idx.subarray(0, max)).sort((a, b) => a - b).map((k) => list[k]);
}

/**
 * Orders on the training and validation splits (seeded), cut into episodes once; with `peers`, the
 * episodes carry their peer context.
 */
export function prepareTrainingData(
  store: DatasetStore,
  sim: SimSettings,
  orders: OrderSettings,
  onProgress?: ProgressFn,
  maxEpisodes = MAX_EPISODES_IN_MEMORY,
  peers: PeerGroups | null = null,
): TrainingData {
  const allTrain = generateOrders(store, store.datesOf('train'), orders);
  const allValid = generateOrders(store, store.datesOf('validation'), { ...orders, seed: orders.seed + 1 });
  const trainOrders = sampleOrders(allTrain, maxEpisodes, orders.seed + 11);
  const validOrders = sampleOrders(allValid, maxEpisodes, orders.seed + 12);
  const train = buildEpisodes(store, trainOrders, sim, { onProgress, peers }).episodes;
  const validation = buildEpisodes(store, validOrders, sim, { peers }).episodes;
  if (train.count === 0) throw new ExecLabError('no training orders: the training split has no valid instrument-day');
  if (validation.count === 0) throw new ExecLabError('no validation orders: the validation split has no valid instrument-day');
  const bars = { barMinutes: store.meta.barMinutes, barsPerDay: store.meta.minutesPerDay, session: store.meta.session.name };
  return { train, validation, datasetName: store.meta.name, featureStats: store.meta.featureStats, bars, available: { train: allTrain.length, validation: allValid.length }, peers };
}

export type TrainJob =
  | {
      readonly algo: 'ppo';
      readonly name: string;
      readonly settings: PpoSettings;
      /** OPD: a trained teacher policy. */
      readonly teacher?: { readonly policy: PolicyFile; readonly mode: DistillMode; readonly coef: number };
      /** OPD-F: a rule strategy as the teacher, asked on the student's states (src/rl/distill/rule-teacher.ts). */
      readonly ruleTeacher?: { readonly strategy: Strategy; readonly name: string; readonly coef: number };
    }
  | { readonly algo: 'ddqn'; readonly name: string; readonly settings: DdqnSettings };

export interface TrainOutput {
  readonly policy: PolicyFile;
  readonly result: LoopResult;
}

/**
 * Trains one policy. With `outDir`, writes checkpoint.json, metrics.jsonl and policy.json there;
 * `resume` continues from the checkpoint to the same result as an uninterrupted run.
 */
export async function trainPolicy(
  data: TrainingData,
  sim: SimSettings,
  job: TrainJob,
  io: {
    outDir: string | null;
    resume?: boolean;
    onProgress?: ProgressFn;
    haltAfter?: number;
    /** After each checkpoint is written (see LoopIo.onCheckpoint). */
    onCheckpoint?: () => Promise<void>;
    /** Threads for rollouts (collection and validation): 2 or more step them on two, bit-identical to one. */
    threads?: number;
    /**
     * PPO: network replicas that each compute part of every minibatch gradient, in worker threads.
     * Faster on as many cores, but the halves' sums round differently from one replica's, so the
     * run's numbers depend on it (default 1).
     */
    replicas?: number;
    /** Worker scripts (tests running from source point them at the build). */
    workerUrl?: URL;
    inferenceWorkerUrl?: URL;
  },
): Promise<TrainOutput> {
  const s = job.settings;
  peerSpec(s, data.train); // refuses a peer context without the market context or without its groups, before any work
  const layout: PrivateLayout = { privateFeatures: job.algo === 'ppo' && job.settings.previousActionInState ? 3 : 2, ...sideSpec(data.train) };
  const privIn = privateWidth(layout);
  const shape = { pubIn: publicWidth({ market: s.marketContext, peers: s.peerGroups !== undefined }), privIn, hidden: s.hidden, mlp: [64, 32], actions: sim.actionMap.length };
  const net = ActorCritic.create(shape, new Rng(s.seed));
  if (job.algo === 'ppo' && job.settings.initialPolicy === 'twap') {
    startActorAt(net, maxEntropyPrior(sim.actionMap, 1 / periodGrid(sim, data.bars.barMinutes, data.bars.barsPerDay).periods));
  }
  let learner;
  let pool: DataParallel | null = null;
  // With threads > 1, rollouts (collection and validation) step half of the environments on a
  // second thread: the same records as one thread, bit for bit.
  const twoThreads = (io.threads ?? 1) > 1 ? new TwoThreadInference(net, io.inferenceWorkerUrl) : null;
  if (job.algo === 'ppo') {
    const hook = job.teacher
      ? distillationHook(ActorCritic.fromJSON(job.teacher.policy.network), job.teacher.policy.spec, layout, sim, job.teacher.mode, job.teacher.coef)
      : job.ruleTeacher
        ? ruleTeacherHook(job.ruleTeacher.strategy, sim, job.ruleTeacher.coef)
        : null;
    // With replicas > 1, each minibatch gradient is computed by that many network replicas (worker
    // threads sharing the parameters): the same update up to float rounding, split over cores.
    const replicas = io.replicas ?? 1;
    pool = replicas > 1 ? new DataParallel(net, { workers: replicas - 1, workerUrl: io.workerUrl }) : null;
    learner = new PpoLearner(net, data.train, sim, job.settings, hook, pool, twoThreads?.factory ?? null);
  } else {
    learner = new DdqnLearner(net, net.clone(), data.train, sim, job.settings, twoThreads?.factory ?? null);
  }
  let result;
  try {
    result = await runLoop(
      learner,
      data.validation,
      sim,
      { iterations: s.iterations, validateEvery: s.validateEvery, patience: s.patience, selection: s.selection },
      {
        dir: io.outDir,
        resume: io.resume ?? false,
        onProgress: io.onProgress,
        haltAfter: io.haltAfter,
        onCheckpoint: io.onCheckpoint,
        inference: twoThreads?.factory ?? null,
        replicas: pool ? pool.replicas : 1,
        // Compared on --resume: a run continued with other settings is refused, naming them.
        settings: { algo: job.algo, ...s, sim, distillation: distillationRecord(job) },
      },
    );
  } finally {
    twoThreads?.close();
    await pool?.close();
  }
  net.params.set(result.bestParams);
  // The evaluation mode is chosen on the validation split too. Under 'mean-pa', by the best
  // checkpoint's mean PA in each mode (greedy is what the loop validated; ties keep greedy); under
  // 'one-se', the loop scored both modes and kept the checkpoint's better one.
  const byMode = {} as Record<EvaluationMode, number>;
  for (const mode of EVALUATION_MODES) {
    const run = runStrategyInParts(policyStrategy(net, learner.spec, job.name, 'learned', 1, mode), data.validation, sim);
    // Orders without fills have no PA (NaN) and stay out of the mean, as in every report.
    byMode[mode] = mean(run.paBps.filter((x) => !Number.isNaN(x)));
  }
  const evaluation: EvaluationMode = s.selection === 'one-se' ? (result.best.mode ?? 'greedy') : byMode.expected > byMode.greedy ? 'expected' : 'greedy';
  const policy: PolicyFile = {
    format: POLICY_FORMAT,
    name: job.name,
    algo: job.algo,
    spec: learner.spec,
    network: net.toJSON(),
    sim,
    featureStats: data.featureStats,
    bars: data.bars,
    evaluation,
    dataset: data.datasetName,
    training: {
      settings: s,
      distillation: distillationRecord(job),
      best: result.best,
      validationPaByMode: byMode,
      iterations: result.iterations,
      stoppedEarly: result.stoppedEarly,
      history: result.history,
    },
    createdAt: new Date().toISOString(),
  };
  if (io.outDir) savePolicy(join(io.outDir, 'policy.json'), policy);
  return { policy, result };
}

/** What a run distilled from, as the checkpoint and the policy file record it (null: no teacher). */
function distillationRecord(job: TrainJob): { mode: DistillMode; coef: number; teacher: string } | null {
  if (job.algo !== 'ppo') return null;
  if (job.teacher) return { mode: job.teacher.mode, coef: job.teacher.coef, teacher: job.teacher.policy.name };
  // A rule is asked on the student's own states: the query mode.
  if (job.ruleTeacher) return { mode: 'query', coef: job.ruleTeacher.coef, teacher: job.ruleTeacher.name };
  return null;
}

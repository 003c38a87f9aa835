/**
 * Where a reproduction's and a sweep's work runs: the seam between the pipeline and its executors.
 * The local one trains in worker threads of this machine and evaluates in this thread; the
 * distributed one (src/distributed) sends the same tasks as jobs to workers on other machines. Both
 * leave each trained policy in its task's cache directory and return the same per-order results.
 */
import type { Order, OrderSettings } from '../data/orders.js';
import type { DatasetStore } from '../data/store.js';
import { runStrategyInParts, type StrategyRun } from '../eval/run.js';
import type { EpisodeSet } from '../sim/episodes.js';
import type { SimSettings } from '../sim/settings.js';
import type { Strategy } from '../strategies/types.js';
import { runTasks, type TaskProgress } from './scheduler.js';
import type { TrainTask } from './tasks.js';

/** A strategy to evaluate: what travels to a worker (`spec`), and how this process builds it. */
export interface EvaluationItem {
  /** A rule name (twap, vwap, ac, static, planner) or a policy file's path. */
  readonly spec: string;
  readonly build: () => Strategy;
}

/** The orders to evaluate on, their dataset, and their episodes as this process built them. */
export interface EvaluationSet {
  readonly store: DatasetStore;
  readonly orders: readonly Order[];
  /** The settings the orders were generated with (the forecast planner is fitted with them). */
  readonly orderSettings: OrderSettings;
  /** The peer group sizes the forecast planner tries (the reproduction's --peer-groups); null or absent = none. */
  readonly peerGroups?: readonly number[] | null;
  readonly episodes: EpisodeSet;
}

export interface Executor {
  /** Trains every task not yet cached, leaving its policy.json (and metrics.jsonl) in task.outDir. */
  train(tasks: readonly TrainTask[], onProgress: TaskProgress): Promise<void>;
  /** Each item's per-order results on the set, in the episodes' order. */
  evaluate(items: readonly EvaluationItem[], set: EvaluationSet, sim: SimSettings): Promise<StrategyRun[]>;
}

/** This machine: `workers` training threads (0 = in this thread), evaluation in this thread. */
export function localExecutor(workers: number): Executor {
  return {
    train: (tasks, onProgress) => runTasks(tasks, workers, onProgress),
    evaluate: async (items, set, sim) =>
      items.map((item) => {
        const strategy = item.build();
        try {
          return runStrategyInParts(strategy, set.episodes, sim);
        } finally {
          strategy.close?.();
        }
      }),
  };
}

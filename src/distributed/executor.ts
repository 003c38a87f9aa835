/**
 * Reproductions, sweeps and backtests over the queue: every training is a job (OPD's with its
 * teacher as a child, a BullMQ flow), every evaluation is a job per shard of whole dates. The
 * coordinator copies each finished policy into its local cache, so that the rest of the pipeline
 * (report, cache, resume) is the local run's, and gathers the per-order results in date order.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Order } from '../data/orders.js';
import type { DatasetStore } from '../data/store.js';
import { ExecLabError } from '../errors.js';
import { backtestOrders, DEFAULT_MAX_ORDERS_IN_MEMORY, FORECAST_STRATEGY, finishBacktest, STATIC_STRATEGY, type BacktestRequest, type BacktestResult, type OrdersRun } from '../eval/backtest.js';
import { PLANNER_STRATEGY } from '../eval/planner-model.js';
import { concatRuns } from '../eval/run.js';
import type { Executor } from '../reproduce/executor.js';
import { isDone, policyPath, type TrainTask } from '../reproduce/tasks.js';
import type { SimSettings } from '../sim/settings.js';
import { DEFAULT_AC_SETTINGS } from '../strategies/almgren-chriss.js';
import { RULE_STRATEGIES } from '../strategies/registry.js';
import { execlabVersion } from '../util/environment.js';
import { writeFileAtomic } from '../util/files.js';
import { trainingKeys } from './artifacts.js';
import { decodeOrdersRun } from './codec.js';
import type { Coordinator, JobSpec } from './coordinator.js';
import { datasetRef, type DatasetRef } from './dataset.js';
import { cacheKeyOf, type EvaluateJobData, type StrategyRef, type TrainJobData } from './jobs.js';
import { shardsOfDates } from './shards.js';

/** Test dates per evaluation job by default: enough jobs to spread, few enough to keep overhead small. */
export const DEFAULT_SHARD_DAYS = 5;

const RULES = new Set<string>([...RULE_STRATEGIES, STATIC_STRATEGY, FORECAST_STRATEGY, PLANNER_STRATEGY]);

/** A strategy spec as a job names it: rules by name, policy files by their content in the store. */
async function strategyRef(c: Coordinator, spec: string): Promise<StrategyRef> {
  if (RULES.has(spec.toLowerCase())) return { rule: spec };
  if (!existsSync(spec)) throw new ExecLabError(`strategy '${spec}': not a rule and no such policy file`, 2);
  return { policyArtifact: await c.store.putContent('policy', readFileSync(spec)) };
}

/**
 * Runs strategies over orders as one job per shard of `shardDays` dates and returns the shards'
 * results in date order.
 */
async function evaluateShards(
  c: Coordinator,
  dataset: DatasetRef,
  store: DatasetStore,
  specs: readonly string[],
  orders: readonly Order[],
  job: Pick<EvaluateJobData, 'sim' | 'ac' | 'policyMode' | 'maxOrdersInMemory' | 'orderSettings' | 'peerGroups'>,
  shardDays: number,
): Promise<OrdersRun[]> {
  const strategies = await Promise.all(specs.map((s) => strategyRef(c, s)));
  const shards = shardsOfDates(store.meta.dates, orders, shardDays);
  const batch = c.nextBatch();
  const jobs: JobSpec[] = shards.map((part, k) => {
    const label = `evaluate-${batch} ${k + 1}/${shards.length}`;
    const data: EvaluateJobData = {
      kind: 'evaluate',
      execlab: execlabVersion(),
      dataset,
      label,
      strategies,
      orders: part,
      ...job,
      resultKey: `result/${c.run}/${batch}/${k}`,
    };
    return { name: label, data };
  });
  const ids = await c.submit(jobs);
  const pieces = new Map<string, OrdersRun>();
  const onCompleted = async (name: string, result: unknown): Promise<void> => {
    const key = (result as { resultKey: string }).resultKey;
    const bytes = await c.store.get(key);
    if (!bytes) throw new ExecLabError(`job ${name}: its results (${key}) are not in the artifact store`);
    pieces.set(name, decodeOrdersRun(bytes));
    await c.store.delete([key]);
  };
  await c.wait(ids, { onCompleted }, `evaluation ${batch}`);
  return jobs.map((j) => pieces.get(j.name) as OrdersRun);
}

/** A training that waits for a dependency other trainings need too (a sweep's OPD teacher). */
interface Deferred {
  readonly task: TrainTask;
  /** The shared dependencies it waits for. */
  readonly after: readonly string[];
  readonly spec: JobSpec;
}

/**
 * Training jobs for the tasks not cached: each with the dependencies only it needs as its flow
 * children; those needing a shared dependency are deferred until it has finished.
 */
function trainingJobs(tasks: readonly TrainTask[], dataset: (t: TrainTask) => DatasetRef): { now: JobSpec[]; later: Deferred[] } {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const pending = tasks.filter((t) => !isDone(t));
  const pendingIds = new Set(pending.map((t) => t.id));
  const dependants = new Map<string, number>();
  for (const t of pending) for (const d of t.dependsOn) if (pendingIds.has(d)) dependants.set(d, (dependants.get(d) ?? 0) + 1);
  const exclusive = (d: string): boolean => dependants.get(d) === 1;
  const spec = (t: TrainTask): JobSpec => {
    const teacher = t.teacher ? byId.get(t.teacher.taskId) : undefined;
    if (t.teacher && !teacher) throw new ExecLabError(`task ${t.id} needs ${t.teacher.taskId}, which is not scheduled`);
    const data: TrainJobData = {
      kind: 'train',
      execlab: execlabVersion(),
      dataset: dataset(t),
      label: t.id,
      task: t,
      cacheKey: cacheKeyOf(t),
      teacherCacheKey: teacher ? cacheKeyOf(teacher) : null,
    };
    return { name: t.id, data, children: t.dependsOn.filter((d) => pendingIds.has(d) && exclusive(d)).map((d) => spec(byId.get(d) as TrainTask)) };
  };
  // Roots: tasks no pending task needs exclusively. A task needing a shared pending task waits for it.
  const roots = pending.filter((t) => !exclusive(t.id));
  const now: JobSpec[] = [];
  const later: Deferred[] = [];
  for (const t of roots) {
    const shared = t.dependsOn.filter((d) => pendingIds.has(d) && !exclusive(d));
    if (shared.length > 0) later.push({ task: t, after: shared, spec: spec(t) });
    else now.push(spec(t));
  }
  return { now, later };
}

/** The executor of reproduce and sweep over the queue. */
export function distributedExecutor(c: Coordinator, options: { shardDays?: number } = {}): Executor {
  const refs = new Map<string, DatasetRef>();
  const refOf = (dir: string): DatasetRef => {
    let r = refs.get(dir);
    if (!r) refs.set(dir, (r = datasetRef(dir)));
    return r;
  };
  return {
    async train(tasks, onProgress) {
      for (const t of tasks) if (isDone(t)) onProgress(t.id, t.iterations, t.iterations, 'cached');
      // A teacher cached here but not in the store: its students' jobs read it from the store.
      for (const t of tasks) {
        const keys = trainingKeys(cacheKeyOf(t));
        if (isDone(t) && !(await c.store.has(keys.policy))) await c.store.put([[keys.policy, readFileSync(policyPath(t))]]);
      }
      const byId = new Map(tasks.map((t) => [t.id, t]));
      const { now, later } = trainingJobs(tasks, (t) => refOf(t.dataDir));
      const finished = new Set<string>();
      const waits: Array<Promise<void>> = [];
      const follow = async (specs: JobSpec[]): Promise<void> => {
        const ids = await c.submit(specs);
        await c.wait(ids, {
          onProgress: (name, p) => onProgress(name, p.done, p.total, p.status),
          onCompleted: async (name) => {
            const t = byId.get(name) as TrainTask;
            const keys = trainingKeys(cacheKeyOf(t));
            const metrics = await c.store.get(keys.metrics);
            const policy = await c.store.get(keys.policy);
            if (!policy) throw new ExecLabError(`training ${name} finished but its policy (${keys.policy}) is not in the artifact store`);
            // The policy last: its presence is what marks the training done (isDone).
            if (metrics) writeFileAtomic(join(t.outDir, 'metrics.jsonl'), metrics);
            writeFileAtomic(policyPath(t), policy);
            finished.add(name);
            onProgress(name, t.iterations, t.iterations, 'done');
            // Tasks that waited for a shared dependency go as soon as all of theirs are done.
            const ready = later.filter((l) => l.after.every((d) => finished.has(d)));
            for (const l of ready) later.splice(later.indexOf(l), 1);
            if (ready.length > 0) waits.push(follow(ready.map((l) => l.spec)));
          },
        });
      };
      waits.push(follow(now));
      // Every follow() may add more; wait until none is left.
      for (let k = 0; k < waits.length; k++) await waits[k];
      if (later.length > 0) throw new ExecLabError(`unsatisfiable task dependencies: ${later.map((l) => l.task.id).join(', ')}`);
    },
    async evaluate(items, set, sim) {
      const dataset = refOf(set.store.dir);
      const pieces = await evaluateShards(
        c,
        dataset,
        set.store,
        items.map((i) => i.spec),
        set.orders,
        { sim, ac: DEFAULT_AC_SETTINGS, policyMode: null, maxOrdersInMemory: DEFAULT_MAX_ORDERS_IN_MEMORY, orderSettings: set.orderSettings, peerGroups: set.peerGroups ?? null },
        options.shardDays ?? DEFAULT_SHARD_DAYS,
      );
      const ran = pieces.filter((p) => p.twap !== null);
      const orders = ran.flatMap((p) => p.ran.orders);
      const same = orders.length === set.episodes.count && orders.every((o, i) => o.instrument === set.episodes.instrument[i] && o.date === set.episodes.date[i]);
      if (!same) throw new ExecLabError(`the workers ran ${orders.length} of the ${set.episodes.count} evaluation orders, or in another order: their datasets differ from this one`);
      return items.map((_, k) => concatRuns(ran.map((p) => p.runs[k])));
    },
  };
}

/** `execlab backtest --redis`: the same result as runBacktest, from one job per shard of dates. */
export async function distributedBacktest(c: Coordinator, store: DatasetStore, req: BacktestRequest, shardDays: number): Promise<BacktestResult> {
  const orders = backtestOrders(store, req);
  const pieces = await evaluateShards(
    c,
    datasetRef(store.dir),
    store,
    req.strategies,
    orders,
    { sim: req.sim, ac: req.ac, policyMode: req.policyMode ?? null, maxOrdersInMemory: req.maxOrdersInMemory ?? DEFAULT_MAX_ORDERS_IN_MEMORY, orderSettings: req.orders, peerGroups: req.peerGroups ?? null },
    shardDays,
  );
  return finishBacktest(orders.length, pieces, req.strategies);
}

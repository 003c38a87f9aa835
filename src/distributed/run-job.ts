/**
 * What a worker does with a job, whatever runs it (the sandboxed processor, or a test): check that it
 * may run it, fetch its inputs from the artifact store into a scratch directory, run the same task
 * code as a local run, and put the outputs back. A training copies its checkpoint to the store at
 * every checkpoint, and a retried one resumes from the last of them.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset } from '../data/store.js';
import { ExecLabError } from '../errors.js';
import { resolveStrategy, runOrders } from '../eval/backtest.js';
import { policyPath, runTask } from '../reproduce/tasks.js';
import type { ProgressFn } from '../util/progress.js';
import { ArtifactStore, trainingKeys } from './artifacts.js';
import { encodeOrdersRun } from './codec.js';
import { findDataset } from './dataset.js';
import { refusal, type EvaluateJobData, type EvaluateJobResult, type JobData, type TrainJobData, type TrainJobResult } from './jobs.js';

export interface JobContext {
  readonly store: ArtifactStore;
  /** Where this worker's datasets are (each found by its content hash). */
  readonly dataRoot: string;
  /** This worker's ExecLab version. */
  readonly version: string;
  readonly onProgress: ProgressFn;
  /** The worker's log. */
  readonly log: (line: string) => void;
}

/** A job this worker refuses: not retried (another attempt here would refuse it again). */
export class JobRefused extends ExecLabError {}

function scratchDir(): string {
  const root = join(tmpdir(), 'execlab-worker');
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, 'job-'));
}

async function runTraining(data: TrainJobData, ctx: JobContext, dataDir: string): Promise<TrainJobResult> {
  const keys = trainingKeys(data.cacheKey);
  // Trained before (an earlier run, or an attempt whose completion was not recorded): nothing to do.
  if (await ctx.store.has(keys.policy)) return { cached: true };
  const dir = scratchDir();
  try {
    const outDir = join(dir, 'run');
    mkdirSync(outDir);
    for (const [key, file] of [[keys.checkpoint, 'checkpoint.json'], [keys.metrics, 'metrics.jsonl']] as const) {
      const bytes = await ctx.store.get(key);
      if (bytes) writeFileSync(join(outDir, file), bytes);
    }
    if (existsSync(join(outDir, 'checkpoint.json'))) {
      const at = (JSON.parse(readFileSync(join(outDir, 'checkpoint.json'), 'utf8')) as { iteration?: number }).iteration;
      ctx.log(`resuming ${data.label} from its checkpoint at iteration ${at}`);
    }
    let teacherPath: string | null = null;
    if (data.teacherCacheKey) {
      const teacher = await ctx.store.get(trainingKeys(data.teacherCacheKey).policy);
      if (!teacher) throw new ExecLabError(`${data.label}: its teacher's policy (${data.teacherCacheKey}) is not in the artifact store`);
      teacherPath = join(dir, 'teacher.json');
      writeFileSync(teacherPath, teacher);
    }
    const task = { ...data.task, dataDir, outDir };
    const copy = async (withPolicy: boolean): Promise<void> => {
      const entries: Array<[string, Buffer]> = [];
      const metrics = join(outDir, 'metrics.jsonl');
      if (existsSync(metrics)) entries.push([keys.metrics, readFileSync(metrics)]);
      entries.push(withPolicy ? [keys.policy, readFileSync(policyPath(task))] : [keys.checkpoint, readFileSync(join(outDir, 'checkpoint.json'))]);
      await ctx.store.put(entries);
    };
    await runTask(task, teacherPath, ctx.onProgress, () => copy(false));
    await copy(true);
    return { cached: false };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runEvaluation(data: EvaluateJobData, ctx: JobContext, dataDir: string): Promise<EvaluateJobResult> {
  const store = openDataset(dataDir);
  const dir = scratchDir();
  try {
    const specs = await Promise.all(
      data.strategies.map(async (s, k) => {
        if ('rule' in s) return s.rule;
        const bytes = await ctx.store.get(s.policyArtifact);
        if (!bytes) throw new ExecLabError(`${data.label}: policy ${s.policyArtifact} is not in the artifact store`);
        const path = join(dir, `policy-${k}.json`);
        writeFileSync(path, bytes);
        return path;
      }),
    );
    const resolved = specs.map((spec) =>
      resolveStrategy(spec, store, { ac: data.ac, threads: 1, sim: data.sim, mode: data.policyMode, orders: data.orderSettings, peerGroups: data.peerGroups ?? null }),
    );
    try {
      const result = runOrders(store, data.orders, resolved, data, ctx.onProgress);
      await ctx.store.put([[data.resultKey, encodeOrdersRun(result)]]);
    } finally {
      for (const r of resolved) r.strategy.close?.();
    }
    return { resultKey: data.resultKey };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs one job's payload; a job this worker may not run throws JobRefused with the reason. */
export async function runJob(data: JobData, ctx: JobContext): Promise<TrainJobResult | EvaluateJobResult> {
  const why = refusal(data, ctx.version);
  if (why) throw new JobRefused(why);
  let dataDir: string;
  try {
    dataDir = findDataset(ctx.dataRoot, data.dataset);
  } catch (err) {
    throw new JobRefused((err as Error).message);
  }
  return data.kind === 'train' ? runTraining(data, ctx, dataDir) : runEvaluation(data, ctx, dataDir);
}

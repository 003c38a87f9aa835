/**
 * The jobs that travel through the queue: plain JSON payloads. Every job carries the ExecLab version
 * and the dataset's content hash; a worker whose own differ refuses it (checkJob).
 */
import { basename } from 'node:path';
import { z } from 'zod';
import type { Order, OrderSettings } from '../data/orders.js';
import type { EvaluationMode } from '../rl/common/policy-file.js';
import type { TrainTask } from '../reproduce/tasks.js';
import type { SimSettings } from '../sim/settings.js';
import type { AlmgrenChrissSettings } from '../strategies/almgren-chriss.js';
import type { DatasetRef } from './dataset.js';

/** What a job carries beside its work: who may run it. */
const EnvelopeSchema = z.object({
  kind: z.enum(['train', 'evaluate']),
  /** The coordinator's ExecLab version: results depend on the code, so a worker must run the same. */
  execlab: z.string().min(1),
  dataset: z.object({ name: z.string(), hash: z.string().regex(/^[0-9a-f]{64}$/) }),
  /** A short name for logs and progress bars (OPD-S-s1, shard 3/8). */
  label: z.string(),
});
export type JobEnvelope = z.infer<typeof EnvelopeSchema>;

/** One training (method x seed x settings) of a reproduction or a sweep. */
export interface TrainJobData extends JobEnvelope {
  readonly kind: 'train';
  readonly task: TrainTask;
  /** The training's cache key (its cache directory's name): names its artifacts. */
  readonly cacheKey: string;
  /** The teacher's cache key (OPD), whose policy artifact the job reads. */
  readonly teacherCacheKey: string | null;
}

/** A strategy as a job names it: a rule, or a policy file in the artifact store. */
export type StrategyRef = { readonly rule: string } | { readonly policyArtifact: string };

/** Strategies run over some orders (a backtest shard, a reproduction's test split). */
export interface EvaluateJobData extends JobEnvelope {
  readonly kind: 'evaluate';
  readonly strategies: readonly StrategyRef[];
  readonly orders: readonly Order[];
  /** The settings the orders were generated with (the forecast planner is fitted with them). */
  readonly orderSettings: OrderSettings;
  /** The forecast planner also tries peer inputs with groups of each of these sizes; absent = not. */
  readonly peerGroups?: readonly number[] | null;
  readonly sim: SimSettings;
  readonly ac: AlmgrenChrissSettings;
  readonly policyMode: EvaluationMode | null;
  readonly maxOrdersInMemory: number;
  /** Where the worker stores the per-order results (src/distributed/codec.ts). */
  readonly resultKey: string;
}

export type JobData = TrainJobData | EvaluateJobData;

export interface TrainJobResult {
  /** True when the policy was already in the store (the training ran before): nothing was trained. */
  readonly cached: boolean;
}

export interface EvaluateJobResult {
  readonly resultKey: string;
}

/** The cache key of a training task: the name of its cache directory. */
export function cacheKeyOf(task: TrainTask): string {
  return basename(task.outDir);
}

/** A BullMQ job id from a name (ids may not hold ':'). */
export function jobId(run: string, name: string): string {
  return `${run}.${name}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Refuses a job this worker must not run: a malformed payload, another ExecLab version. The dataset
 * is checked when it is looked up (findDataset). Returns the reason, or null when it may run.
 */
export function refusal(data: unknown, version: string): string | null {
  const r = EnvelopeSchema.safeParse(data);
  if (!r.success) return `malformed job payload (${r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ')})`;
  if (r.data.execlab !== version) return `the job was made by ExecLab ${r.data.execlab} and this worker runs ${version}: results would differ; run the same version on every machine`;
  return null;
}

/**
 * The coordinator's side of the queue: submits jobs (a BullMQ flow where a job needs another first),
 * follows them with one progress bar per running job, and returns their results. It polls the jobs'
 * states rather than listening to events, so that a Redis restart (with persistence) only pauses
 * it: the client reconnects and the next poll sees where every job is.
 */
import { randomUUID } from 'node:crypto';
import { FlowProducer, Queue, type FlowJob, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { ExecLabError } from '../errors.js';
import type { ProgressBar } from '../util/progress.js';
import { ArtifactStore } from './artifacts.js';
import { bullConnection, checkRedisUrl, onlyEvery, QUEUE_NAME, redisClient } from './connection.js';
import type { JobData } from './jobs.js';
import { jobId } from './jobs.js';

export interface CoordinatorUi {
  bar(label: string): ProgressBar;
  log(line: string): void;
}

/** A job to submit; `children` run first (each needed by this one only). */
export interface JobSpec {
  readonly name: string;
  readonly data: JobData;
  readonly children?: readonly JobSpec[];
}

export interface JobProgress {
  readonly done: number;
  readonly total: number;
  readonly status: string;
}

/** Retries of a job that threw (a job whose worker died is retried through the stalled check). */
const JOB_OPTIONS: JobsOptions = { attempts: 3, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: false, removeOnFail: false };

const POLL_MS = 300;

export class Coordinator {
  /** Names this run's jobs apart from other runs' on the same queue. */
  readonly run = randomUUID().slice(0, 8);
  readonly store: ArtifactStore;
  private readonly queue: Queue;
  private readonly flows: FlowProducer;
  private readonly submitted: string[] = [];
  private batches = 0;

  private constructor(
    readonly url: string,
    private readonly redis: Redis,
    private readonly ui: CoordinatorUi,
  ) {
    this.store = new ArtifactStore(redis);
    this.queue = new Queue(QUEUE_NAME, { connection: bullConnection(url) });
    this.flows = new FlowProducer({ connection: bullConnection(url) });
    const onError = onlyEvery(5000, (err: Error) => ui.log(`queue: ${err.message} (retrying)`));
    this.queue.on('error', onError);
    this.flows.on('error', onError);
  }

  static async connect(url: string, ui: CoordinatorUi): Promise<Coordinator> {
    const redis = redisClient(checkRedisUrl(url), ui.log);
    await redis.ping();
    const c = new Coordinator(url, redis, ui);
    const workers = await c.queue.getWorkers();
    ui.log(`queue ${QUEUE_NAME} on ${url}: ${workers.length} worker connection(s) now (start more with: execlab worker --redis ${url})`);
    return c;
  }

  /** A new number for a batch of jobs of this run (their names must differ from earlier batches'). */
  nextBatch(): number {
    return ++this.batches;
  }

  /** Submits jobs (each with its children as one flow) and returns their ids, children included. */
  async submit(specs: readonly JobSpec[]): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    const node = (s: JobSpec, child: boolean): FlowJob => {
      const id = jobId(this.run, s.name);
      ids.set(s.name, id);
      this.submitted.push(id);
      const opts: JobsOptions = { ...JOB_OPTIONS, jobId: id, ...(child ? { failParentOnFailure: true } : {}) };
      const children = (s.children ?? []).map((c) => node(c, true));
      return { name: s.data.kind, queueName: QUEUE_NAME, data: s.data, opts, ...(children.length > 0 ? { children } : {}) } as FlowJob;
    };
    for (const s of specs) {
      const flow = node(s, false);
      if (flow.children) await this.flows.add(flow);
      else await this.queue.add(s.data.kind, s.data, flow.opts);
    }
    return ids;
  }

  /**
   * Follows jobs until every one completed, with a progress bar per running job; `onProgress` and
   * `onCompleted` (awaited) see each job's progress and result. A failed job (all its attempts, or
   * refused by a worker) ends the wait with its reason. With `overall`, a bar of that label counts
   * the finished jobs.
   */
  async wait(
    ids: ReadonlyMap<string, string>,
    handlers: { onProgress?: (name: string, p: JobProgress) => void; onCompleted?: (name: string, result: unknown) => Promise<void> | void },
    overall?: string,
  ): Promise<void> {
    const pending = new Map(ids);
    const bars = new Map<string, ProgressBar>();
    const total = overall ? this.ui.bar(overall) : null;
    total?.update(0, ids.size, 'jobs done');
    try {
      while (pending.size > 0) {
        // The state first: a job read after it says 'completed' holds its return value.
        const jobs = await Promise.all(
          [...pending].map(async ([name, id]) => {
            const state = await this.queue.getJobState(id);
            return [name, id, state, await this.queue.getJob(id)] as const;
          }),
        );
        for (const [name, id, state, job] of jobs) {
          if (!job || state === 'unknown') throw new ExecLabError(`job ${id} (${name}) is gone from the queue: was Redis restarted without persistence (appendonly yes) or the queue emptied? Run again: finished trainings are reused`);
          const progress = asProgress(job);
          if (progress) {
            handlers.onProgress?.(name, progress);
            if (state === 'active') {
              let bar = bars.get(name);
              if (!bar) bars.set(name, (bar = this.ui.bar(name)));
              bar.update(progress.done, progress.total, progress.status);
            }
          }
          if (state === 'completed') {
            bars.get(name)?.stop();
            bars.delete(name);
            pending.delete(name);
            await handlers.onCompleted?.(name, job.returnvalue);
            total?.update(ids.size - pending.size, ids.size, 'jobs done');
          } else if (state === 'failed') {
            throw new ExecLabError(`job ${name} failed after ${job.attemptsMade} attempt(s): ${job.failedReason}`);
          }
        }
        if (pending.size > 0) await new Promise((r) => setTimeout(r, POLL_MS));
      }
    } finally {
      for (const bar of bars.values()) bar.stop();
      total?.stop();
    }
  }

  /** Removes this run's finished jobs from the queue and closes the connections. */
  async close(): Promise<void> {
    for (const id of this.submitted.reverse()) {
      const job = await this.queue.getJob(id);
      const state = await job?.getState();
      if (job && (state === 'completed' || state === 'failed')) await job.remove().catch(() => {});
    }
    await this.flows.close();
    await this.queue.close();
    this.redis.disconnect();
  }
}

function asProgress(job: Job): JobProgress | null {
  const p = job.progress as Partial<JobProgress> | number;
  if (typeof p !== 'object' || p === null || typeof p.done !== 'number' || typeof p.total !== 'number') return null;
  return { done: p.done, total: p.total, status: String(p.status ?? '') };
}

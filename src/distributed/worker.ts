/**
 * `execlab worker`: takes jobs from the queue and runs each in a BullMQ sandboxed processor (a worker
 * thread), logs every job, and stops gracefully: the first SIGTERM (or SIGINT) finishes the running
 * jobs and takes no new ones; a second one leaves at once, and the jobs it held are retried elsewhere
 * once their locks expire, resuming from their last checkpoint.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker, type Job } from 'bullmq';
import { ExecLabError } from '../errors.js';
import { execlabVersion } from '../util/environment.js';
import { bullConnection, onlyEvery, QUEUE_NAME } from './connection.js';
import type { JobData } from './jobs.js';
import { WORKER_DATA_ROOT_ENV, WORKER_REDIS_ENV } from './processor.js';

export interface WorkerSettings {
  readonly redis: string;
  readonly concurrency: number;
  readonly dataRoot: string;
  /** A job whose worker stopped renewing its lock this long ago is retried elsewhere. */
  readonly lockSeconds: number;
}

export interface RunningWorker {
  /** Resolves when the worker has stopped. */
  readonly closed: Promise<void>;
  close(force?: boolean): Promise<void>;
}

export function startWorker(s: WorkerSettings, log: (line: string) => void): RunningWorker {
  const processor = new URL('./processor.js', import.meta.url);
  if (!existsSync(processor)) throw new ExecLabError(`worker: ${fileURLToPath(processor)} is missing (run the built CLI: npm run build, then execlab worker)`);
  // The sandboxed processors read these (worker threads inherit the environment).
  process.env[WORKER_REDIS_ENV] = s.redis;
  process.env[WORKER_DATA_ROOT_ENV] = s.dataRoot;
  const lockMs = Math.round(s.lockSeconds * 1000);
  const worker = new Worker<JobData>(QUEUE_NAME, processor, {
    connection: bullConnection(s.redis),
    concurrency: s.concurrency,
    useWorkerThreads: true,
    lockDuration: lockMs,
    stalledInterval: Math.max(500, Math.round(lockMs / 2)),
    // A job whose worker died is retried (from its checkpoint) up to this many times.
    maxStalledCount: 5,
    name: `${hostname()}:${process.pid}`,
  });
  const who = `worker ${hostname()}:${process.pid}`;
  const name = (job: Job<JobData> | undefined): string => (job ? `${job.data.label} (${job.id}, attempt ${job.attemptsStarted})` : '(unknown job)');
  worker.on('ready', () => log(`${who}: connected to ${s.redis}, ${s.concurrency} at a time, datasets under ${s.dataRoot}, ExecLab ${execlabVersion()}`));
  worker.on('active', (job) => log(`${who}: started ${name(job)}`));
  worker.on('completed', (job) => log(`${who}: finished ${name(job)}`));
  worker.on('failed', (job, err) => log(`${who}: failed ${name(job)}: ${err.message}`));
  worker.on('error', onlyEvery(5000, (err: Error) => log(`${who}: ${err.message}`)));
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let stopping = 0;
  const close = async (force = false): Promise<void> => {
    await worker.close(force);
    resolveClosed();
  };
  const onSignal = (signal: string): void => {
    stopping++;
    if (stopping === 1) {
      log(`${who}: ${signal}: finishing the running jobs, taking no new ones (again to leave now; they are retried elsewhere)`);
      void close(false);
    } else {
      log(`${who}: ${signal} again: leaving now`);
      void close(true).then(() => process.exit(0));
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  void closed.then(() => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    log(`${who}: stopped`);
  });
  return { closed, close };
}

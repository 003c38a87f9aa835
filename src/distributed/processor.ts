/**
 * The BullMQ sandboxed processor: runs in a worker thread of `execlab worker`, so that a CPU-bound
 * training does not stall the main thread, which keeps renewing the job's lock. The worker passes
 * its Redis URL and data root through the environment.
 */
import { UnrecoverableError, type SandboxedJob } from 'bullmq';
import { execlabVersion } from '../util/environment.js';
import { ArtifactStore } from './artifacts.js';
import { redisClient } from './connection.js';
import type { JobData } from './jobs.js';
import { JobRefused, runJob } from './run-job.js';

export const WORKER_REDIS_ENV = 'EXECLAB_WORKER_REDIS';
export const WORKER_DATA_ROOT_ENV = 'EXECLAB_WORKER_DATA_ROOT';

let store: ArtifactStore | null = null;

function env(name: string): string {
  const value = globalThis.process.env[name];
  if (!value) throw new Error(`${name} is not set: the processor runs under execlab worker, which sets it`);
  return value;
}

export default async function process(job: SandboxedJob<JobData>): Promise<unknown> {
  store ??= new ArtifactStore(redisClient(env(WORKER_REDIS_ENV)));
  let last = 0;
  try {
    return await runJob(job.data, {
      store,
      dataRoot: env(WORKER_DATA_ROOT_ENV),
      version: execlabVersion(),
      log: (line) => void globalThis.process.stderr.write(`${new Date().toISOString()} ${line}\n`),
      onProgress: (done, total, status) => {
        // At most about 4 updates a second, and always the last one.
        const now = Date.now();
        if (done < total && now - last < 250) return;
        last = now;
        void job.updateProgress({ done, total, status: status ?? '' });
      },
    });
  } catch (err) {
    if (err instanceof JobRefused) throw new UnrecoverableError(`refused: ${err.message}`);
    throw err;
  }
}

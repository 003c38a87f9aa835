import type { Command } from 'commander';
import { z } from 'zod';
import { validateSettings } from '../../config/validate.js';
import { checkRedisUrl } from '../../distributed/connection.js';
import { startWorker } from '../../distributed/worker.js';
import { printable } from '../../util/text.js';
import { userSettings } from '../options.js';
import { addSchemaOptions } from '../schema-options.js';

/** `execlab worker` settings. */
export const WorkerSchema = z
  .object({
    redis: z.string().min(1).describe('URL of the Redis that holds the queue and the artifacts, e.g. redis://10.0.0.5:6379'),
    concurrency: z.number().int().min(1).max(64).default(1).describe('jobs run at once, each in its own thread (one per core: the networks are single-threaded)'),
    dataRoot: z.string().min(1).default('data').describe("directory holding this machine's datasets (a job's dataset is found by its content hash)"),
    lockSeconds: z.number().min(1).max(3600).default(30).describe("a job whose worker stops renewing its lock this long is retried by another (from its last checkpoint)"),
  })
  .strict();

export function registerWorkerCommand(program: Command): void {
  const cmd = program
    .command('worker')
    .summary('run jobs of distributed reproductions, sweeps and backtests (BullMQ on Redis)')
    .description(
      'Take jobs from the queue on --redis and run them: trainings and evaluations of `reproduce --redis`, `sweep --redis` and `backtest --redis`, each in a sandboxed worker thread. A job carries its dataset\'s content hash and the ExecLab version; a worker without that dataset under --data-root, or of another version, refuses it with the reason. Checkpoints and results go through Redis: no shared file system. SIGTERM (or Ctrl-C) finishes the running jobs and stops; a second one stops at once (the jobs are retried elsewhere from their last checkpoint).',
    )
    .addHelpText('after', '\nExample (on each machine, with its copy of the dataset under ./data):\n  execlab worker --redis redis://10.0.0.5:6379 --concurrency 2 --data-root data')
    .option('--config <file>', 'YAML or JSON file with any of these settings (flags win)');
  addSchemaOptions(cmd, WorkerSchema);
  cmd.action(async function (this: Command) {
    const s = validateSettings(WorkerSchema, userSettings(this), 'worker settings');
    checkRedisUrl(s.redis);
    const w = startWorker(s, (line) => process.stderr.write(`${printable(`${new Date().toISOString()} ${line}`, true)}\n`));
    await w.closed;
  });
}

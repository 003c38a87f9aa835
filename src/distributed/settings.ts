/** The settings that send a command's work to the queue, shared by reproduce, sweep and backtest. */
import { z } from 'zod';
import { checkRedisUrl } from './connection.js';
import { Coordinator, type CoordinatorUi } from './coordinator.js';
import { DEFAULT_SHARD_DAYS } from './executor.js';

export const DistributedSchema = z.object({
  redis: z
    .string()
    .min(1)
    .nullable()
    .default(null)
    .describe('URL of a Redis (redis://host:6379) whose workers (execlab worker) run the trainings and evaluations as jobs; default: all on this machine'),
  shardDays: z.number().int().min(1).max(10_000).default(DEFAULT_SHARD_DAYS).describe('with --redis: dates of orders per evaluation job'),
});
export type DistributedSettings = z.infer<typeof DistributedSchema>;

/** Runs `work` with a coordinator on `redis`, closing it (and removing this run's jobs) after. */
export async function withCoordinator<T>(redis: string, ui: CoordinatorUi, work: (c: Coordinator) => Promise<T>): Promise<T> {
  const c = await Coordinator.connect(checkRedisUrl(redis), ui);
  try {
    return await work(c);
  } finally {
    await c.close();
  }
}

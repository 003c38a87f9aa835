/**
 * A backtest cut into shards of whole dates: every order's outcome depends on its own episode only,
 * so the shards' results, concatenated in shard order, are the whole run's.
 */
import type { Order } from '../data/orders.js';
import { ExecLabError } from '../errors.js';
import { ordersByDate } from '../eval/backtest.js';

/**
 * The orders grouped by date as buildEpisodes orders them (ordersByDate), `daysPerShard` dates a shard.
 */
export function shardsOfDates(dates: readonly string[], orders: readonly Order[], daysPerShard: number): Order[][] {
  if (!Number.isInteger(daysPerShard) || daysPerShard < 1) throw new ExecLabError(`days per shard must be an integer >= 1, got ${daysPerShard}`, 2);
  const groups = ordersByDate(dates, orders);
  const shards: Order[][] = [];
  for (let i = 0; i < groups.length; i += daysPerShard) shards.push(groups.slice(i, i + daysPerShard).flat());
  return shards;
}

/**
 * A backtest cut into shards of whole dates: every order's outcome depends on its own episode only,
 * so the shards' results, concatenated in shard order, are the whole run's.
 */
import type { Order } from '../data/orders.js';
import { ExecLabError } from '../errors.js';

/**
 * The orders grouped by date in the dataset's date order (each date's orders as given, as
 * buildEpisodes orders them; dates the dataset lacks first, to be skipped), `daysPerShard` dates a shard.
 */
export function shardsOfDates(dates: readonly string[], orders: readonly Order[], daysPerShard: number): Order[][] {
  if (!Number.isInteger(daysPerShard) || daysPerShard < 1) throw new ExecLabError(`days per shard must be an integer >= 1, got ${daysPerShard}`, 2);
  const rank = new Map(dates.map((d, i) => [d, i]));
  const byDate = new Map<number, Order[]>();
  for (const o of orders) {
    const r = rank.get(o.date) ?? -1;
    const list = byDate.get(r);
    if (list) list.push(o);
    else byDate.set(r, [o]);
  }
  const groups = [...byDate.keys()].sort((a, b) => a - b).map((r) => byDate.get(r) as Order[]);
  const shards: Order[][] = [];
  for (let i = 0; i < groups.length; i += daysPerShard) shards.push(groups.slice(i, i + daysPerShard).flat());
  return shards;
}

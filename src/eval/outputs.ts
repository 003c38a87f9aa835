/** Writes a comparison to files: per-order CSV and JSON, and a JSON summary. */
import { join } from 'node:path';
import type { OrderIndex } from './compare.js';
import { writeFileAtomic, writeTextAtomic } from '../util/files.js';
import type { StrategyReport } from '../report/types.js';
import type { StrategyRun } from './run.js';

const COLUMNS = ['strategy', 'instrument', 'date', 'side', 'quantity', 'executedQty', 'paBps', 'reward'] as const;
type Row = Record<(typeof COLUMNS)[number], string | number | null>;

/** One row per strategy and order, strategies in turn (PA null when nothing filled). */
function* orderRows(runs: readonly StrategyRun[], episodes: OrderIndex): Generator<Row> {
  for (const r of runs) {
    for (let i = 0; i < r.count; i++) {
      const o = episodes.orders[i];
      yield {
        strategy: r.strategy,
        instrument: o.instrument,
        date: o.date,
        side: o.side,
        quantity: o.quantity,
        executedQty: r.executedQty[i],
        paBps: Number.isNaN(r.paBps[i]) ? null : r.paBps[i],
        reward: r.reward[i],
      };
    }
  }
}

/**
 * Writes orders.csv and orders.json (one row per strategy and order) and summary.json. The per-order
 * files are streamed row by row, so their size is bounded by the disk, not by memory.
 */
export function writeComparison(dir: string, runs: readonly StrategyRun[], reports: readonly StrategyReport[], episodes: OrderIndex, context: Record<string, unknown>): string[] {
  const files = [join(dir, 'orders.csv'), join(dir, 'orders.json'), join(dir, 'summary.json')];
  writeTextAtomic(files[0], (w) => {
    w.write(`${COLUMNS.join(',')}\n`);
    for (const row of orderRows(runs, episodes)) w.write(`${COLUMNS.map((c) => (row[c] === null ? '' : String(row[c]))).join(',')}\n`);
  });
  writeTextAtomic(files[1], (w) => {
    let sep = '';
    w.write('[');
    for (const row of orderRows(runs, episodes)) {
      w.write(`${sep}${JSON.stringify(row)}`);
      sep = ',';
    }
    w.write(']');
  });
  writeFileAtomic(files[2], JSON.stringify({ ...context, strategies: reports }, null, 1));
  return files;
}

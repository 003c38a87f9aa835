/** Writes a comparison to files: per-order CSV and JSON, and a JSON summary. */
import { join } from 'node:path';
import type { OrderIndex } from './compare.js';
import { writeFileAtomic, writeTextAtomic } from '../util/files.js';
import type { StrategyReport } from '../report/types.js';
import type { StrategyRun } from './run.js';

const COLUMNS = ['strategy', 'instrument', 'date', 'side', 'quantity', 'executedQty', 'paBps', 'reward'] as const;
type Cell = string | number | null;
type Row = Record<(typeof COLUMNS)[number], Cell> & {
  /** Executed share of the order quantity in each decision period (null when the quantity is not positive). */
  readonly shares: Array<number | null>;
};

/** The executed share of Q in each period of order i: periodQty[i * T + t] / quantity[i]. */
function periodShares(r: StrategyRun, i: number): Array<number | null> {
  const T = r.periods;
  const q = r.quantity[i];
  const out = new Array<number | null>(T);
  for (let t = 0; t < T; t++) {
    const share = r.periodQty[i * T + t] / q;
    out[t] = q > 0 && Number.isFinite(share) ? share : null;
  }
  return out;
}

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
        shares: periodShares(r, i),
      };
    }
  }
}

/**
 * One CSV field (RFC 4180): empty for null; quoted, with quotes doubled, when it holds a comma, a
 * quote or a line break (an instrument or strategy name may), as is otherwise.
 */
export function csvField(value: Cell): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Writes orders.csv and orders.json (one row per strategy and order) and summary.json. The per-order
 * files are streamed row by row, so their size is bounded by the disk, not by memory. Both carry the
 * order's executed share of Q per decision period: columns share_1 .. share_T in the CSV (T the most
 * periods of any run; a run with fewer leaves the rest empty), the array `shares` in the JSON.
 */
export function writeComparison(dir: string, runs: readonly StrategyRun[], reports: readonly StrategyReport[], episodes: OrderIndex, context: Record<string, unknown>): string[] {
  const files = [join(dir, 'orders.csv'), join(dir, 'orders.json'), join(dir, 'summary.json')];
  const periods = runs.reduce((most, r) => Math.max(most, r.periods), 0);
  const shareColumns = Array.from({ length: periods }, (_, t) => `share_${t + 1}`);
  writeTextAtomic(files[0], (w) => {
    w.write(`${[...COLUMNS, ...shareColumns].join(',')}\n`);
    for (const row of orderRows(runs, episodes)) {
      const shares = Array.from({ length: periods }, (_, t) => csvField(row.shares[t] ?? null));
      w.write(`${[...COLUMNS.map((c) => csvField(row[c])), ...shares].join(',')}\n`);
    }
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

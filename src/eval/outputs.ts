/** Writes a comparison to files: per-order CSV and JSON, and a JSON summary. */
import { join } from 'node:path';
import type { EpisodeSet } from '../sim/episodes.js';
import { writeFileAtomic } from '../util/files.js';
import type { StrategyReport } from '../report/types.js';
import type { StrategyRun } from './run.js';

export function perOrderRows(runs: readonly StrategyRun[], episodes: EpisodeSet): Array<Record<string, string | number | null>> {
  const rows: Array<Record<string, string | number | null>> = [];
  for (const r of runs) {
    for (let i = 0; i < r.count; i++) {
      const o = episodes.orders[i];
      rows.push({
        strategy: r.strategy,
        instrument: o.instrument,
        date: o.date,
        side: o.side,
        quantity: o.quantity,
        executedQty: r.executedQty[i],
        paBps: Number.isNaN(r.paBps[i]) ? null : r.paBps[i],
        reward: r.reward[i],
      });
    }
  }
  return rows;
}

export function writeComparison(dir: string, runs: readonly StrategyRun[], reports: readonly StrategyReport[], episodes: EpisodeSet, context: Record<string, unknown>): string[] {
  const rows = perOrderRows(runs, episodes);
  const cols = ['strategy', 'instrument', 'date', 'side', 'quantity', 'executedQty', 'paBps', 'reward'];
  const csv = [cols.join(','), ...rows.map((r) => cols.map((c) => (r[c] === null ? '' : String(r[c]))).join(','))].join('\n');
  const files = [join(dir, 'orders.csv'), join(dir, 'orders.json'), join(dir, 'summary.json')];
  writeFileAtomic(files[0], `${csv}\n`);
  writeFileAtomic(files[1], JSON.stringify(rows));
  writeFileAtomic(files[2], JSON.stringify({ ...context, strategies: reports }, null, 1));
  return files;
}

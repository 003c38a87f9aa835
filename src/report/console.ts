/** The results table for the terminal, laid out like the paper's (reward x 10^-2, PA, GLR) plus uncertainty. */
import { formatFixed as num } from './format.js';
import type { StrategyReport } from './types.js';

function pval(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return 'n/a';
  return p < 1e-4 ? '<1e-4' : p.toFixed(4);
}

export function resultsTable(reports: readonly StrategyReport[]): string {
  const head = ['strategy', 'orders', 'reward(1e-2)', 'PA(bps)', 'PA 95% CI', 'se/day', 'GLR', 'PA>0', 'fill', 'vs TWAP', 'p', 'p(day)'];
  const rows = reports.map((r) => {
    const t = r.tests.find((x) => x.against === 'TWAP');
    const spread = r.paSeedStd !== undefined ? ` ±${num(r.paSeedStd)}` : '';
    return [
      r.name,
      String(r.orders),
      num(r.rewardE2.mean),
      num(r.paBps.mean) + spread,
      `[${num(r.paBps.ci95[0])}, ${num(r.paBps.ci95[1])}]`,
      num(r.paBps.seByDay),
      num(r.glr),
      num(r.sharePositive * 100, 1) + '%',
      num(r.fillRate * 100, 1) + '%',
      t ? num(t.meanDiffBps) : '',
      t ? pval(t.pValue) : '',
      t ? pval(t.pValueByDay) : '',
    ];
  });
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]): string => cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

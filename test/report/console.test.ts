/** The terminal results table of `execlab backtest` and `execlab reproduce`. */
import { describe, expect, it } from 'vitest';
import { resultsTable } from '../../src/report/console.js';
import { allBaselines, loadSample } from './all-baselines.js';

const HEADER = ['strategy', 'orders', 'reward(1e-2)', 'PA(bps)', 'PA 95% CI', 'se/day', 'GLR', 'PA>0', 'fill', 'vs TWAP', 'p', 'p(day)'];

/** The cells of each body line (columns are separated by two or more spaces; no cell holds two). */
function cells(table: string): string[][] {
  return table.split('\n').slice(2).map((line) => line.trim().split(/ {2,}/));
}

describe('console results table', () => {
  const sample = loadSample();

  it('keeps its layout: the same header, one line per strategy', () => {
    const lines = resultsTable(sample.strategies).split('\n');
    expect(lines[0].trim().split(/ {2,}/)).toEqual(HEADER);
    expect(lines[1]).toMatch(/^[- ]+$/);
    expect(lines).toHaveLength(2 + sample.strategies.length);
    const opd = cells(resultsTable(sample.strategies)).find((row) => row[0] === 'OPD');
    // OPD vs TWAP in the fixture: +6.17 bps, p 1.6e-112 per order, 0.00122 on days.
    expect(opd?.slice(9)).toEqual(['6.17', '<1e-4', '0.0012']);
  });

  it('takes the test against TWAP by name, however many tests come before it', () => {
    const wide = allBaselines();
    const ddqn = wide.strategies.find((s) => s.name === 'DDQN');
    expect(ddqn?.tests[0].against).toBe('VWAP');
    const table = cells(resultsTable(wide.strategies));
    const row = table.find((cellsOfRow) => cellsOfRow[0] === 'DDQN');
    // DDQN vs TWAP in the fixture: +4.13 bps, p 2.28e-45, 0.0281 on days (not VWAP's 3.81).
    expect(row?.slice(9)).toEqual(['4.13', '<1e-4', '0.0281']);
    // Every strategy of the fixture prints the same line as before (column widths aside).
    const before = cells(resultsTable(sample.strategies));
    for (const line of before) expect(table.find((candidate) => candidate[0] === line[0])).toEqual(line);
  });

  it('leaves the test columns empty for a strategy without a TWAP test', () => {
    const twap = cells(resultsTable(loadSample().strategies)).find((row) => row[0] === 'TWAP');
    expect(twap).toHaveLength(9);
    const onlyOther = loadSample().strategies.map((s) => (s.name === 'OPD' ? { ...s, tests: s.tests.filter((t) => t.against !== 'TWAP') } : s));
    expect(cells(resultsTable(onlyOther)).find((row) => row[0] === 'OPD')).toHaveLength(9);
  });
});

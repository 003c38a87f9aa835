/** Figures derived inside the report: PA per calendar month, and the days behind a paired test. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { monthOf, paByMonth, testDays } from '../../src/report/derive.js';
import type { ReportData, StrategyReport } from '../../src/report/types.js';

const sample = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/report/sample-report.json', import.meta.url)), 'utf8'),
) as ReportData;

const byName = (name: string): StrategyReport => {
  const found = sample.strategies.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no ${name} in the fixture`);
  return found;
};

describe('monthOf', () => {
  it('takes YYYY-MM of ISO dates and nothing else', () => {
    expect(monthOf('2019-05-06')).toBe('2019-05');
    expect(monthOf('2019-12-31T00:00:00Z')).toBe('2019-12');
    expect(monthOf('17')).toBeNull();
    expect(monthOf('2019-5-6')).toBeNull();
  });
});

describe('paByMonth', () => {
  it('weighs each day by its orders, sorts months and skips unusable days', () => {
    const months = paByMonth([
      { date: '2019-05-02', paBps: 4, orders: 200 },
      { date: '2019-04-29', paBps: 2, orders: 100 },
      { date: '2019-05-03', paBps: Number.NaN, orders: 50 },
      { date: '2019-04-30', paBps: -1, orders: 300 },
      { date: 'day 17', paBps: 9, orders: 10 },
    ]);
    // April: (2 * 100 + (-1) * 300) / (100 + 300) = -100 / 400 = -0.25 over 2 days.
    // May: the NaN day is left out, so 4 over 1 day and 200 orders.
    expect(months).toEqual([
      { month: '2019-04', paBps: -0.25, days: 2, orders: 400 },
      { month: '2019-05', paBps: 4, days: 1, orders: 200 },
    ]);
  });

  it('is the plain mean of day means when every day has the same orders, and empty without days', () => {
    const months = paByMonth([
      { date: '2020-01-02', paBps: 1.5, orders: 600 },
      { date: '2020-01-03', paBps: -0.5, orders: 600 },
      { date: '2020-02-03', paBps: 3, orders: 600 },
    ]);
    expect(months).toEqual([
      { month: '2020-01', paBps: 0.5, days: 2, orders: 1200 },
      { month: '2020-02', paBps: 3, days: 1, orders: 600 },
    ]);
    expect(paByMonth([])).toEqual([]);
    expect(paByMonth([{ date: '2020-01-02', paBps: 1, orders: 0 }])).toEqual([{ month: '2020-01', paBps: Number.NaN, days: 1, orders: 0 }]);
  });
});

describe('testDays', () => {
  const opd = byName('OPD');
  const vsTwap = opd.tests[0];

  it('uses the days the pipeline recorded', () => {
    expect(testDays(sample, opd, { ...vsTwap, days: 7 })).toBe(7);
  });

  it('otherwise counts the days both strategies have PA on', () => {
    expect(testDays(sample, opd, vsTwap)).toBe(10);
    const twap = byName('TWAP');
    const gappy: ReportData = {
      ...sample,
      strategies: sample.strategies.map((s) => (s.name === 'TWAP' ? { ...twap, paByDay: twap.paByDay.filter((_, k) => k % 2 === 0) } : s)),
    };
    expect(testDays(gappy, opd, vsTwap)).toBe(5);
  });

  it('falls back to the strategy\'s own days when the reference is not in the report, and is undefined without days', () => {
    const withoutTwap: ReportData = { ...sample, strategies: sample.strategies.filter((s) => s.name !== 'TWAP') };
    expect(testDays(withoutTwap, opd, vsTwap)).toBe(10);
    expect(testDays(sample, { ...opd, paByDay: [] }, vsTwap)).toBeUndefined();
  });
});

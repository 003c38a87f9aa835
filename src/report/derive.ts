/**
 * Figures the report derives from ReportData itself (no new data): PA per calendar month from the
 * PA per day, and the number of days behind a paired test.
 */
import type { PairedTest, ReportData, StrategyReport } from './types.js';

/** Mean PA over the orders of one calendar month. */
export interface MonthPa {
  /** YYYY-MM. */
  readonly month: string;
  /** Order-weighted mean of the month's day means: the mean PA over the month's orders (bps). */
  readonly paBps: number;
  /** Days of the month with a finite mean PA. */
  readonly days: number;
  /** Orders behind those days. */
  readonly orders: number;
}

/** The calendar month (YYYY-MM) of an ISO date (YYYY-MM-DD...), or null for any other label. */
export function monthOf(date: string): string | null {
  const match = /^(\d{4}-\d{2})-\d{2}/.exec(date);
  return match === null ? null : match[1];
}

/**
 * Mean PA per calendar month, months ascending, from PA per day (StrategyReport.paByDay). A month's
 * PA weighs each day by its orders, so it is the mean over the month's orders, as the headline PA is
 * over all orders. Days with a non-finite PA or a label that is not an ISO date are left out; a month
 * whose days have no orders has PA NaN.
 */
export function paByMonth(paByDay: StrategyReport['paByDay']): MonthPa[] {
  const months = new Map<string, { weighted: number; orders: number; days: number }>();
  for (const day of paByDay) {
    const month = monthOf(day.date);
    if (month === null || !Number.isFinite(day.paBps)) continue;
    const total = months.get(month) ?? { weighted: 0, orders: 0, days: 0 };
    if (day.orders > 0) {
      total.weighted += day.paBps * day.orders;
      total.orders += day.orders;
    }
    total.days += 1;
    months.set(month, total);
  }
  return [...months.keys()].sort().map((month) => {
    const total = months.get(month) as { weighted: number; orders: number; days: number };
    return { month, paBps: total.orders > 0 ? total.weighted / total.orders : NaN, days: total.days, orders: total.orders };
  });
}

/**
 * The number of days behind a strategy's paired test: `test.days` when the pipeline filled it;
 * otherwise the days both the strategy and the reference have in paByDay (the reference's when it is
 * in the report, else the strategy's own). That count is the test's unless on some day the two
 * priced disjoint orders, which takes orders left wholly unfilled. Undefined when nothing is known.
 */
export function testDays(data: ReportData, strategy: StrategyReport, test: PairedTest): number | undefined {
  if (test.days !== undefined) return test.days;
  if (strategy.paByDay.length === 0) return undefined;
  const reference = data.strategies.find((candidate) => candidate.name === test.against);
  if (reference === undefined || reference.paByDay.length === 0) return strategy.paByDay.length;
  const referenceDays = new Set(reference.paByDay.map((day) => day.date));
  return strategy.paByDay.filter((day) => referenceDays.has(day.date)).length;
}

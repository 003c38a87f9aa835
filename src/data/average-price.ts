/**
 * When a bar's average traded price counts as outside its range. An average from turnover / volume
 * can miss a flat bar's price by rounding (5.0700003 for a bar at 5.07); such slack is kept, and only
 * an average outside [low, high] by more than AVG_TOLERANCE (relative) is clamped. One rule for the
 * import (src/data/import/clean.ts) and for the live service's bars (src/serve/bars.ts), so that a
 * bar gives the same average price, and the same features, in a backtest and live.
 */
export const AVG_TOLERANCE = 1e-6;

/** Whether average price `a` lies outside [low, high] by more than the rounding slack. */
export function averageOutOfRange(a: number, low: number, high: number): boolean {
  return a < low * (1 - AVG_TOLERANCE) || a > high * (1 + AVG_TOLERANCE);
}

/** Average price `a` as kept: clamped to the nearer bound when out of range, else as it is. */
export function keptAverage(a: number, low: number, high: number): number {
  return averageOutOfRange(a, low, high) ? (a < low ? low : high) : a;
}

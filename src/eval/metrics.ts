/**
 * Order-level metrics (SPEC 5): price advantage, reward, gain-loss ratio, share of positive orders,
 * fill rate, PA per day, and significance tests against a reference strategy on the same orders.
 * Per-order results come in as columns (struct of arrays), one entry per order, in the same order
 * for every strategy run on the same order set. docs/METRICS.md states the formulas and conventions.
 */
import type { Side } from '../data/orders.js';
import { ExecLabError } from '../errors.js';
import type { Estimate, PairedTest, StrategyReport } from '../report/types.js';
import { clusteredPairedTest, estimate, groupByDay, pairedTTest, sum, testResolution, type DayKeys } from './stats.js';

/** Per-order results of one strategy over an order set; every column has one entry per order. */
export interface OrderResults {
  /** Price advantage of the order in bps (priceAdvantageBps); NaN when nothing was filled. */
  readonly paBps: ArrayLike<number>;
  /** Episode reward (sum of the period rewards of SPEC 4), in natural units (not x 10^-2). */
  readonly reward: ArrayLike<number>;
  /** Executed quantity (shares). */
  readonly filledQty: ArrayLike<number>;
  /** Ordered quantity Q (shares). */
  readonly orderQty: ArrayLike<number>;
  /** Trading day of each order: ISO date strings, or integer day keys. */
  readonly dayKeys: DayKeys;
}

/**
 * |PA| at or below this many bps counts as zero (neither a gain nor a loss) in GLR and the share of
 * positive orders. TWAP's PA is 0 in exact arithmetic but +-1e-12 bps after rounding; without the
 * tolerance that noise would produce a meaningless GLR instead of "undefined". One bps is 1e-4 of the
 * price, so 1e-8 bps is far below any real advantage.
 */
export const PA_ZERO_TOLERANCE_BPS = 1e-8;

/**
 * Price advantage of one order or period in bps (SPEC 4 and 5), against the benchmark p~ (the mean
 * minute average price over the horizon):
 *   sell: 10^4 (P / p~ - 1),   buy: 10^4 (1 - P / p~),
 * P the average execution price, sum(v p) / sum(v). Positive is better than the benchmark on both
 * sides. NaN when P is NaN (nothing executed) or p~ is not positive.
 */
export function priceAdvantageBps(avgExecPrice: number, benchmarkPrice: number, side: Side): number {
  if (!(benchmarkPrice > 0)) return NaN;
  const ratio = avgExecPrice / benchmarkPrice;
  return side === 'sell' ? 1e4 * (ratio - 1) : 1e4 * (1 - ratio);
}

/**
 * Gain-loss ratio, mean(PA | PA > 0) / mean(-PA | PA < 0); null (undefined, SPEC 5) when there are no
 * gains or no losses. NaN values are skipped; |PA| <= zeroToleranceBps counts as neither.
 */
export function gainLossRatio(paBps: ArrayLike<number>, zeroToleranceBps = PA_ZERO_TOLERANCE_BPS): number | null {
  let gains = 0;
  let gainCount = 0;
  let losses = 0;
  let lossCount = 0;
  for (let i = 0; i < paBps.length; i++) {
    const pa = paBps[i];
    if (pa > zeroToleranceBps) {
      gains += pa;
      gainCount++;
    } else if (pa < -zeroToleranceBps) {
      losses -= pa;
      lossCount++;
    }
  }
  if (gainCount === 0 || lossCount === 0) return null;
  return gains / gainCount / (losses / lossCount);
}

/** Share of the (non-NaN) values above zeroToleranceBps; NaN when there are none. */
export function sharePositive(paBps: ArrayLike<number>, zeroToleranceBps = PA_ZERO_TOLERANCE_BPS): number {
  let positive = 0;
  let counted = 0;
  for (let i = 0; i < paBps.length; i++) {
    const pa = paBps[i];
    if (Number.isNaN(pa)) continue;
    counted++;
    if (pa > zeroToleranceBps) positive++;
  }
  return counted === 0 ? NaN : positive / counted;
}

/** Executed over ordered quantity, sum(filled) / sum(ordered); NaN when nothing was ordered. */
export function fillRate(filledQty: ArrayLike<number>, orderQty: ArrayLike<number>): number {
  const ordered = sum(orderQty);
  return ordered > 0 ? sum(filledQty) / ordered : NaN;
}

/** Mean PA per day with the number of orders behind it, days ascending; NaN PA is skipped. */
export function paByDay(
  paBps: ArrayLike<number>,
  dayKeys: DayKeys,
  dayLabel: (key: string | number) => string = String,
): Array<{ date: string; paBps: number; orders: number }> {
  const priced = pricedOrders(paBps);
  const days = groupByDay(pickValues(paBps, priced), pickDays(dayKeys, priced));
  return days.keys.map((key, k) => ({ date: dayLabel(key), paBps: days.means[k], orders: days.counts[k] }));
}

/** The labels of the tercile buckets, indexed by the bucket numbers `terciles` returns. */
export const TERCILE_LABELS = ['low', 'mid', 'high'] as const;

/**
 * Tercile bucket of each value: 0 low, 1 mid, 2 high; -1 for NaN. A value's position is its mid-rank
 * among the finite values, (first + last) / 2 over the sorted positions its ties occupy, so equal
 * values always share a bucket and the result does not depend on the order of the input; the bucket
 * is floor(3 (midRank + 1/2) / n). n = 6 gives 2-2-2, n = 7 gives 2-3-2.
 */
export function terciles(values: ArrayLike<number>): Int8Array {
  const buckets = new Int8Array(values.length).fill(-1);
  const indices: number[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) indices.push(i);
  indices.sort((i, j) => values[i] - values[j] || i - j);
  const n = indices.length;
  let first = 0;
  while (first < n) {
    let last = first;
    while (last + 1 < n && values[indices[last + 1]] === values[indices[first]]) last++;
    const midRank = (first + last) / 2;
    const bucket = Math.min(2, Math.floor((3 * (midRank + 0.5)) / n));
    for (let r = first; r <= last; r++) buckets[indices[r]] = bucket;
    first = last + 1;
  }
  return buckets;
}

/**
 * Mean PA by liquidity tercile (StrategyReport.byLiquidity): `liquidity` is the measure per order
 * (e.g. the instrument's trailing mean minute volume). Orders with NaN PA or NaN liquidity are skipped.
 */
export function paByLiquidity(
  paBps: ArrayLike<number>,
  liquidity: ArrayLike<number>,
): Array<{ bucket: string; paBps: number; orders: number }> {
  if (paBps.length !== liquidity.length) {
    throw new ExecLabError(`paByLiquidity: ${paBps.length} PA values but ${liquidity.length} liquidity values; expected one per order`);
  }
  const buckets = terciles(liquidity);
  const totals = [0, 0, 0];
  const counts = [0, 0, 0];
  for (let i = 0; i < paBps.length; i++) {
    const bucket = buckets[i];
    if (bucket < 0 || Number.isNaN(paBps[i])) continue;
    totals[bucket] += paBps[i];
    counts[bucket]++;
  }
  return TERCILE_LABELS.map((bucket, b) => ({ bucket, paBps: counts[b] > 0 ? totals[b] / counts[b] : NaN, orders: counts[b] }));
}

/** Options of summariseOrders. */
export interface SummaryOptions {
  /** |PA| at or below this counts as zero in GLR and share positive (default PA_ZERO_TOLERANCE_BPS). */
  readonly zeroToleranceBps?: number;
  /** Label of a day key in paByDay (default String: ISO dates stay as they are). */
  readonly dayLabel?: (key: string | number) => string;
}

/** The numeric parts of StrategyReport that follow from the per-order results alone. */
export interface OrderSummary
  extends Pick<StrategyReport, 'orders' | 'rewardE2' | 'paBps' | 'glr' | 'sharePositive' | 'fillRate' | 'paByDay'> {
  /** Orders without a PA (nothing filled): left out of every PA statistic, counted here. */
  readonly unpricedOrders: number;
}

/**
 * Summary statistics of one strategy's per-order results (SPEC 5): mean reward in units of 10^-2,
 * mean PA, both with order-level and day-level standard errors; GLR; share of orders with PA > 0;
 * fill rate; PA per day. Orders with NaN PA (nothing filled) are counted in `orders`, `rewardE2` and
 * `fillRate`, and excluded from the PA statistics.
 */
export function summariseOrders(results: OrderResults, options: SummaryOptions = {}): OrderSummary {
  const n = checkColumns(results, 'summariseOrders');
  const tolerance = options.zeroToleranceBps ?? PA_ZERO_TOLERANCE_BPS;
  const priced = pricedOrders(results.paBps);
  const pa = pickValues(results.paBps, priced);
  const paDays = pickDays(results.dayKeys, priced);
  return {
    orders: n,
    rewardE2: rewardEstimateE2(results.reward, results.dayKeys),
    paBps: estimate(pa, paDays),
    glr: gainLossRatio(pa, tolerance),
    sharePositive: sharePositive(pa, tolerance),
    fillRate: fillRate(results.filledQty, results.orderQty),
    paByDay: paByDay(pa, paDays, options.dayLabel),
    unpricedOrders: n - priced.length,
  };
}

/** Mean and uncertainty of per-order values in units of 10^-2 (reward as the paper reports it). */
export function rewardEstimateE2(reward: ArrayLike<number>, dayKeys?: DayKeys): Estimate {
  return estimate(Float64Array.from(reward, (r) => r * 100), dayKeys);
}

/**
 * Paired test of a strategy's PA against a reference's on the same orders (SPEC 5): the mean of
 * (this - reference) PA, the order-level paired t-test, and the test on day-level mean differences.
 * Orders where either PA is NaN are left out of both tests.
 */
export function pairedTest(results: OrderResults, reference: OrderResults, against: string): PairedTest {
  const n = checkColumns(results, 'pairedTest');
  if (checkColumns(reference, 'pairedTest') !== n) {
    throw new ExecLabError(`pairedTest against ${against}: ${n} orders vs ${reference.paBps.length}; a paired test needs the same orders`);
  }
  const both: number[] = [];
  for (let i = 0; i < n; i++) {
    if (results.dayKeys[i] !== reference.dayKeys[i]) {
      throw new ExecLabError(`pairedTest against ${against}: order ${i} is on day ${results.dayKeys[i]} vs ${reference.dayKeys[i]}; a paired test needs the same orders in the same sequence`);
    }
    if (!Number.isNaN(results.paBps[i]) && !Number.isNaN(reference.paBps[i])) both.push(i);
  }
  const a = pickValues(results.paBps, both);
  const b = pickValues(reference.paBps, both);
  const byOrder = pairedTTest(a, b);
  const byDay = clusteredPairedTest(a, b, pickDays(results.dayKeys, both));
  return { against, meanDiffBps: byOrder.meanDiff, pValue: byOrder.pValue, pValueByDay: byDay.pValue, days: byDay.days, ...testResolution(byDay) };
}

/** pairedTest against each named reference, in the given sequence. */
export function pairedTests(
  results: OrderResults,
  references: ReadonlyArray<{ readonly name: string; readonly results: OrderResults }>,
): PairedTest[] {
  return references.map((reference) => pairedTest(results, reference.results, reference.name));
}

// ---------------------------------------------------------------------------------------------------

function checkColumns(results: OrderResults, what: string): number {
  const n = results.paBps.length;
  const columns: Array<[string, ArrayLike<unknown>]> = [
    ['reward', results.reward],
    ['filledQty', results.filledQty],
    ['orderQty', results.orderQty],
    ['dayKeys', results.dayKeys],
  ];
  for (const [name, column] of columns) {
    if (column.length !== n) {
      throw new ExecLabError(`${what}: column ${name} has ${column.length} entries but paBps has ${n}; expected one per order`);
    }
  }
  return n;
}

function pricedOrders(paBps: ArrayLike<number>): number[] {
  const indices: number[] = [];
  for (let i = 0; i < paBps.length; i++) if (!Number.isNaN(paBps[i])) indices.push(i);
  return indices;
}

function pickValues(values: ArrayLike<number>, indices: readonly number[]): ArrayLike<number> {
  return indices.length === values.length ? values : Float64Array.from(indices, (i) => values[i]);
}

function pickDays(dayKeys: DayKeys, indices: readonly number[]): DayKeys {
  return indices.length === dayKeys.length ? dayKeys : Array.from(indices, (i) => dayKeys[i]);
}

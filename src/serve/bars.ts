/**
 * What a served bar may be, shared by the stateless `decide` function and the live execution
 * service: the ranges of prices and share counts, the consistency of one bar, the average price
 * when a feed does not send one, and a one-instrument panel of bars for the feature code.
 */
import { z } from 'zod';
import { keptAverage } from '../data/average-price.js';
import type { DayContext, DayPanel } from '../data/types.js';

/**
 * Sane ranges: every number finite, prices in [1e-6, 1e9], volumes and quantities at most 1e15 shares.
 * Within them every feature the network reads is finite (a mean minute volume of 5e-324 is not: it
 * overflows the volume feature to NaN).
 */
export const PRICE = z.number().min(1e-6).max(1e9);
export const SHARES = z.number().min(0).max(1e15);
/** A trailing mean minute volume in shares (SPEC 6); tiny positive values overflow the volume feature. */
export const MEAN_MINUTE_VOLUME = z.number().min(1e-6).max(1e15);

/** The reason one bar is inconsistent (high below low, open or close outside [low, high]), or null. */
export function barProblem(open: number, high: number, low: number, close: number, where: (field: string) => string): string | null {
  if (high < low) return `${where('high')} = ${high} is below ${where('low')} = ${low}`;
  for (const [k, v] of [['open', open], ['close', close]] as const) {
    if (v < low || v > high) return `${where(k)} = ${v} is outside [${where('low')}, ${where('high')}] = [${low}, ${high}]`;
  }
  return null;
}

/**
 * A bar's average traded price: the feed's, clamped into [low, high] by the import's rule (outside
 * it by more than rounding: src/data/average-price.ts), or (O + 2H + 2L + C) / 6 when absent (SPEC 2).
 */
export function barAveragePrice(open: number, high: number, low: number, close: number, avgPrice: number | undefined): number {
  return avgPrice === undefined ? (open + 2 * high + 2 * low + close) / 6 : keptAverage(avgPrice, low, high);
}

/** One checked bar, its average price resolved (barAveragePrice). */
export interface ResolvedBar {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** The feed's, clamped into [low, high] by the import's rule, or (O + 2H + 2L + C) / 6. */
  readonly avgPrice: number;
  readonly volume: number;
}

/** A bar as a client sends it, its average price resolved. */
export function resolveBar(b: { open: number; high: number; low: number; close: number; avgPrice?: number; volume: number }): ResolvedBar {
  return { open: b.open, high: b.high, low: b.low, close: b.close, avgPrice: barAveragePrice(b.open, b.high, b.low, b.close, b.avgPrice), volume: b.volume };
}

/** Growable columns of resolved bars. */
export interface BarLists {
  readonly open: number[];
  readonly high: number[];
  readonly low: number[];
  readonly close: number[];
  readonly avgPrice: number[];
  readonly volume: number[];
}

/** Columns holding `bars` (none by default). */
export function barLists(bars: readonly ResolvedBar[] = []): BarLists {
  const c: BarLists = { open: [], high: [], low: [], close: [], avgPrice: [], volume: [] };
  for (const b of bars) pushBar(c, b);
  return c;
}

export function pushBar(c: BarLists, b: ResolvedBar): void {
  c.open.push(b.open);
  c.high.push(b.high);
  c.low.push(b.low);
  c.close.push(b.close);
  c.avgPrice.push(b.avgPrice);
  c.volume.push(b.volume);
}

/** Whether bar `m` of `c` has exactly the values of `b` (a retried bar). */
export function sameBarAt(c: BarArrays, m: number, b: ResolvedBar): boolean {
  return c.open[m] === b.open && c.high[m] === b.high && c.low[m] === b.low && c.close[m] === b.close && c.avgPrice[m] === b.avgPrice && c.volume[m] === b.volume;
}

/** Columns of checked bars, average prices resolved. */
export interface BarArrays {
  readonly open: ArrayLike<number>;
  readonly high: ArrayLike<number>;
  readonly low: ArrayLike<number>;
  readonly close: ArrayLike<number>;
  readonly avgPrice: ArrayLike<number>;
  readonly volume: ArrayLike<number>;
}

/** `count` bars from `from` as a one-instrument panel of `minutes` minutes (the rest zero). */
export function oneInstrumentPanel(bars: BarArrays, from: number, count: number, minutes = count): DayPanel {
  const col = (a: ArrayLike<number>): Float64Array => {
    const out = new Float64Array(minutes);
    for (let m = 0; m < count; m++) out[m] = a[from + m];
    return out;
  };
  return { date: '', minutes, instrumentCount: 1, open: col(bars.open), high: col(bars.high), low: col(bars.low), close: col(bars.close), avgPrice: col(bars.avgPrice), volume: col(bars.volume), valid: Uint8Array.of(1) };
}

/** The context the minute features read (previous close, trailing mean minute volume) of one instrument. */
export function oneInstrumentContext(previousClose: number, meanMinuteVolume: number, minutes: number): DayContext {
  return {
    date: '',
    prevClose: Float64Array.of(previousClose),
    meanMinuteVolume: Float64Array.of(meanMinuteVolume),
    dailySigma: Float64Array.of(NaN),
    volumeProfile: new Float64Array(minutes),
    historyDays: Uint16Array.of(1),
  };
}

/**
 * Data cleaning of one instrument-day, as pure functions: rows in read order in, a full bar grid (or
 * an exclusion reason) and counts out. Every rule is documented in docs/DATA.md ("Cleaning rules")
 * and every row is accounted for: rows = auction + outside + duplicate + placed on the grid.
 */
import { averageOutOfRange } from '../average-price.js';
import { barIndexOfLabel, barsPerDay } from '../calendar.js';
import type { BarColumns, SessionCalendar } from '../types.js';

/** Slot codes of a clock minute that is not on the continuous-trading grid. */
export const SLOT_OUTSIDE = -1;
export const SLOT_AUCTION = -2;

/** Reasons an instrument-day is excluded (valid = 0). */
export const EXCLUDE = {
  absent: 'absent',
  suspended: 'suspended',
  missing: 'too many missing minutes',
  badPrices: 'bad prices',
  volume: 'implausible volume',
  jump: 'price jump',
} as const;
export type ExclusionReason = (typeof EXCLUDE)[keyof typeof EXCLUDE];

/** Maps bar labels (clock time of day) to grid slots for one session and input bar length. */
export interface SessionGrid {
  readonly session: SessionCalendar;
  /** Length of the input bars in minutes (the cleaning grid). */
  readonly gridMinutes: number;
  /** 'end': a bar is labelled with its end time (09:31 = 09:30-09:31, A-share vendors); 'start': with its start time. */
  readonly labels: 'end' | 'start';
  /** Input bars per day. */
  readonly slots: number;
  /** Slot of each minute of the day 0..1439, or SLOT_OUTSIDE / SLOT_AUCTION. */
  readonly byMinute: Int32Array;
}

function clockOf(minuteOfDay: number): string {
  return `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;
}

function toMinutes(clock: string): number {
  const [h, m] = clock.split(':').map(Number);
  return h * 60 + m;
}

/**
 * Builds the label-to-slot table. Auction labels: with end labels, a label equal to a segment's
 * start (09:30, 13:00: the opening auction or pre-open print); with start labels, a label equal to a
 * segment's end (16:00 in US data: the closing auction print).
 */
export function sessionGrid(session: SessionCalendar, gridMinutes: number, labels: 'end' | 'start' = 'end'): SessionGrid {
  const slots = barsPerDay(session, gridMinutes);
  const byMinute = new Int32Array(1440).fill(SLOT_OUTSIDE);
  const auctionAt = new Set(session.segments.map((s) => toMinutes(labels === 'end' ? s.start : s.end)));
  for (let t = 0; t < 1440; t++) {
    const endLabel = labels === 'end' ? t : t + gridMinutes;
    const idx = endLabel < 1440 ? barIndexOfLabel(session, gridMinutes, clockOf(endLabel)) : -1;
    byMinute[t] = idx >= 0 ? idx : auctionAt.has(t) ? SLOT_AUCTION : SLOT_OUTSIDE;
  }
  return { session, gridMinutes, labels, slots, byMinute };
}

/** Slot of a time of day in seconds; labels with seconds other than :00 are off the grid. */
export function slotOf(grid: SessionGrid, sec: number): number {
  if (sec % 60 !== 0 || sec < 0 || sec >= 86_400) return SLOT_OUTSIDE;
  return grid.byMinute[sec / 60];
}

export interface CleanSettings {
  readonly grid: SessionGrid;
  /** Output bar length; a multiple of grid.gridMinutes. Bars are aggregated when larger. */
  readonly barMinutes: number;
  /** Shares per input volume unit (100 for A-share lots). */
  readonly volumeUnit: number;
  /** What the optional extra column holds: the bar's average price, its turnover, or nothing. */
  readonly auxKind: 'avgPrice' | 'turnover' | null;
  /** Exclude the instrument-day when more than this share of grid minutes has no row. */
  readonly maxMissingShare: number;
  /** Exclude the instrument-day when more bars than this have a bad (non-positive, NaN or implausible) price. */
  readonly maxBadPriceBars: number;
  /**
   * A price more than this factor above or below the instrument-day's median close is implausible
   * (a high or low is clamped to the bar's open/close range, an open or close makes a bad-price bar).
   * Default DEFAULT_MAX_PRICE_RATIO.
   */
  readonly maxPriceRatio?: number;
  /** A bar's volume more than this many times the day's median traded-bar volume is absurd (the day is excluded). Default DEFAULT_MAX_VOLUME_RATIO. */
  readonly maxVolumeRatio?: number;
}

/** Default band around the instrument-day's median close (daily limit moves are 10-30%; a factor 2 is far outside). */
export const DEFAULT_MAX_PRICE_RATIO = 2;
/** Default: a bar 10^4 times the day's median bar volume is a data error, not a trade. */
export const DEFAULT_MAX_VOLUME_RATIO = 1e4;
/** Default factor between an instrument-day's median close and the last kept close beyond which the day is a jump. */
export const DEFAULT_MAX_DAY_JUMP = 10;
/** No share trades above this price in any currency: a larger value is a data error. */
export const MAX_PRICE = 1e9;
/** No bar trades more shares than this: a larger volume is a data error. */
export const MAX_BAR_VOLUME = 1e13;

/** Rows of one instrument-day in read order (any order, duplicates allowed). */
export interface InstrumentDayRows {
  readonly count: number;
  /** Label time, seconds since local midnight. */
  readonly sec: ArrayLike<number>;
  readonly open: ArrayLike<number>;
  readonly high: ArrayLike<number>;
  readonly low: ArrayLike<number>;
  readonly close: ArrayLike<number>;
  /** In input units (multiplied by volumeUnit). */
  readonly volume: ArrayLike<number>;
  /** avgPrice or turnover per row, when auxKind is set. */
  readonly aux: ArrayLike<number> | null;
}

/** What cleaning one instrument-day did. Row counts add up: rows = auction + outside + duplicate + onGrid. */
export interface CleanCounts {
  rows: number;
  /** Rows dropped: auction labels (09:30 opening-auction bar in A-share data). */
  auctionRows: number;
  /** Rows dropped: outside the session or off the bar grid (e.g. 15:05 after-hours, 09:31:30). */
  outsideRows: number;
  /** Rows dropped: an earlier row with the same timestamp (the last one read is kept). */
  duplicateRows: number;
  /** Rows placed on the grid (used when the day is kept). */
  onGrid: number;
  /** 1 when the rows were not in time order (they are placed by time, i.e. sorted). */
  unsorted: number;
  /** Grid minutes with no row: prices forward-filled from the previous close, volume 0. */
  missingFilled: number;
  /** Bars with a non-positive or NaN price: prices forward-filled, volume kept. */
  badPriceFilled: number;
  /** Bars whose open or close was implausible (above MAX_PRICE or outside the band around the median close): forward-filled, volume kept. */
  implausibleFilled: number;
  /** Bars whose high or low alone was implausible: clamped to the bar's open/close range. */
  implausibleClamped: number;
  /** Bars whose high/low did not bound open/close (or high < low): clamped to the max/min of OHLC. */
  ohlcClamped: number;
  /** NaN or negative volumes set to 0. */
  badVolume: number;
  /** Traded bars whose average price (column or turnover / volume) was missing or non-positive: approximated from OHLC. */
  avgApproximated: number;
  /** Average prices outside [low, high]: clamped into the range. */
  avgClamped: number;
  /** Bars with zero volume (kept as they are; no fills there). */
  zeroVolume: number;
}

/** One cleaned instrument-day on the session grid. */
export type DayBars = BarColumns;

export type CleanResult =
  | { readonly kept: true; readonly bars: DayBars; readonly counts: CleanCounts }
  | {
      readonly kept: false;
      readonly reason: ExclusionReason;
      readonly counts: CleanCounts;
      /** Last valid close seen in the rows (NaN when none): used to fill the excluded row. */
      readonly fillPrice: number;
    };

export function emptyCounts(): CleanCounts {
  return {
    rows: 0,
    auctionRows: 0,
    outsideRows: 0,
    duplicateRows: 0,
    onGrid: 0,
    unsorted: 0,
    missingFilled: 0,
    badPriceFilled: 0,
    implausibleFilled: 0,
    implausibleClamped: 0,
    ohlcClamped: 0,
    badVolume: 0,
    avgApproximated: 0,
    avgClamped: 0,
    zeroVolume: 0,
  };
}

function allocBars(n: number): DayBars {
  return {
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    avgPrice: new Float64Array(n),
    volume: new Float64Array(n),
  };
}

/** Cleans one instrument-day onto the session grid; see docs/DATA.md for the rules and their order. */
export function cleanInstrumentDay(rows: InstrumentDayRows, s: CleanSettings): CleanResult {
  const G = s.grid.slots;
  const counts = emptyCounts();
  counts.rows = rows.count;

  // 1. Place rows by time: sorting is implicit, the last row read wins a duplicated timestamp.
  const src = new Int32Array(G).fill(-1);
  let prev = -Infinity;
  for (let k = 0; k < rows.count; k++) {
    const sec = rows.sec[k];
    if (sec < prev) counts.unsorted = 1;
    prev = sec;
    const slot = slotOf(s.grid, sec);
    if (slot === SLOT_AUCTION) counts.auctionRows++;
    else if (slot < 0) counts.outsideRows++;
    else {
      if (src[slot] >= 0) counts.duplicateRows++;
      src[slot] = k;
    }
  }

  // 2. Gather onto the grid; sanitise volume.
  const g = allocBars(G);
  const present = new Uint8Array(G);
  /** 1: a non-positive or NaN price; 2: an implausible open or close. */
  const bad = new Uint8Array(G);
  let onGrid = 0;
  let totalVolume = 0;
  let absurdVolume = false;
  const closes = new Float64Array(G);
  const volumes = new Float64Array(G);
  let nCloses = 0;
  let nVolumes = 0;
  for (let m = 0; m < G; m++) {
    const k = src[m];
    if (k < 0) continue;
    present[m] = 1;
    onGrid++;
    const o = rows.open[k];
    const h = rows.high[k];
    const l = rows.low[k];
    const c = rows.close[k];
    g.open[m] = o;
    g.high[m] = h;
    g.low[m] = l;
    g.close[m] = c;
    let v = rows.volume[k] * s.volumeUnit;
    if (Number.isNaN(v) || v < 0) {
      v = 0;
      counts.badVolume++;
    } else if (v > MAX_BAR_VOLUME) {
      absurdVolume = true;
    }
    g.volume[m] = v;
    totalVolume += v;
    if (v > 0) volumes[nVolumes++] = v;
    if (rows.aux) g.avgPrice[m] = rows.aux[k];
    // A high or low of Infinity is implausible, not bad: it is clamped below (NaN and <= 0 are bad).
    if (!(o > 0 && h > 0 && l > 0 && c > 0) || !Number.isFinite(o + c)) bad[m] = 1;
    else if (o > MAX_PRICE || c > MAX_PRICE) bad[m] = 2;
    else closes[nCloses++] = c;
  }
  counts.onGrid = onGrid;

  // The instrument-day's own price level: the median close of its bars with usable prices, and the
  // band of plausible prices around it. Opens and closes outside it make bad-price bars.
  const ratio = s.maxPriceRatio ?? DEFAULT_MAX_PRICE_RATIO;
  const ref = median(closes.subarray(0, nCloses));
  const lo = ref / ratio;
  const hi = Math.min(ref * ratio, MAX_PRICE);
  let badCount = 0;
  let fillPrice = NaN;
  for (let m = 0; m < G; m++) {
    if (!present[m]) continue;
    if (bad[m] === 0 && !(g.open[m] >= lo && g.open[m] <= hi && g.close[m] >= lo && g.close[m] <= hi)) bad[m] = 2;
    if (bad[m] !== 0) badCount++;
    else fillPrice = g.close[m];
  }
  const traded = volumes.subarray(0, nVolumes);
  const volumeLimit = (s.maxVolumeRatio ?? DEFAULT_MAX_VOLUME_RATIO) * median(traded);
  if (traded.some((v) => v > volumeLimit)) absurdVolume = true;

  // 3. Exclusions, in this order.
  const exclude = (reason: ExclusionReason): CleanResult => ({ kept: false, reason, counts, fillPrice });
  if (onGrid === 0) return exclude(EXCLUDE.missing);
  if (totalVolume === 0) return exclude(EXCLUDE.suspended);
  if ((G - onGrid) / G > s.maxMissingShare) return exclude(EXCLUDE.missing);
  if (badCount > s.maxBadPriceBars || badCount === onGrid) return exclude(EXCLUDE.badPrices);
  if (absurdVolume) return exclude(EXCLUDE.volume);

  // 4. Repairs: forward fill (leading gaps take the first valid open), OHLC clamp, average price.
  let first = 0;
  while (!present[first] || bad[first]) first++;
  let last = g.open[first];
  for (let m = 0; m < G; m++) {
    if (present[m] && !bad[m]) {
      const o = g.open[m];
      const c = g.close[m];
      let h = g.high[m];
      let l = g.low[m];
      // An implausible high or low (the open and close are plausible): clamped to the bar's open/close range.
      if (!(h <= hi && h >= lo) || !(l <= hi && l >= lo)) {
        if (!(h <= hi && h >= lo)) h = g.high[m] = Math.max(o, c);
        if (!(l <= hi && l >= lo)) l = g.low[m] = Math.min(o, c);
        counts.implausibleClamped++;
      }
      const top = Math.max(o, h, l, c);
      const bottom = Math.min(o, h, l, c);
      if (h !== top || l !== bottom) {
        h = g.high[m] = top;
        l = g.low[m] = bottom;
        counts.ohlcClamped++;
      }
      const v = g.volume[m];
      if (v === 0) counts.zeroVolume++;
      const approx = (o + 2 * h + 2 * l + c) / 6;
      if (s.auxKind === null) {
        g.avgPrice[m] = approx;
      } else {
        let a = s.auxKind === 'turnover' ? (v > 0 ? g.avgPrice[m] / v : NaN) : g.avgPrice[m];
        if (!(a > 0) || !Number.isFinite(a)) {
          if (v > 0) counts.avgApproximated++;
          a = approx;
        } else if (averageOutOfRange(a, l, h)) {
          a = a < l ? l : h;
          counts.avgClamped++;
        }
        g.avgPrice[m] = a;
      }
      last = c;
    } else {
      if (present[m]) {
        if (bad[m] === 1) counts.badPriceFilled++;
        else counts.implausibleFilled++;
        if (g.volume[m] === 0) counts.zeroVolume++;
      } else {
        counts.missingFilled++;
        g.volume[m] = 0;
      }
      g.open[m] = g.high[m] = g.low[m] = g.close[m] = g.avgPrice[m] = last;
    }
  }

  return { kept: true, bars: aggregateBars(g, s.barMinutes / s.grid.gridMinutes), counts };
}

/** Median of a list (NaN when empty); the list is sorted in place. */
function median(xs: Float64Array): number {
  if (xs.length === 0) return NaN;
  xs.sort();
  const h = xs.length >> 1;
  return xs.length % 2 ? xs[h] : (xs[h - 1] + xs[h]) / 2;
}

/** The median close of a cleaned instrument-day (the level compared across days by dayJump). */
export function medianClose(bars: DayBars): number {
  return median(Float64Array.from(bars.close));
}

/**
 * Whether an instrument-day whose median close is `level` is a jump: more than a factor `maxJump`
 * from the instrument's last kept close (`lastKept`, NaN when there is none: never a jump). A new
 * level that the previous trading day already showed (`previousJump`: the median close of a day
 * excluded as a jump just before, else NaN) is accepted: a split or a re-denomination loses one day,
 * a one-day data error loses only that day.
 */
export function dayJump(level: number, lastKept: number, previousJump: number, maxJump = DEFAULT_MAX_DAY_JUMP): boolean {
  const far = (a: number, b: number): boolean => Math.abs(Math.log(a / b)) > Math.log(maxJump);
  if (!(lastKept > 0) || !(level > 0)) return false;
  if (!far(level, lastKept)) return false;
  return !(previousJump > 0 && !far(level, previousJump));
}

/**
 * Aggregates consecutive groups of `k` bars: open first, high max, low min, close last, volume sum,
 * average price volume-weighted (plain mean of the bars' average prices when nothing traded).
 */
export function aggregateBars(g: DayBars, k: number): DayBars {
  if (k === 1) return g;
  const n = g.open.length / k;
  if (!Number.isInteger(n)) throw new Error(`cannot aggregate ${g.open.length} bars in groups of ${k}`);
  const out = allocBars(n);
  for (let j = 0; j < n; j++) {
    const a = j * k;
    let hi = -Infinity;
    let lo = Infinity;
    let vol = 0;
    let pv = 0;
    let ap = 0;
    for (let m = a; m < a + k; m++) {
      if (g.high[m] > hi) hi = g.high[m];
      if (g.low[m] < lo) lo = g.low[m];
      vol += g.volume[m];
      pv += g.avgPrice[m] * g.volume[m];
      ap += g.avgPrice[m];
    }
    out.open[j] = g.open[a];
    out.close[j] = g.close[a + k - 1];
    out.high[j] = hi;
    out.low[j] = lo;
    out.volume[j] = vol;
    out.avgPrice[j] = vol > 0 ? pv / vol : ap / k;
  }
  return out;
}

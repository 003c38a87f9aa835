/**
 * The market data model: one panel of minute bars per trading day, columnar.
 *
 * Every field array is row-major by instrument: the bar of instrument `i` at minute `m` sits at
 * `i * minutes + m`. All instruments of the dataset's universe have a row on every day; a row that
 * is not usable that day (not listed, excluded by cleaning) has `valid[i] = 0`.
 */
export interface DayPanel extends BarColumns {
  /** Trading day, YYYY-MM-DD. */
  readonly date: string;
  /** Bars per instrument on this day (240 for A-shares at 1 minute, 48 at 5 minutes). */
  readonly minutes: number;
  /** Number of instruments (rows). */
  readonly instrumentCount: number;
  /** 1 where the instrument-day is usable, 0 where it is absent or excluded. Per instrument. */
  readonly valid: Uint8Array;
}

/** The bar fields as columns (one instrument-day, or a whole panel). */
export interface BarColumns {
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  /** The bar's average traded price (its VWAP), or the (O + 2H + 2L + C) / 6 approximation (SPEC 2). */
  readonly avgPrice: Float64Array;
  /** Traded volume in shares. */
  readonly volume: Float64Array;
}

/** Per instrument-day context derived from earlier days only (see src/data/context.ts). */
export interface DayContext {
  readonly date: string;
  /** Close of the previous trading day; the day's first open when there is no previous day. */
  readonly prevClose: Float64Array;
  /** Mean minute volume (shares) over the previous N valid days; NaN when there is none. */
  readonly meanMinuteVolume: Float64Array;
  /** Mean daily volatility (std of minute log returns times sqrt(minutes)) over the previous days; NaN when none. */
  readonly dailySigma: Float64Array;
  /** Per-minute volume share profile from the previous days, [instrument * minutes]; each row sums to 1. */
  readonly volumeProfile: Float64Array;
  /** Number of previous valid days that fed the profile and the means (0 = fell back to the cross-section). */
  readonly historyDays: Uint16Array;
}

/** A trading session: the intraday segments in local time, e.g. 09:30-11:30 and 13:00-15:00. */
export interface SessionCalendar {
  readonly name: string;
  readonly segments: ReadonlyArray<{ readonly start: string; readonly end: string }>;
}

export interface DataSplit {
  readonly train: readonly string[];
  readonly validation: readonly string[];
  readonly test: readonly string[];
}

/** Robust z-score parameters of each public feature, fitted on the training split only. */
export interface FeatureStats {
  readonly names: readonly string[];
  readonly median: readonly number[];
  readonly scale: readonly number[];
  /** Dates the statistics were computed from (all in the training split). */
  readonly fittedOn: readonly string[];
}

export interface ExclusionCount {
  readonly reason: string;
  readonly count: number;
}

/** What data cleaning did, counted: nothing is dropped without a line here. */
export interface QualityReport {
  readonly rowsRead: number;
  readonly files: number;
  /** Input files that had a header but no rows (imports; absent in older datasets). */
  readonly filesWithoutRows?: readonly string[];
  readonly repairs: ReadonlyArray<{ readonly rule: string; readonly count: number }>;
  readonly exclusions: readonly ExclusionCount[];
  readonly instrumentDaysKept: number;
  readonly instrumentDaysExcluded: number;
  /** A few examples per exclusion reason: "CODE DATE". */
  readonly examples?: Readonly<Record<string, readonly string[]>>;
}

export interface DatasetMeta {
  readonly formatVersion: 1;
  readonly name: string;
  readonly source: 'synthetic' | 'import';
  /** Free-form description of how the data was produced (generator parameters, import settings). */
  readonly provenance: Readonly<Record<string, unknown>>;
  readonly session: SessionCalendar;
  readonly barMinutes: number;
  readonly minutesPerDay: number;
  readonly dates: readonly string[];
  readonly instruments: readonly string[];
  readonly split: DataSplit;
  readonly featureStats: FeatureStats;
  readonly quality: QualityReport;
  /** 'bar' when the data carried the bar's average price, 'ohlc' when approximated (SPEC 2). */
  readonly avgPriceSource: 'bar' | 'ohlc';
}

/** One loaded trading day with its history-derived context and the previous day's bars. */
export interface MarketDay {
  readonly bars: DayPanel;
  readonly context: DayContext;
  /** The previous trading day's bars (null on the dataset's first day). */
  readonly previous: DayPanel | null;
}

/**
 * Everything the report shows, as plain data: `execlab reproduce` and `execlab backtest` fill it,
 * src/report renders it to Markdown and to one self-contained HTML file.
 */

/** A mean with its uncertainty. */
export interface Estimate {
  readonly mean: number;
  /** Standard error of the mean over orders. */
  readonly se: number;
  /** 95% confidence interval of the mean. */
  readonly ci95: readonly [number, number];
  /** Standard error computed on day-level means (orders of one day share the market's move). */
  readonly seByDay?: number;
}

/** A significance test of one strategy against a reference on the same orders. */
export interface PairedTest {
  readonly against: string;
  /** Mean of (this - reference) PA in bps. */
  readonly meanDiffBps: number;
  /** Two-sided p-value over orders (paired t-test). */
  readonly pValue: number;
  /** Two-sided p-value on day-level mean differences (clustered by day); null with one day. */
  readonly pValueByDay: number | null;
  /**
   * Days in the day-level test (days with an order priced by both strategies; clusteredPairedTest's
   * `days`). Optional: when absent the report counts the days both strategies have in `paByDay`.
   */
  readonly days?: number;
  /**
   * The smallest mean difference of day means (bps) that the day-level test would call significant
   * at p < 0.05 with the spread it has: the critical t on days - 1 degrees of freedom times the
   * standard error of the day means. Optional (reports made before it have none); null with one day.
   */
  readonly detectableBps?: number | null;
  /**
   * The days a day-level test of this spread needs to find this difference with 80% power at p < 0.05
   * (daysForPower on the sd of the day means and their mean difference). Optional (older reports have
   * none); null with one day or a difference of 0.
   */
  readonly daysFor80?: number | null;
}

export interface StrategyReport {
  /** Display name: TWAP, VWAP, AC, DDQN, PPO, OPD-S, OPD, OPD-T. */
  readonly name: string;
  /** 'rule' for schedules, 'learned' for trained policies, 'oracle' for the teacher. */
  readonly kind: 'rule' | 'learned' | 'oracle';
  readonly orders: number;
  /** Number of training seeds averaged (1 for rules). */
  readonly seeds: number;
  /** Mean episode reward in units of 10^-2 (as the paper reports it). */
  readonly rewardE2: Estimate;
  readonly paBps: Estimate;
  /** Gain-loss ratio; null when undefined (no gains or no losses). */
  readonly glr: number | null;
  /** Share of orders with PA > 0. */
  readonly sharePositive: number;
  /** Executed / ordered quantity (1 without a participation cap). */
  readonly fillRate: number;
  /** Spread of mean PA over training seeds (std), when seeds > 1. */
  readonly paSeedStd?: number;
  readonly rewardSeedStdE2?: number;
  readonly tests: readonly PairedTest[];
  /** Mean PA per test day. */
  readonly paByDay: ReadonlyArray<{ readonly date: string; readonly paBps: number; readonly orders: number }>;
  /** Per-order PA in bps (for the distribution chart; may be subsampled to at most a few thousand). */
  readonly paSample: readonly number[];
  /** Mean share of the order executed in each decision period (the paper's case-study trajectory). */
  readonly trajectory: readonly number[];
  /**
   * How much the schedule varies between orders: the number of distinct executed schedules (shares
   * per period, to 0.1% of Q) and the share of orders on the most common one (1 = one fixed schedule
   * for every order). Learned rows: over one seed's run, the mean modal share over seeds.
   */
  readonly schedules?: { readonly distinct: number; readonly modalShare: number };
  /** Mean PA by liquidity tercile of the instrument (by trailing mean minute volume). */
  readonly byLiquidity: ReadonlyArray<{ readonly bucket: string; readonly paBps: number; readonly orders: number }>;
}

export interface TrainingCurve {
  readonly strategy: string;
  /** Training iteration numbers at which validation ran. */
  readonly iterations: readonly number[];
  /** Validation mean PA (bps) at each iteration: mean over seeds, and min/max over seeds. */
  readonly meanPaBps: readonly number[];
  readonly lowPaBps: readonly number[];
  readonly highPaBps: readonly number[];
  /** The policy's mean entropy (nats) in the collection of each of those iterations, mean over seeds; absent for DDQN. */
  readonly entropy?: readonly number[];
  /** Per seed, the checkpoint kept and its evaluation mode, as `greedy @ 36` (absent in older reports). */
  readonly kept?: readonly string[];
}

export interface ExampleDay {
  readonly instrument: string;
  readonly date: string;
  readonly side: 'sell' | 'buy';
  /** Minute labels (HH:MM) over the horizon. */
  readonly minuteLabels: readonly string[];
  /** The minute average price over the horizon. */
  readonly prices: readonly number[];
  /** Per strategy, the quantity executed in each minute (share of the order). */
  readonly trades: ReadonlyArray<{ readonly strategy: string; readonly sharePerMinute: readonly number[] }>;
}

export interface ReportData {
  readonly title: string;
  readonly generatedAt: string;
  readonly command: string;
  readonly dataset: {
    readonly name: string;
    readonly source: string;
    readonly instruments: number;
    readonly trainDays: number;
    readonly validationDays: number;
    readonly testDays: number;
    readonly testDates: readonly string[];
    /** The side of every order of the run (training, validation, test); absent = sell (reports before --side). */
    readonly orderSide?: 'sell' | 'buy' | 'mixed';
    /** The learners read a buy order's price features mirrored (--mirror-buys); absent = no. */
    readonly mirrorBuys?: boolean;
  };
  readonly strategies: readonly StrategyReport[];
  readonly trainingCurves: readonly TrainingCurve[];
  readonly exampleDay: ExampleDay | null;
  /** All settings used, for the appendix. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Free-text findings and caveats (e.g. an ordering that did not hold). */
  readonly notes: readonly string[];
  /**
   * The settings sweeps these settings were chosen by (validation only): one whose choice set every
   * learner's settings (`method` null), and one per method whose choice set that method's alone.
   */
  readonly sweeps?: ReadonlyArray<{ readonly method: string | null; readonly section: SweepSection }>;
  /** The forecast planner's fit (validation only): what a regression on the students' inputs earns. */
  readonly forecast?: SweepSection;
  /** The policy to deploy, chosen on validation: every candidate, the choice and its test numbers. */
  readonly deployment?: SweepSection;
}

/** A settings sweep as the report shows it: one row per trial. */
export interface SweepSection {
  readonly intro: string;
  readonly header: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
}

import { z } from 'zod';

/**
 * The order-execution MDP (SPEC 3 and 4). Every number is a setting; the defaults are the paper's
 * profile. Times are in minutes and converted to bars with the dataset's bar length.
 */
export const SimSettingsSchema = z.object({
  /**
   * Minutes of the day that are traded, from the open (SPEC 3: 237 of 240; the closing auction is not
   * traded). Rounded to the nearest whole bar: 237 with 1-minute bars, 235 with 5-minute bars, the
   * whole 240-minute session with 15-minute bars (whose last bar holds the closing auction anyway).
   */
  horizonMinutes: z.number().int().positive().default(237),
  /**
   * Length of a decision period in minutes, rounded to the nearest whole bar (at least one); the last
   * period is whatever is left (27 minutes with 1-minute bars, 25 with 5-minute bars, 30 with 15).
   */
  periodMinutes: z.number().int().positive().default(30),
  /** The action map: fractions of Q a learned policy may trade in a period (SPEC 3). */
  actionMap: z.array(z.number().min(0).max(1)).min(2).default([0, 0.25, 0.5, 0.75, 1]),
  /** Penalty weight alpha on the squared per-minute child-order share (SPEC 4). */
  alpha: z.number().min(0).default(100),
  /**
   * Fill model. The defaults are the paper's training simulator: every child order fills in full at
   * the minute's average price. The three options below are for realistic backtests.
   */
  fill: z
    .object({
      /** At most this share of the minute's market volume fills; the rest carries forward. null = no cap. */
      participationCap: z.number().gt(0).max(1).nullable().default(null),
      /** Fills are rounded down to whole lots of this many shares (A-shares: 100). 1 = no rounding. */
      lotSize: z.number().int().positive().default(1),
      /** No fills in minutes with zero market volume (suspended or no trades); the quantity carries forward. */
      noFillWithoutVolume: z.boolean().default(false),
    })
    .prefault({}),
});

export type SimSettings = z.infer<typeof SimSettingsSchema>;

export const DEFAULT_SIM_SETTINGS: SimSettings = SimSettingsSchema.parse({});

/** The period grid of the horizon in bars: period k covers bars [start[k], start[k+1]). */
export interface PeriodGrid {
  /** Bars in the traded horizon. */
  readonly horizon: number;
  /** Minutes per bar: the reward's penalty spreads a bar's child quantity equally over its minutes. */
  readonly barMinutes: number;
  /** Number of decision periods T. */
  readonly periods: number;
  /** T + 1 boundaries, start[0] = 0, start[T] = horizon. */
  readonly start: Int32Array;
}

/**
 * The grid in whole bars: the horizon and the period length are their minutes rounded to the nearest
 * bar (halves round up), the horizon capped at the session's `barsPerDay` and the period at least one
 * bar. docs/METHOD.md lists the grids this gives for 1-, 5- and 15-minute bars.
 */
export function periodGrid(settings: SimSettings, barMinutes: number, barsPerDay: number): PeriodGrid {
  const horizon = Math.max(1, Math.min(Math.round(settings.horizonMinutes / barMinutes), barsPerDay));
  const per = Math.max(1, Math.round(settings.periodMinutes / barMinutes));
  const periods = Math.ceil(horizon / per);
  const start = new Int32Array(periods + 1);
  for (let k = 0; k <= periods; k++) start[k] = Math.min(k * per, horizon);
  return { horizon, barMinutes, periods, start };
}

/** The traded horizon in minutes. */
export function horizonMinutesOf(grid: PeriodGrid): number {
  return grid.horizon * grid.barMinutes;
}

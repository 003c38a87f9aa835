import { z } from 'zod';

/**
 * The order-execution MDP (SPEC 3 and 4). Every number is a setting; the defaults are the paper's
 * profile. Times are in minutes and converted to bars with the dataset's bar length.
 */
export const SimSettingsSchema = z.object({
  /** Minutes of the day that are traded, from the open (SPEC 3: 237 of 240; the closing auction is not traded). */
  horizonMinutes: z.number().int().positive().default(237),
  /** Length of a decision period in minutes; the last period is whatever is left (27 by default). */
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
  /** Number of decision periods T. */
  readonly periods: number;
  /** T + 1 boundaries, start[0] = 0, start[T] = horizon. */
  readonly start: Int32Array;
}

export function periodGrid(settings: SimSettings, barMinutes: number, minutesPerDay: number): PeriodGrid {
  const horizon = Math.min(Math.floor(settings.horizonMinutes / barMinutes), minutesPerDay);
  const per = Math.max(1, Math.floor(settings.periodMinutes / barMinutes));
  const periods = Math.ceil(horizon / per);
  const start = new Int32Array(periods + 1);
  for (let k = 0; k <= periods; k++) start[k] = Math.min(k * per, horizon);
  return { horizon, periods, start };
}

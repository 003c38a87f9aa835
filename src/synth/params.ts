/**
 * Parameters of the synthetic market (docs/SYNTHETIC_MARKET.md gives the equations). Every stylised
 * fact of the model is driven by a named field here; the defaults are the project's embedded dataset.
 */
import { z } from 'zod';
import { SESSIONS, sessionMinutes } from '../data/calendar.js';

/** An intraday multiplier: 1 + open bump + close bump + after-break bump, rescaled (see profile.ts). */
function intradayShape(d: { open: number; openDecayMinutes: number; close: number; closeDecayMinutes: number; afterBreak: number; afterBreakDecayMinutes: number }) {
  return z
    .object({
      /** Height of the bump at the session open, relative to the midday level. */
      open: z.number().min(0).default(d.open),
      /** e-folding time of the open bump, in minutes. */
      openDecayMinutes: z.number().positive().default(d.openDecayMinutes),
      /** Height of the ramp into the session close, relative to the midday level. */
      close: z.number().min(0).default(d.close),
      /** e-folding time of the close ramp, in minutes (counted back from the close). */
      closeDecayMinutes: z.number().positive().default(d.closeDecayMinutes),
      /** Height of the bump when trading resumes after a break (A-shares: 13:00 after lunch). */
      afterBreak: z.number().min(0).default(d.afterBreak),
      /** e-folding time of the after-break bump, in minutes. */
      afterBreakDecayMinutes: z.number().positive().default(d.afterBreakDecayMinutes),
    })
    .prefault({});
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const SynthParamsSchema = z
  .object({
    /** Seed of every random draw: the same parameters and seed give byte-identical bars. */
    seed: z.number().int().min(0).max(4294967295).default(1),
    /** Number of instruments (codes SYN0001, SYN0002, ...). */
    instruments: z.number().int().min(1).max(100000).default(100),
    /** Number of trading days (consecutive weekdays from startDate; no holidays are modelled). */
    days: z.number().int().min(3).max(10000).default(120),
    /** Trading days in the validation split (the days just before the test days). */
    validationDays: z.number().int().min(1).default(20),
    /** Trading days in the test split (the last days). */
    testDays: z.number().int().min(1).default(20),
    /** First trading day, YYYY-MM-DD (moved forward to a Monday if it falls on a weekend). */
    startDate: z.string().regex(DATE, 'expected a date YYYY-MM-DD').default('2023-01-02'),
    /** Trading session: 'ashare' (09:30-11:30, 13:00-15:00, 240 min) or 'us' (09:30-16:00, 390 min). */
    session: z.enum(['ashare', 'us']).default('ashare'),
    /** Bar length in minutes; bars aggregate the simulated 1-minute bars (5 gives 48 A-share bars). */
    barMinutes: z.number().int().min(1).max(60).default(1),
    /** Price tick: open, high, low and close are on this grid (avgPrice is not rounded); 0 = no grid. */
    tickSize: z.number().min(0).max(1).default(0.01),
    /** Shares per lot: minute volume is a whole number of lots (A-shares: 100). */
    lotSize: z.number().int().min(1).default(100),

    /** Strength of the past-only intraday predictability; 0 makes every future minute's expected average price equal the current price. */
    predictability: z.number().min(0).max(20).default(1),
    /** Per-minute rate at which the price reverts toward the day's opening price, at predictability 1. */
    reversionPerMinute: z.number().min(0).max(0.1).default(0.001),

    /** Median starting price across instruments. */
    priceMedian: z.number().positive().default(15),
    /** Standard deviation of the log starting price across instruments. */
    priceDispersion: z.number().min(0).default(0.9),
    /** Lowest starting price (draws outside [priceMin, priceMax] are redrawn). */
    priceMin: z.number().positive().default(3),
    /** Highest starting price. */
    priceMax: z.number().positive().default(200),

    /** Median across instruments of the mean minute volume, in shares. */
    volumeMedianShares: z.number().positive().default(5000),
    /** Standard deviation of the log mean minute volume across instruments (1.7: about 3 orders of magnitude). */
    volumeDispersion: z.number().min(0).default(1.7),
    /** Gamma shape of the Poisson-gamma (negative binomial) minute lot count; smaller = burstier, more zero minutes. */
    volumeBurstShape: z.number().positive().default(1.2),
    /** Standard deviation of the log daily volume level around the instrument's mean (day-to-day volume noise). */
    volumeDailyDispersion: z.number().min(0).default(0.25),
    /** Elasticity of the daily volume level to the daily volatility (busy days are volatile days). */
    volumeVolatilityElasticity: z.number().min(0).default(1),
    /** Weight of the minute's absolute return shock in its expected volume (0 = volume ignores the price move; < 1). */
    volumeReturnCoupling: z.number().min(0).lt(1).default(0.3),

    /** Median across instruments of the mean daily volatility (std of the day's log return). */
    volatilityMedian: z.number().positive().default(0.02),
    /** Standard deviation of the log mean daily volatility across instruments. */
    volatilityDispersion: z.number().min(0).default(0.35),
    /** Day-to-day persistence phi of the log daily volatility (volatility clustering; 0 = none). */
    volatilityPersistence: z.number().min(0).lt(1).default(0.9),
    /** Standard deviation of the daily shock to the log daily volatility. */
    volatilityOfVolatility: z.number().min(0).default(0.2),
    /** Degrees of freedom of the Student-t minute innovations (fat tails; larger = closer to normal). */
    tailDegreesOfFreedom: z.number().int().min(3).max(100).default(4),
    /** Share of the minute return variance that is a market factor common to all instruments. */
    marketFactorShare: z.number().min(0).max(1).default(0.15),
    /** Overnight gap (previous close to open) standard deviation, in units of the day's volatility. */
    overnightGapRatio: z.number().min(0).default(0.35),
    /** Expected number of price jumps per instrument-day. */
    jumpsPerDay: z.number().min(0).default(0.3),
    /** Standard deviation of a jump's size, in units of the day's volatility. */
    jumpSizeRatio: z.number().min(0).default(0.5),
    /** Latent price points per minute from which the bar's high, low and average price are built. */
    pathStepsPerMinute: z.number().int().min(1).max(60).default(4),

    /** Intraday volume profile (U-shape with a bump after lunch). */
    volumeProfile: intradayShape({ open: 2, openDecayMinutes: 20, close: 1.2, closeDecayMinutes: 25, afterBreak: 0.6, afterBreakDecayMinutes: 10 }),
    /** Intraday volatility profile (U-shape with a bump after lunch). */
    volatilityProfile: intradayShape({ open: 1.5, openDecayMinutes: 15, close: 0.5, closeDecayMinutes: 20, afterBreak: 0.4, afterBreakDecayMinutes: 10 }),
  })
  .strict()
  .superRefine((p, ctx) => {
    const total = sessionMinutes(SESSIONS[p.session]);
    if (total % p.barMinutes !== 0) {
      ctx.addIssue({ code: 'custom', path: ['barMinutes'], message: `must divide the ${total}-minute '${p.session}' session (e.g. 1 or 5)` });
    }
    if (p.validationDays + p.testDays >= p.days) {
      ctx.addIssue({ code: 'custom', path: ['days'], message: `must exceed validationDays + testDays (${p.validationDays} + ${p.testDays}) so the training split is not empty` });
    }
    if (p.priceMin >= p.priceMax) ctx.addIssue({ code: 'custom', path: ['priceMin'], message: `must be below priceMax (${p.priceMax})` });
    if (p.priceMedian < p.priceMin || p.priceMedian > p.priceMax) {
      ctx.addIssue({ code: 'custom', path: ['priceMedian'], message: `must lie in [priceMin, priceMax] = [${p.priceMin}, ${p.priceMax}]` });
    }
  });

export type SynthParams = z.infer<typeof SynthParamsSchema>;
/** Loose input accepted by the schema (every field optional). */
export type SynthParamsInput = z.input<typeof SynthParamsSchema>;

/** The embedded default market: 100 instruments x 120 days (80 train / 20 validation / 20 test), 1-minute A-share bars. */
export const DEFAULT_SYNTH_PARAMS: SynthParams = SynthParamsSchema.parse({});

/** Defaults completed and checked; throws zod's error (callers at the CLI boundary use validateSettings). */
export function synthParams(input: SynthParamsInput = {}): SynthParams {
  return SynthParamsSchema.parse(input);
}

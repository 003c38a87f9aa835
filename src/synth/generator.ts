/**
 * The synthetic market's price and volume processes (docs/SYNTHETIC_MARKET.md). Pure functions:
 * `generateDay` maps (universe, state before the day, day index) to the day's bars and the state
 * after it, drawing from random streams derived from the seed and (instrument, day) alone, so a day
 * is the same whichever way the caller iterates.
 *
 * Simulation is always at 1 minute; longer bars aggregate the minute bars.
 */
import { SESSIONS, barsPerDay, sessionMinutes } from '../data/calendar.js';
import type { DayPanel, SessionCalendar } from '../data/types.js';
import type { Rng } from '../util/random.js';
import type { SynthParams } from './params.js';
import { breakOffsets, volatilityShape, volumeShape } from './profile.js';
import { gamma, meanAbsStudentT, poisson, streamFor, studentT } from './sampling.js';

/** Keys of the independent random streams (first key after the seed). */
const STREAM_INSTRUMENT = 1;
const STREAM_MARKET = 2;
const STREAM_INSTRUMENT_DAY = 3;

/** Largest absolute minute (and overnight) price shock; symmetric, so the clip keeps the mean at 0. */
const MAX_SHOCK = 0.2;
/** Largest absolute predictable drift per minute. */
const MAX_DRIFT = 0.02;

/** What stays fixed about an instrument over the whole dataset. */
export interface SynthInstrument {
  readonly code: string;
  /** Latent price before the first day's overnight gap. */
  readonly startPrice: number;
  /** Mean minute volume in shares (before the intraday profile and the daily level). */
  readonly meanMinuteVolume: number;
  /** ln of the instrument's typical daily volatility: the level its log volatility reverts to. */
  readonly logVolatility: number;
  /** Starting deviation of the log daily volatility from that level (a draw from its stationary law). */
  readonly initialLogVolatilityDeviation: number;
}

/** What carries from one day to the next for an instrument. */
export interface InstrumentState {
  /** Latent fair price after the last minute (a martingale at predictability 0). */
  readonly mid: number;
  /** Last traded price (the last bar's close with volume): what the market shows. */
  readonly lastPrice: number;
  /** Deviation of the log daily volatility from the instrument's level (the AR(1) state). */
  readonly logVolatilityDeviation: number;
}

export interface SynthUniverse {
  readonly params: SynthParams;
  readonly session: SessionCalendar;
  /** Simulated 1-minute steps per day. */
  readonly minutesPerDay: number;
  /** Bars per day written (minutesPerDay / barMinutes). */
  readonly barsPerDay: number;
  readonly instruments: readonly SynthInstrument[];
  /** Per-minute volume multiplier, mean 1. */
  readonly volumeShape: Float64Array;
  /** Per-minute volatility multiplier, mean square 1. */
  readonly volatilityShape: Float64Array;
}

export interface SynthDay {
  readonly panel: DayPanel;
  readonly state: readonly InstrumentState[];
  /** Instruments with no volume in the whole day (marked invalid in the panel). */
  readonly noTrading: readonly number[];
}

/** Instrument code of index i: SYN0001, SYN0002, ... */
export function instrumentCode(i: number): string {
  return `SYN${String(i + 1).padStart(4, '0')}`;
}

function lognormal(rng: Rng, median: number, dispersion: number): number {
  return median * Math.exp(dispersion * rng.normal());
}

/** Draws the instruments' fixed characteristics and the intraday shapes. */
export function buildUniverse(params: SynthParams): SynthUniverse {
  const session = SESSIONS[params.session];
  const minutes = sessionMinutes(session);
  const breaks = breakOffsets(session);
  const stationarySd = params.volatilityOfVolatility / Math.sqrt(1 - params.volatilityPersistence ** 2);
  const instruments: SynthInstrument[] = [];
  for (let i = 0; i < params.instruments; i++) {
    const rng = streamFor(params.seed, STREAM_INSTRUMENT, i);
    let price = lognormal(rng, params.priceMedian, params.priceDispersion);
    for (let tries = 0; (price < params.priceMin || price > params.priceMax) && tries < 1000; tries++) {
      price = lognormal(rng, params.priceMedian, params.priceDispersion);
    }
    price = Math.min(params.priceMax, Math.max(params.priceMin, price));
    instruments.push({
      code: instrumentCode(i),
      startPrice: price,
      meanMinuteVolume: lognormal(rng, params.volumeMedianShares, params.volumeDispersion),
      logVolatility: Math.log(params.volatilityMedian) + params.volatilityDispersion * rng.normal(),
      initialLogVolatilityDeviation: stationarySd * rng.normal(),
    });
  }
  return {
    params,
    session,
    minutesPerDay: minutes,
    barsPerDay: barsPerDay(session, params.barMinutes),
    instruments,
    volumeShape: volumeShape(params.volumeProfile, minutes, breaks),
    volatilityShape: volatilityShape(params.volatilityProfile, minutes, breaks),
  };
}

/** Prices on the tick grid (no grid when tick is 0); never below one tick. */
function tickRounder(tick: number): (x: number) => number {
  if (!(tick > 0)) return (x) => x;
  const inv = 1 / tick;
  const exactInverse = Math.abs(inv - Math.round(inv)) < 1e-9;
  const perTick = exactInverse ? Math.round(inv) : inv;
  return (x) => {
    const k = Math.max(1, Math.round(x * perTick));
    return exactInverse ? k / perTick : k * tick;
  };
}

export function initialState(universe: SynthUniverse): InstrumentState[] {
  const round = tickRounder(universe.params.tickSize);
  return universe.instruments.map((ins) => ({
    mid: ins.startPrice,
    lastPrice: round(ins.startPrice),
    logVolatilityDeviation: ins.initialLogVolatilityDeviation,
  }));
}

/** The day's market-factor innovations, one per minute, shared by all instruments. */
export function marketShocks(universe: SynthUniverse, dayIndex: number): Float64Array {
  const rng = streamFor(universe.params.seed, STREAM_MARKET, dayIndex);
  const out = new Float64Array(universe.minutesPerDay);
  for (let m = 0; m < out.length; m++) out[m] = studentT(rng, universe.params.tailDegreesOfFreedom);
  return out;
}

/** One instrument's minute bars of one day, written into `bars` (length minutesPerDay each). */
interface MinuteBars {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  avgPrice: Float64Array;
  volume: Float64Array;
}

function minuteBars(minutes: number): MinuteBars {
  return {
    open: new Float64Array(minutes),
    high: new Float64Array(minutes),
    low: new Float64Array(minutes),
    close: new Float64Array(minutes),
    avgPrice: new Float64Array(minutes),
    volume: new Float64Array(minutes),
  };
}

/**
 * Simulates one instrument-day at 1 minute. Returns the state after the day.
 *
 * Per minute m (docs/SYNTHETIC_MARKET.md, section 2):
 *   mid_{m+1} = mid_m * (1 + drift_m + clip(shock_m))
 *   shock_m   = sigma_day * v(m) / sqrt(M) * (sqrt(1 - rho) * e_m + sqrt(rho) * f_m) + jump_m
 *   drift_m   = predictability * kappa * ln(open_0 / lastPrice_m)       (0 in minute 0)
 * e_m, f_m unit-variance Student-t (f shared by all instruments); lastPrice_m the last traded price
 * before minute m. The bar's trades happen on a Brownian bridge between mid_m and mid_{m+1}.
 */
function simulateInstrumentDay(
  universe: SynthUniverse,
  instrument: SynthInstrument,
  before: InstrumentState,
  market: Float64Array,
  rng: Rng,
  out: MinuteBars,
  round: (x: number) => number,
  eAbsShock: number,
  path: Float64Array,
  traded: Float64Array,
  weight: Float64Array,
): InstrumentState {
  const p = universe.params;
  const M = universe.minutesPerDay;
  const K = p.pathStepsPerMinute;
  const dof = p.tailDegreesOfFreedom;

  // Daily volatility: log-AR(1) around the instrument's level (volatility clustering).
  const h = p.volatilityPersistence * before.logVolatilityDeviation + p.volatilityOfVolatility * rng.normal();
  const sigmaDay = Math.exp(instrument.logVolatility + h);
  // Daily volume level: tied to the day's volatility, plus its own noise; mean-one corrections keep
  // the instrument's mean minute volume at meanMinuteVolume on average.
  const varH = p.volatilityOfVolatility ** 2 / (1 - p.volatilityPersistence ** 2);
  const el = p.volumeVolatilityElasticity;
  const dd = p.volumeDailyDispersion;
  const volumeLevel = instrument.meanMinuteVolume * Math.exp(el * h - (el * el * varH) / 2 + dd * rng.normal() - (dd * dd) / 2);

  // Overnight gap, previous close to open (multiplicative, mean zero).
  let mid = before.mid * (1 + clip(p.overnightGapRatio * sigmaDay * studentT(rng, dof), MAX_SHOCK));
  let lastPrice = before.lastPrice;

  const minuteScale = sigmaDay / Math.sqrt(M);
  const own = Math.sqrt(1 - p.marketFactorShare);
  const common = Math.sqrt(p.marketFactorShare);
  const jumpProbability = p.jumpsPerDay / M;
  const jumpScale = p.jumpSizeRatio * sigmaDay;
  const drift = p.predictability * p.reversionPerMinute;
  const coupling = p.volumeReturnCoupling;
  const burst = p.volumeBurstShape;
  const lot = p.lotSize;
  let anchor = NaN;

  for (let m = 0; m < M; m++) {
    const sigma = minuteScale * universe.volatilityShape[m];
    const z = own * studentT(rng, dof) + common * market[m];
    let shock = sigma * z;
    if (jumpProbability > 0 && rng.uniform() < jumpProbability) shock += jumpScale * rng.normal();
    // The predictable part: reversion toward the day's opening price, a function of past bars only.
    const mu = m > 0 && drift > 0 ? clip(drift * Math.log(anchor / lastPrice), MAX_DRIFT) : 0;
    const start = mid;
    const end = start * (1 + mu + clip(shock, MAX_SHOCK));

    // Latent path inside the minute: straight line plus a Brownian bridge (zero at both ends).
    path[0] = start;
    path[K] = end;
    let bridge = 0;
    for (let j = 1; j < K; j++) {
      const left = K - j;
      bridge = (bridge * left) / (left + 1) + Math.sqrt(left / (K * (left + 1))) * rng.normal();
      path[j] = Math.max(start + ((end - start) * j) / K + start * sigma * bridge, 1e-6 * start);
    }

    // Volume: Poisson-gamma lots around the profile, higher when the minute moves more.
    const intensity = (volumeLevel * universe.volumeShape[m] * (1 - coupling + (coupling * Math.abs(z)) / eAbsShock)) / lot;
    const lots = poisson(rng, (gamma(rng, burst) * intensity) / burst);

    if (lots === 0) {
      // No trade: a flat bar at the last traded price (what vendors print).
      out.open[m] = out.high[m] = out.low[m] = out.close[m] = out.avgPrice[m] = lastPrice;
      out.volume[m] = 0;
    } else {
      // Trades at tick prices along the path; the average price weights them by random sizes
      // (uniform on [0.25, 1.25): no point dominates, none is ignored).
      let hi = -Infinity;
      let lo = Infinity;
      let wSum = 0;
      let pwSum = 0;
      for (let j = 0; j <= K; j++) {
        const price = round(path[j]);
        traded[j] = price;
        weight[j] = 0.25 + rng.uniform();
        if (price > hi) hi = price;
        if (price < lo) lo = price;
        wSum += weight[j];
        pwSum += weight[j] * price;
      }
      const avg = Math.min(hi, Math.max(lo, pwSum / wSum));
      out.open[m] = traded[0];
      out.close[m] = traded[K];
      out.high[m] = hi;
      out.low[m] = lo;
      out.avgPrice[m] = avg;
      out.volume[m] = lots * lot;
      lastPrice = traded[K];
    }
    if (m === 0) anchor = out.open[0];
    mid = end;
  }
  return { mid, lastPrice, logVolatilityDeviation: h };
}

function clip(x: number, limit: number): number {
  return x > limit ? limit : x < -limit ? -limit : x;
}

/** Copies (barMinutes = 1) or aggregates one instrument's minute bars into the day panel row. */
function writeBars(src: MinuteBars, panel: DayPanel, row: number, barMinutes: number): void {
  const bars = panel.minutes;
  const base = row * bars;
  if (barMinutes === 1) {
    panel.open.set(src.open, base);
    panel.high.set(src.high, base);
    panel.low.set(src.low, base);
    panel.close.set(src.close, base);
    panel.avgPrice.set(src.avgPrice, base);
    panel.volume.set(src.volume, base);
    return;
  }
  for (let b = 0; b < bars; b++) {
    const first = b * barMinutes;
    const last = first + barMinutes - 1;
    let hi = -Infinity;
    let lo = Infinity;
    let vol = 0;
    let value = 0;
    for (let m = first; m <= last; m++) {
      if (src.high[m] > hi) hi = src.high[m];
      if (src.low[m] < lo) lo = src.low[m];
      vol += src.volume[m];
      value += src.volume[m] * src.avgPrice[m];
    }
    panel.open[base + b] = src.open[first];
    panel.close[base + b] = src.close[last];
    panel.high[base + b] = hi;
    panel.low[base + b] = lo;
    panel.volume[base + b] = vol;
    panel.avgPrice[base + b] = vol > 0 ? Math.min(hi, Math.max(lo, value / vol)) : src.avgPrice[last];
  }
}

/**
 * Generates one trading day for every instrument. Pure: `state` is not modified; the returned state
 * feeds the next day. `dayIndex` (0 for the first day) selects the day's random streams.
 */
export function generateDay(universe: SynthUniverse, state: readonly InstrumentState[], dayIndex: number, date: string): SynthDay {
  const p = universe.params;
  const n = universe.instruments.length;
  if (state.length !== n) throw new Error(`generateDay: state has ${state.length} instruments, universe ${n}`);
  const M = universe.minutesPerDay;
  const bars = universe.barsPerDay;
  const size = n * bars;
  const panel: DayPanel = {
    date,
    minutes: bars,
    instrumentCount: n,
    open: new Float64Array(size),
    high: new Float64Array(size),
    low: new Float64Array(size),
    close: new Float64Array(size),
    avgPrice: new Float64Array(size),
    volume: new Float64Array(size),
    valid: new Uint8Array(n),
  };
  const market = marketShocks(universe, dayIndex);
  const scratch = minuteBars(M);
  const K = p.pathStepsPerMinute;
  const path = new Float64Array(K + 1);
  const traded = new Float64Array(K + 1);
  const weight = new Float64Array(K + 1);
  const round = tickRounder(p.tickSize);
  const eAbsShock = meanAbsStudentT(p.tailDegreesOfFreedom);
  const next: InstrumentState[] = [];
  const noTrading: number[] = [];
  for (let i = 0; i < n; i++) {
    const rng = streamFor(p.seed, STREAM_INSTRUMENT_DAY, i, dayIndex);
    next.push(simulateInstrumentDay(universe, universe.instruments[i], state[i], market, rng, scratch, round, eAbsShock, path, traded, weight));
    writeBars(scratch, panel, i, p.barMinutes);
    let traded0 = false;
    for (let m = 0; m < M && !traded0; m++) traded0 = scratch.volume[m] > 0;
    panel.valid[i] = traded0 ? 1 : 0;
    if (!traded0) noTrading.push(i);
  }
  return { panel, state: next, noTrading };
}

/**
 * Episodes: the data of each order's day, cut out of the day panels once into flat typed arrays, so
 * that the simulator, the strategies and the learners run over compact memory and never touch the
 * store again. One episode = one order.
 */
import type { DatasetStore } from '../data/store.js';
import type { Order } from '../data/orders.js';
import { normaliseFeatures, rawMinuteFeatures } from '../data/features.js';
import type { DayPanel, FeatureStats } from '../data/types.js';
import { episodePublicWidth, PUBLIC_FEATURES, summariseMinutes } from './observation.js';
import { peerIndices, samePeerGroups, type PeerGroups } from '../data/peers.js';
import { ExecLabError } from '../errors.js';
import { periodGrid, type PeriodGrid, type SimSettings } from './settings.js';
import type { ProgressFn } from '../util/progress.js';

export interface EpisodeSet {
  readonly count: number;
  readonly grid: PeriodGrid;
  /** Bars per day of the dataset (the previous day's summary uses all of them). */
  readonly minutesPerDay: number;
  /** Public steps per episode: T + 1 (previous day, then each period). */
  readonly steps: number;
  /** Minute average prices over the horizon [episode * horizon + minute]. */
  readonly price: Float64Array;
  /** Market volume in shares over the horizon. */
  readonly volume: Float64Array;
  /** Mean minute price per period [episode * T + period] (the fast path of the simulator). */
  readonly periodMeanPrice: Float64Array;
  /** Benchmark p~: plain mean of the minute average prices over the horizon (SPEC 3). Future data. */
  readonly benchmark: Float64Array;
  /**
   * The market's PA per period [episode * T + period]: the mean over the day's valid instruments of
   * the period's mean price against each one's p~, in bps, signed for the order's side. Future data,
   * like p~: training may use it in rewards (the market-neutral baseline), never in an observation.
   */
  readonly marketPeriodPa: Float64Array;
  /** Order quantity in shares. */
  readonly quantity: Float64Array;
  /** +1 sell, -1 buy. */
  readonly side: Int8Array;
  /**
   * Public features [episode][step][publicStride]: the instrument's own 18, then the market
   * context's 18, then (with peer groups) the peer context's 18; the views in observation.ts decide
   * what is seen.
   */
  readonly pub: Float32Array;
  /** Public features per step in `pub`: episodePublicWidth(peers !== null). */
  readonly publicStride: number;
  /** The peer groups of the peer context, or null when the episodes have none. */
  readonly peers: PeerGroups | null;
  /** VWAP's volume profile over the horizon from the previous days, normalised to sum 1. */
  readonly volumeProfile: Float64Array;
  /** Almgren-Chriss' daily volatility (relative) from the previous days; NaN without history. */
  readonly dailySigma: Float64Array;
  /** Previous close (price level for AC's sigma in price units). */
  readonly prevClose: Float64Array;
  /** Trailing mean minute volume (liquidity measure for the report's buckets). */
  readonly liquidity: Float64Array;
  readonly instrument: readonly string[];
  readonly date: readonly string[];
  readonly orders: readonly Order[];
}

export interface SkippedOrder {
  readonly order: Order;
  readonly reason: string;
}

export interface EpisodeOptions {
  readonly onProgress?: ProgressFn;
  /** The feature normalisation (a policy's own); default the dataset's. */
  readonly featureStats?: FeatureStats;
  /** Peer groups for the peer context (src/data/peers.ts); default none. */
  readonly peers?: PeerGroups | null;
}

/** Builds the episodes of `orders` (any order of dates). Orders that cannot run are returned with a reason. */
export function buildEpisodes(
  store: DatasetStore,
  orders: readonly Order[],
  settings: SimSettings,
  options: EpisodeOptions = {},
): { episodes: EpisodeSet; skipped: SkippedOrder[] } {
  const { onProgress, featureStats = store.meta.featureStats, peers = null } = options;
  const meta = store.meta;
  const grid = periodGrid(settings, meta.barMinutes, meta.minutesPerDay);
  const { horizon: H, periods: T } = grid;
  const M = meta.minutesPerDay;
  const S = T + 1;
  const codeIndex = new Map(meta.instruments.map((c, i) => [c, i]));
  const byDate = new Map<string, number[]>();
  const skipped: SkippedOrder[] = [];
  for (const [k, o] of orders.entries()) {
    if (!codeIndex.has(o.instrument)) {
      skipped.push({ order: o, reason: 'instrument not in dataset' });
      continue;
    }
    const list = byDate.get(o.date);
    if (list) list.push(k);
    else byDate.set(o.date, [k]);
  }
  for (const [date, list] of [...byDate]) {
    if (!meta.dates.includes(date)) {
      for (const k of list) skipped.push({ order: orders[k], reason: 'date not in dataset' });
      byDate.delete(date);
    }
  }
  // Keep the requested order of episodes within each date; dates in dataset order.
  const dates = meta.dates.filter((d) => byDate.has(d));
  const cap = orders.length;
  const W = episodePublicWidth(peers !== null);
  const peerIdx = peers ? peerIndices(peers, meta.instruments) : null;
  const out = {
    price: new Float64Array(cap * H),
    volume: new Float64Array(cap * H),
    periodMeanPrice: new Float64Array(cap * T),
    benchmark: new Float64Array(cap),
    marketPeriodPa: new Float64Array(cap * T),
    quantity: new Float64Array(cap),
    side: new Int8Array(cap),
    pub: new Float32Array(cap * S * W),
    volumeProfile: new Float64Array(cap * H),
    dailySigma: new Float64Array(cap),
    prevClose: new Float64Array(cap),
    liquidity: new Float64Array(cap),
  };
  const instrument: string[] = [];
  const date: string[] = [];
  const episodeOrders: Order[] = [];
  let n = 0;
  for (const [di, d] of dates.entries()) {
    const day = store.loadDay(d);
    const feats = normaliseFeatures(rawMinuteFeatures(day.bars, day.context), featureStats);
    // The previous day is normalised with the order day's context: both days are then on one scale
    // (prices over the previous close), which is what the student compares.
    const prevFeats = day.previous ? normaliseFeatures(rawMinuteFeatures(day.previous, day.context), featureStats) : null;
    const marketPa = marketPeriodPa(day.bars, grid, M);
    const { own, market } = daySummaries(day.bars.valid, day.previous?.valid ?? null, feats, prevFeats, grid, M, S);
    for (const k of byDate.get(d)!) {
      const o = orders[k];
      const i = codeIndex.get(o.instrument)!;
      if (!day.bars.valid[i]) {
        skipped.push({ order: o, reason: 'instrument-day excluded or absent in the dataset' });
        continue;
      }
      fillEpisode(out, n, day.bars, i, H, T, grid, M);
      out.quantity[n] = o.quantity;
      out.side[n] = o.side === 'sell' ? 1 : -1;
      for (let t = 0; t < T; t++) out.marketPeriodPa[n * T + t] = out.side[n] * marketPa[t];
      // Public steps: 0 = previous day (zeros when there is none), k = period k-1.
      const po = n * S * W;
      const F = PUBLIC_FEATURES;
      for (let s = 0; s < S; s++) {
        out.pub.set(own.subarray((i * S + s) * F, (i * S + s + 1) * F), po + s * W);
        out.pub.set(market.subarray(s * F, (s + 1) * F), po + s * W + F);
      }
      if (peerIdx) peerContext(day.bars.valid, day.previous?.valid ?? null, own, market, peerIdx[i], S, out.pub, po + 2 * F, W);
      // History-derived context: VWAP profile over the horizon, AC sigma, liquidity.
      let ps = 0;
      for (let m = 0; m < H; m++) ps += day.context.volumeProfile[i * M + m];
      for (let m = 0; m < H; m++) out.volumeProfile[n * H + m] = ps > 0 ? day.context.volumeProfile[i * M + m] / ps : 1 / H;
      out.dailySigma[n] = day.context.dailySigma[i];
      out.prevClose[n] = day.context.prevClose[i];
      out.liquidity[n] = day.context.meanMinuteVolume[i];
      instrument.push(o.instrument);
      date.push(d);
      episodeOrders.push(o);
      n++;
    }
    onProgress?.(di + 1, dates.length);
  }
  const trim = <A extends Float64Array | Float32Array | Int8Array>(a: A, w: number): A => a.slice(0, n * w) as A;
  const episodes: EpisodeSet = {
    count: n,
    grid,
    minutesPerDay: M,
    steps: S,
    price: trim(out.price, H),
    volume: trim(out.volume, H),
    periodMeanPrice: trim(out.periodMeanPrice, T),
    benchmark: trim(out.benchmark, 1),
    marketPeriodPa: trim(out.marketPeriodPa, T),
    quantity: trim(out.quantity, 1),
    side: trim(out.side, 1),
    pub: trim(out.pub, S * W),
    publicStride: W,
    peers,
    volumeProfile: trim(out.volumeProfile, H),
    dailySigma: trim(out.dailySigma, 1),
    prevClose: trim(out.prevClose, 1),
    liquidity: trim(out.liquidity, 1),
    instrument,
    date,
    orders: episodeOrders,
  };
  return { episodes, skipped };
}

/** Sell PA (bps) of each period's mean price against p~, averaged over the day's valid instruments. */
export function marketPeriodPa(bars: DayPanel, grid: PeriodGrid, M: number): Float64Array {
  const { sum, count } = periodPaSum(bars, grid, M);
  return count > 0 ? sum.map((x) => x / count) : sum;
}

/** Sell PA (bps) of each period's mean price against p~, summed over the day's valid instruments, and their count. */
export function periodPaSum(bars: DayPanel, grid: PeriodGrid, M: number): { sum: Float64Array; count: number } {
  const { horizon: H, periods: T, start } = grid;
  const sum = new Float64Array(T);
  const mean = new Float64Array(T);
  let count = 0;
  for (let i = 0; i < bars.instrumentCount; i++) {
    if (!bars.valid[i]) continue;
    let all = 0;
    for (let t = 0; t < T; t++) {
      let s = 0;
      for (let m = start[t]; m < start[t + 1]; m++) s += bars.avgPrice[i * M + m];
      all += s;
      mean[t] = s / (start[t + 1] - start[t]);
    }
    const p = all / H;
    if (!(p > 0)) continue;
    for (let t = 0; t < T; t++) sum[t] += 1e4 * (mean[t] / p - 1);
    count++;
  }
  return { sum, count };
}

/**
 * Every instrument's step summaries of one day, [instrument][step][PUBLIC_FEATURES] (step 0 the
 * previous day, zeros where that day or the instrument-day is not valid), and the day's market
 * context [step][PUBLIC_FEATURES]: each step's summaries averaged over the valid instruments (step 0
 * over those with a valid previous day), zeros where no instrument counts. Computed once per day:
 * the episodes copy their own rows and the market's.
 */
export function daySummaries(
  valid: Uint8Array,
  previousValid: Uint8Array | null,
  feats: Float32Array,
  prevFeats: Float32Array | null,
  grid: PeriodGrid,
  M: number,
  S: number,
): { own: Float32Array; market: Float32Array } {
  const F = PUBLIC_FEATURES;
  const own = new Float32Array(valid.length * S * F);
  const hasPrevious = (i: number): boolean => prevFeats !== null && previousValid !== null && previousValid[i] !== 0;
  for (let i = 0; i < valid.length; i++) {
    if (!valid[i]) continue;
    const o = i * S * F;
    if (hasPrevious(i)) summariseMinutes(prevFeats!, i * M, 0, M, own, o);
    for (let t = 0; t < S - 1; t++) summariseMinutes(feats, i * M, grid.start[t], grid.start[t + 1], own, o + (t + 1) * F);
  }
  const market = new Float32Array(S * F);
  const all = Int32Array.from({ length: valid.length }, (_, i) => i);
  for (let s = 0; s < S; s++) meanSummaries(own, S, s, all, (i) => valid[i] !== 0 && (s > 0 || hasPrevious(i)), market, s * F, null, 0);
  return { own, market };
}

/**
 * Throws unless `episodes` carry the peer groups `peers` that `reader` (a policy, the forecast
 * planner) reads the peer context with; nothing to check when it reads none.
 */
export function requireEpisodePeers(peers: PeerGroups | null | undefined, episodes: EpisodeSet, reader: string): void {
  if (!peers || samePeerGroups(peers, episodes.peers)) return;
  throw new ExecLabError(
    episodes.peers ? `${reader} reads the peer context with other peer groups than these episodes carry` : `${reader} reads the peer context: build the episodes with its peer groups`,
    2,
  );
}

/**
 * The peer context of one episode into `out` at `o`, step by step (stride `W`): each step's own
 * summaries averaged over the instrument's peers that have it (valid on the day; for step 0, also
 * on the previous day), the market context's where none has it.
 */
export function peerContext(
  valid: Uint8Array,
  previousValid: Uint8Array | null,
  own: Float32Array,
  market: Float32Array,
  peers: Int32Array,
  S: number,
  out: Float32Array,
  o: number,
  W: number,
): void {
  const F = PUBLIC_FEATURES;
  for (let s = 0; s < S; s++) meanSummaries(own, S, s, peers, (j) => valid[j] !== 0 && (s > 0 || (previousValid !== null && previousValid[j] !== 0)), out, o + s * W, market, s * F);
}

/**
 * The mean of step `s`'s summaries [instrument][step][PUBLIC_FEATURES] in `own` over the `members`
 * that `counts` (summed in their order, in float64), into `out` at `o`; where none counts, the
 * `fallback`'s values at `fo`, or `out` left as it is without one. One arithmetic for the market
 * and peer contexts of the episodes and of the live market feed (src/serve/live/market-feed.ts),
 * so that both give the same bits.
 */
export function meanSummaries(
  own: Float32Array,
  S: number,
  s: number,
  members: ArrayLike<number>,
  counts: (j: number) => boolean,
  out: Float32Array,
  o: number,
  fallback: ArrayLike<number> | null,
  fo: number,
): void {
  const F = PUBLIC_FEATURES;
  const sum = new Float64Array(F);
  let count = 0;
  for (let k = 0; k < members.length; k++) {
    const j = members[k];
    if (!counts(j)) continue;
    for (let f = 0; f < F; f++) sum[f] += own[(j * S + s) * F + f];
    count++;
  }
  if (count > 0) for (let f = 0; f < F; f++) out[o + f] = sum[f] / count;
  else if (fallback) for (let f = 0; f < F; f++) out[o + f] = fallback[fo + f];
}

function fillEpisode(
  out: { price: Float64Array; volume: Float64Array; periodMeanPrice: Float64Array; benchmark: Float64Array },
  n: number,
  bars: DayPanel,
  i: number,
  H: number,
  T: number,
  grid: PeriodGrid,
  M: number,
): void {
  let sum = 0;
  for (let m = 0; m < H; m++) {
    const p = bars.avgPrice[i * M + m];
    out.price[n * H + m] = p;
    out.volume[n * H + m] = bars.volume[i * M + m];
    sum += p;
  }
  out.benchmark[n] = sum / H;
  for (let t = 0; t < T; t++) {
    let s = 0;
    for (let m = grid.start[t]; m < grid.start[t + 1]; m++) s += out.price[n * H + m];
    out.periodMeanPrice[n * T + t] = s / (grid.start[t + 1] - grid.start[t]);
  }
}

/** A subset of episodes (e.g. a training batch), copied into a new compact set. */
export function selectEpisodes(set: EpisodeSet, indices: ArrayLike<number>): EpisodeSet {
  const n = indices.length;
  const { horizon: H, periods: T } = set.grid;
  const S = set.steps;
  const pick = <A extends Float64Array | Float32Array | Int8Array>(a: A, w: number): A => {
    const r = new (a.constructor as new (len: number) => A)(n * w);
    for (let k = 0; k < n; k++) r.set(a.subarray(indices[k] * w, indices[k] * w + w), k * w);
    return r;
  };
  const idx = Array.from(indices);
  return {
    count: n,
    grid: set.grid,
    minutesPerDay: set.minutesPerDay,
    steps: S,
    price: pick(set.price, H),
    volume: pick(set.volume, H),
    periodMeanPrice: pick(set.periodMeanPrice, T),
    benchmark: pick(set.benchmark, 1),
    marketPeriodPa: pick(set.marketPeriodPa, T),
    quantity: pick(set.quantity, 1),
    side: pick(set.side, 1),
    pub: pick(set.pub, S * set.publicStride),
    publicStride: set.publicStride,
    peers: set.peers,
    volumeProfile: pick(set.volumeProfile, H),
    dailySigma: pick(set.dailySigma, 1),
    prevClose: pick(set.prevClose, 1),
    liquidity: pick(set.liquidity, 1),
    instrument: idx.map((k) => set.instrument[k]),
    date: idx.map((k) => set.date[k]),
    orders: idx.map((k) => set.orders[k]),
  };
}

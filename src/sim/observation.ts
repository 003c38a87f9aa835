/**
 * Observations (SPEC 6). The public data of an episode is summarised per decision period: step 0 is
 * the previous trading day, step k (1..T) is period k-1 of the order's day. For each of the six
 * normalised minute features (open, high, low, close, average price, volume) a step holds the mean,
 * the last value and the standard deviation over the step's minutes: 18 numbers.
 *
 * Two views of one state: the STUDENT at decision t (the start of period t) sees steps 0..t, i.e. the
 * previous day and the periods that are over: only minutes strictly before the decision time. The
 * TEACHER sees all T + 1 steps, the whole day. The masking is done here, by the environment, and
 * tested by perturbing future bars (test/sim/leakage.test.ts).
 */
import { MINUTE_FEATURE_COUNT, MINUTE_FEATURES } from '../data/features.js';

export const STEP_STATS = 3;
/** The instrument's own public features per step. */
export const PUBLIC_FEATURES = MINUTE_FEATURE_COUNT * STEP_STATS;
/**
 * The market context per step: the same 18 summaries averaged over every valid instrument of the
 * day (the cross-section), so that a policy can tell the stock's move from the market's. Step k holds
 * period k-1 of every instrument: at decision t a student still sees only minutes before it.
 */
export const MARKET_FEATURES = PUBLIC_FEATURES;
/** Own features and the market context per step: what every episode set stores. */
export const EPISODE_PUBLIC_FEATURES = PUBLIC_FEATURES + MARKET_FEATURES;
/**
 * The peer context per step (src/data/peers.ts): the same 18 summaries averaged over the
 * instrument's peer group, the market context's where no peer has the step. Stored after the market
 * context by episode sets built with peer groups.
 */
export const PEER_FEATURES = PUBLIC_FEATURES;

/** Public features per step that an episode set stores: own and market, then the peer context if it has one. */
export function episodePublicWidth(peers: boolean): number {
  return EPISODE_PUBLIC_FEATURES + (peers ? PEER_FEATURES : 0);
}

/**
 * Public inputs per step of a policy: its own features, plus the market context when it reads it,
 * plus the peer context when it reads that (only with the market context: the blocks are read as a
 * prefix of the stored step).
 */
export function publicWidth(spec: { readonly market?: boolean; readonly peers?: unknown }): number {
  if (spec.peers && !spec.market) throw new Error('a policy that reads the peer context also reads the market context');
  return spec.peers ? EPISODE_PUBLIC_FEATURES + PEER_FEATURES : spec.market ? EPISODE_PUBLIC_FEATURES : PUBLIC_FEATURES;
}

/** Throws unless episodes storing `stride` public features per step hold the `width` a reader reads. */
export function requirePublicWidth(width: number, stride: number): void {
  if (width > stride) throw new Error(`${width} public features per step are read, the episodes store ${stride}: build them with the reader's peer groups`);
}

/**
 * The first `width` features of every step of `count` episodes' public sequences (stored `stride`
 * wide), packed: what a policy of that width reads.
 */
export function packPublic(pub: Float32Array, count: number, steps: number, stride: number, width: number): Float32Array {
  const W = stride;
  requirePublicWidth(width, W);
  if (width === W) return pub.subarray(0, count * steps * W);
  const out = new Float32Array(count * steps * width);
  for (let k = 0; k < count * steps; k++) out.set(pub.subarray(k * W, k * W + width), k * width);
  return out;
}

/**
 * Summarises normalised minute features [minute][feature] over minutes [from, to) into `out` at
 * offset `o`: per feature mean, last, std.
 */
export function summariseMinutes(features: Float32Array, base: number, from: number, to: number, out: Float32Array, o: number): void {
  const f = MINUTE_FEATURE_COUNT;
  const n = to - from;
  for (let j = 0; j < f; j++) {
    if (n <= 0) {
      out[o + j * STEP_STATS] = 0;
      out[o + j * STEP_STATS + 1] = 0;
      out[o + j * STEP_STATS + 2] = 0;
      continue;
    }
    let sum = 0;
    let sumSq = 0;
    for (let m = from; m < to; m++) {
      const v = features[(base + m) * f + j];
      sum += v;
      sumSq += v * v;
    }
    const mean = sum / n;
    out[o + j * STEP_STATS] = mean;
    out[o + j * STEP_STATS + 1] = features[(base + to - 1) * f + j];
    out[o + j * STEP_STATS + 2] = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
  }
}

const HIGH = MINUTE_FEATURES.indexOf('high');
const LOW = MINUTE_FEATURES.indexOf('low');
const VOLUME = MINUTE_FEATURES.indexOf('volume');

/**
 * A buy order's public step as the mirror image of a sell's (policies with `mirrorBuys`): in every
 * block of PUBLIC_FEATURES in x[offset, offset + width) (own, market, peer context), each price
 * feature's mean and last value change sign (a normalised price z becomes -z: the price path turned
 * upside down around its median), the standard deviations stay, and the high's and the low's
 * summaries trade places (the high of the mirrored path is the mirror of the low). Volume is kept.
 * Buying low is then selling high on the mirrored path, so a network shares what it learns of
 * prices between the sides. In place; `width` a multiple of PUBLIC_FEATURES.
 */
export function mirrorPublicStep(x: Float32Array, offset: number, width: number): void {
  if (width % PUBLIC_FEATURES !== 0) throw new Error(`mirrorPublicStep: width ${width} is not a multiple of ${PUBLIC_FEATURES}`);
  for (let b = offset; b < offset + width; b += PUBLIC_FEATURES) {
    for (let j = 0; j < MINUTE_FEATURE_COUNT; j++) {
      if (j === VOLUME) continue;
      x[b + j * STEP_STATS] = -x[b + j * STEP_STATS];
      x[b + j * STEP_STATS + 1] = -x[b + j * STEP_STATS + 1];
    }
    for (let k = 0; k < STEP_STATS; k++) {
      const h = b + HIGH * STEP_STATS + k;
      const l = b + LOW * STEP_STATS + k;
      const v = x[h];
      x[h] = x[l];
      x[l] = v;
    }
  }
}

/** Which view of the state a policy gets. */
export type ObservationView = 'student' | 'teacher';

/**
 * Copies the public sequence of episode `i` as seen by `view` at decision `t` into `out`
 * ([steps][stride], `steps` = T + 1, `stride` the episode set's publicStride). Steps the view may
 * not see are zero.
 */
export function publicObservation(
  pub: Float32Array,
  steps: number,
  stride: number,
  i: number,
  view: ObservationView,
  t: number,
  out: Float32Array,
): Float32Array {
  const width = steps * stride;
  const visible = view === 'teacher' ? steps : Math.min(steps, t + 1);
  out.fill(0, 0, width);
  out.set(pub.subarray(i * width, i * width + visible * stride), 0);
  return out;
}

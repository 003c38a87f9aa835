/**
 * Per-step network inputs built by the environment. The student's public input at decision t may
 * only be a step s <= t (minutes strictly before the decision time); asking for a later step throws,
 * so a policy cannot read the future through indexing mistakes.
 */
import type { ExecutionEnv } from '../../sim/env.js';
import type { EpisodeSet } from '../../sim/episodes.js';
import { mirrorPublicStep, packPublic, requirePublicWidth, type ObservationView } from '../../sim/observation.js';

/** How a policy reads the public features of a buy order. */
export interface PublicLayout {
  /** Reads a buy's price features mirrored (mirrorPublicStep), a sell's as they are; absent = as they are. */
  readonly mirrorBuys?: boolean;
}

/** Whether a policy of `spec` reads an order of side `sideSign` (+1 sell, -1 buy) mirrored. */
export function readsMirrored(spec: PublicLayout, sideSign: number): boolean {
  return spec.mirrorBuys === true && sideSign < 0;
}

/**
 * Copies public step `s` of every episode into `out` [n * width]: the first `width` features of the
 * step (PUBLIC_FEATURES: the instrument's own; then the market context, then the peer context),
 * mirrored for the buy orders of a policy that reads them so (`layout.mirrorBuys`).
 */
export function publicStepInput(env: ExecutionEnv, view: ObservationView, s: number, out: Float32Array, width: number, layout: PublicLayout = {}): void {
  const { pub, steps, publicStride: W } = env.episodes;
  requirePublicWidth(width, W);
  if (view === 'student' && s > env.t) {
    throw new Error(`student observation: step ${s} is after the decision time (period ${env.t})`);
  }
  const w = steps * W;
  const side = env.episodes.side;
  for (let i = 0; i < env.n; i++) {
    out.set(pub.subarray(i * w + s * W, i * w + s * W + width), i * width);
    if (readsMirrored(layout, side[i])) mirrorPublicStep(out, i * width, width);
  }
}

/**
 * The whole public sequence of the first `n` episodes, `width` features per step ([n][steps][width]),
 * as a teacher of `layout` reads it: buy orders mirrored when it mirrors them. A copy whenever it
 * mirrors anything, so the episodes' own data is never changed.
 */
export function publicSequence(episodes: EpisodeSet, n: number, width: number, layout: PublicLayout = {}): Float32Array {
  const { steps: S, publicStride, side } = episodes;
  let mirrored = false;
  for (let i = 0; i < n && !mirrored; i++) mirrored = readsMirrored(layout, side[i]);
  if (!mirrored) return packPublic(episodes.pub, n, S, publicStride, width);
  const seq = packPublic(episodes.pub, n, S, publicStride, width).slice();
  for (let i = 0; i < n; i++) {
    if (!readsMirrored(layout, side[i])) continue;
    for (let s = 0; s < S; s++) mirrorPublicStep(seq, (i * S + s) * width, width);
  }
  return seq;
}

/** What a policy's private input holds, and in which order (its network's privIn is their count). */
export interface PrivateLayout {
  /** 2: (remaining / Q, elapsed / T); 3: plus the previous action's share (Lin and Beling). */
  readonly privateFeatures: 2 | 3;
  /** Reads the order's side last: +1 sell, -1 buy. */
  readonly side?: boolean;
}

/** The width of the private input: the base features plus the side when read. */
export function privateWidth(spec: PrivateLayout): number {
  return spec.privateFeatures + (spec.side ? 1 : 0);
}

/** The names of a layout's private features, in input order. */
export function privateFeatureNames(spec: PrivateLayout): string[] {
  return ['remaining', 'elapsed', ...(spec.privateFeatures === 3 ? ['previous-share'] : []), ...(spec.side ? ['side'] : [])];
}

/** For each feature of `to`, its index in `from`'s layout, or -1 when `from` lacks it. */
export function privateFeatureMap(to: PrivateLayout, from: PrivateLayout): number[] {
  const names = privateFeatureNames(from);
  return privateFeatureNames(to).map((f) => names.indexOf(f));
}

/**
 * One order's private input at a decision, into out[offset ...]: remaining / Q, elapsed periods / T,
 * then the previous action's share (privateFeatures 3), then the side sign (+1 sell, -1 buy) when the
 * policy reads it. The one definition the backtest, the training rollouts and both services use.
 */
export function privateRow(spec: PrivateLayout, remainingShare: number, elapsedShare: number, previousShare: number, sideSign: number, out: Float32Array, offset: number): void {
  out[offset] = remainingShare;
  out[offset + 1] = elapsedShare;
  let k = offset + 2;
  if (spec.privateFeatures === 3) out[k++] = previousShare;
  if (spec.side) out[k] = sideSign;
}

/**
 * Private step input of every episode at the current decision (privateRow's layout); `previousShare`
 * holds each episode's previous share of Q when the layout reads it.
 */
export function privateStepInput(env: ExecutionEnv, spec: PrivateLayout, previousShare: Float64Array | null, out: Float32Array): void {
  const width = privateWidth(spec);
  if (spec.privateFeatures === 3 && !previousShare) throw new Error('privateStepInput: the layout reads the previous share, but none was given');
  const { quantity, side } = env.episodes;
  const elapsed = env.t / env.periods;
  for (let i = 0; i < env.n; i++) privateRow(spec, env.remaining[i] / quantity[i], elapsed, previousShare ? previousShare[i] : 0, side[i], out, i * width);
}

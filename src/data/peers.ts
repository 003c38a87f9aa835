/**
 * Peer groups: for each instrument, the k instruments whose bar returns, net of the market's, moved
 * most with its own over the training days (in practice its industry). The peer context of
 * observations (docs/METHOD.md, "The peer context") averages a step's summaries over an instrument's
 * peers, so that a policy can tell the stock's move from its group's, a sharper reference than the
 * whole market's for the short-term reversal of docs/RESULTS.md section 5.
 *
 * Fitted on the training split only; a policy that reads the peer context keeps its groups in its
 * file, so that later data is read with the same groups.
 */
import { z } from 'zod';
import type { DatasetStore } from './store.js';
import { ExecLabError } from '../errors.js';
import type { ProgressFn } from '../util/progress.js';

export interface PeerGroups {
  /** The group size asked for; an instrument with fewer candidates has fewer peers. */
  readonly size: number;
  /** Each instrument's peers (codes), the most correlated first. */
  readonly groups: Readonly<Record<string, readonly string[]>>;
}

/** A peer group size setting (N of --peer-groups). */
export const PeerGroupSizeSchema = z.number().int().min(1);

/**
 * The peers of each of `n` instruments from their residual returns `x` [instrument * L + l] (NaN
 * where missing): the k others with the highest correlation over the returns both have, taken
 * around zero (the residuals' mean is the cross-section's, removed bar by bar). A pair needs at least
 * `minOverlap` common returns; ties go to the lower index. Returns each instrument's peer indices;
 * `onProgress` hears the pairs done after each instrument's.
 */
export function peersFromReturns(x: Float64Array, n: number, L: number, k: number, minOverlap: number, onProgress?: ProgressFn): number[][] {
  const v = new Float64Array(n * L);
  const m = new Float64Array(n * L);
  for (let a = 0; a < n * L; a++) {
    if (Number.isFinite(x[a])) {
      v[a] = x[a];
      m[a] = 1;
    }
  }
  // An instrument with every return (most of them) needs no mask: for a pair of two such, the
  // sums of squares over the common returns are each one's own sum, added in the same order as the
  // masked loop adds them, so only the cross product is left to compute.
  const complete = new Uint8Array(n);
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let all = 1;
    let q = 0;
    for (let l = 0; l < L; l++) {
      all &= m[i * L + l];
      q += v[i * L + l] * v[i * L + l];
    }
    complete[i] = all;
    sq[i] = q;
  }
  const corr = new Float64Array(n * n).fill(NaN);
  for (let i = 0; i < n; i++) {
    const oi = i * L;
    for (let j = i + 1; j < n; j++) {
      const oj = j * L;
      let xy = 0;
      let xx = 0;
      let yy = 0;
      let c = 0;
      if (complete[i] && complete[j]) {
        // Four terms per pass, still added one after another (the same sum, bit for bit).
        let l = 0;
        for (; l + 4 <= L; l += 4) xy = xy + v[oi + l] * v[oj + l] + v[oi + l + 1] * v[oj + l + 1] + v[oi + l + 2] * v[oj + l + 2] + v[oi + l + 3] * v[oj + l + 3];
        for (; l < L; l++) xy += v[oi + l] * v[oj + l];
        xx = sq[i];
        yy = sq[j];
        c = L;
      } else {
        for (let l = 0; l < L; l++) {
          const both = m[oi + l] * m[oj + l];
          xy += v[oi + l] * v[oj + l];
          xx += v[oi + l] * v[oi + l] * both;
          yy += v[oj + l] * v[oj + l] * both;
          c += both;
        }
      }
      if (c < minOverlap || !(xx > 0) || !(yy > 0)) continue;
      const r = xy / Math.sqrt(xx * yy);
      corr[i * n + j] = r;
      corr[j * n + i] = r;
    }
    // Pairs done so far, out of n (n - 1) / 2.
    onProgress?.(((i + 1) * (2 * n - i - 2)) / 2, (n * (n - 1)) / 2);
  }
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const cand: number[] = [];
    for (let j = 0; j < n; j++) if (j !== i && Number.isFinite(corr[i * n + j])) cand.push(j);
    cand.sort((a, b) => corr[i * n + b] - corr[i * n + a] || a - b);
    out.push(cand.slice(0, k));
  }
  return out;
}

/**
 * Residual bar returns [instrument * L + l] of `days` (each a list of closes per instrument,
 * `bars` per day, and the day's validity): the log return of each bar's close over the one before
 * (within the day) minus that bar's mean over the instruments that have it; NaN where missing.
 */
export function residualReturns(days: ReadonlyArray<{ readonly close: Float64Array; readonly valid: Uint8Array }>, n: number, bars: number): Float64Array {
  const per = bars - 1;
  const L = days.length * per;
  const x = new Float64Array(n * L).fill(NaN);
  for (const [d, day] of days.entries()) {
    for (let b = 1; b < bars; b++) {
      const l = d * per + b - 1;
      let sum = 0;
      let count = 0;
      for (let i = 0; i < n; i++) {
        if (!day.valid[i]) continue;
        const p0 = day.close[i * bars + b - 1];
        const p1 = day.close[i * bars + b];
        if (!(p0 > 0 && p1 > 0)) continue;
        const r = Math.log(p1 / p0);
        x[i * L + l] = r;
        sum += r;
        count++;
      }
      const mean = sum / count;
      for (let i = 0; i < n; i++) if (Number.isFinite(x[i * L + l])) x[i * L + l] -= mean;
    }
  }
  return x;
}

/** The share of returns two instruments must have in common to be compared. */
const MIN_OVERLAP_SHARE = 0.1;

/** Fits peer groups of `size` on the dataset's training days. */
export function fitPeerGroups(store: DatasetStore, size: number, onProgress?: ProgressFn): PeerGroups {
  return fitPeerGroupSizes(store, [size], onProgress)[0];
}

/**
 * Fits peer groups of each of `sizes` on the dataset's training days, from one ranking: each
 * instrument's peers of a smaller size are the first of its larger group.
 */
export function fitPeerGroupSizes(store: DatasetStore, sizes: readonly number[], onProgress?: ProgressFn): PeerGroups[] {
  for (const size of sizes) {
    if (!PeerGroupSizeSchema.safeParse(size).success) throw new ExecLabError(`peer group size must be a whole number of at least 1, got ${size}`, 2);
  }
  if (sizes.length === 0) return [];
  const codes = store.meta.instruments;
  const bars = store.meta.minutesPerDay;
  const train = store.datesOf('train');
  if (train.length === 0) throw new ExecLabError(`cannot fit peer groups: dataset ${store.dir} has no training days`);
  if (bars < 2) throw new ExecLabError('cannot fit peer groups: a day needs at least two bars');
  const days = train.map((date, k) => {
    const { bars: panel } = store.loadDay(date);
    onProgress?.(k + 1, train.length, 'peer groups: reading the training days');
    return { close: panel.close, valid: panel.valid };
  });
  const L = train.length * (bars - 1);
  const progress: ProgressFn | undefined = onProgress && ((done, total) => onProgress(done, total, 'peer groups: correlating the instruments'));
  const ranked = peersFromReturns(residualReturns(days, codes.length, bars), codes.length, L, Math.max(...sizes), Math.max(2, Math.ceil(MIN_OVERLAP_SHARE * L)), progress);
  return sizes.map((size) => {
    const groups: Record<string, string[]> = {};
    for (const [i, code] of codes.entries()) groups[code] = ranked[i].slice(0, size).map((j) => codes[j]);
    return { size, groups };
  });
}

/** Each instrument's peers as indices into `codes` (peers absent from `codes` dropped). */
export function peerIndices(peers: PeerGroups, codes: readonly string[]): Int32Array[] {
  const index = new Map(codes.map((c, i) => [c, i]));
  return codes.map((c) => Int32Array.from((peers.groups[c] ?? []).map((p) => index.get(p)).filter((j): j is number => j !== undefined)));
}

/** Whether two sets of peer groups are the same groups (the same object, or equal in content). */
export function samePeerGroups(a: PeerGroups | null | undefined, b: PeerGroups | null | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.size !== b.size) return false;
  const ka = Object.keys(a.groups);
  if (ka.length !== Object.keys(b.groups).length) return false;
  return ka.every((c) => {
    const x = a.groups[c];
    const y = b.groups[c];
    return y !== undefined && x.length === y.length && x.every((p, k) => p === y[k]);
  });
}

const fitted = new WeakMap<DatasetStore, Map<number, PeerGroups>>();

/** The peer groups of `size` fitted on the dataset's training days, once per opened dataset. */
export function peerGroupsOf(store: DatasetStore, size: number, onProgress?: ProgressFn): PeerGroups {
  return peerGroupsOfSizes(store, [size], onProgress)[0];
}

/**
 * The peer groups of each distinct size in `sizes` (in their order), fitted once per opened dataset
 * (the sizes not fitted yet from one ranking).
 */
export function peerGroupsOfSizes(store: DatasetStore, sizes: readonly number[] | null | undefined, onProgress?: ProgressFn): PeerGroups[] {
  let bySize = fitted.get(store);
  if (!bySize) fitted.set(store, (bySize = new Map()));
  const wanted = [...new Set(sizes ?? [])];
  const missing = wanted.filter((size) => !bySize.has(size));
  for (const groups of fitPeerGroupSizes(store, missing, onProgress)) bySize.set(groups.size, groups);
  return wanted.map((size) => bySize.get(size)!);
}

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../src/util/random.js';
import { fitPeerGroups, peerIndices, peersFromReturns, residualReturns, samePeerGroups } from '../../src/data/peers.js';
import { buildEpisodes } from '../../src/sim/episodes.js';
import { EPISODE_PUBLIC_FEATURES, PUBLIC_FEATURES } from '../../src/sim/observation.js';
import { DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';
import { memoryStore } from '../helpers/memory-store.js';
import { peerSpec } from '../../src/rl/common/peer-spec.js';

describe('residual bar returns', () => {
  it('are each bar log return minus the bar mean of the instruments that have it', () => {
    // Two instruments, one day of three bars; the second instrument's last close is missing.
    const close = Float64Array.from([10, 11, 11, 20, 20, 0]);
    const x = residualReturns([{ close, valid: Uint8Array.from([1, 1]) }], 2, 3);
    const r1 = Math.log(1.1);
    // Bar 1: returns ln 1.1 and 0, mean ln(1.1)/2; bar 2: only the first instrument (0), mean 0.
    expect(x[0]).toBeCloseTo(r1 / 2, 15);
    expect(x[2]).toBeCloseTo(-r1 / 2, 15);
    expect(x[1]).toBe(0);
    expect(Number.isNaN(x[3])).toBe(true);
  });

  it('skip an invalid instrument-day', () => {
    const close = Float64Array.from([10, 11, 20, 22]);
    const x = residualReturns([{ close, valid: Uint8Array.from([1, 0]) }], 2, 2);
    expect(x[0]).toBe(0);
    expect(Number.isNaN(x[1])).toBe(true);
  });
});

describe('peers from returns', () => {
  // Hand-computed correlations around zero: corr(0,1) = 1, corr(0,3) = 2/4 = 0.5, corr(0,2) = 0,
  // corr(1,3) = 0.5, corr(2,3) = (1 - 1 - 1 - 1) / 4 = -0.5.
  const x = Float64Array.from([1, -1, 1, -1, 2, -2, 2, -2, 1, 1, -1, -1, 1, -1, 1, 1]);

  it('rank the others by correlation, most correlated first', () => {
    expect(peersFromReturns(x, 4, 4, 2, 2)).toEqual([[1, 3], [0, 3], [0, 1], [0, 1]]);
    expect(peersFromReturns(x, 4, 4, 3, 2)[2]).toEqual([0, 1, 3]);
  });

  it('use only the returns a pair has in common, and need the overlap', () => {
    const y = x.slice();
    y[12] = NaN; // instrument 3 misses its first return: corr(0,3) over the last three = 3/3 = 1
    const p = peersFromReturns(y, 4, 4, 1, 2);
    expect(p[3]).toEqual([0]); // a tie of 0 and 1 at 1.0 goes to the lower index
    expect(peersFromReturns(y, 4, 4, 3, 4)[3]).toEqual([]); // three common returns < 4: no pairs for 3
  });
});

/** The plain masked correlation of every pair, for the property below. */
function referencePeers(x: Float64Array, n: number, L: number, k: number, minOverlap: number): number[][] {
  const corr = (i: number, j: number): number => {
    let xy = 0;
    let xx = 0;
    let yy = 0;
    let c = 0;
    for (let l = 0; l < L; l++) {
      const a = x[i * L + l];
      const b = x[j * L + l];
      if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
      xy += a * b;
      xx += a * a;
      yy += b * b;
      c++;
    }
    return c < minOverlap || !(xx > 0) || !(yy > 0) ? NaN : xy / Math.sqrt(xx * yy);
  };
  return Array.from({ length: n }, (_, i) => {
    const cand = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i && Number.isFinite(corr(i, j)));
    return cand.sort((a, b) => corr(i, b) - corr(i, a) || a - b).slice(0, k);
  });
}

describe('peers from returns: the same as the plain masked correlation (property)', () => {
  it('with complete and incomplete instruments alike', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 7 }), fc.integer({ min: 1, max: 11 }), fc.integer({ min: 0, max: 1000 }), (n, L, seed) => {
        const rng = new Rng(seed);
        const x = Float64Array.from({ length: n * L }, () => (rng.uniform() < 0.15 ? NaN : rng.normal()));
        // Some instruments complete, so that both ways of summing are used.
        for (let l = 0; l < L; l++) x[l] = rng.normal();
        expect(peersFromReturns(x, n, L, 3, 2)).toEqual(referencePeers(x, n, L, 3, 2));
      }),
      { numRuns: 200 },
    );
  });
});

describe('peer groups on a dataset', () => {
  const store = memoryStore({ instruments: 6, days: 6, seed: 4, validationDays: 1, testDays: 1 }, 4, 1);

  it('are fitted on the training days, each instrument with up to `size` others', () => {
    const peers = fitPeerGroups(store, 3);
    expect(Object.keys(peers.groups)).toEqual(store.meta.instruments);
    for (const [code, group] of Object.entries(peers.groups)) {
      expect(group).toHaveLength(3);
      expect(group).not.toContain(code);
    }
    expect(samePeerGroups(peers, fitPeerGroups(store, 3))).toBe(true);
    expect(samePeerGroups(peers, fitPeerGroups(store, 2))).toBe(false);
  });

  it('reject a size below 1', () => {
    expect(() => fitPeerGroups(store, 0)).toThrow(/at least 1/);
  });

  it('give episodes a peer context: the mean of the peers\' own summaries, the market\'s where no peer has the step', () => {
    const codes = store.meta.instruments;
    const peers = { size: 2, groups: Object.fromEntries(codes.map((c, i) => [c, i === 5 ? [] : [codes[(i + 1) % 6], codes[(i + 2) % 6]]])) };
    const date = store.meta.dates[5];
    const orders = codes.map((instrument) => ({ instrument, date, side: 'sell' as const, quantity: 1000 }));
    const plain = buildEpisodes(store, orders, DEFAULT_SIM_SETTINGS).episodes;
    const withPeers = buildEpisodes(store, orders, DEFAULT_SIM_SETTINGS, { peers }).episodes;
    const F = PUBLIC_FEATURES;
    const W = EPISODE_PUBLIC_FEATURES + F;
    expect(plain.publicStride).toBe(EPISODE_PUBLIC_FEATURES);
    expect(withPeers.publicStride).toBe(W);
    expect(withPeers.peers).toBe(peers);
    const S = withPeers.steps;
    for (let i = 0; i < 6; i++) {
      for (let s = 0; s < S; s++) {
        const at = (e: number, block: number, f: number): number => withPeers.pub[(e * S + s) * W + block * F + f];
        for (let f = 0; f < F; f++) {
          // Own and market blocks are the plain episodes' ones.
          expect(at(i, 0, f)).toBe(plain.pub[(i * S + s) * EPISODE_PUBLIC_FEATURES + f]);
          expect(at(i, 1, f)).toBe(plain.pub[(i * S + s) * EPISODE_PUBLIC_FEATURES + F + f]);
          const want = i === 5 ? at(i, 1, f) : (at((i + 1) % 6, 0, f) + at((i + 2) % 6, 0, f)) / 2;
          expect(at(i, 2, f)).toBeCloseTo(want, 6);
        }
      }
    }
  });

  it('are what a learner reads only with the market context and episodes of its group size', () => {
    const date = store.meta.dates[5];
    const orders = store.meta.instruments.map((instrument) => ({ instrument, date, side: 'sell' as const, quantity: 1000 }));
    const peers = fitPeerGroups(store, 3);
    const withPeers = buildEpisodes(store, orders, DEFAULT_SIM_SETTINGS, { peers }).episodes;
    const plain = buildEpisodes(store, orders, DEFAULT_SIM_SETTINGS).episodes;
    expect(peerSpec({ marketContext: true }, plain)).toEqual({});
    expect(peerSpec({ marketContext: true, peerGroups: 3 }, withPeers)).toEqual({ peers });
    expect(() => peerSpec({ marketContext: false, peerGroups: 3 }, withPeers)).toThrow(/needs the market context/);
    expect(() => peerSpec({ marketContext: true, peerGroups: 3 }, plain)).toThrow(/carry none/);
    expect(() => peerSpec({ marketContext: true, peerGroups: 2 }, withPeers)).toThrow(/groups of 2, but .* groups of 3/);
  });

  it('map to the indices of a dataset\'s instruments, dropping peers it does not have', () => {
    expect(peerIndices({ size: 2, groups: { A: ['C', 'B'], B: ['X', 'A'] } }, ['A', 'B', 'C']).map((a) => [...a])).toEqual([[2, 1], [0], []]);
  });
});

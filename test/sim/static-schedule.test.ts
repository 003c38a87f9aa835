import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fitStaticShares } from '../../src/strategies/static-schedule.js';

/** The objective the fit maximises: sum w m - alpha sum w^2 / n. */
function objective(w: ArrayLike<number>, m: readonly number[], n: readonly number[], alpha: number): number {
  let s = 0;
  for (let t = 0; t < m.length; t++) s += w[t] * m[t] - (alpha * w[t] * w[t]) / n[t];
  return s;
}

describe('the static schedule fit (water-filling)', () => {
  it('equal period means give TWAP: shares in proportion to the minutes', () => {
    const w = fitStaticShares([1, 1, 1, 1, 1, 1, 1, 1], [30, 30, 30, 30, 30, 30, 30, 27], 100);
    for (let t = 0; t < 7; t++) expect(w[t]).toBeCloseTo(30 / 237, 12);
    expect(w[7]).toBeCloseTo(27 / 237, 12);
  });

  it('two periods by hand', () => {
    // n = 30 each, alpha = 100, m = (2, 0): w1 - w2 = 30 * 2 / 200 = 0.3, so w = (0.65, 0.35).
    const w = fitStaticShares([2, 0], [30, 30], 100);
    expect(w[0]).toBeCloseTo(0.65, 12);
    expect(w[1]).toBeCloseTo(0.35, 12);
    // m = (20, 0): the unconstrained gap 3 exceeds 1, so everything goes in the first period.
    expect(Array.from(fitStaticShares([20, 0], [30, 30], 100))).toEqual([1, 0]);
  });

  it('alpha = 0 puts everything in the best period', () => {
    expect(Array.from(fitStaticShares([0, 3, 1], [30, 30, 30], 0))).toEqual([0, 1, 0]);
  });

  it('is on the simplex and beats every random schedule (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 2, maxLength: 10 }),
        fc.double({ min: 1, max: 500, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 10, maxLength: 10 }),
        (m, alpha, raw) => {
          const n = m.map((_, t) => 15 + 15 * (t % 2));
          const w = fitStaticShares(m, n, alpha);
          let s = 0;
          for (const x of w) {
            expect(x).toBeGreaterThanOrEqual(0);
            s += x;
          }
          expect(s).toBeCloseTo(1, 9);
          const other = raw.slice(0, m.length);
          const total = other.reduce((a, b) => a + b, 0);
          if (total > 0) expect(objective(w, m, n, alpha)).toBeGreaterThanOrEqual(objective(other.map((x) => x / total), m, n, alpha) - 1e-9);
        },
      ),
    );
  });
});

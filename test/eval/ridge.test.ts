import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { choleskySolve, MomentAccumulator, predictRidge, solveRidge } from '../../src/eval/ridge.js';

function fitRows(rows: number[][], ys: number[][], lambda: number, intercept: boolean) {
  const m = new MomentAccumulator(rows[0].length, ys[0].length);
  rows.forEach((x, i) => m.add(x, ys[i]));
  return solveRidge(m, lambda, intercept);
}

describe('ridge regression', () => {
  it('solves a 2 x 2 system by hand', () => {
    // [[4, 2], [2, 3]] x = [2, 1]: det 8, x = ((3 * 2 - 2 * 1) / 8, (4 * 1 - 2 * 2) / 8) = (0.5, 0).
    const x = choleskySolve(Float64Array.from([4, 2, 2, 3]), Float64Array.from([2, 1]), 2, 1);
    expect(x[0]).toBeCloseTo(0.5, 14);
    expect(x[1]).toBeCloseTo(0, 14);
    expect(() => choleskySolve(Float64Array.from([1, 2, 2, 1]), Float64Array.from([1, 1]), 2, 1)).toThrow(/positive definite/);
  });

  it('shrinks a one-input fit by 1 / (1 + lambda) on standardised inputs', () => {
    // x = 1..4, y = 2x and y = 1 - x. Standardised, R = 1 and the slope is b / (1 + lambda).
    const rows = [[1], [2], [3], [4]];
    const ys = rows.map(([x]) => [2 * x, 1 - x]);
    const ols = fitRows(rows, ys, 0, true);
    expect(ols.weights[0]).toBeCloseTo(2, 12);
    expect(ols.weights[1]).toBeCloseTo(-1, 12);
    expect(ols.bias[0]).toBeCloseTo(0, 12);
    expect(ols.bias[1]).toBeCloseTo(1, 12);
    // lambda = 1: slope 1, bias = mean y - slope mean x = 5 - 2.5 = 2.5; without the mean, -2.5.
    const one = fitRows(rows, ys, 1, true);
    expect(one.weights[0]).toBeCloseTo(1, 12);
    expect(one.bias[0]).toBeCloseTo(2.5, 12);
    const centred = fitRows(rows, ys, 1, false);
    expect(centred.bias[0]).toBeCloseTo(-2.5, 12);
    const out = new Float64Array(2);
    predictRidge(centred, [2.5], out);
    expect(out[0]).toBeCloseTo(0, 12);
  });

  it('gives a constant input no weight and needs two rows', () => {
    const rows = [[1, 7], [2, 7], [3, 7]];
    const model = fitRows(rows, rows.map(([x]) => [3 * x + 1]), 0, true);
    expect(model.weights[1]).toBe(0);
    expect(model.weights[0]).toBeCloseTo(3, 12);
    expect(model.bias[0]).toBeCloseTo(1, 12);
    expect(() => fitRows([[1]], [[1]], 0, true)).toThrow(/two rows/);
  });

  it('recovers an exact linear relation and shrinks monotonically (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 3, maxLength: 3 }),
        fc.double({ min: -5, max: 5, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        (w, b, seed) => {
          let s = seed;
          const rand = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
          const rows = Array.from({ length: 40 }, () => [rand(), rand(), rand()]);
          const ys = rows.map((x) => [b + x[0] * w[0] + x[1] * w[1] + x[2] * w[2]]);
          const exact = fitRows(rows, ys, 0, true);
          for (let a = 0; a < 3; a++) expect(exact.weights[a]).toBeCloseTo(w[a], 6);
          expect(exact.bias[0]).toBeCloseTo(b, 6);
          // Ridge shrinks the coefficients of the standardised inputs: weight x the input's deviation.
          const sd = [0, 1, 2].map((a) => {
            const mu = rows.reduce((t, x) => t + x[a], 0) / rows.length;
            return Math.sqrt(rows.reduce((t, x) => t + (x[a] - mu) ** 2, 0) / rows.length);
          });
          const norm = (l: number): number => {
            const m = fitRows(rows, ys, l, true);
            return Math.hypot(...[0, 1, 2].map((a) => m.weights[a] * sd[a]));
          };
          expect(norm(1)).toBeLessThanOrEqual(norm(0.1) + 1e-12);
          expect(norm(10)).toBeLessThanOrEqual(norm(1) + 1e-12);
        },
      ),
      { numRuns: 50 },
    );
  });
});

/**
 * fmaF32: a * b + c rounded once to float32, against hand-computed cases (among them one where
 * rounding the double sum would be wrong) and against exact arithmetic on random and near-tie inputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fmaF32 } from '../../src/nn/fma.js';

const f = Math.fround;
const SCALE = 2 ** 300; // every float32 and every product of two is an integer multiple of 2^-300
const big = (x: number): bigint => BigInt(x * SCALE);
const cell = new Float32Array(1);
const bits = new Int32Array(cell.buffer);
function step(x: number, up: boolean): number {
  if (x === 0) return up ? 2 ** -149 : -(2 ** -149);
  cell[0] = x;
  bits[0] += x > 0 === up ? 1 : -1;
  return cell[0];
}
/** The float32 nearest to the exact a b + c (ties to the even significand), found with integers. */
function exactFma(a: number, b: number, c: number): number {
  const exact = big(a * b) + big(c);
  const r = f(a * b + c);
  let best = r;
  let bestDist = -1n;
  for (const x of [step(r, false), r, step(r, true)]) {
    const d = big(x) - exact;
    const dist = d < 0n ? -d : d;
    cell[0] = x;
    if (bestDist < 0n || dist < bestDist || (dist === bestDist && (bits[0] & 1) === 0)) (best = x), (bestDist = dist);
  }
  return best;
}

describe('fmaF32', () => {
  it('rounds once where a multiply then an add rounds twice', () => {
    const a = f(1 + 2 ** -12);
    // a a = 1 + 2^-11 + 2^-24 exactly; on its own it rounds to 1 + 2^-11 and the sum to 0
    expect(fmaF32(a, a, -(1 + 2 ** -11))).toBe(2 ** -24);
    expect(f(f(a * a) + -(1 + 2 ** -11))).toBe(0);
  });

  it('resolves a double sum that lands on a float32 midpoint by the exact sum', () => {
    // a b = 2^-24 - 2^-64, so a b + c lies 2^-64 below the midpoint 1 + 3 * 2^-24 of 1 + 2^-23 and
    // 1 + 2^-22; the double sum is the midpoint itself, which float32 rounding ties to the even 1 + 2^-22
    const a = 1 + 2 ** -20;
    const b = (1 - 2 ** -20) * 2 ** -24;
    const c = 1 + 2 ** -23;
    expect(a * b + c).toBe(1 + 3 * 2 ** -24);
    expect(f(a * b + c)).toBe(1 + 2 ** -22);
    expect(fmaF32(a, b, c)).toBe(1 + 2 ** -23);
    // and the mirror image: 2^-64 above a midpoint whose even neighbour is below
    expect(fmaF32(-a, -b, -c)).toBe(-(1 + 2 ** -23));
  });

  it('keeps signed zeros and exact values', () => {
    expect(Object.is(fmaF32(-0, 1, -0), -0)).toBe(true);
    expect(Object.is(fmaF32(0, -1, 0), 0)).toBe(true);
    expect(fmaF32(3, 4, 5)).toBe(17);
    expect(fmaF32(0.5, 0.25, 0)).toBe(0.125);
  });

  it('equals the exact rounding on random float32 inputs', () => {
    const f32 = fc.float({ noNaN: true, noDefaultInfinity: true, min: f(-1e15), max: f(1e15) });
    fc.assert(
      fc.property(f32, f32, f32, (a, b, c) => {
        const got = fmaF32(a, b, c);
        const want = exactFma(a, b, c);
        return Object.is(got, want) || (got === 0 && want === 0);
      }),
      { numRuns: 20_000 },
    );
  });

  it('equals the exact rounding next to float32 midpoints', () => {
    // c near 1 and a b a half-ulp of it plus or minus a little: the double sum sits on or next to a midpoint
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 23 - 1 }),
        // |d| below about 360 leaves a b a half-spacing of c minus d^2 2^-46 of it, a part the double sum
        // drops: the sum lands on the midpoint, and only the exact error tells the side
        fc.oneof(fc.integer({ min: -400, max: 400 }), fc.integer({ min: -(2 ** 20), max: 2 ** 20 })),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: -100, max: 100 }),
        (m, d, neg, down, k) => {
        // m = 0 puts c on a power of two, where the spacing below is half the spacing above
        const c = (neg ? -1 : 1) * (1 + m * 2 ** -23) * 2 ** k;
        const a = 1 + d * 2 ** -23;
        const b = f((down ? -1 : 1) * (1 - d * 2 ** -23) * 2 ** (k - 24 - (down && m === 0 ? 1 : 0)));
        const got = fmaF32(a, b, c);
        return got === exactFma(a, b, c);
        },
      ),
      { numRuns: 20_000 },
    );
  });
});

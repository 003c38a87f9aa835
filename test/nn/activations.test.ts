/**
 * The project's float32 exp, sigmoid and tanh: close to the exact functions (in float32 ulps) over the
 * range the network meets, with the edge cases pinned.
 */
import { describe, expect, it } from 'vitest';
import { expF32, sigmoidF32, tanhF32 } from '../../src/nn/activations.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function bits(x: number): number {
  f32[0] = x;
  return u32[0];
}
/** Distance in float32 ulps between two finite float32 values of the same sign. */
function ulps(a: number, b: number): number {
  return Math.abs(bits(a) - bits(b));
}
/** max ulp error of fn against the exact reference, rounded to float32, over n points in [lo, hi]. */
function maxUlps(fn: (x: number) => number, ref: (x: number) => number, lo: number, hi: number, n: number): number {
  let worst = 0;
  for (let i = 0; i <= n; i++) {
    const x = Math.fround(lo + ((hi - lo) * i) / n);
    worst = Math.max(worst, ulps(fn(x), Math.fround(ref(x))));
  }
  return worst;
}

describe('float32 activations', () => {
  it('exp is within 2 ulps of e^x on [-87, 87]', () => {
    expect(maxUlps(expF32, Math.exp, -87, 87, 400_000)).toBeLessThanOrEqual(2);
    expect(maxUlps(expF32, Math.exp, -1e-3, 1e-3, 20_000)).toBeLessThanOrEqual(2);
  });

  it('tanh is within 2 ulps of tanh on [-20, 20], near zero included', () => {
    expect(maxUlps(tanhF32, Math.tanh, -20, 20, 400_000)).toBeLessThanOrEqual(2);
    expect(maxUlps(tanhF32, Math.tanh, -1e-3, 1e-3, 20_000)).toBeLessThanOrEqual(2);
  });

  it('sigmoid is within 3 ulps of 1 / (1 + e^-x) on [-80, 30]', () => {
    expect(maxUlps(sigmoidF32, (x) => 1 / (1 + Math.exp(-x)), -80, 30, 400_000)).toBeLessThanOrEqual(3);
  });

  it('saturates without overflow or NaN', () => {
    expect(expF32(0)).toBe(1);
    expect(expF32(1000)).toBe(expF32(87));
    expect(expF32(-1000)).toBe(expF32(-87));
    expect(expF32(-87)).toBeGreaterThan(0);
    expect(tanhF32(50)).toBe(1);
    expect(tanhF32(-50)).toBe(-1);
    expect(sigmoidF32(100)).toBe(1);
    expect(sigmoidF32(-100)).toBeGreaterThan(0);
    expect(sigmoidF32(-100)).toBeLessThan(1e-37);
    expect(sigmoidF32(0)).toBe(0.5);
  });
});

import { describe, expect, it } from 'vitest';
import { gamma, logFactorial, meanAbsStudentT, poisson, streamFor, studentT } from '../../src/synth/sampling.js';
import { Rng } from '../../src/util/random.js';

function moments(draw: () => number, n: number): { mean: number; variance: number; kurtosis: number } {
  const xs = Array.from({ length: n }, draw);
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / n;
  const m4 = xs.reduce((a, x) => a + (x - mean) ** 4, 0) / n;
  return { mean, variance, kurtosis: m4 / variance ** 2 };
}

describe('random variates', () => {
  it('gamma has mean = variance = shape, also below shape 1', () => {
    for (const shape of [0.5, 1.2, 4]) {
      const rng = new Rng(11);
      const m = moments(() => gamma(rng, shape), 40_000);
      expect(m.mean).toBeCloseTo(shape, 1);
      expect(m.variance / shape).toBeGreaterThan(0.93);
      expect(m.variance / shape).toBeLessThan(1.07);
    }
  });

  it('poisson has mean = variance = the rate, on both sides of the method switch at 10', () => {
    for (const mean of [0.3, 4, 25, 400]) {
      const rng = new Rng(5);
      const m = moments(() => poisson(rng, mean), 40_000);
      expect(Math.abs(m.mean - mean)).toBeLessThan(4 * Math.sqrt(mean / 40_000));
      expect(m.variance / mean).toBeGreaterThan(0.95);
      expect(m.variance / mean).toBeLessThan(1.05);
    }
    expect(poisson(new Rng(1), 0)).toBe(0);
  });

  it('ln k! matches the exact sum on both sides of the table', () => {
    let exact = 0;
    for (let k = 1; k <= 60; k++) {
      exact += Math.log(k);
      expect(logFactorial(k)).toBeCloseTo(exact, 9);
    }
  });

  it('studentT has unit variance, fat tails, and the mean absolute value meanAbsStudentT gives', () => {
    const rng = new Rng(3);
    const m = moments(() => studentT(rng, 6), 100_000);
    expect(Math.abs(m.mean)).toBeLessThan(0.02);
    expect(m.variance).toBeGreaterThan(0.95);
    expect(m.variance).toBeLessThan(1.05);
    expect(m.kurtosis).toBeGreaterThan(4); // theory: 3 + 6 / (dof - 4) = 6
    // E|T_4| = 1 before scaling to unit variance by sqrt(2/4).
    expect(meanAbsStudentT(4)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(meanAbsStudentT(100)).toBeCloseTo(Math.sqrt(2 / Math.PI), 2);
    const rng2 = new Rng(4);
    let abs = 0;
    for (let i = 0; i < 100_000; i++) abs += Math.abs(studentT(rng2, 5));
    expect(abs / 100_000).toBeCloseTo(meanAbsStudentT(5), 2);
  });

  it('streamFor depends only on the seed and the keys', () => {
    const a = streamFor(9, 3, 1, 2);
    const b = streamFor(9, 3, 1, 2);
    const seq = (r: Rng) => Array.from({ length: 5 }, () => r.nextUint32());
    expect(seq(a)).toEqual(seq(b));
    expect(seq(streamFor(9, 3, 1, 3))).not.toEqual(seq(streamFor(9, 3, 1, 2)));
    expect(seq(streamFor(9, 3, 2, 1))).not.toEqual(seq(streamFor(9, 3, 1, 2)));
    expect(seq(streamFor(10, 3, 1, 2))).not.toEqual(seq(streamFor(9, 3, 1, 2)));
  });
});

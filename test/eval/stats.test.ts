import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  clusteredPairedTest,
  erf,
  estimate,
  groupByDay,
  incompleteBeta,
  lnBeta,
  lnGamma,
  mean,
  normalCdf,
  normalQuantile,
  oneSampleTTest,
  pairedTTest,
  quantiles,
  sampleStd,
  sampleVariance,
  seedSpread,
  standardError,
  studentTCdf,
  studentTPdf,
  studentTQuantile,
  sum,
  twoSidedPValue,
  criticalT,
  daysForPower,
  welchTTest,
} from '../../src/eval/stats.js';

// Closed forms of the Student t CDF for small dof (textbook results, integrating the density by hand):
//   dof 1 (Cauchy): F(t) = 1/2 + atan(t) / pi
//   dof 2:          F(t) = 1/2 + t / (2 sqrt(2 + t^2))
//   dof 3:          F(t) = 1/2 + (sqrt(3) t / (t^2 + 3) + atan(t / sqrt(3))) / pi
//   dof 4:          F(t) = 1/2 + t (t^2 + 6) / (2 (t^2 + 4)^(3/2))
const cdf1 = (t: number) => 0.5 + Math.atan(t) / Math.PI;
const cdf2 = (t: number) => 0.5 + t / (2 * Math.sqrt(2 + t * t));
const cdf3 = (t: number) => 0.5 + ((Math.sqrt(3) * t) / (t * t + 3) + Math.atan(t / Math.sqrt(3))) / Math.PI;
const cdf4 = (t: number) => 0.5 + (t * (t * t + 6)) / (2 * Math.pow(t * t + 4, 1.5));

describe('descriptive statistics', () => {
  it('mean, sample std and standard error of a small sample', () => {
    // [2,4,4,4,5,5,7,9]: sum 40, mean 5; squared deviations 9+1+1+1+0+0+4+16 = 32;
    // variance 32/7; se = sqrt(32/7/8) = sqrt(4/7).
    const x = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(mean(x)).toBe(5);
    expect(sampleVariance(x)).toBeCloseTo(32 / 7, 14);
    expect(sampleStd(x)).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(standardError(x)).toBeCloseTo(Math.sqrt(4 / 7), 14);
  });

  it('empty and single samples: NaN mean with no values, NaN spread with one', () => {
    expect(mean([])).toBeNaN();
    expect(mean([3])).toBe(3);
    expect(sampleStd([3])).toBeNaN();
    expect(standardError([3])).toBeNaN();
    expect(seedSpread([3])).toBeUndefined();
    // seeds [1,2,3]: mean 2, squared deviations 1+0+1 = 2, variance 2/2 = 1.
    expect(seedSpread([1, 2, 3])).toBeCloseTo(1, 14);
  });

  it('sums with compensation: 1e16 + 1 - 1e16 is 1, not 0', () => {
    expect(sum([1e16, 1, -1e16])).toBe(1);
    expect(mean(new Float64Array([1e16, 1, -1e16]))).toBeCloseTo(1 / 3, 14);
  });

  it('quantiles interpolate between order statistics (type 7)', () => {
    // sorted [1,2,3,4]: p = 0.25 -> h = 3 * 0.25 = 0.75 -> 1 + 0.75 (2 - 1) = 1.75; p = 0.5 -> h = 1.5 -> 2.5.
    expect(quantiles([4, 1, 3, 2], [0, 0.25, 0.5, 1])).toEqual([1, 1.75, 2.5, 4]);
    expect(quantiles([], [0.5])[0]).toBeNaN();
    expect(() => quantiles([1], [1.5])).toThrow(/not in \[0, 1\]/);
  });

  it('groups by day in ascending day order, string or integer keys', () => {
    const days = groupByDay([1, 2, 3, 5], ['2019-05-07', '2019-05-06', '2019-05-07', '2019-05-06']);
    expect(days.keys).toEqual(['2019-05-06', '2019-05-07']);
    expect([...days.means]).toEqual([3.5, 2]); // (2+5)/2, (1+3)/2
    expect([...days.counts]).toEqual([2, 2]);
    const numeric = groupByDay([1, 2, 3], Int32Array.from([10, 9, 10]));
    expect(numeric.keys).toEqual([9, 10]);
    expect([...numeric.means]).toEqual([2, 2]);
    expect(() => groupByDay([1, 2], ['a'])).toThrow(/one key per value/);
  });
});

describe('special functions', () => {
  it('lnGamma and lnBeta at exact values', () => {
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14); // Gamma(1/2) = sqrt(pi)
    expect(lnGamma(1)).toBeCloseTo(0, 14);
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 14); // 4!
    expect(lnGamma(20)).toBeCloseTo(Math.log(121645100408832000), 12); // 19!
    expect(lnBeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 14); // 1! 2! / 4!
    // B(1/2, 20) = Gamma(1/2) Gamma(20) / Gamma(20.5); Gamma(20.5) = sqrt(pi) * 39!! / 2^20.
    let doubleFactorial = 1;
    for (let k = 1; k <= 39; k += 2) doubleFactorial *= k;
    expect(lnBeta(0.5, 20)).toBeCloseTo(Math.log(121645100408832000) + 20 * Math.log(2) - Math.log(doubleFactorial), 11);
  });

  it('incomplete beta at closed forms: I_x(1,1) = x, I_x(a,1) = x^a, I_x(1,b) = 1 - (1-x)^b, I_1/2(a,a) = 1/2', () => {
    expect(incompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 14);
    expect(incompleteBeta(0.6, 3.5, 1)).toBeCloseTo(Math.pow(0.6, 3.5), 14);
    expect(incompleteBeta(0.2, 1, 7)).toBeCloseTo(1 - Math.pow(0.8, 7), 14);
    expect(incompleteBeta(0.5, 40, 40)).toBeCloseTo(0.5, 13);
    expect(incompleteBeta(0, 2, 3)).toBe(0);
    expect(incompleteBeta(1, 2, 3)).toBe(1);
  });

  it('normal CDF and erf at tabulated values', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 14);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 14);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316301, 15);
    expect(erf(1)).toBeCloseTo(0.8427007929497149, 14);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.5)).toBe(0);
  });
});

describe('Student t distribution', () => {
  it('matches the closed-form CDFs for dof 1 to 4 to 1e-12', () => {
    for (const t of [-7.5, -2, -0.3, 0, 0.01, 0.7, 1, 2.3, 12]) {
      expect(studentTCdf(t, 1)).toBeCloseTo(cdf1(t), 12);
      expect(studentTCdf(t, 2)).toBeCloseTo(cdf2(t), 12);
      expect(studentTCdf(t, 3)).toBeCloseTo(cdf3(t), 12);
      expect(studentTCdf(t, 4)).toBeCloseTo(cdf4(t), 12);
    }
  });

  it('gives the tabulated two-sided p-values', () => {
    // t = 2.0, dof 10: p = 0.07339 (t tables); t = 2.228, dof 10 is the 5% critical value.
    expect(twoSidedPValue(2.0, 10)).toBeCloseTo(0.07339, 5);
    expect(twoSidedPValue(2.228, 10)).toBeCloseTo(0.05, 4);
    expect(twoSidedPValue(-2.0, 10)).toBe(twoSidedPValue(2.0, 10));
    expect(twoSidedPValue(0, 7)).toBe(1);
    expect(twoSidedPValue(Infinity, 7)).toBe(0);
    expect(twoSidedPValue(1, 0)).toBeNaN();
  });

  it('approaches the normal distribution for large dof', () => {
    // The t tail exceeds the normal one by about 2 phi(t) (t^3 + t) / (4 dof): at t = 1.96,
    // phi = 0.058441, (t^3 + t) / 4 = 9.48954 / 4 = 2.37238, so 2 * 0.058441 * 2.37238 / 1e6 = 2.773e-7.
    const normal = 2 * (1 - 0.9750021048517795);
    expect(twoSidedPValue(1.96, 1e6) - normal).toBeCloseTo(2.773e-7, 9);
    expect(twoSidedPValue(1.96, 1e12)).toBeCloseTo(normal, 11);
    expect(twoSidedPValue(1.96, Infinity)).toBeCloseTo(normal, 15);
    // The switch between the incomplete beta and the large-dof expansion is seamless.
    expect(twoSidedPValue(2, 99_999)).toBeCloseTo(twoSidedPValue(2, 100_000), 9);
  });

  it('has the tabulated 97.5% quantiles', () => {
    // dof 1: tan(0.475 pi) = 12.7062047; dof 2: from F = 0.975 in the closed form, t^2 = 1.805 / 0.0975.
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(Math.tan(0.475 * Math.PI), 10);
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706, 3);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(Math.sqrt(1.805 / 0.0975), 12);
    expect(studentTQuantile(0.975, 5)).toBeCloseTo(2.5706, 4);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.2281, 4);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.0423, 4);
    expect(studentTQuantile(0.975, 1e9)).toBeCloseTo(1.959964, 6);
    expect(studentTQuantile(0.025, 5)).toBeCloseTo(-2.5706, 4);
    expect(studentTQuantile(0.5, 5)).toBe(0);
  });

  it('density integrates to the CDF (trapezoid check on dof 3)', () => {
    // f at 0 for dof 3: Gamma(2) / (sqrt(3 pi) Gamma(3/2)) = 2 / (pi sqrt(3)).
    expect(studentTPdf(0, 3)).toBeCloseTo(2 / (Math.PI * Math.sqrt(3)), 14);
    let area = 0;
    const h = 1e-3;
    for (let t = 0; t < 1.5 - 1e-12; t += h) area += (h * (studentTPdf(t, 3) + studentTPdf(t + h, 3))) / 2;
    expect(area).toBeCloseTo(cdf3(1.5) - 0.5, 6);
  });

  it('is symmetric and monotone, and the quantile inverts the CDF (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: 0.5, max: 1e7, noNaN: true }), (t, dof) => {
        expect(studentTCdf(t, dof) + studentTCdf(-t, dof)).toBeCloseTo(1, 12);
        expect(studentTCdf(t + 0.01, dof)).toBeGreaterThanOrEqual(studentTCdf(t, dof));
      }),
    );
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 0.999, noNaN: true }), fc.double({ min: 0.5, max: 1e7, noNaN: true }), (p, dof) => {
        expect(studentTCdf(studentTQuantile(p, dof), dof)).toBeCloseTo(p, 10);
      }),
    );
  });
});

describe('estimate', () => {
  it('gives the t-based 95% interval of a small sample', () => {
    // [1,2,3,4,5]: mean 3, squared deviations 4+1+0+1+4 = 10, variance 2.5, se = sqrt(2.5/5) = sqrt(0.5);
    // t(0.975, 4) = 2.776445 (tables), half width 2.776445 * 0.707107 = 1.963243.
    const e = estimate([1, 2, 3, 4, 5]);
    expect(e.mean).toBe(3);
    expect(e.se).toBeCloseTo(Math.sqrt(0.5), 14);
    expect(e.ci95[0]).toBeCloseTo(3 - 2.776445105 * Math.sqrt(0.5), 8);
    expect(e.ci95[1]).toBeCloseTo(3 + 2.776445105 * Math.sqrt(0.5), 8);
    expect(e.seByDay).toBeUndefined();
  });

  it('adds the standard error of day-level means', () => {
    // values [0,2,2,1,5] on days A A B C C: day means 1, 2, 3 -> std 1 -> se by day 1/sqrt(3).
    // Order level: mean 2, squared deviations 4+0+0+1+9 = 14, variance 3.5, se sqrt(0.7).
    const e = estimate([0, 2, 2, 1, 5], ['A', 'A', 'B', 'C', 'C']);
    expect(e.mean).toBe(2);
    expect(e.se).toBeCloseTo(Math.sqrt(0.7), 14);
    expect(e.seByDay).toBeCloseTo(1 / Math.sqrt(3), 14);
    expect(estimate([1, 2, 3], ['A', 'A', 'A']).seByDay).toBeUndefined();
  });

  it('NaN everywhere with no values, NaN spread with one', () => {
    const none = estimate([]);
    expect(none.mean).toBeNaN();
    expect(none.se).toBeNaN();
    const one = estimate([4]);
    expect(one.mean).toBe(4);
    expect(one.se).toBeNaN();
    expect(one.ci95[0]).toBeNaN();
  });

  it('interval contains the mean, is symmetric and moves with a shift (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 2, maxLength: 50 }),
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        (values, shift) => {
          const e = estimate(values);
          expect(e.ci95[0]).toBeLessThanOrEqual(e.mean);
          expect(e.ci95[1]).toBeGreaterThanOrEqual(e.mean);
          expect(e.mean - e.ci95[0]).toBeCloseTo(e.ci95[1] - e.mean, 6);
          const shifted = estimate(values.map((v) => v + shift));
          expect(shifted.mean).toBeCloseTo(e.mean + shift, 8);
          expect(shifted.se).toBeCloseTo(e.se, 6);
        },
      ),
    );
  });
});

describe('paired t-test', () => {
  it('matches a hand-computed example', () => {
    // a - b = [1,2,3]: mean 2, variance (1+0+1)/2 = 1, se 1/sqrt(3), t = 2 sqrt(3), dof 2;
    // dof-2 closed form: p = 1 - t / sqrt(2 + t^2) = 1 - sqrt(12/14) = 1 - sqrt(6/7) = 0.0741799.
    const test = pairedTTest([3, 5, 9], [2, 3, 6]);
    expect(test.meanDiff).toBe(2);
    expect(test.t).toBeCloseTo(2 * Math.sqrt(3), 13);
    expect(test.dof).toBe(2);
    expect(test.pValue).toBeCloseTo(1 - Math.sqrt(6 / 7), 12);
  });

  it('identical pairs: p = 1; constant nonzero differences: p = 0; too few pairs: NaN', () => {
    expect(pairedTTest([1, 2, 3], [1, 2, 3])).toEqual({ meanDiff: 0, t: 0, dof: 2, pValue: 1 });
    expect(pairedTTest([2, 3, 4], [1, 2, 3])).toEqual({ meanDiff: 1, t: Infinity, dof: 2, pValue: 0 });
    expect(pairedTTest([1, 2, 3], [2, 3, 4]).t).toBe(-Infinity);
    expect(pairedTTest([5], [5]).pValue).toBe(1);
    expect(pairedTTest([5], [4]).pValue).toBeNaN();
    expect(pairedTTest([], []).pValue).toBeNaN();
    expect(() => pairedTTest([1, 2], [1])).toThrow(/same orders/);
  });

  it('dof 4 example through the closed form', () => {
    // d = [0,2,2,1,5]: mean 2, variance 14/4 = 3.5, se sqrt(0.7), t = 2 / sqrt(0.7), t^2 = 40/7;
    // p = 1 - t (t^2 + 6) / (t^2 + 4)^(3/2) = 1 - 2.390457 * 11.714286 / 9.714286^1.5
    //   = 1 - 28.002498 / 30.277243 = 0.07513.
    const test = oneSampleTTest([0, 2, 2, 1, 5]);
    const t = 2 / Math.sqrt(0.7);
    expect(test.t).toBeCloseTo(t, 13);
    expect(test.pValue).toBeCloseTo(1 - (t * (t * t + 6)) / Math.pow(t * t + 4, 1.5), 12);
    expect(test.pValue).toBeCloseTo(0.07513, 5);
  });

  it('is antisymmetric: swapping the samples flips the difference and keeps p (property)', () => {
    const pairs = fc.array(fc.tuple(fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true })), {
      minLength: 2,
      maxLength: 40,
    });
    fc.assert(
      fc.property(pairs, (rows) => {
        const a = rows.map((r) => r[0]);
        const b = rows.map((r) => r[1]);
        const ab = pairedTTest(a, b);
        const ba = pairedTTest(b, a);
        expect(ba.meanDiff).toBeCloseTo(-ab.meanDiff, 12);
        if (Number.isNaN(ab.pValue)) expect(ba.pValue).toBeNaN();
        else expect(ba.pValue).toBeCloseTo(ab.pValue, 12);
      }),
    );
  });
});

describe('critical t', () => {
  it('matches closed forms and tables', () => {
    // dof 1 (Cauchy): P(|T| >= c) = 1 - (2 / pi) atan(c), so c = tan(0.475 pi).
    expect(criticalT(1)).toBeCloseTo(Math.tan(0.475 * Math.PI), 8);
    // dof 2: P(|T| >= c) = 1 - c / sqrt(c^2 + 2), so c = 0.95 sqrt(2 / (1 - 0.95^2)) = 4.30265.
    expect(criticalT(2)).toBeCloseTo(0.95 * Math.sqrt(2 / (1 - 0.95 ** 2)), 9);
    expect(criticalT(10)).toBeCloseTo(2.228139, 5);
    expect(criticalT(59)).toBeCloseTo(2.000995, 5);
    expect(criticalT(Infinity)).toBeCloseTo(1.959964, 6);
    expect(criticalT(10, 0.01)).toBeCloseTo(3.169273, 5);
    expect(criticalT(0)).toBeNaN();
    expect(criticalT(5, 1)).toBeNaN();
  });

  it('is where the two-sided p-value crosses alpha (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.double({ min: 0.001, max: 0.5, noNaN: true }), (dof, alpha) => {
        expect(twoSidedPValue(criticalT(dof, alpha), dof)).toBeCloseTo(alpha, 9);
      }),
    );
  });
});

describe('days for power', () => {
  it('is the normal approximation, hand-computed', () => {
    // z(0.975) + z(0.8) = 1.959964 + 0.841621 = 2.801585; (2.801585 x 10 / 1)^2 = 784.89 -> 785 days.
    expect(daysForPower(10, 1)).toBe(785);
    // A negative difference needs as many days; half the difference four times as many: 3139.55 -> 3140.
    expect(daysForPower(10, -1)).toBe(785);
    expect(daysForPower(10, 0.5)).toBe(3140);
    // At p < 0.01 and 90% power: (2.575829 + 1.281552)^2 x 100 = 1487.94 -> 1488.
    expect(daysForPower(10, 1, 0.01, 0.9)).toBe(1488);
    // Never fewer than the two days a day-level test needs.
    expect(daysForPower(0, 1)).toBe(2);
    expect(daysForPower(10, 0)).toBe(Infinity);
    expect(daysForPower(-1, 1)).toBeNaN();
    expect(daysForPower(10, 1, 0)).toBeNaN();
  });

  it('finds the difference in about the given share of simulated tests (property of the approximation)', () => {
    // Normal day means with sd 1 and mean 0.5: n = ((1.96 + 0.84) / 0.5)^2 = 32 days; the t-test on
    // 32 days then rejects in about 78 to 80% of samples (t, not z, costs a little power).
    const n = daysForPower(1, 0.5);
    expect(n).toBe(32);
    let seed = 12345;
    const uniform = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) + 0.5) / 2147483648;
    const normal = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    let found = 0;
    const trials = 4000;
    for (let k = 0; k < trials; k++) {
      const d = Array.from({ length: n }, () => 0.5 + normal());
      if (oneSampleTTest(d).pValue < 0.05) found++;
    }
    expect(found / trials).toBeGreaterThan(0.75);
    expect(found / trials).toBeLessThan(0.83);
  });
});

describe('clustered paired test', () => {
  it('tests the day-level mean differences', () => {
    // differences [0,2,2,1,5] on days A A B C C: day means [1, 2, 3] -> as the dof-2 example above,
    // t = 2 sqrt(3), p = 1 - sqrt(6/7).
    const test = clusteredPairedTest([0, 2, 2, 1, 5], [0, 0, 0, 0, 0], ['A', 'A', 'B', 'C', 'C']);
    expect(test.days).toBe(3);
    expect(test.meanDiff).toBe(2);
    expect(test.dof).toBe(2);
    expect(test.t).toBeCloseTo(2 * Math.sqrt(3), 13);
    expect(test.pValue).toBeCloseTo(1 - Math.sqrt(6 / 7), 12);
    expect(test.se).toBeCloseTo(1 / Math.sqrt(3), 14);
  });

  it('has no p-value with one day', () => {
    const test = clusteredPairedTest([1, 2], [0, 0], ['A', 'A']);
    expect(test).toEqual({ meanDiff: 1.5, se: null, t: null, dof: null, pValue: null, days: 1 });
    expect(clusteredPairedTest([], [], []).pValue).toBeNull();
  });

  it('equals the order-level test when every day has one order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 2, maxLength: 30 }), (a) => {
        const b = a.map(() => 0);
        const days = a.map((_, i) => i);
        const clustered = clusteredPairedTest(a, b, days);
        const plain = pairedTTest(a, b);
        if (Number.isNaN(plain.pValue)) expect(clustered.pValue).toBeNaN();
        else expect(clustered.pValue).toBeCloseTo(plain.pValue, 12);
      }),
    );
  });
});

describe('Welch t-test', () => {
  it('matches a hand-computed example', () => {
    // a = [1,2,3]: mean 2, variance 1; b = [2,4,6,8]: mean 5, variance 20/3.
    // se^2 = 1/3 + (20/3)/4 = 2, t = -3 / sqrt(2);
    // dof = 2^2 / ((1/3)^2 / 2 + (5/3)^2 / 3) = 4 / (1/18 + 25/27) = 4 / (53/54) = 216/53.
    // p lies below the dof-4 closed-form value 0.10119 (the tail thins as dof grows); an
    // arbitrary-precision evaluation of I_x(dof/2, 1/2) gives 0.0999129.
    const test = welchTTest([1, 2, 3], [2, 4, 6, 8]);
    expect(test.meanDiff).toBe(-3);
    expect(test.t).toBeCloseTo(-3 / Math.SQRT2, 13);
    expect(test.dof).toBeCloseTo(216 / 53, 12);
    const t = 3 / Math.SQRT2;
    expect(test.pValue).toBeLessThan(1 - (t * (t * t + 6)) / Math.pow(t * t + 4, 1.5));
    expect(test.pValue).toBeCloseTo(0.0999129, 6);
  });

  it('zero variance on both sides follows the paired conventions; too few values give NaN', () => {
    expect(welchTTest([1, 1], [1, 1, 1]).pValue).toBe(1);
    expect(welchTTest([2, 2], [1, 1, 1]).pValue).toBe(0);
    expect(welchTTest([2], [1, 1, 1]).pValue).toBeNaN();
  });

  it('is antisymmetric (property)', () => {
    const sample = fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 2, maxLength: 10 });
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const ab = welchTTest(a, b);
        const ba = welchTTest(b, a);
        expect(ba.meanDiff).toBeCloseTo(-ab.meanDiff, 10);
        if (Number.isNaN(ab.pValue)) expect(ba.pValue).toBeNaN();
        else expect(ba.pValue).toBeCloseTo(ab.pValue, 10);
      }),
    );
  });
});

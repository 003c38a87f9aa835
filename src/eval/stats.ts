/**
 * The statistics behind the report (SPEC 5): means with standard errors and t-based confidence
 * intervals, paired and day-clustered t-tests, a Welch test for comparing seeds, and the distribution
 * functions they need (Student t, normal), written from the textbook formulas so that the package has
 * no numerical dependency. docs/METRICS.md states every convention used here.
 *
 * Conventions, once:
 * - No values: mean NaN. One value: standard error, interval and test statistics NaN.
 * - A paired test whose differences are all exactly 0 has t = 0 and p = 1; differences that are
 *   constant and nonzero (zero variance) have t = +-Infinity and p = 0.
 * - Inputs are trusted (validated at the boundary): NaN in the values propagates into the results.
 * Accuracy: t p-values agree with an arbitrary-precision reference to about 1e-11 relative for dof from
 * 0.5 to 1e14 and |t| up to 1000; quantiles to about 1e-14; the normal CDF to about 1e-15.
 */
import { ExecLabError } from '../errors.js';
import type { Estimate } from '../report/types.js';

/** Day of each observation: an ISO date string or an integer day key (e.g. a day index). */
export type DayKeys = ArrayLike<string | number>;

// ---------------------------------------------------------------------------------------------------
// Descriptive statistics
// ---------------------------------------------------------------------------------------------------

/** Neumaier-compensated sum: exact to rounding for the tens of thousands of orders of a test set. */
export function sum(values: ArrayLike<number>): number {
  let total = 0;
  let compensation = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const t = total + v;
    compensation += Math.abs(total) >= Math.abs(v) ? total - t + v : v - t + total;
    total = t;
  }
  return total + compensation;
}

/** Arithmetic mean; NaN when there are no values. */
export function mean(values: ArrayLike<number>): number {
  return values.length === 0 ? NaN : sum(values) / values.length;
}

/** Sample variance with the n - 1 divisor (two-pass); NaN with fewer than two values. */
export function sampleVariance(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return NaN;
  const m = mean(values);
  let squares = 0;
  let deviations = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - m;
    squares += d * d;
    deviations += d;
  }
  // The correction term removes the rounding error left in m (corrected two-pass algorithm).
  return (squares - (deviations * deviations) / n) / (n - 1);
}

/** Sample standard deviation (n - 1 divisor); NaN with fewer than two values. */
export function sampleStd(values: ArrayLike<number>): number {
  return Math.sqrt(sampleVariance(values));
}

/** Standard error of the mean, std / sqrt(n); NaN with fewer than two values. */
export function standardError(values: ArrayLike<number>): number {
  return sampleStd(values) / Math.sqrt(values.length);
}

/**
 * Quantiles by linear interpolation between order statistics (Hyndman-Fan type 7, the default of R
 * and NumPy): the p-quantile of sorted x[0..n-1] is x[h] interpolated at h = (n - 1) p.
 * NaN for every probability when there are no values.
 */
export function quantiles(values: ArrayLike<number>, probs: readonly number[]): number[] {
  for (const p of probs) {
    if (!(p >= 0 && p <= 1)) throw new ExecLabError(`quantiles: probability ${p} is not in [0, 1]`);
  }
  const n = values.length;
  if (n === 0) return probs.map(() => NaN);
  const sorted = Float64Array.from(values).sort();
  return probs.map((p) => {
    const h = (n - 1) * p;
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, n - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  });
}

/** Standard deviation of per-seed results (e.g. mean PA of each seed); undefined with fewer than two seeds. */
export function seedSpread(values: ArrayLike<number>): number | undefined {
  return values.length < 2 ? undefined : sampleStd(values);
}

/** Day-level groups of values: days in ascending key order, with each day's mean and count. */
export interface DayGroups {
  readonly keys: ReadonlyArray<string | number>;
  readonly means: Float64Array;
  readonly counts: Int32Array;
}

/**
 * Groups values by day and returns each day's mean. Days are sorted ascending (ISO date strings sort
 * chronologically; numeric keys sort numerically).
 */
export function groupByDay(values: ArrayLike<number>, dayKeys: DayKeys): DayGroups {
  if (values.length !== dayKeys.length) {
    throw new ExecLabError(`groupByDay: ${values.length} values but ${dayKeys.length} day keys; expected one key per value`);
  }
  const sums = new Map<string | number, { total: number; count: number }>();
  for (let i = 0; i < values.length; i++) {
    const key = dayKeys[i];
    const group = sums.get(key);
    if (group === undefined) sums.set(key, { total: values[i], count: 1 });
    else {
      group.total += values[i];
      group.count += 1;
    }
  }
  const keys = [...sums.keys()].sort(compareKeys);
  const means = new Float64Array(keys.length);
  const counts = new Int32Array(keys.length);
  keys.forEach((key, k) => {
    const group = sums.get(key)!;
    means[k] = group.total / group.count;
    counts[k] = group.count;
  });
  return { keys, means, counts };
}

function compareKeys(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------
// Estimates and tests
// ---------------------------------------------------------------------------------------------------

/**
 * Mean with its standard error and t-based 95% interval, mean +- t(0.975, n - 1) se. With day keys
 * and at least two distinct days, also the standard error of the day-level means (std of the day
 * means / sqrt(days)): orders of one day share the market's move (SPEC 5), so this is the honest
 * uncertainty when there are few test days.
 */
export function estimate(values: ArrayLike<number>, dayKeys?: DayKeys): Estimate {
  const n = values.length;
  const m = mean(values);
  const se = standardError(values);
  const halfWidth = n >= 2 ? studentTQuantile(0.975, n - 1) * se : NaN;
  const ci95: readonly [number, number] = [m - halfWidth, m + halfWidth];
  if (dayKeys === undefined) return { mean: m, se, ci95 };
  const days = groupByDay(values, dayKeys);
  if (days.means.length < 2) return { mean: m, se, ci95 };
  return { mean: m, se, ci95, seByDay: standardError(days.means) };
}

/** A two-sample t-test result: difference of means, statistic, degrees of freedom, two-sided p. */
export interface TTestResult {
  readonly meanDiff: number;
  readonly t: number;
  readonly dof: number;
  readonly pValue: number;
}

/**
 * One-sample t-test of mean(d) = 0, with the zero-variance conventions of this module: all d exactly
 * 0 gives t = 0, p = 1; constant nonzero d (n >= 2) gives t = +-Infinity, p = 0.
 */
export function oneSampleTTest(d: ArrayLike<number>): TTestResult {
  const n = d.length;
  const meanDiff = mean(d);
  const dof = n - 1;
  if (n === 0) return { meanDiff, t: NaN, dof: NaN, pValue: NaN };
  let constant = true;
  for (let i = 1; i < n && constant; i++) constant = d[i] === d[0];
  if (constant && d[0] === 0) return { meanDiff: 0, t: 0, dof, pValue: 1 };
  if (n < 2) return { meanDiff, t: NaN, dof, pValue: NaN };
  // (NaN never counts as constant: NaN !== NaN.)
  if (constant) return { meanDiff: d[0], t: d[0] > 0 ? Infinity : -Infinity, dof, pValue: 0 };
  const t = meanDiff / standardError(d);
  return { meanDiff, t, dof, pValue: twoSidedPValue(t, dof) };
}

function differences(a: ArrayLike<number>, b: ArrayLike<number>, what: string): Float64Array {
  if (a.length !== b.length) {
    throw new ExecLabError(`${what}: samples have ${a.length} and ${b.length} values; a paired test needs the same orders`);
  }
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) d[i] = a[i] - b[i];
  return d;
}

/** Paired t-test of a against b on the same observations: meanDiff = mean(a - b), dof = n - 1. */
export function pairedTTest(a: ArrayLike<number>, b: ArrayLike<number>): TTestResult {
  return oneSampleTTest(differences(a, b, 'pairedTTest'));
}

/**
 * Days a test on day means needs to find a true mean difference `diff` at two-sided level `alpha`
 * with probability `power`, when the day means of the differences have standard deviation
 * `sdPerDay`: the normal approximation ((z_{1 - alpha/2} + z_power) sdPerDay / diff)^2, rounded up,
 * and at least 2 (a day-level test needs two days). Infinity for a difference of 0.
 */
export function daysForPower(sdPerDay: number, diff: number, alpha = 0.05, power = 0.8): number {
  if (!(sdPerDay >= 0) || !Number.isFinite(diff) || !(alpha > 0 && alpha < 1) || !(power > 0 && power < 1)) return NaN;
  if (diff === 0) return Infinity;
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  return Math.max(2, Math.ceil(((z * sdPerDay) / diff) ** 2));
}

/** Result of a test on day-level means; the statistic is null with fewer than two days. */
export interface ClusteredTestResult {
  /** Mean over days of the day-level mean differences (each day weighs the same). */
  readonly meanDiff: number;
  /** Standard error of that mean (the day means' standard deviation over sqrt(days)); null with fewer than two days. */
  readonly se: number | null;
  readonly t: number | null;
  /** days - 1, or null. */
  readonly dof: number | null;
  readonly pValue: number | null;
  readonly days: number;
}

/**
 * Paired test clustered by day (SPEC 5): the per-observation differences a - b are averaged within
 * each day, and the day means are tested with a one-sample t-test on days - 1 degrees of freedom.
 */
export function clusteredPairedTest(a: ArrayLike<number>, b: ArrayLike<number>, dayKeys: DayKeys): ClusteredTestResult {
  const days = groupByDay(differences(a, b, 'clusteredPairedTest'), dayKeys);
  const count = days.means.length;
  if (count < 2) return { meanDiff: count === 1 ? days.means[0] : NaN, se: null, t: null, dof: null, pValue: null, days: count };
  const test = oneSampleTTest(days.means);
  return { meanDiff: test.meanDiff, se: standardError(days.means), t: test.t, dof: test.dof, pValue: test.pValue, days: count };
}

/**
 * What a day-level test can resolve at its spread: the mean difference it would call significant at
 * p < 0.05 (the critical t times the standard error of the day means), and the days a test of that
 * spread needs to find its observed difference with 80% power (daysForPower); null with one day, and
 * `daysFor80` null for a difference of 0.
 */
export function testResolution(t: ClusteredTestResult): { readonly detectableBps: number | null; readonly daysFor80: number | null } {
  if (t.se === null || t.dof === null) return { detectableBps: null, daysFor80: null };
  const days = daysForPower(t.se * Math.sqrt(t.days), t.meanDiff);
  return { detectableBps: criticalT(t.dof) * t.se, daysFor80: Number.isFinite(days) ? days : null };
}

/**
 * Welch's unequal-variance t-test of mean(a) = mean(b), e.g. the per-seed mean PA of two learning
 * methods; dof by Welch-Satterthwaite. NaN with fewer than two values in either sample; with zero
 * variance in both, the zero-variance conventions of oneSampleTTest apply to the difference of means.
 */
export function welchTTest(a: ArrayLike<number>, b: ArrayLike<number>): TTestResult {
  const meanDiff = mean(a) - mean(b);
  if (a.length < 2 || b.length < 2) return { meanDiff, t: NaN, dof: NaN, pValue: NaN };
  const va = sampleVariance(a) / a.length;
  const vb = sampleVariance(b) / b.length;
  const dof = ((va + vb) * (va + vb)) / ((va * va) / (a.length - 1) + (vb * vb) / (b.length - 1));
  if (va + vb === 0) {
    if (meanDiff === 0) return { meanDiff, t: 0, dof: NaN, pValue: 1 };
    return { meanDiff, t: meanDiff > 0 ? Infinity : -Infinity, dof: NaN, pValue: Number.isNaN(meanDiff) ? NaN : 0 };
  }
  const t = meanDiff / Math.sqrt(va + vb);
  return { meanDiff, t, dof, pValue: twoSidedPValue(t, dof) };
}

// ---------------------------------------------------------------------------------------------------
// Special functions
// ---------------------------------------------------------------------------------------------------

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const EPSILON = 1e-16;
const TINY = 1e-300;
const MAX_ITERATIONS = 100_000;

/** Stirling series correction lnGamma(z) - [(z - 1/2) ln z - z + ln sqrt(2 pi)], for z >= 15. */
function stirlingCorrection(z: number): number {
  const r = 1 / z;
  const r2 = r * r;
  // Bernoulli terms B_2k / (2k (2k - 1) z^(2k - 1)), k = 1..5; the next term is < 2e-16 at z = 15.
  return r * (1 / 12 + r2 * (-1 / 360 + r2 * (1 / 1260 + r2 * (-1 / 1680 + r2 * (1 / 1188)))));
}

/** ln Gamma(z) for z > 0: the Stirling series after shifting z up to at least 15 by Gamma(z+1) = z Gamma(z). */
export function lnGamma(z: number): number {
  if (!(z > 0)) return NaN;
  if (z === Infinity) return Infinity;
  let shift = 0;
  let product = 1;
  while (z < 15) {
    product *= z;
    z += 1;
    shift += 1;
  }
  const stirling = (z - 0.5) * Math.log(z) - z + LN_SQRT_2PI + stirlingCorrection(z);
  return shift === 0 ? stirling : stirling - Math.log(product);
}

/**
 * ln B(a, b) = ln Gamma(a) + ln Gamma(b) - ln Gamma(a + b). When an argument is large the Stirling
 * forms are subtracted analytically, so that no precision is lost to cancellation of big logarithms
 * (this is what keeps the t distribution accurate at large degrees of freedom).
 */
export function lnBeta(a: number, b: number): number {
  if (!(a > 0 && b > 0)) return NaN;
  const p = Math.min(a, b);
  const q = Math.max(a, b);
  const s = p + q;
  if (p >= 15) {
    const correction = stirlingCorrection(p) + stirlingCorrection(q) - stirlingCorrection(s);
    return (p - 0.5) * Math.log(p / s) + (q - 0.5) * Math.log1p(-p / s) - 0.5 * Math.log(s) + LN_SQRT_2PI + correction;
  }
  if (q >= 15) {
    const correction = stirlingCorrection(q) - stirlingCorrection(s);
    return lnGamma(p) + (q - 0.5) * Math.log1p(-p / s) - p * Math.log(s) + p + correction;
  }
  return lnGamma(p) + lnGamma(q) - lnGamma(s);
}

/** Continued fraction of the incomplete beta function (modified Lentz), valid for x < (a+1)/(a+b+2). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    // Even step: d_2m = m (b - m) x / ((a + 2m - 1)(a + 2m)).
    let term = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + term * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + term / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    // Odd step: d_2m+1 = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)).
    term = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + term * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + term / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) return h;
  }
  return h;
}

/**
 * Regularised incomplete beta I_x(a, b). `y` is 1 - x; pass it when it is known more accurately than
 * 1 - x can be computed (e.g. t^2 / (dof + t^2) for small t).
 */
export function incompleteBeta(x: number, a: number, b: number, y = 1 - x): number {
  if (!(a > 0 && b > 0) || !(x >= 0 && x <= 1)) return NaN;
  if (x === 0) return 0;
  if (y === 0) return 1;
  // ln x near x = 1 from log1p(-y), which keeps a ln x exact for large a (large dof in the t distribution).
  const logX = x > 0.5 ? Math.log1p(-y) : Math.log(x);
  const logY = y > 0.5 ? Math.log1p(-x) : Math.log(y);
  const logFront = a * logX + b * logY - lnBeta(a, b);
  // The fraction converges fast on the side x < (a+1)/(a+b+2); use the symmetry I_x(a,b) = 1 - I_y(b,a) on the other.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(b, a, y)) / b;
}

/** Regularised lower incomplete gamma P(a, x) and its complement Q(a, x) = 1 - P(a, x). */
function incompleteGamma(a: number, x: number): { lower: number; upper: number } {
  if (x <= 0) return { lower: 0, upper: 1 };
  if (x === Infinity) return { lower: 1, upper: 0 };
  const logFront = -x + a * Math.log(x) - lnGamma(a);
  if (x < a + 1) {
    // Series: P = e^-x x^a / Gamma(a) * sum_n x^n / (a (a+1) ... (a+n)).
    let term = 1 / a;
    let total = term;
    for (let n = 1; n <= MAX_ITERATIONS; n++) {
      term *= x / (a + n);
      total += term;
      if (Math.abs(term) < Math.abs(total) * EPSILON) break;
    }
    const lower = Math.exp(logFront) * total;
    return { lower, upper: 1 - lower };
  }
  // Continued fraction for Q (modified Lentz).
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  const upper = Math.exp(logFront) * h;
  return { lower: 1 - upper, upper };
}

/** Error function, erf(x) = sign(x) P(1/2, x^2). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const lower = incompleteGamma(0.5, x * x).lower;
  return x < 0 ? -lower : lower;
}

/** Complementary error function 1 - erf(x), accurate in the far right tail. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const upper = incompleteGamma(0.5, x * x).upper;
  return x < 0 ? 2 - upper : upper;
}

/** Standard normal CDF, Phi(z) = erfc(-z / sqrt 2) / 2. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Standard normal density. */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LN_SQRT_2PI);
}

/** Student t density with dof > 0 degrees of freedom (the normal density for dof = Infinity). */
export function studentTPdf(t: number, dof: number): number {
  if (!(dof > 0)) return NaN;
  if (dof === Infinity) return normalPdf(t);
  return Math.exp(-0.5 * (dof + 1) * Math.log1p((t * t) / dof) - 0.5 * Math.log(dof) - lnBeta(dof / 2, 0.5));
}

/**
 * The two-sided critical value of Student's t: the c > 0 with P(|T| >= c) = alpha on `dof` degrees
 * of freedom (2.001 for alpha 0.05 and 59; 1.960 for Infinity), by bisection on twoSidedPValue to
 * 1e-12. With a paired test's standard error se, c * se is the smallest mean difference that the
 * test calls significant at alpha.
 */
export function criticalT(dof: number, alpha = 0.05): number {
  if (!(dof > 0) || !(alpha > 0 && alpha < 1)) return NaN;
  let lo = 0;
  let hi = 1;
  while (twoSidedPValue(hi, dof) > alpha) hi *= 2;
  while (hi - lo > 1e-12 * Math.max(1, hi)) {
    const mid = (lo + hi) / 2;
    if (twoSidedPValue(mid, dof) > alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Two-sided p-value of a t statistic, P(|T| >= |t|) = I_{dof/(dof+t^2)}(dof/2, 1/2); the normal
 * two-sided p for dof = Infinity. Non-integer dof is allowed (Welch).
 */
export function twoSidedPValue(t: number, dof: number): number {
  if (!(dof > 0) || Number.isNaN(t)) return NaN;
  if (!Number.isFinite(t)) return 0;
  if (dof === Infinity) return erfc(Math.abs(t) / Math.SQRT2);
  const t2 = t * t;
  if (dof >= 1e5 && t2 * t2 <= dof / 100) return largeDofTwoSidedPValue(Math.abs(t), dof);
  return incompleteBeta(dof / (dof + t2), dof / 2, 0.5, t2 / (dof + t2));
}

/**
 * Two-sided t p-value for large dof by the expansion in 1/dof around the normal,
 * P(T > t) = 1 - Phi(t) + phi(t) (g1(t)/dof + g2(t)/dof^2 + g3(t)/dof^3 + O(dof^-4)), with
 *   g1 = t (t^2 + 1) / 4,  g2 = t (t^2 - 3)(3t^4 + 2t^2 + 1) / 96,
 *   g3 = t (t^10 - 11t^8 + 14t^6 + 6t^4 - 3t^2 - 15) / 384,
 * obtained by expanding the density (1 + t^2/dof)^(-(dof+1)/2) and its constant in 1/dof and
 * integrating each phi(t) * polynomial term in closed form. Used where the incomplete beta loses
 * digits (its x = dof / (dof + t^2) is within rounding of 1) and the series has converged (t^4 << dof).
 */
function largeDofTwoSidedPValue(t: number, dof: number): number {
  const t2 = t * t;
  const g1 = (t * (t2 + 1)) / 4;
  const g2 = (t * (t2 - 3) * (3 * t2 * t2 + 2 * t2 + 1)) / 96;
  const g3 = (t * (((((t2 - 11) * t2 + 14) * t2 + 6) * t2 - 3) * t2 - 15)) / 384;
  const r = 1 / dof;
  return erfc(t / Math.SQRT2) + 2 * normalPdf(t) * r * (g1 + r * (g2 + r * g3));
}

/** Student t CDF with dof > 0 degrees of freedom; the normal CDF for dof = Infinity. */
export function studentTCdf(t: number, dof: number): number {
  if (!(dof > 0) || Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * twoSidedPValue(t, dof);
  return t > 0 ? 1 - tail : tail;
}

/**
 * Quantile of a continuous symmetric distribution from its upper tail, by safeguarded Newton
 * iteration inside a bisection bracket (the tail is monotone, so the bracket always holds the root).
 */
function symmetricQuantile(p: number, upperTail: (x: number) => number, pdf: (x: number) => number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0.5) return 0;
  if (p < 0.5) return -symmetricQuantile(1 - p, upperTail, pdf);
  if (p === 1) return Infinity;
  const target = 1 - p;
  let lo = 0;
  let hi = 1;
  while (upperTail(hi) > target) {
    lo = hi;
    hi *= 2;
    if (hi === Infinity) return Infinity;
  }
  let x = 0.5 * (lo + hi);
  for (let i = 0; i < 400; i++) {
    const excess = upperTail(x) - target; // > 0: x is left of the root
    if (excess > 0) lo = x;
    else if (excess < 0) hi = x;
    else return x;
    const density = pdf(x);
    let next = density > 0 ? x + excess / density : NaN;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - x) <= 1e-15 * Math.max(1, Math.abs(x)) || hi - lo <= 1e-15 * Math.max(1, hi)) return next;
    x = next;
  }
  return x;
}

/** Inverse of studentTCdf: the t with P(T <= t) = p, e.g. studentTQuantile(0.975, 10) = 2.2281. */
export function studentTQuantile(p: number, dof: number): number {
  if (!(dof > 0)) return NaN;
  if (dof === Infinity) return normalQuantile(p);
  return symmetricQuantile(
    p,
    (t) => 0.5 * twoSidedPValue(t, dof),
    (t) => studentTPdf(t, dof),
  );
}

/** Inverse of normalCdf, e.g. normalQuantile(0.975) = 1.959964. */
export function normalQuantile(p: number): number {
  return symmetricQuantile(p, (z) => 0.5 * erfc(z / Math.SQRT2), normalPdf);
}

/**
 * Random variates the synthetic market needs beyond what Rng offers: gamma, Poisson, exponential,
 * and stream derivation. All draw from an explicitly passed Rng.
 */
import { Rng } from '../util/random.js';

/**
 * An independent generator for a path of keys, e.g. (seed, instrument stream, i, day): the stream
 * depends only on the seed and the keys, never on what was drawn before or in which order
 * instruments and days are generated.
 */
export function streamFor(seed: number, ...keys: readonly number[]): Rng {
  let rng = new Rng(seed);
  for (const k of keys) rng = rng.fork(k);
  return rng;
}

/**
 * Student-t with `dof` degrees of freedom scaled to unit variance (dof > 2): a normal over the root
 * of a chi-square drawn as 2 * Gamma(dof / 2). Same law as Rng.studentT, with two draws instead of
 * dof + 1 normals (the generator draws one per simulated minute).
 */
export function studentT(rng: Rng, dof: number): number {
  const chiSquare = 2 * gamma(rng, dof / 2);
  return (rng.normal() / Math.sqrt(chiSquare / dof)) * Math.sqrt((dof - 2) / dof);
}

/** Gamma(shape, scale 1) by Marsaglia and Tsang (2000); shape < 1 via the U^(1/shape) boost. */
export function gamma(rng: Rng, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * Math.pow(1 - rng.uniform(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.uniform();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

const LOG_FACTORIAL_SMALL: readonly number[] = (() => {
  const out = [0];
  for (let k = 1; k < 16; k++) out.push(out[k - 1] + Math.log(k));
  return out;
})();

/** ln(k!) for a non-negative integer: a table below 16, Stirling's series above (error < 1e-10). */
export function logFactorial(k: number): number {
  if (k < 16) return LOG_FACTORIAL_SMALL[k];
  const x = k + 1;
  const ix2 = 1 / (x * x);
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + (1 / (12 * x)) * (1 - ix2 * (1 / 30 - ix2 / 105));
}

/**
 * Poisson(mean). Multiplication of uniforms below a mean of 10; above, Hormann's transformed
 * rejection (PTRS, 1993), which is exact and takes O(1) draws.
 */
export function poisson(rng: Rng, mean: number): number {
  if (!(mean > 0)) return 0;
  if (mean < 10) {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = rng.uniform();
    while (p > limit) {
      k++;
      p *= rng.uniform();
    }
    return k;
  }
  const slam = Math.sqrt(mean);
  const loglam = Math.log(mean);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng.uniform() - 0.5;
    const v = rng.uniform();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -mean + k * loglam - logFactorial(k)) return k;
  }
}

/** E|T| of a Student-t with `dof` degrees of freedom scaled to unit variance (normal: sqrt(2/pi)). */
export function meanAbsStudentT(dof: number): number {
  const lg = (x: number): number => logGammaHalfInteger(x);
  const eAbsT = (2 * Math.sqrt(dof) * Math.exp(lg((dof + 1) / 2) - lg(dof / 2))) / (Math.sqrt(Math.PI) * (dof - 1));
  return eAbsT * Math.sqrt((dof - 2) / dof);
}

/** ln Gamma(x) for x a positive multiple of 1/2 (exact recursion from Gamma(1) = 1, Gamma(1/2) = sqrt(pi)). */
function logGammaHalfInteger(x: number): number {
  let acc = 0;
  let y = x;
  while (y > 1) {
    y -= 1;
    acc += Math.log(y);
  }
  return acc + (y === 0.5 ? 0.5 * Math.log(Math.PI) : 0);
}

/**
 * exp, sigmoid and tanh in float32, the project's own: every operation is one float32 operation
 * (Math.fround of an exactly rounded double operation is the float32 operation), so the WebAssembly
 * versions in wasm/kernels.wat, which run the same operations in the same order on f32x4 lanes, give
 * the same bits. Results therefore depend neither on the backend nor on the runtime's Math.exp.
 *
 * exp: x clamped to [-87, 87] (so 2^n stays a normal float32), x = n ln2 + r with n = floor(x log2e
 * + 1/2) and ln2 split in two for an exact reduction, e^r by a degree-7 polynomial, then times 2^n.
 * tanh: an odd polynomial below |x| = 0.625, else 1 - 2 / (e^{2|x|} + 1) with the sign of x.
 * Accuracy (test/nn/activations.test.ts): within 2 float32 ulps of the exact values (exp, tanh) on
 * the range the network uses; sigmoid below -87 returns 1 / (1 + e^87) instead of a smaller number.
 */
const f = Math.fround;

export const EXP_CLAMP = 87;
const LOG2E = f(1.44269504088896341);
const LN2_HI = f(0.693359375);
const LN2_LO = f(-2.12194440e-4);
const P0 = f(1.9875691500e-4);
const P1 = f(1.3981999507e-3);
const P2 = f(8.3334519073e-3);
const P3 = f(4.1665795894e-2);
const P4 = f(1.6666665459e-1);
const P5 = f(5.0000001201e-1);
const T0 = f(-5.70498872745e-3);
const T1 = f(2.06390887954e-2);
const T2 = f(-5.37397155531e-2);
const T3 = f(1.33314422036e-1);
const T4 = f(-3.33332819422e-1);
export const TANH_SMALL = f(0.625);

/** 2^n as float32 for n in [-127, 127], indexed n + 127. */
const POW2 = Float32Array.from({ length: 255 }, (_, i) => 2 ** (i - 127));

/** e^x in float32 (x clamped to [-87, 87]). */
export function expF32(x: number): number {
  const xc = x < -EXP_CLAMP ? -EXP_CLAMP : x > EXP_CLAMP ? EXP_CLAMP : x;
  const n = Math.floor(f(f(xc * LOG2E) + 0.5));
  let r = f(xc - f(n * LN2_HI));
  r = f(r - f(n * LN2_LO));
  let p = P0;
  p = f(f(p * r) + P1);
  p = f(f(p * r) + P2);
  p = f(f(p * r) + P3);
  p = f(f(p * r) + P4);
  p = f(f(p * r) + P5);
  const y = f(f(f(p * f(r * r)) + r) + 1);
  return f(y * POW2[n + 127]);
}

/** 1 / (1 + e^-x) in float32. */
export function sigmoidF32(x: number): number {
  return f(1 / f(1 + expF32(-x)));
}

/** tanh(x) in float32. */
export function tanhF32(x: number): number {
  const ax = Math.abs(x);
  if (ax < TANH_SMALL) {
    const z = f(x * x);
    let p = T0;
    p = f(f(p * z) + T1);
    p = f(f(p * z) + T2);
    p = f(f(p * z) + T3);
    p = f(f(p * z) + T4);
    return f(f(f(p * z) * x) + x);
  }
  const y = f(1 - f(2 / f(expF32(f(ax + ax)) + 1)));
  return x < 0 ? -y : y;
}

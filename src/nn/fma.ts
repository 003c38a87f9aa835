/**
 * The fused multiply-add of float32 values in plain TypeScript: a * b + c rounded once to float32
 * (round to nearest, ties to even), the value a processor's fused multiply-add returns. The
 * reference kernels (kernels-js.ts) form every product's sum with it, as the WebAssembly kernels do
 * with f32x4.relaxed_madd on machines that fuse it.
 *
 * For float32 inputs the product a * b is exact in double (two 24-bit significands fit in 53 bits),
 * so only the sum rounds. Rounding the double sum s to float32 then gives the exact sum's float32
 * rounding except in one case: s is exactly halfway between two float32 values and the exact sum is
 * not (its double rounding error e is not 0). Then e's sign picks the neighbour. (Any other double s
 * has the exact sum on its side of every float32 midpoint, since midpoints are doubles and s is the
 * double nearest to the exact sum.)
 */
const f = Math.fround;

/** a * b + c rounded once to float32; a, b and c must be float32 values. */
export function fmaF32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = f(s);
  if (r === s || !Number.isFinite(r)) return r;
  // s lies strictly between r and r's neighbour on its side. It is their midpoint exactly when r plus
  // twice the distance (both exact in double) is that neighbour, a float32; otherwise r is right.
  const other = r + 2 * (s - r);
  if (f(other) !== other) return r;
  // At the midpoint the exact error of the double sum (Knuth's two-sum) decides.
  const bv = s - p;
  const e = p - (s - bv) + (c - bv);
  if (e === 0) return r;
  return e > 0 ? Math.max(r, other) : Math.min(r, other);
}

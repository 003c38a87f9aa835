/** Largest absolute difference of two arrays, relative to the largest magnitude of the second. */
export function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let m = 1e-30;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / m;
}

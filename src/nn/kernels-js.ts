/**
 * The kernels in plain TypeScript: the reference that defines every result bit of kernels.ts, used
 * where WebAssembly SIMD is unavailable or EXECLAB_KERNELS=js, and for GRU sizes that are not a
 * multiple of 4 (docs/NETWORK.md). Every operation is one float32 operation (Math.fround of an exactly
 * rounded double operation), in the order the WebAssembly kernels (wasm/kernels.wat) run them on f32x4
 * lanes, so both give the same bits.
 *
 * The order of the sums, for each output element, where s = fma(a, b, s) is a fused multiply-add
 * (a b + s rounded once, fma.ts; the WebAssembly kernels' f32x4.relaxed_madd on a machine that fuses it):
 * - NN (C += A B) and TN (C += A^T B): s = 0, then s = fma(a_k, b_k, s) for k = 0, 1, ..., K-1;
 * - NT (C += A B^T, dot products of rows): four partial sums s_l = fma(a_k, b_k, s_l) over k = l, l + 4,
 *   ... below K4 = K - K mod 4, s = (s_0 + s_1) + (s_2 + s_3), then s = fma(a_k, b_k, s) for k = K4, ...,
 *   K-1;
 * then C = C + s, or with a bias C = bias + s, then ReLU (v < 0 ? 0 : v). Everything else (the GRU
 * cell, the activations) multiplies and adds separately, each rounded once.
 * A row's result depends on that row's inputs only, never on the other rows of the batch.
 *
 * All matrices are row-major and contiguous; each operand is given as (array, element offset).
 */
import { sigmoidF32, tanhF32 } from './activations.js';
import { fmaF32 } from './fma.js';

const f = Math.fround;

/** The store of one output: accumulate (no bias) or bias + s with optional ReLU. */
function put(C: Float32Array, o: number, s: number, bias: Float32Array | null, bp: number, relu: boolean): void {
  if (bias === null) {
    C[o] = f(C[o] + s);
  } else {
    const v = f(bias[bp] + s);
    C[o] = relu && v < 0 ? 0 : v;
  }
}

/**
 * C[M,N] (+)= A B with A(i, k) = A[ao + i * sa + k * sk] and B(k, j) = B[bo + k * N + j]: the NN product
 * (sa = K, sk = 1) and the TN product (sa = 1, sk = M) in one loop, four columns at a time.
 */
function outer(
  A: Float32Array, ao: number, sa: number, sk: number, B: Float32Array, bo: number, C: Float32Array, co: number,
  M: number, K: number, N: number, bias: Float32Array | null, biasOff: number, relu: boolean,
): void {
  const N4 = N - (N & 3);
  for (let i = 0; i < M; i++) {
    const a0 = ao + i * sa;
    const r = co + i * N;
    for (let j = 0; j < N4; j += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let ap = a0;
      let bp = bo + j;
      for (let k = 0; k < K; k++, ap += sk, bp += N) {
        const a = A[ap];
        s0 = fmaF32(a, B[bp], s0);
        s1 = fmaF32(a, B[bp + 1], s1);
        s2 = fmaF32(a, B[bp + 2], s2);
        s3 = fmaF32(a, B[bp + 3], s3);
      }
      const q = biasOff + j;
      put(C, r + j, s0, bias, q, relu);
      put(C, r + j + 1, s1, bias, q + 1, relu);
      put(C, r + j + 2, s2, bias, q + 2, relu);
      put(C, r + j + 3, s3, bias, q + 3, relu);
    }
    for (let j = N4; j < N; j++) {
      let s = 0;
      let ap = a0;
      let bp = bo + j;
      for (let k = 0; k < K; k++, ap += sk, bp += N) s = fmaF32(A[ap], B[bp], s);
      put(C, r + j, s, bias, biasOff + j, relu);
    }
  }
}

/** C[M,N] += A[M,K] * B[K,N]. */
export function gemmNN(A: Float32Array, ao: number, B: Float32Array, bo: number, C: Float32Array, co: number, M: number, K: number, N: number): void {
  outer(A, ao, K, 1, B, bo, C, co, M, K, N, null, 0, false);
}

/** C[M,N] = bias + A[M,K] * B[K,N], then ReLU if `relu`. */
export function gemmNNBias(
  A: Float32Array, ao: number, B: Float32Array, bo: number, C: Float32Array, co: number, M: number, K: number, N: number,
  bias: Float32Array, biasOff: number, relu: boolean,
): void {
  outer(A, ao, K, 1, B, bo, C, co, M, K, N, bias, biasOff, relu);
}

/** C[M,N] += A[K,M]^T * B[K,N]. */
export function gemmTN(A: Float32Array, ao: number, B: Float32Array, bo: number, C: Float32Array, co: number, M: number, K: number, N: number): void {
  outer(A, ao, 1, M, B, bo, C, co, M, K, N, null, 0, false);
}

/** The dot product of A[ap..ap+K) and B[bp..bp+K) in the NT order (four lanes, then the tail). */
export function dotF32(A: Float32Array, ap: number, B: Float32Array, bp: number, K: number): number {
  const K4 = K - (K & 3);
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let k = 0;
  for (; k < K4; k += 4) {
    s0 = fmaF32(A[ap + k], B[bp + k], s0);
    s1 = fmaF32(A[ap + k + 1], B[bp + k + 1], s1);
    s2 = fmaF32(A[ap + k + 2], B[bp + k + 2], s2);
    s3 = fmaF32(A[ap + k + 3], B[bp + k + 3], s3);
  }
  let s = f(f(s0 + s1) + f(s2 + s3));
  for (; k < K; k++) s = fmaF32(A[ap + k], B[bp + k], s);
  return s;
}

/** C[M,N] += A[M,K] * B[N,K]^T. */
export function gemmNT(A: Float32Array, ao: number, B: Float32Array, bo: number, C: Float32Array, co: number, M: number, K: number, N: number): void {
  for (let i = 0; i < M; i++) {
    const ap = ao + i * K;
    const r = co + i * N;
    for (let j = 0; j < N; j++) C[r + j] = f(C[r + j] + dotF32(A, ap, B, bo + j * K, K));
  }
}

/**
 * The GRU cell for n rows of H units (see gru.ts): on entry G holds W_i* a + b_i* and GH holds
 * W_h* h + b_h* (blocks r | z | n of H each per row); on exit G holds r | z | n and Hout the new state.
 * Hp is the previous state (null: h = 0); Hout may be the same rows as Hp.
 */
export function gruCell(
  G: Float32Array, go: number, GH: Float32Array, gho: number, Hp: Float32Array | null, hpo: number,
  Hout: Float32Array, ho: number, n: number, H: number,
): void {
  const H2 = 2 * H;
  const H3 = 3 * H;
  for (let i = 0; i < n; i++) {
    const g = go + i * H3;
    const gh = gho + i * H3;
    const hp = hpo + i * H;
    const hq = ho + i * H;
    for (let j = 0; j < H; j++) {
      const r = sigmoidF32(f(G[g + j] + GH[gh + j]));
      const z = sigmoidF32(f(G[g + H + j] + GH[gh + H + j]));
      const c = tanhF32(f(G[g + H2 + j] + f(r * GH[gh + H2 + j])));
      const prev = Hp === null ? 0 : Hp[hp + j];
      Hout[hq + j] = f(f(f(1 - z) * c) + f(z * prev));
      G[g + j] = r;
      G[g + H + j] = z;
      G[g + H2 + j] = c;
    }
  }
}

/**
 * The GRU cell's backward for n rows of one step: from the gates G (r | z | n), the hidden
 * pre-activations GH, the previous states Hp (null: h = 0) and the gradient dH reaching the new states,
 * writes the pre-activation gradients dG = [dr, dz, dn] and dGH = [dr, dz, dn * r] and, when Hp is
 * given, adds dh * z into dHp (the gradient reaching the previous states).
 */
export function gruCellBackward(
  G: Float32Array, go: number, GH: Float32Array, Hp: Float32Array | null, hpo: number, dH: Float32Array, dho: number,
  dHp: Float32Array, dG: Float32Array, dGH: Float32Array, n: number, H: number,
): void {
  const H2 = 2 * H;
  const H3 = 3 * H;
  for (let i = 0; i < n; i++) {
    const g = go + i * H3;
    const hq = dho + i * H;
    const hp = hpo + i * H;
    for (let j = 0; j < H; j++) {
      const dh = dH[hq + j];
      const r = G[g + j];
      const z = G[g + H + j];
      const c = G[g + H2 + j];
      const prev = Hp === null ? 0 : Hp[hp + j];
      const dc = f(f(dh * f(1 - z)) * f(1 - f(c * c)));
      const dz = f(f(f(dh * f(prev - c)) * z) * f(1 - z));
      const dr = f(f(f(dc * GH[g + H2 + j]) * r) * f(1 - r));
      dG[g + j] = dr;
      dG[g + H + j] = dz;
      dG[g + H2 + j] = dc;
      dGH[g + j] = dr;
      dGH[g + H + j] = dz;
      dGH[g + H2 + j] = f(dc * r);
      if (Hp !== null) dHp[hp + j] = f(dHp[hp + j] + f(dh * z));
    }
  }
}

/** out[N] (from offset oo) += s, s(j) = the sum of A(i, j) over the M rows in order (float32). */
export function addColumnSums(A: Float32Array, ao: number, M: number, N: number, out: Float32Array, oo: number): void {
  for (let j = 0; j < N; j++) {
    let s = 0;
    let p = ao + j;
    for (let i = 0; i < M; i++, p += N) s = f(s + A[p]);
    out[oo + j] = f(out[oo + j] + s);
  }
}

/** dX = Y > 0 ? dX : 0 over n elements: the ReLU backward given the layer's output Y. */
export function reluBackwardInPlace(dX: Float32Array, dxo: number, Y: Float32Array, yo: number, n: number): void {
  for (let p = 0; p < n; p++) if (!(Y[yo + p] > 0)) dX[dxo + p] = 0;
}

/** dst[dstOff + i dstStride + j] = src[rows[i] len + j] for i < n, j < len: rows gathered by index. */
export function gatherRows(dst: Float32Array, dstOff: number, dstStride: number, src: Float32Array, rows: Int32Array, n: number, len: number): void {
  for (let i = 0; i < n; i++) {
    const s = rows[i] * len;
    const d = dstOff + i * dstStride;
    for (let j = 0; j < len; j++) dst[d + j] = src[s + j];
  }
}

/** dst[rows[i] len + j] += src[srcOff + i srcStride + j] for i < n in order, j < len (float32 adds). */
export function scatterAddRows(dst: Float32Array, src: Float32Array, srcOff: number, srcStride: number, rows: Int32Array, n: number, len: number): void {
  for (let i = 0; i < n; i++) {
    const d = rows[i] * len;
    const s = srcOff + i * srcStride;
    for (let j = 0; j < len; j++) dst[d + j] = f(dst[d + j] + src[s + j]);
  }
}

/**
 * Adam's update of n parameters in place (adam.ts), in double as PyTorch's formula reads: m = b1 m +
 * c1 g and v = b2 v + (c2 g) g, stored as float32; then p -= (stepSize m) / (sqrt(v) / bc2Sqrt + eps)
 * with m and v as stored.
 */
export function adamUpdate(
  params: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, n: number,
  b1: number, c1: number, b2: number, c2: number, stepSize: number, bc2Sqrt: number, eps: number,
): void {
  for (let i = 0; i < n; i++) {
    const g = grad[i];
    m[i] = b1 * m[i] + c1 * g;
    v[i] = b2 * v[i] + c2 * g * g;
    params[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2Sqrt + eps);
  }
}

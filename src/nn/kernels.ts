/**
 * Dense kernels over Float32Array for the hand-written network (docs/NETWORK.md).
 *
 * All matrices are row-major and contiguous; each operand is given as (array, element offset) so
 * that blocks of larger buffers (one time step of a packed sequence batch, one tensor of the flat
 * parameter vector) are used without creating views in hot paths.
 *
 * The matrix products run on WebAssembly SIMD (kernels-wasm.ts) when the runtime supports it, else in
 * plain TypeScript (kernels-js.ts); EXECLAB_KERNELS=js or =wasm forces one. Both give bit-identical
 * results: every output element is `C + sum_k a_k * b_k` with the sum accumulated in double from zero
 * in increasing k. A row's result therefore does not depend on how many other rows are in the batch
 * or where it sits, which makes the batched training forward and the step-by-step inference
 * bit-identical, and it does not depend on the backend, so seeded runs give the same numbers on both.
 */
import * as js from './kernels-js.js';
import { ExecLabError } from '../errors.js';
import { createWasmGemm, type WasmGemm } from './kernels-wasm.js';

export type KernelBackend = 'wasm-simd' | 'js';

/**
 * The WebAssembly kernels, or null for the TypeScript ones, given the EXECLAB_KERNELS setting:
 * unset or empty picks WebAssembly when the runtime supports it, "js" or "wasm" forces one.
 */
export function selectKernels(forced: string | undefined): WasmGemm | null {
  if (forced !== undefined && forced !== '' && forced !== 'js' && forced !== 'wasm') {
    throw new ExecLabError(`EXECLAB_KERNELS must be "js" or "wasm", got "${forced}"`);
  }
  if (forced === 'js') return null;
  const wasm = createWasmGemm();
  if (wasm === null && forced === 'wasm') throw new ExecLabError('EXECLAB_KERNELS=wasm, but this runtime cannot compile WebAssembly SIMD');
  return wasm;
}

/** This thread's WebAssembly kernels (null: TypeScript), chosen at the first product. */
let chosen: WasmGemm | null | undefined;
function backend(): WasmGemm | null {
  if (chosen === undefined) chosen = selectKernels(process.env.EXECLAB_KERNELS);
  return chosen;
}

/** Which implementation the matrix products use in this thread. */
export function kernelBackend(): KernelBackend {
  return backend() === null ? 'js' : 'wasm-simd';
}

/** C[M,N] += A[M,K] * B[K,N]. */
export function gemmNN(
  A: Float32Array, ao: number, B: Float32Array, bo: number, C: Float32Array, co: number, M: number, K: number, N: number,
): void {
  const wasm = backend();
  if (wasm === null) js.gemmNN(A, ao, B, bo, C, co, M, K, N);
  else wasm.rows(A, ao, B, bo, C, co, M, K, N, false, null, 0, false);
}

/**
 * C[M,N] = bias + A[M,K] * B[K,N] (bias[N] from offset biasOff added to every row), then ReLU if
 * `relu`: a layer's forward in one pass. Bit-identical to fillRows + gemmNN + reluInPlace.
 */
export function gemmNNBias(
  A: Float32Array, ao: number, B: Float32Array, bo: number, C: Float32Array, co: number, M: number, K: number, N: number,
  bias: Float32Array, biasOff: number, relu: boolean,
): void {
  const wasm = backend();
  if (wasm === null) js.gemmNNBias(A, ao, B, bo, C, co, M, K, N, bias, biasOff, relu);
  else wasm.rows(A, ao, B, bo, C, co, M, K, N, false, bias, biasOff, relu);
}

/** C[M,N] += A[M,K] * B[N,K]^T (both operands read along their rows: dot products). */
export function gemmNT(
  A: Float32Array, ao: number, B: Float32Array, bo: number, C: Float32Array, co: number, M: number, K: number, N: number,
): void {
  const wasm = backend();
  if (wasm === null) js.gemmNT(A, ao, B, bo, C, co, M, K, N);
  else wasm.rows(A, ao, B, bo, C, co, M, K, N, true, null, 0, false);
}

/** C[M,N] += A[K,M]^T * B[K,N] (the weight-gradient product: a sum over batch rows k). */
export function gemmTN(
  A: Float32Array, ao: number, B: Float32Array, bo: number, C: Float32Array, co: number, M: number, K: number, N: number,
): void {
  const wasm = backend();
  if (wasm === null) js.gemmTN(A, ao, B, bo, C, co, M, K, N);
  else wasm.tn(A, ao, B, bo, C, co, M, K, N);
}

/** Fills rows [0, M) of C[M,N] (from offset co) with the bias vector b[N] (from offset bo). */
export function fillRows(C: Float32Array, co: number, M: number, N: number, b: Float32Array, bo: number): void {
  let o = co;
  for (let i = 0; i < M; i++, o += N) {
    for (let j = 0; j < N; j++) C[o + j] = b[bo + j];
  }
}

/** out[N] (from offset oo) += sum of the M rows of A[M,N] (from offset ao): a bias gradient. */
export function addColumnSums(A: Float32Array, ao: number, M: number, N: number, out: Float32Array, oo: number): void {
  // Rows are summed in double four columns at a time, so the accumulators stay in registers.
  const N4 = N - (N & 3);
  let j = 0;
  for (; j < N4; j += 4) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let p = ao + j;
    for (let i = 0; i < M; i++, p += N) {
      s0 += A[p];
      s1 += A[p + 1];
      s2 += A[p + 2];
      s3 += A[p + 3];
    }
    out[oo + j] += s0;
    out[oo + j + 1] += s1;
    out[oo + j + 2] += s2;
    out[oo + j + 3] += s3;
  }
  for (; j < N; j++) {
    let s = 0;
    let p = ao + j;
    for (let i = 0; i < M; i++, p += N) s += A[p];
    out[oo + j] += s;
  }
}

/** In-place ReLU over n elements from offset o. */
export function reluInPlace(X: Float32Array, o: number, n: number): void {
  const end = o + n;
  for (let p = o; p < end; p++) if (X[p] < 0) X[p] = 0; // NaN propagates, as in PyTorch
}

/** dX *= (Y > 0) over n elements: the ReLU backward given the layer's output Y. */
export function reluBackwardInPlace(dX: Float32Array, dxo: number, Y: Float32Array, yo: number, n: number): void {
  for (let p = 0; p < n; p++) if (!(Y[yo + p] > 0)) dX[dxo + p] = 0;
}

/** Returns `buf` if it has at least n elements, else a new zeroed Float32Array (grown by 1.5x). */
export function ensureF32(buf: Float32Array<ArrayBuffer>, n: number): Float32Array<ArrayBuffer> {
  if (buf.length >= n) return buf;
  return new Float32Array(Math.max(n, Math.ceil(buf.length * 1.5)));
}

/** Int32Array version of ensureF32. */
export function ensureI32(buf: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  if (buf.length >= n) return buf;
  return new Int32Array(Math.max(n, Math.ceil(buf.length * 1.5)));
}


/** Runs the element-wise kernels once on tiny inputs at load, so V8 optimises them for every path. */
function warmUp(): void {
  const A = new Float32Array(64);
  const C = new Float32Array(64);
  for (let i = 0; i < 64; i++) A[i] = (i % 7) - 3;
  for (let rep = 0; rep < 3; rep++) {
    for (const [M, N] of [
      [5, 5],
      [4, 4],
      [1, 1],
      [3, 6],
    ]) {
      fillRows(C, 0, M, N, A, 1);
      addColumnSums(A, 0, M, N, C, 0);
      reluInPlace(C, 0, M * N);
      reluBackwardInPlace(C, 0, A, 0, M * N);
    }
  }
}
warmUp();

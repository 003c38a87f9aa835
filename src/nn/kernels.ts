/**
 * The network's kernels over Float32Array (docs/NETWORK.md): the matrix products, the GRU cell and its
 * backward, and the element-wise helpers.
 *
 * All matrices are row-major and contiguous; each operand is given as (array, element offset) so
 * that blocks of larger buffers (one time step of a packed sequence batch, one tensor of the flat
 * parameter vector) are used without creating views in hot paths.
 *
 * The products and the GRU cell run on WebAssembly SIMD (kernels-wasm.ts, f32x4, the products' sums
 * by fused multiply-adds) when the runtime supports it and the machine fuses the multiply-add, else in
 * plain TypeScript (kernels-js.ts); EXECLAB_KERNELS=js or =wasm forces one. Both
 * give bit-identical results: every value is formed by the same float32 operations in the same order
 * (kernels-js.ts states the order). A row's result does not depend on how many other rows are in the
 * batch or where it sits, which makes the batched training forward and the step-by-step inference
 * bit-identical, and it does not depend on the backend, so seeded runs give the same numbers on both.
 * Arrays from kernelMemory() (memory.ts) are read in place; others are staged.
 */
import * as js from './kernels-js.js';
import { ExecLabError } from '../errors.js';
import { createWasmKernels, type WasmKernels, type WasmUnavailable } from './kernels-wasm.js';

import { ensureF32 } from './memory.js';

export { ensureF32 };

export type KernelBackend = 'wasm-simd' | 'js';

/**
 * The kernels' numerics, which the cache keys of trainings include (reproduce/tasks.ts): 'fma' since
 * the products accumulate by fused multiply-adds (2026-12-06). A change to any result bit of the
 * kernels must change it, so that trainings cached under the old numerics are made again.
 */
export const KERNEL_NUMERICS = 'fma';

/**
 * The WebAssembly kernels, or null for the TypeScript ones, given the EXECLAB_KERNELS setting:
 * unset or empty picks WebAssembly when the runtime supports it and fuses its multiply-add (else the
 * TypeScript ones, which give the same bits more slowly), "js" or "wasm" forces one. `create` builds
 * the WebAssembly kernels (a parameter for tests).
 */
export function selectKernels(forced: string | undefined, create: () => WasmKernels | WasmUnavailable = createWasmKernels): WasmKernels | null {
  if (forced !== undefined && forced !== '' && forced !== 'js' && forced !== 'wasm') {
    throw new ExecLabError(`EXECLAB_KERNELS must be "js" or "wasm", got "${forced}"`);
  }
  if (forced === 'js') return null;
  const wasm = create();
  if (typeof wasm !== 'string') return wasm;
  if (forced === 'wasm') {
    throw new ExecLabError(
      wasm === 'no-simd'
        ? 'EXECLAB_KERNELS=wasm, but this runtime cannot compile WebAssembly SIMD with relaxed SIMD'
        : "EXECLAB_KERNELS=wasm, but this machine's WebAssembly multiply-add is not fused, so the kernels would not give the reference's bits",
    );
  }
  return null;
}

/** This thread's WebAssembly kernels (null: TypeScript), chosen at the first use. */
let chosen: WasmKernels | null | undefined;
function backend(): WasmKernels | null {
  if (chosen === undefined) chosen = selectKernels(process.env.EXECLAB_KERNELS);
  return chosen;
}

/** Which implementation the kernels use in this thread. */
export function kernelBackend(): KernelBackend {
  return backend() === null ? 'js' : 'wasm-simd';
}

/** C[M,N] += A[M,K] * B[K,N]. */
export function gemmNN(
  A: Float32Array, ao: number, B: Float32Array, bo: number, C: Float32Array, co: number, M: number, K: number, N: number,
): void {
  const wasm = backend();
  if (wasm === null) js.gemmNN(A, ao, B, bo, C, co, M, K, N);
  else wasm.nn(A, ao, B, bo, C, co, M, K, N, null, 0, false);
}

/**
 * C[M,N] = bias + A[M,K] * B[K,N] (bias[N] from offset biasOff added to every row), then ReLU if
 * `relu`: a layer's forward in one pass.
 */
export function gemmNNBias(
  A: Float32Array, ao: number, B: Float32Array, bo: number, C: Float32Array, co: number, M: number, K: number, N: number,
  bias: Float32Array, biasOff: number, relu: boolean,
): void {
  const wasm = backend();
  if (wasm === null) js.gemmNNBias(A, ao, B, bo, C, co, M, K, N, bias, biasOff, relu);
  else wasm.nn(A, ao, B, bo, C, co, M, K, N, bias, biasOff, relu);
}

/** C[M,N] += A[M,K] * B[N,K]^T (both operands read along their rows: dot products). */
export function gemmNT(
  A: Float32Array, ao: number, B: Float32Array, bo: number, C: Float32Array, co: number, M: number, K: number, N: number,
): void {
  const wasm = backend();
  if (wasm === null) js.gemmNT(A, ao, B, bo, C, co, M, K, N);
  else wasm.nt(A, ao, B, bo, C, co, M, K, N);
}

/** C[M,N] += A[K,M]^T * B[K,N] (the weight-gradient product: a sum over batch rows k). */
export function gemmTN(
  A: Float32Array, ao: number, B: Float32Array, bo: number, C: Float32Array, co: number, M: number, K: number, N: number,
): void {
  const wasm = backend();
  if (wasm === null) js.gemmTN(A, ao, B, bo, C, co, M, K, N);
  else wasm.tn(A, ao, B, bo, C, co, M, K, N);
}

/** The GRU cell for n rows (kernels-js.ts gruCell). */
export function gruCell(
  G: Float32Array, go: number, GH: Float32Array, gho: number, Hp: Float32Array | null, hpo: number,
  Hout: Float32Array, ho: number, n: number, H: number,
): void {
  const wasm = backend();
  if (wasm !== null && wasm.fits(H, G, GH, Hp, Hout)) wasm.gruCell(G, go, GH, gho, Hp, hpo, Hout, ho, n, H);
  else js.gruCell(G, go, GH, gho, Hp, hpo, Hout, ho, n, H);
}

/** The GRU cell's backward for n rows of one step (kernels-js.ts gruCellBackward). */
export function gruCellBackward(
  G: Float32Array, go: number, GH: Float32Array, Hp: Float32Array | null, hpo: number, dH: Float32Array, dho: number,
  dHp: Float32Array, dG: Float32Array, dGH: Float32Array, n: number, H: number,
): void {
  const wasm = backend();
  if (wasm !== null && wasm.fits(H, G, GH, Hp, dH, dHp, dG, dGH)) wasm.gruCellBackward(G, go, GH, Hp, hpo, dH, dho, dHp, dG, dGH, n, H);
  else js.gruCellBackward(G, go, GH, Hp, hpo, dH, dho, dHp, dG, dGH, n, H);
}

/** dst[dstOff + i dstStride + j] = src[rows[i] len + j] for i < n, j < len (kernels-js.ts gatherRows). */
export function gatherRows(dst: Float32Array, dstOff: number, dstStride: number, src: Float32Array, rows: Int32Array, n: number, len: number): void {
  const wasm = backend();
  if (wasm !== null && wasm.fits(len, dst, src, rows)) wasm.gatherRows(dst, dstOff, dstStride, src, rows, n, len);
  else js.gatherRows(dst, dstOff, dstStride, src, rows, n, len);
}

/** dst[rows[i] len + j] += src[srcOff + i srcStride + j] for i < n in order (kernels-js.ts scatterAddRows). */
export function scatterAddRows(dst: Float32Array, src: Float32Array, srcOff: number, srcStride: number, rows: Int32Array, n: number, len: number): void {
  const wasm = backend();
  if (wasm !== null && wasm.fits(len, dst, src, rows)) wasm.scatterAddRows(dst, src, srcOff, srcStride, rows, n, len);
  else js.scatterAddRows(dst, src, srcOff, srcStride, rows, n, len);
}

/**
 * Adam's update of n parameters in place from the gradient and the moments m, v (kernels-js.ts
 * adamUpdate), on WebAssembly (f64x2, the same double operations) when all four live in kernel memory.
 */
export function adamUpdate(
  params: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, n: number,
  b1: number, c1: number, b2: number, c2: number, stepSize: number, bc2Sqrt: number, eps: number,
): void {
  const wasm = backend();
  if (wasm !== null && wasm.holds(params, grad, m, v)) {
    wasm.adam(params, grad, m, v, n, b1, c1, b2, c2, stepSize, bc2Sqrt, eps);
  } else {
    js.adamUpdate(params, grad, m, v, n, b1, c1, b2, c2, stepSize, bc2Sqrt, eps);
  }
}

/** Fills rows [0, M) of C[M,N] (from offset co) with the bias vector b[N] (from offset bo). */
export function fillRows(C: Float32Array, co: number, M: number, N: number, b: Float32Array, bo: number): void {
  const row = b.subarray(bo, bo + N);
  for (let i = 0, o = co; i < M; i++, o += N) C.set(row, o);
}

/** out[N] (from offset oo) += the sums of the M rows of A[M,N] (from offset ao): a bias gradient. */
export function addColumnSums(A: Float32Array, ao: number, M: number, N: number, out: Float32Array, oo: number): void {
  const wasm = backend();
  if (wasm !== null && wasm.holds(A, out)) wasm.colSums(A, ao, M, N, out, oo);
  else js.addColumnSums(A, ao, M, N, out, oo);
}

/** In-place ReLU over n elements from offset o. */
export function reluInPlace(X: Float32Array, o: number, n: number): void {
  const end = o + n;
  for (let p = o; p < end; p++) if (X[p] < 0) X[p] = 0; // NaN propagates, as in PyTorch
}

/** dX *= (Y > 0) over n elements: the ReLU backward given the layer's output Y. */
export function reluBackwardInPlace(dX: Float32Array, dxo: number, Y: Float32Array, yo: number, n: number): void {
  const wasm = backend();
  if (wasm !== null && wasm.holds(dX, Y)) wasm.reluBack(dX, dxo, Y, yo, n);
  else js.reluBackwardInPlace(dX, dxo, Y, yo, n);
}

/**
 * A kernel-memory Int32Array of at least n elements (an index array the kernels read in place), as
 * `holder.i32`; the block is owned by `holder.f32`, which must be kept with it. Reused while big enough.
 */
export interface KernelIndex {
  f32: Float32Array<ArrayBuffer>;
  i32: Int32Array;
}
export function ensureIndex(holder: KernelIndex, n: number): Int32Array {
  if (holder.i32.length < n) {
    holder.f32 = ensureF32(holder.f32, n);
    holder.i32 = new Int32Array(holder.f32.buffer, holder.f32.byteOffset, holder.f32.length);
  }
  return holder.i32;
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

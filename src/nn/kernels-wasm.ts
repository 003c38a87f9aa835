/**
 * The matrix products of kernels.ts on WebAssembly SIMD (wasm/gemm.wat): operands are copied into the
 * module's memory widened to float64, multiplied in 4x4 tiles of f64x2 accumulators, and the results
 * rounded back into the caller's Float32Array. Bit-identical to kernels-js.ts (see gemm.wat), and about
 * four times as fast on the network's shapes (docs/PERFORMANCE.md).
 *
 * Scratch memory stays bounded: NN and NT products run in chunks of rows, TN products (sums over the
 * batch) in chunks of k that carry their partial sums in double, so the order of every sum is kept.
 */
import { GEMM_WASM_BASE64 } from './wasm/kernels-binary.js';

interface GemmExports {
  memory: WebAssembly.Memory;
  mm(a: number, sa: number, sk: number, b: number, ldb: number, s: number, lds: number, mp: number, K: number, np: number, init: number): void;
  addTo(s: number, lds: number, c: number, M: number, N: number): void;
  biasTo(s: number, lds: number, c: number, M: number, N: number, bias: number, relu: number): void;
  addTo4(s: number, c: number, n: number): void;
  biasTo4(s: number, c: number, M: number, N: number, bias: number, relu: number): void;
}

/** Bytes of operand rows per chunk: small enough to stay in cache, large enough to amortise calls. */
const CHUNK_BYTES = 1 << 20;
/** Extra zeroed f64 elements after each operand: tiles over padded rows or columns read up to 3 beyond. */
const GUARD = 4;
const PAGE = 65536;

const ceil4 = (n: number): number => (n + 3) & ~3;
/** Rounds a byte count up to a multiple of 16 (v128 alignment). */
const align16 = (n: number): number => (n + 15) & ~15;

export class WasmGemm {
  private readonly x: GemmExports;
  private f64 = new Float64Array(0);
  private f32 = new Float32Array(0);

  constructor(exports: GemmExports) {
    this.x = exports;
    this.views();
  }

  /**
   * C[M,N] += A[M,K] * B[K,N] (transB false) or A[M,K] * B[N,K]^T (transB true); with `bias`,
   * C = bias + product, then ReLU when `relu`.
   */
  rows(
    A: Float32Array, ao: number, B: Float32Array, bo: number, C: Float32Array, co: number,
    M: number, K: number, N: number, transB: boolean, bias: Float32Array | null, biasOff: number, relu: boolean,
  ): void {
    if (M === 0 || N === 0) return;
    const np = ceil4(N);
    // Layout: B (K x N, f64) + guard | bias (f32) | A chunk (mp x K) | S chunk (mp x np) | C chunk (f32).
    const bBytes = align16((K * N + GUARD) * 8);
    const biasBytes = align16(N * 4);
    const rowBytes = K * 8 + np * 8 + N * 4;
    const chunk = Math.max(4, Math.min(ceil4(M), Math.floor(CHUNK_BYTES / rowBytes) & ~3));
    const aPtr = bBytes + biasBytes;
    const sPtr = aPtr + align16(chunk * K * 8);
    const cPtr = sPtr + align16(chunk * np * 8);
    this.reserve(cPtr + align16(chunk * N * 4));
    const f64 = this.f64;
    const f32 = this.f32;
    if (transB) {
      for (let j = 0; j < N; j++) {
        const src = bo + j * K;
        for (let k = 0; k < K; k++) f64[k * N + j] = B[src + k];
      }
    } else {
      f64.set(B.subarray(bo, bo + K * N), 0);
    }
    f64.fill(0, K * N, K * N + GUARD);
    if (bias !== null) f32.set(bias.subarray(biasOff, biasOff + N), bBytes >> 2);
    for (let r0 = 0; r0 < M; r0 += chunk) {
      const m = Math.min(chunk, M - r0);
      const mp = ceil4(m);
      const a0 = aPtr >> 3;
      f64.set(A.subarray(ao + r0 * K, ao + (r0 + m) * K), a0);
      f64.fill(0, a0 + m * K, a0 + mp * K);
      this.x.mm(aPtr, K, 1, 0, N, sPtr, np, mp, K, np, 0);
      const c0 = co + r0 * N;
      if (bias === null) {
        f32.set(C.subarray(c0, c0 + m * N), cPtr >> 2);
        this.addTo(sPtr, np, cPtr, m, N);
      } else if (N === np) {
        this.x.biasTo4(sPtr, cPtr, m, N, bBytes, relu ? 1 : 0);
      } else {
        this.x.biasTo(sPtr, np, cPtr, m, N, bBytes, relu ? 1 : 0);
      }
      C.set(f32.subarray(cPtr >> 2, (cPtr >> 2) + m * N), c0);
    }
  }

  /** C[M,N] += A[K,M]^T * B[K,N]: a sum over the K rows of both operands, run in chunks of rows. */
  tn(A: Float32Array, ao: number, B: Float32Array, bo: number, C: Float32Array, co: number, M: number, K: number, N: number): void {
    if (M === 0 || N === 0) return;
    const mp = ceil4(M);
    const np = ceil4(N);
    // Layout: S (mp x np, f64) | C (f32) | A chunk (k x M) + guard | B chunk (k x N) + guard.
    const sBytes = align16(mp * np * 8);
    const cPtr = sBytes;
    const rowBytes = (M + N) * 8;
    const chunk = Math.max(1, Math.min(K, Math.floor(CHUNK_BYTES / rowBytes)));
    const aPtr = cPtr + align16(M * N * 4);
    const bPtr = aPtr + align16((chunk * M + GUARD) * 8);
    this.reserve(bPtr + align16((chunk * N + GUARD) * 8));
    const f64 = this.f64;
    const f32 = this.f32;
    if (K === 0) f64.fill(0, 0, mp * np);
    for (let k0 = 0; k0 < K; k0 += chunk) {
      const kc = Math.min(chunk, K - k0);
      const a0 = aPtr >> 3;
      const b0 = bPtr >> 3;
      f64.set(A.subarray(ao + k0 * M, ao + (k0 + kc) * M), a0);
      f64.fill(0, a0 + kc * M, a0 + kc * M + GUARD);
      f64.set(B.subarray(bo + k0 * N, bo + (k0 + kc) * N), b0);
      f64.fill(0, b0 + kc * N, b0 + kc * N + GUARD);
      this.x.mm(aPtr, 1, M, bPtr, N, 0, np, mp, kc, np, k0 === 0 ? 0 : 1);
    }
    f32.set(C.subarray(co, co + M * N), cPtr >> 2);
    this.addTo(0, np, cPtr, M, N);
    C.set(f32.subarray(cPtr >> 2, (cPtr >> 2) + M * N), co);
  }

  /** C(i, j) = f32(C(i, j) + S(i, j)), four at a time when the rows allow it. */
  private addTo(sPtr: number, lds: number, cPtr: number, M: number, N: number): void {
    if (N === lds) this.x.addTo4(sPtr, cPtr, M * N);
    else this.x.addTo(sPtr, lds, cPtr, M, N);
  }

  /** Grows the module's memory to at least `bytes`. */
  private reserve(bytes: number): void {
    const have = this.x.memory.buffer.byteLength;
    if (bytes <= have) return;
    this.x.memory.grow(Math.ceil((bytes - have) / PAGE));
    this.views();
  }

  private views(): void {
    this.f64 = new Float64Array(this.x.memory.buffer);
    this.f32 = new Float32Array(this.x.memory.buffer);
  }
}

/** The WebAssembly kernels, or null when this runtime cannot compile them (no SIMD support). */
export function createWasmGemm(): WasmGemm | null {
  const bytes = Buffer.from(GEMM_WASM_BASE64, 'base64');
  if (!WebAssembly.validate(bytes)) return null;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  return new WasmGemm(instance.exports as unknown as GemmExports);
}

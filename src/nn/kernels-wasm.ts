/**
 * The kernels of kernels.ts on WebAssembly SIMD (wasm/kernels.wat, f32x4): the module runs on this
 * thread's kernel memory (memory.ts), where the network keeps its parameters, gradients and
 * activations, so an operand is passed as its address with no copy. An operand from elsewhere (a
 * caller's input array) is copied into a staging block first (float32 to float32, no widening), and an
 * output from elsewhere copied back after. Bit-identical to kernels-js.ts.
 */
import { setFlagsFromString } from 'node:v8';
import { ensureF32, kernelMemory, type KernelMemory } from './memory.js';
import { KERNELS_WASM_BASE64 } from './wasm/kernels-binary.js';

interface KernelExports {
  mm(a: number, sa: number, sk: number, b: number, ldb: number, c: number, ldc: number, M: number, K: number, N: number, mode: number, bias: number, IB: number, s0: number): void;
  nt(a: number, lda: number, b: number, ldb: number, c: number, ldc: number, M: number, K: number, N: number): void;
  gruCell(g: number, gh: number, hp: number, hasPrev: number, ho: number, n: number, H: number): void;
  colSums(a: number, M: number, N: number, o: number): void;
  reluBack(dx: number, y: number, n: number): void;
  gruBack(g: number, gh: number, hp: number, hasPrev: number, dh: number, dhp: number, dg: number, dgh: number, n: number, H: number): void;
  gatherRows(dst: number, dstStride: number, src: number, idx: number, n: number, len: number): void;
  scatterAddRows(dst: number, src: number, srcStride: number, idx: number, n: number, len: number): void;
  adam(p: number, g: number, m: number, v: number, n: number, b1: number, c1: number, b2: number, c2: number, stepSize: number, bc2Sqrt: number, eps: number): void;
}

/** The store mode of mm: accumulate, bias, bias then ReLU. */
const ADD = 0;
const BIAS = 1;
const BIAS_RELU = 2;
const PARTIAL = 3;
/** Bytes of A and B rows per chunk of a TN product's sum (stays in the 1 MB L2 with room to spare). */
const TN_CHUNK_BYTES = 256 << 10;

export class WasmKernels {
  private readonly stage: Float32Array<ArrayBuffer>[] = [0, 1, 2, 3, 4].map(() => new Float32Array(0));

  constructor(
    private readonly x: KernelExports,
    readonly mem: KernelMemory,
  ) {}

  /** The byte address of a[off .. off + n) in kernel memory, staging a copy in `slot` when needed. */
  private addr(a: Float32Array, off: number, n: number, slot: number): number {
    if (this.mem.contains(a)) return a.byteOffset + 4 * off;
    const s = (this.stage[slot] = ensureF32(this.stage[slot], n));
    s.set(a.subarray(off, off + n));
    return s.byteOffset;
  }

  /** Copies a staged output back to its owner (no-op for a kernel array). */
  private back(C: Float32Array, co: number, n: number, slot: number): void {
    if (!this.mem.contains(C)) C.set(this.stage[slot].subarray(0, n), co);
  }

  /** C[M,N] (+)= A[M,K] B[K,N]; with `bias`, C = bias + product, then ReLU when `relu`. */
  nn(
    A: Float32Array, ao: number, B: Float32Array, bo: number, C: Float32Array, co: number,
    M: number, K: number, N: number, bias: Float32Array | null, biasOff: number, relu: boolean,
  ): void {
    if (M === 0 || N === 0) return;
    const a = this.addr(A, ao, M * K, 0);
    const b = this.addr(B, bo, K * N, 1);
    const c = this.addr(C, co, M * N, 2);
    const q = bias === null ? 0 : this.addr(bias, biasOff, N, 3);
    // Blocks of rows whose A rows fill about 16 KB (L1) while the column panels of B pass over them.
    const IB = Math.max(4, Math.min(256, (4096 / Math.max(K, 1)) & ~3));
    this.x.mm(a, K, 1, b, N, c, N, M, K, N, bias === null ? ADD : relu ? BIAS_RELU : BIAS, q, IB, 0);
    this.back(C, co, M * N, 2);
  }

  /**
   * C[M,N] += A[K,M]^T B[K,N]. A long sum over k runs in chunks whose A and B rows stay in cache, the
   * partial sums kept in a scratch block between chunks: the same float32 values as one pass.
   */
  tn(A: Float32Array, ao: number, B: Float32Array, bo: number, C: Float32Array, co: number, M: number, K: number, N: number): void {
    if (M === 0 || N === 0) return;
    const a = this.addr(A, ao, K * M, 0);
    const b = this.addr(B, bo, K * N, 1);
    const c = this.addr(C, co, M * N, 2);
    const IB = M + 4;
    const chunk = Math.max(16, Math.floor(TN_CHUNK_BYTES / (4 * (M + N))));
    if (K <= chunk) {
      this.x.mm(a, 1, M, b, N, c, N, M, K, N, ADD, 0, IB, 0);
    } else {
      const S = (this.stage[4] = ensureF32(this.stage[4], M * N)).byteOffset;
      for (let k0 = 0; k0 < K; k0 += chunk) {
        const kc = Math.min(chunk, K - k0);
        const last = k0 + kc >= K;
        this.x.mm(a + 4 * k0 * M, 1, M, b + 4 * k0 * N, N, last ? c : S, N, M, kc, N, last ? ADD : PARTIAL, 0, IB, k0 === 0 ? 0 : S);
      }
    }
    this.back(C, co, M * N, 2);
  }

  /** C[M,N] += A[M,K] * B[N,K]^T. */
  nt(A: Float32Array, ao: number, B: Float32Array, bo: number, C: Float32Array, co: number, M: number, K: number, N: number): void {
    if (M === 0 || N === 0) return;
    const a = this.addr(A, ao, M * K, 0);
    const b = this.addr(B, bo, N * K, 1);
    const c = this.addr(C, co, M * N, 2);
    this.x.nt(a, K, b, K, c, N, M, K, N);
    this.back(C, co, M * N, 2);
  }

  /** kernels-js.ts addColumnSums on kernel arrays. */
  colSums(A: Float32Array, ao: number, M: number, N: number, out: Float32Array, oo: number): void {
    this.x.colSums(A.byteOffset + 4 * ao, M, N, out.byteOffset + 4 * oo);
  }

  /** kernels-js.ts reluBackwardInPlace on kernel arrays. */
  reluBack(dX: Float32Array, dxo: number, Y: Float32Array, yo: number, n: number): void {
    this.x.reluBack(dX.byteOffset + 4 * dxo, Y.byteOffset + 4 * yo, n);
  }

  /** Whether every array given (null counts as absent) lives in kernel memory, where the kernels read it. */
  holds(...arrays: (Float32Array | Int32Array | null)[]): boolean {
    return arrays.every((a) => a === null || this.mem.contains(a));
  }

  /**
   * Whether the row kernels (the GRU cell and its backward, gatherRows, scatterAddRows) take rows of
   * `width` floats (a multiple of 4) in these arrays (kernel memory).
   */
  fits(width: number, ...arrays: (Float32Array | Int32Array | null)[]): boolean {
    return (width & 3) === 0 && this.holds(...arrays);
  }

  /** kernels-js.ts gruCell on kernel arrays (fits). */
  gruCell(G: Float32Array, go: number, GH: Float32Array, gho: number, Hp: Float32Array | null, hpo: number, Hout: Float32Array, ho: number, n: number, H: number): void {
    const hp = Hp === null ? 0 : Hp.byteOffset + 4 * hpo;
    this.x.gruCell(G.byteOffset + 4 * go, GH.byteOffset + 4 * gho, hp, Hp === null ? 0 : 1, Hout.byteOffset + 4 * ho, n, H);
  }

  /** kernels-js.ts gruCellBackward on kernel arrays (fits). */
  gruCellBackward(
    G: Float32Array, go: number, GH: Float32Array, Hp: Float32Array | null, hpo: number, dH: Float32Array, dho: number,
    dHp: Float32Array, dG: Float32Array, dGH: Float32Array, n: number, H: number,
  ): void {
    const o = 4 * go;
    const hp = Hp === null ? 0 : Hp.byteOffset + 4 * hpo;
    const dhp = Hp === null ? 0 : dHp.byteOffset + 4 * hpo;
    this.x.gruBack(G.byteOffset + o, GH.byteOffset + o, hp, Hp === null ? 0 : 1, dH.byteOffset + 4 * dho, dhp, dG.byteOffset + o, dGH.byteOffset + o, n, H);
  }

  /** kernels-js.ts gatherRows on kernel arrays (fits). */
  gatherRows(dst: Float32Array, dstOff: number, dstStride: number, src: Float32Array, rows: Int32Array, n: number, len: number): void {
    this.x.gatherRows(dst.byteOffset + 4 * dstOff, 4 * dstStride, src.byteOffset, rows.byteOffset, n, 4 * len);
  }

  /** kernels-js.ts scatterAddRows on kernel arrays (fits). */
  scatterAddRows(dst: Float32Array, src: Float32Array, srcOff: number, srcStride: number, rows: Int32Array, n: number, len: number): void {
    this.x.scatterAddRows(dst.byteOffset, src.byteOffset + 4 * srcOff, 4 * srcStride, rows.byteOffset, n, 4 * len);
  }

  /** kernels-js.ts adamUpdate on kernel arrays. */
  adam(
    params: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, n: number,
    b1: number, c1: number, b2: number, c2: number, stepSize: number, bc2Sqrt: number, eps: number,
  ): void {
    this.x.adam(params.byteOffset, grad.byteOffset, m.byteOffset, v.byteOffset, n, b1, c1, b2, c2, stepSize, bc2Sqrt, eps);
  }
}

/** Why createWasmKernels could not give the WebAssembly kernels here: no (relaxed) SIMD, or an unfused multiply-add. */
export type WasmUnavailable = 'no-simd' | 'unfused';

/**
 * Whether the kernels' f32x4.relaxed_madd fuses (one rounding), as the reference's fmaF32 does: the
 * relaxed instruction may also multiply and add separately, which a runtime does where the processor
 * has no fused multiply-add. With a = b = 1 + 2^-12 and a first term of -(1 + 2^-11), the sum is
 * 2^-24 fused and 0 unfused (a b = 1 + 2^-11 + 2^-24 rounds to 1 + 2^-11 on its own). The 5 x 9
 * product covers a 4 x 8 tile and the edge row and column.
 */
function fusesMultiplyAdd(k: WasmKernels): boolean {
  const M = 5;
  const N = 9;
  const A = new Float32Array(M * 2);
  const B = new Float32Array(2 * N);
  for (let i = 0; i < M; i++) (A[2 * i] = 1 + 2 ** -11, A[2 * i + 1] = 1 + 2 ** -12);
  for (let j = 0; j < N; j++) (B[j] = -1, B[N + j] = 1 + 2 ** -12);
  const C = new Float32Array(M * N);
  k.nn(A, 0, B, 0, C, 0, M, 2, N, null, 0, false);
  return C.every((v) => v === 2 ** -24);
}

/**
 * The WebAssembly kernels on this thread's kernel memory, or why this runtime cannot run them. Node 20
 * validates relaxed SIMD only behind V8's --experimental-wasm-relaxed-simd, which is set here before
 * the module compiles (a process-wide V8 flag; later Node versions have the instructions by default).
 */
export function createWasmKernels(): WasmKernels | WasmUnavailable {
  const bytes = Buffer.from(KERNELS_WASM_BASE64, 'base64');
  if (!WebAssembly.validate(bytes)) setFlagsFromString('--experimental-wasm-relaxed-simd');
  if (!WebAssembly.validate(bytes)) return 'no-simd';
  const mem = kernelMemory();
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: mem.memory } });
  const kernels = new WasmKernels(instance.exports as unknown as KernelExports, mem);
  return fusesMultiplyAdd(kernels) ? kernels : 'unfused';
}

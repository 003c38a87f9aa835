/**
 * The WebAssembly matrix products: bit-identical to the TypeScript reference on any shape, across chunk
 * boundaries and memory growth, and built from the committed gemm.wat.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as js from '../../src/nn/kernels-js.js';
import { createWasmGemm } from '../../src/nn/kernels-wasm.js';
import { kernelBackend, selectKernels } from '../../src/nn/kernels.js';
import { GEMM_WASM_BASE64 } from '../../src/nn/wasm/kernels-binary.js';
import { Rng } from '../../src/util/random.js';
// @ts-expect-error: a plain ES module of the build scripts, without type declarations
import { assembleWat } from '../../scripts/assemble-wat.mjs';

const wasm = createWasmGemm();
if (wasm === null) throw new Error('this Node has no WebAssembly SIMD');

/** Values of mixed sign and magnitude, so that the order of additions shows in the rounding. */
function values(n: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.uniform() * 2 - 1) * 10 ** Math.floor(rng.uniform() * 6 - 3);
  return a;
}

/** The four products on both backends, asserting bitwise equality of every output element. */
function expectSameBits(M: number, K: number, N: number, seed: number): void {
  const rng = new Rng(seed);
  const pad = 3; // operands sit at offsets inside larger buffers, as blocks of the network's buffers do
  const A = values(pad + M * K + pad, rng);
  const B = values(pad + K * N + pad, rng);
  const bias = values(pad + N, rng);
  const C0 = values(pad + M * N + pad, rng);
  const cases: [string, (C: Float32Array, b: 'js' | 'wasm') => void][] = [
    ['NN', (C, b) => (b === 'js' ? js.gemmNN(A, pad, B, pad, C, pad, M, K, N) : wasm!.rows(A, pad, B, pad, C, pad, M, K, N, false, null, 0, false))],
    ['NT', (C, b) => (b === 'js' ? js.gemmNT(A, pad, B, pad, C, pad, M, K, N) : wasm!.rows(A, pad, B, pad, C, pad, M, K, N, true, null, 0, false))],
    ['TN', (C, b) => (b === 'js' ? js.gemmTN(A, pad, B, pad, C, pad, M, K, N) : wasm!.tn(A, pad, B, pad, C, pad, M, K, N))],
    ...[false, true].map((relu): [string, (C: Float32Array, b: 'js' | 'wasm') => void] => [
      `NN+bias relu=${relu}`,
      (C, b) => (b === 'js' ? js.gemmNNBias(A, pad, B, pad, C, pad, M, K, N, bias, pad, relu) : wasm!.rows(A, pad, B, pad, C, pad, M, K, N, false, bias, pad, relu)),
    ]),
  ];
  for (const [name, run] of cases) {
    const ref = C0.slice();
    const got = C0.slice();
    run(ref, 'js');
    run(got, 'wasm');
    expect(new Uint32Array(got.buffer), `${name} ${M}x${K}x${N}`).toEqual(new Uint32Array(ref.buffer));
  }
}

describe('WebAssembly kernels', () => {
  it('are the backend this runtime uses by default, and EXECLAB_KERNELS can force either', () => {
    expect(kernelBackend()).toBe('wasm-simd');
    expect(selectKernels(undefined)).not.toBeNull();
    expect(selectKernels('wasm')).not.toBeNull();
    expect(selectKernels('js')).toBeNull();
    expect(() => selectKernels('gpu')).toThrow(/EXECLAB_KERNELS must be "js" or "wasm", got "gpu"/);
  });

  it('give the same bits as the TypeScript kernels on random shapes, edges included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 13 }), fc.nat(), (M, K, N, seed) => {
        expectSameBits(M, K, N, seed);
      }),
      { numRuns: 150 },
    );
  });

  it('give the same bits on the network shapes and across chunk boundaries and memory growth', () => {
    // 1000 rows of 64 x 192 span three row chunks; 1300 x 64 x 192 as TN spans three chunks of k.
    for (const [M, K, N] of [
      [1000, 64, 192],
      [64, 1300, 192],
      [1024, 18, 64],
      [1024, 128, 64],
      [1024, 32, 5],
      [1024, 32, 1],
      [3, 4000, 2],
      [7, 5, 3],
    ]) {
      expectSameBits(M, K, N, M + K + N);
    }
  });

  it('are built from the committed gemm.wat (run `npm run build:wasm` after editing it)', async () => {
    const source = readFileSync(new URL('../../src/nn/wasm/kernels.wat', import.meta.url), 'utf8');
    const built: Uint8Array = await assembleWat(source, 'gemm.wat');
    expect(Buffer.from(built).toString('base64')).toBe(GEMM_WASM_BASE64);
  });
});

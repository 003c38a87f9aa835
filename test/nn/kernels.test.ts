/**
 * The WebAssembly kernels (f32x4): bit-identical to the TypeScript reference on any shape, for
 * operands in kernel memory (read in place) and elsewhere (staged), the GRU cell and its backward
 * included, and built from the committed kernels.wat.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as js from '../../src/nn/kernels-js.js';
import { createWasmKernels } from '../../src/nn/kernels-wasm.js';
import { kernelBackend, selectKernels } from '../../src/nn/kernels.js';
import { kernelMemory } from '../../src/nn/memory.js';
import { KERNELS_WASM_BASE64 } from '../../src/nn/wasm/kernels-binary.js';
import { Rng } from '../../src/util/random.js';
// @ts-expect-error: a plain ES module of the build scripts, without type declarations
import { assembleWat } from '../../scripts/assemble-wat.mjs';

const created = createWasmKernels();
if (typeof created === 'string') throw new Error(`the WebAssembly kernels cannot run here: ${created}`);
const wasm = created;

/** Values of mixed sign and magnitude, so that the order of additions shows in the rounding. */
function values(n: number, rng: Rng, inKernelMemory: boolean): Float32Array {
  const a = inKernelMemory ? kernelMemory().alloc(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.uniform() * 2 - 1) * 10 ** Math.floor(rng.uniform() * 6 - 3);
  return a;
}

function bitsOf(a: Float32Array): Uint32Array {
  return new Uint32Array(Float32Array.from(a).buffer);
}

type Run = (C: Float32Array, backend: 'js' | 'wasm') => void;

/** The four products on both backends, asserting bitwise equality of every output element. */
function expectSameBits(M: number, K: number, N: number, seed: number, inKernelMemory: boolean): void {
  const rng = new Rng(seed);
  const pad = 3; // operands sit at offsets inside larger buffers, as blocks of the network's buffers do
  const A = values(pad + M * K + pad, rng, inKernelMemory);
  const B = values(pad + K * N + pad, rng, inKernelMemory);
  const bias = values(pad + N, rng, inKernelMemory);
  const C0 = values(pad + M * N + pad, rng, false);
  const cases: [string, Run][] = [
    ['NN', (C, b) => (b === 'js' ? js.gemmNN(A, pad, B, pad, C, pad, M, K, N) : wasm!.nn(A, pad, B, pad, C, pad, M, K, N, null, 0, false))],
    ['NT', (C, b) => (b === 'js' ? js.gemmNT(A, pad, B, pad, C, pad, M, K, N) : wasm!.nt(A, pad, B, pad, C, pad, M, K, N))],
    ['TN', (C, b) => (b === 'js' ? js.gemmTN(A, pad, B, pad, C, pad, M, K, N) : wasm!.tn(A, pad, B, pad, C, pad, M, K, N))],
    ...[false, true].map((relu): [string, Run] => [
      `NN+bias relu=${relu}`,
      (C, b) => (b === 'js' ? js.gemmNNBias(A, pad, B, pad, C, pad, M, K, N, bias, pad, relu) : wasm!.nn(A, pad, B, pad, C, pad, M, K, N, bias, pad, relu)),
    ]),
  ];
  for (const [name, run] of cases) {
    const ref = C0.slice();
    const got = inKernelMemory ? kernelMemory().alloc(C0.length) : C0.slice();
    got.set(C0);
    run(ref, 'js');
    run(got, 'wasm');
    expect(bitsOf(got), `${name} ${M}x${K}x${N}`).toEqual(bitsOf(ref));
  }
}

/**
 * Inputs where exp, sigmoid and tanh change branch or saturate: the clamp at +-87, tanh's switch at
 * |x| = 0.625, overflow, signed zeros, a subnormal, infinities and NaN.
 */
const SPECIAL_GATES = [0, -0, 1e-40, -1e-40, 0.625, -0.625, 0.62499994, -0.62499994, 43.5, -43.5, 86.99999, 87, -87, 87.00001, -87.00001, 88, -88, 100, -100, 1e30, -1e30, Infinity, -Infinity, NaN];

/** Bits with every NaN written as one pattern (the backends may differ in a NaN's payload). */
function bitsNaNAsOne(a: Float32Array): Uint32Array {
  return bitsOf(a.map((v) => (Number.isNaN(v) ? NaN : v)));
}

/**
 * The GRU cell forward and backward on both backends for n rows of H units; with `special`, half of
 * the gate pre-activations come from SPECIAL_GATES.
 */
function expectSameCellBits(n: number, H: number, seed: number, special = false): void {
  const rng = new Rng(seed);
  const mem = kernelMemory();
  const gates = (scale: number): Float32Array => {
    const a = mem.alloc(n * 3 * H);
    for (let i = 0; i < a.length; i++) {
      a[i] = special && rng.uniform() < 0.5 ? SPECIAL_GATES[Math.floor(rng.uniform() * SPECIAL_GATES.length)] : (rng.uniform() * 2 - 1) * scale;
    }
    return a;
  };
  const G = gates(4);
  const GH = gates(4);
  const Hp = gates(1).subarray(0, n * H);
  const dH = gates(1).subarray(0, n * H);
  for (const prev of [Hp, null]) {
    const run = (backend: 'js' | 'wasm') => {
      const g = mem.alloc(G.length);
      g.set(G);
      const h = mem.alloc(n * H);
      const k = backend === 'js' ? js : wasm!;
      k.gruCell(g, 0, GH, 0, prev, 0, h, 0, n, H);
      const dG = mem.alloc(G.length);
      const dGH = mem.alloc(G.length);
      const dHp = mem.alloc(n * H);
      dHp.set(dH);
      k.gruCellBackward(g, 0, GH, prev, 0, dH, 0, dHp, dG, dGH, n, H);
      return [g, h, dG, dGH, dHp].map(bitsNaNAsOne);
    };
    expect(run('wasm'), `cell n=${n} H=${H} prev=${prev !== null}`).toEqual(run('js'));
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

  it("give the reference's bits from both of V8's compilers (the baseline one and the optimising one)", () => {
    // A tier that multiplied and added separately would change results when a kernel is optimised
    // during a run; each tier alone, in a process of its own, on the built module.
    const dist = new URL('../../dist/nn/', import.meta.url).href;
    const script = `
      const { createWasmKernels } = await import('${dist}kernels-wasm.js');
      const js = await import('${dist}kernels-js.js');
      const k = createWasmKernels();
      if (typeof k === 'string') { console.log(k); process.exit(0); }
      let x = 7;
      const rnd = (n) => Float32Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648 * 2 - 1) * 10 ** ((x % 6) - 3));
      let same = true;
      for (const [M, K, N] of [[37, 29, 23], [128, 64, 192], [5, 130, 9]]) {
        const A = rnd(M * K), B = rnd(K * N), Bt = rnd(N * K), G = rnd(M * N);
        const pairs = [
          [(C) => k.nn(A, 0, B, 0, C, 0, M, K, N, null, 0, false), (C) => js.gemmNN(A, 0, B, 0, C, 0, M, K, N), M * N],
          [(C) => k.nt(A, 0, Bt, 0, C, 0, M, K, N), (C) => js.gemmNT(A, 0, Bt, 0, C, 0, M, K, N), M * N],
          [(C) => k.tn(A, 0, G, 0, C, 0, K, M, N), (C) => js.gemmTN(A, 0, G, 0, C, 0, K, M, N), K * N],
        ];
        for (const [w, r, n] of pairs) {
          const a = new Float32Array(n), b = new Float32Array(n);
          w(a); r(b);
          same &&= new Uint32Array(a.buffer).every((v, i) => v === new Uint32Array(b.buffer)[i]);
        }
      }
      console.log(same ? 'same' : 'different');`;
    for (const tier of ['--liftoff-only', '--no-liftoff']) {
      const r = spawnSync(process.execPath, [tier, '--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(r.stderr, tier).toBe('');
      expect(r.stdout.trim(), tier).toBe('same');
    }
  });

  it('fuse their multiply-adds here, and give way to the TypeScript kernels on a machine that does not', () => {
    // the probe's case: 2^-24 fused, 0 unfused
    const A = Float32Array.of(1 + 2 ** -11, 1 + 2 ** -12);
    const B = Float32Array.of(-1, 1 + 2 ** -12);
    const C = new Float32Array(1);
    wasm.nn(A, 0, B, 0, C, 0, 1, 2, 1, null, 0, false);
    expect(C[0]).toBe(2 ** -24);
    C[0] = 0;
    js.gemmNN(A, 0, B, 0, C, 0, 1, 2, 1);
    expect(C[0]).toBe(2 ** -24);
    for (const why of ['unfused', 'no-simd'] as const) {
      expect(selectKernels(undefined, () => why)).toBeNull();
      expect(() => selectKernels('wasm', () => why)).toThrow(why === 'unfused' ? /multiply-add is not fused/ : /cannot compile WebAssembly SIMD/);
    }
  });

  it('give the same bits as the TypeScript kernels on random shapes, edges included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 19 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 19 }), fc.nat(), fc.boolean(), (M, K, N, seed, inMem) => {
        expectSameBits(M, K, N, seed, inMem);
      }),
      { numRuns: 200 },
    );
  });

  it('give the same bits on the network shapes, long sums over k in chunks included', () => {
    for (const [M, K, N] of [
      [130, 64, 192],
      [64, 300, 192],
      [301, 18, 64],
      [299, 128, 64],
      [300, 32, 5],
      [300, 32, 1],
      [3, 4000, 2],
      [6, 9000, 9],
      [13, 6000, 6],
      [7, 5, 3],
    ]) {
      expectSameBits(M, K, N, M + K + N, true);
    }
  });

  it('sum columns and run the ReLU backward with the same bits as the TypeScript helpers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.nat(), (M, N, seed) => {
        const rng = new Rng(seed);
        const A = values(M * N + 2, rng, true);
        const out = values(N + 1, rng, true);
        const ref = out.slice();
        js.addColumnSums(A, 2, M, N, ref, 1);
        wasm!.colSums(A, 2, M, N, out, 1);
        expect(bitsOf(out)).toEqual(bitsOf(ref));
        const dX = values(M * N + 1, rng, true);
        const dRef = dX.slice();
        js.reluBackwardInPlace(dRef, 1, A, 2, M * N);
        wasm!.reluBack(dX, 1, A, 2, M * N);
        expect(bitsOf(dX)).toEqual(bitsOf(dRef));
      }),
      { numRuns: 100 },
    );
  });

  it('run the GRU cell and its backward with the same bits as the TypeScript cell', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 5 }), fc.nat(), (n, h4, seed) => expectSameCellBits(n, 4 * h4, seed)),
      { numRuns: 60 },
    );
    expectSameCellBits(130, 64, 7);
  });

  it('run the GRU cell with the same bits at the activations\' clamps, switches, infinities and NaN', () => {
    // H = 12 and 20 leave a single vector after the pairs of the main loop; 64 is the paper's size
    for (const [H, seed] of [[12, 1], [20, 2], [64, 3], [64, 4]]) expectSameCellBits(33, H, seed, true);
  });

  it('gather rows and add rows back by index with the same bits as the TypeScript loops, repeated rows included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 12 }), fc.nat(), (n, h4, srcRows, seed) => {
        const rng = new Rng(seed);
        const mem = kernelMemory();
        const len = 4 * h4;
        const stride = 2 * len + 3; // rows of a wider matrix at an offset, as [h_pub, h_priv]
        const src = values(srcRows * len, rng, true);
        const wide = values(n * stride + len, rng, true);
        const block = mem.alloc(n); // the index array's block in kernel memory, viewed as int32
        const rows = new Int32Array(block.buffer, block.byteOffset, n);
        for (let i = 0; i < n; i++) rows[i] = Math.floor(rng.uniform() * srcRows); // rows may repeat
        const run = (backend: 'js' | 'wasm') => {
          const g = mem.alloc(wide.length);
          g.set(wide);
          const d = mem.alloc(src.length);
          d.set(src);
          const k = backend === 'js' ? js : wasm!;
          k.gatherRows(g, len, stride, src, rows, n, len);
          k.scatterAddRows(d, wide, 1, stride, rows, n, len);
          return [g, d].map(bitsOf);
        };
        expect(run('wasm')).toEqual(run('js'));
        const [g] = run('js');
        // gathered rows are the source rows; the rest of the wide matrix is untouched
        for (let i = 0; i < n; i++) expect(g.subarray(i * stride + len, i * stride + 2 * len)).toEqual(bitsOf(src.subarray(rows[i] * len, (rows[i] + 1) * len)));
        expect(g.subarray(0, len)).toEqual(bitsOf(wide.subarray(0, len)));
      }),
      { numRuns: 100 },
    );
  });

  it("run Adam's update with the same bits as the TypeScript loop, odd lengths included", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 41 }), fc.nat(), fc.integer({ min: 1, max: 3000 }), (n, seed, step) => {
        const rng = new Rng(seed);
        const mem = kernelMemory();
        const state = [values(n, rng, true), values(n, rng, true), values(n, rng, true).map(Math.abs)];
        const grad = values(n, rng, true);
        if (n > 2) grad[1] = 0; // a zero gradient on a zero second moment: the eps path
        if (n > 2) state[2][1] = 0;
        const [b1, b2, lr, eps] = [0.9, 0.999, 1e-3 * (1 + rng.uniform()), 1e-8];
        const stepSize = lr / (1 - Math.pow(b1, step));
        const bc2Sqrt = Math.sqrt(1 - Math.pow(b2, step));
        const run = (backend: 'js' | 'wasm') => {
          const [p, m, v] = state.map((a) => {
            const c = mem.alloc(n);
            c.set(a);
            return c;
          });
          if (backend === 'js') js.adamUpdate(p, grad, m, v, n, b1, 1 - b1, b2, 1 - b2, stepSize, bc2Sqrt, eps);
          else wasm!.adam(p, grad, m, v, n, b1, 1 - b1, b2, 1 - b2, stepSize, bc2Sqrt, eps);
          return [p, m, v].map(bitsOf);
        };
        expect(run('wasm')).toEqual(run('js'));
      }),
      { numRuns: 100 },
    );
  });

  it('are built from the committed kernels.wat (run `npm run build:wasm` after editing it)', async () => {
    const source = readFileSync(new URL('../../src/nn/wasm/kernels.wat', import.meta.url), 'utf8');
    const built: Uint8Array = await assembleWat(source, 'kernels.wat');
    expect(Buffer.from(built).toString('base64')).toBe(KERNELS_WASM_BASE64);
  });
});

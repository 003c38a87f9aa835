/** The kernel memory: views stay valid as it grows, freed space is merged and reused, views start zeroed. */
import { describe, expect, it } from 'vitest';
import { KernelMemory, ensureF32, kernelMemory } from '../../src/nn/memory.js';

describe('kernel memory', () => {
  it('keeps earlier views valid when it grows, and knows its own arrays', () => {
    const mem = new KernelMemory();
    const a = mem.alloc(10);
    a.set([1, 2, 3]);
    const big = mem.alloc(3_000_000); // 12 MB: past the initial 1 MB, the memory grows
    big[big.length - 1] = 7;
    expect(Array.from(a.subarray(0, 3))).toEqual([1, 2, 3]);
    expect(a.length).toBe(10);
    expect(mem.contains(a) && mem.contains(big)).toBe(true);
    expect(mem.contains(new Float32Array(4))).toBe(false);
    expect(a.byteOffset % 64).toBe(0);
    expect(big.byteOffset % 64).toBe(0);
  });

  it('merges freed neighbours, reuses them first-fit, and lowers the high-water mark at the end', () => {
    const mem = new KernelMemory();
    const x = mem.alloc(16); // 64 bytes
    const y = mem.alloc(16);
    const z = mem.alloc(16);
    const keep = mem.alloc(16);
    const top = mem.used;
    mem.release(x);
    mem.release(y);
    expect(mem.freeBytes).toBe(128); // x and y merged into one block
    y.fill(5); // (a released view must not be used; here only to check that the next view is zeroed)
    const w = mem.alloc(32); // fits the merged block exactly
    expect(w.byteOffset).toBe(x.byteOffset);
    expect(Array.from(w).every((v) => v === 0)).toBe(true);
    expect(mem.freeBytes).toBe(0);
    mem.release(keep);
    expect(mem.used).toBe(top - 64); // the last block went back to the end
    mem.release(z);
    expect(mem.used).toBe(top - 128);
    expect(mem.freeBytes).toBe(0);
  });

  it('grows a buffer with ensureF32 without leaving dead space behind', () => {
    const mem = kernelMemory();
    let a = ensureF32(new Float32Array(0), 1000);
    let b = ensureF32(new Float32Array(0), 1000);
    const before = mem.used;
    for (let n = 1000; n < 20_000; n = Math.ceil(n * 1.3)) {
      a = ensureF32(a, n);
      b = ensureF32(b, n);
    }
    // Two buffers of at most ~1.5 x 20,000 floats each, plus the holes the last growth step left.
    expect(mem.used - before).toBeLessThan(4 * 4 * 30_000);
    expect(a.length).toBeGreaterThanOrEqual(19_000);
  });
});

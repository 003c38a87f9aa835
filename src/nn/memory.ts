/**
 * The memory the kernels read: one shared WebAssembly.Memory per thread, handed out as Float32Array
 * views. The network's parameters, gradients, optimiser moments and activations are allocated here, so
 * the WebAssembly kernels work on them in place (no copy or widening per call) and TypeScript code
 * reads and writes them as ordinary typed arrays.
 *
 * The memory is shared (its buffer is a SharedArrayBuffer) for one reason: growing a shared memory
 * leaves every view made before valid, where growing an ordinary one would detach them all.
 *
 * Blocks are 64-byte aligned and handed out first-fit from an address-ordered free list whose
 * neighbouring blocks merge (and a free block at the end lowers the high-water mark), so the buffers
 * that grow as batches grow reuse the space their smaller predecessors left. A block is freed when
 * `release` is called or when its view is garbage-collected; a subarray must therefore not outlive the
 * view it was cut from.
 */
import { ExecLabError } from '../errors.js';

const PAGE = 65536;
/** 1 GiB: address space reserved, not memory used; pages are committed as the blocks are touched. */
const MAX_PAGES = 16384;
const ALIGN = 64;

interface Block {
  readonly offset: number;
  readonly size: number;
}

export class KernelMemory {
  readonly memory: WebAssembly.Memory;
  private buffer: SharedArrayBuffer;
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** Free blocks in increasing address order, never adjacent (neighbours are merged). */
  private readonly freeOffsets: number[] = [];
  private readonly freeSizes: number[] = [];
  private readonly blocks = new WeakMap<Float32Array, Block>();
  private readonly registry = new FinalizationRegistry<Block>((b) => this.free(b));
  private top = ALIGN; // bytes 0..63 stay unused, so no view starts at address 0
  /** Bytes below this were handed out at some time; above it the memory is still as grown: zero, untouched. */
  private dirty = ALIGN;

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
    this.buffer = this.memory.buffer as unknown as SharedArrayBuffer;
    this.buffers.add(this.buffer);
  }

  /** A zeroed Float32Array of n elements inside the kernel memory. */
  alloc(n: number): Float32Array<ArrayBuffer> {
    const size = Math.max(ALIGN, Math.ceil((n * 4) / ALIGN) * ALIGN);
    let offset = -1;
    for (let k = 0; k < this.freeSizes.length; k++) {
      if (this.freeSizes[k] < size) continue;
      offset = this.freeOffsets[k];
      if (this.freeSizes[k] === size) {
        this.freeOffsets.splice(k, 1);
        this.freeSizes.splice(k, 1);
      } else {
        this.freeOffsets[k] += size;
        this.freeSizes[k] -= size;
      }
      break;
    }
    if (offset < 0) {
      offset = this.top;
      this.reserve(this.top + size);
      this.top += size;
    }
    // The views' type says ArrayBuffer: a SharedArrayBuffer behaves the same for every use made here.
    const view = new Float32Array(this.buffer, offset, n) as unknown as Float32Array<ArrayBuffer>;
    // Only what was used before needs zeroing: grown pages are zero, and stay uncommitted until written.
    if (offset < this.dirty) view.fill(0, 0, Math.min(n, (this.dirty - offset) >> 2));
    this.dirty = Math.max(this.dirty, offset + size);
    const block = { offset, size };
    this.blocks.set(view, block);
    this.registry.register(view, block, view);
    return view;
  }

  /** Returns a view's block to its free list now (the view and its subarrays must not be used after). */
  release(view: Float32Array): void {
    const block = this.blocks.get(view);
    if (block === undefined) return;
    this.blocks.delete(view);
    this.registry.unregister(view);
    this.free(block);
  }

  /** Inserts a block into the free list, merging it with free neighbours and with the end. */
  private free(block: Block): void {
    const offs = this.freeOffsets;
    const sizes = this.freeSizes;
    let lo = 0;
    let hi = offs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (offs[mid] < block.offset) lo = mid + 1;
      else hi = mid;
    }
    let start = block.offset;
    let size = block.size;
    if (lo > 0 && offs[lo - 1] + sizes[lo - 1] === start) {
      lo--;
      start = offs[lo];
      size += sizes[lo];
      offs.splice(lo, 1);
      sizes.splice(lo, 1);
    }
    if (lo < offs.length && start + size === offs[lo]) {
      size += sizes[lo];
      offs.splice(lo, 1);
      sizes.splice(lo, 1);
    }
    if (start + size === this.top) this.top = start;
    else {
      offs.splice(lo, 0, start);
      sizes.splice(lo, 0, size);
    }
  }

  /** Bytes free inside the high-water mark (reusable without growing). */
  get freeBytes(): number {
    return this.freeSizes.reduce((a, b) => a + b, 0);
  }

  /** Whether `a` is a view of this memory (then its byteOffset is its address for the kernels). */
  contains(a: Float32Array | Int32Array): boolean {
    return this.buffers.has(a.buffer);
  }

  /** Bytes handed out so far (the high-water mark of the allocator). */
  get used(): number {
    return this.top;
  }

  private reserve(bytes: number): void {
    const have = this.buffer.byteLength;
    if (bytes <= have) return;
    const pages = Math.ceil((bytes - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) {
      throw new ExecLabError(`network kernel memory: ${bytes} bytes requested, the limit is ${MAX_PAGES * PAGE} bytes per thread`);
    }
    this.memory.grow(pages);
    this.buffer = this.memory.buffer as unknown as SharedArrayBuffer;
    this.buffers.add(this.buffer);
  }
}

let threadMemory: KernelMemory | undefined;

/** This thread's kernel memory (created at first use). */
export function kernelMemory(): KernelMemory {
  threadMemory ??= new KernelMemory();
  return threadMemory;
}

/** `buf` if it has at least n elements, else a new zeroed kernel array (grown by 1.5x; `buf` released). */
export function ensureF32(buf: Float32Array<ArrayBuffer>, n: number): Float32Array<ArrayBuffer> {
  if (buf.length >= n) return buf;
  const mem = kernelMemory();
  mem.release(buf);
  return mem.alloc(Math.max(n, Math.ceil(buf.length * 1.5)));
}

/**
 * The memory the kernels read: one shared WebAssembly.Memory per thread, handed out as Float32Array
 * views. The network's parameters, gradients, optimiser moments and activations are allocated here, so
 * the WebAssembly kernels work on them in place (no copy or widening per call) and TypeScript code
 * reads and writes them as ordinary typed arrays.
 *
 * The memory is shared (its buffer is a SharedArrayBuffer) for one reason: growing a shared memory
 * leaves every view made before valid, where growing an ordinary one would detach them all.
 *
 * Block sizes are rounded up to a quarter of a power of two (so at most 25% of a block is unused) and
 * each size has a free list; every block is 64-byte aligned. A block returns to its list when
 * `release` is called or when its view is garbage-collected; a subarray must therefore not outlive the
 * view it was cut from.
 */
import { ExecLabError } from '../errors.js';

const PAGE = 65536;
/** 1 GiB: address space reserved, not memory used; pages are committed as the blocks are touched. */
const MAX_PAGES = 16384;
const MIN_BLOCK = 64;

interface Block {
  readonly offset: number;
  readonly size: number;
}

/** The block size for n bytes: the next multiple of a quarter of the power of two below n, 64 at least. */
function blockSize(n: number): number {
  if (n <= MIN_BLOCK) return MIN_BLOCK;
  const quarter = Math.max(MIN_BLOCK, 2 ** (Math.floor(Math.log2(n)) - 2));
  return Math.ceil(n / quarter) * quarter;
}

export class KernelMemory {
  readonly memory: WebAssembly.Memory;
  private buffer: SharedArrayBuffer;
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private readonly freeLists = new Map<number, number[]>();
  private readonly blocks = new WeakMap<Float32Array, Block>();
  private readonly registry = new FinalizationRegistry<Block>((b) => this.freeList(b.size).push(b.offset));
  private top = 64; // byte 0..63 stays unused, so no view starts at address 0

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
    this.buffer = this.memory.buffer as unknown as SharedArrayBuffer;
    this.buffers.add(this.buffer);
  }

  /** A zeroed Float32Array of n elements inside the kernel memory. */
  alloc(n: number): Float32Array<ArrayBuffer> {
    const size = blockSize(n * 4);
    let offset = this.freeList(size).pop();
    if (offset === undefined) {
      offset = this.top;
      this.reserve(this.top + size);
      this.top += size;
    }
    // The views' type says ArrayBuffer: a SharedArrayBuffer behaves the same for every use made here.
    const view = new Float32Array(this.buffer, offset, n) as unknown as Float32Array<ArrayBuffer>;
    view.fill(0);
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
    this.freeList(block.size).push(block.offset);
  }

  private freeList(size: number): number[] {
    let list = this.freeLists.get(size);
    if (list === undefined) this.freeLists.set(size, (list = []));
    return list;
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

/**
 * One recurrent branch of the network: Linear(in, H) -> ReLU -> GRU(H, H), PyTorch's GRU in the
 * "reset after" form (gate blocks r, z, n; h0 = 0):
 *
 *     r = sigmoid(W_ir a + b_ir + W_hr h + b_hr)
 *     z = sigmoid(W_iz a + b_iz + W_hz h + b_hz)
 *     n = tanh(W_in a + b_in + r * (W_hn h + b_hn))
 *     h' = (1 - z) * n + z * h
 *
 * Training runs over a batch of sequences that may need different numbers of steps (a sequence is
 * only run up to the last step that is read). The sequences are sorted by length, longest first, and
 * packed time-major, so the sequences still running at step t are the first active[t] rows of step
 * t's block: every step is one contiguous matrix product. The input projections (the Linear layer and
 * W_i*) do not depend on h and are computed for all packed rows in one product each; only h W_h* is
 * done step by step. The backward pass goes through time once and forms the weight gradients as whole
 * products afterwards.
 */
import { kernelMemory } from './memory.js';
import { addColumnSums, ensureF32, ensureI32, fillRows, gemmNNBias, gemmNT, gemmTN, gruCell, gruCellBackward, reluBackwardInPlace } from './kernels.js';

/** Element offsets of one branch's tensors in the flat parameter vector (weights stored [in, out]). */
export interface GruOffsets {
  readonly fcWeight: number; // [in, H]
  readonly fcBias: number; // [H]
  readonly weightIh: number; // [H, 3H], columns r | z | n
  readonly weightHh: number; // [H, 3H]
  readonly biasIh: number; // [3H]
  readonly biasHh: number; // [3H]
}

/** Training state of one branch: the packing of the current batch and every stored activation. */
export class GruBranch {
  /** Sequences in the current batch. */
  nSeq = 0;
  /** Longest sequence length in the current batch (steps run). */
  tMax = 0;
  /** Packed rows = sum of sequence lengths. */
  rows = 0;
  /** rank[b]: position of sequence b in the packed order (longest first). */
  rank = new Int32Array(0);
  /** order[p]: the sequence at packed position p. */
  order = new Int32Array(0);
  /** active[t]: sequences running at step t (a prefix of the packed order). */
  active = new Int32Array(0);
  /** rowStart[t]: first packed row of step t. */
  rowStart = new Int32Array(1);

  /** Packed inputs [rows, in]. */
  x = new Float32Array(0);
  /** ReLU(Linear(x)) [rows, H]. */
  a = new Float32Array(0);
  /** Input pre-activations, then the gates r | z | n [rows, 3H]. */
  g = new Float32Array(0);
  /** Hidden pre-activations W_h* h + b_h* [rows, 3H]. */
  gh = new Float32Array(0);
  /** Hidden states after each step [rows, H]. */
  h = new Float32Array(0);
  /** Gradient w.r.t. h [rows, H]: the caller adds the read points' gradients, backward adds the rest. */
  dh = new Float32Array(0);
  private dg = new Float32Array(0);
  private dgh = new Float32Array(0);
  private da = new Float32Array(0);
  private counts = new Int32Array(0);

  constructor(
    readonly inDim: number,
    readonly hidden: number,
    readonly off: GruOffsets,
  ) {}

  /** Packed row of sequence `seq` at step `t` (t < its length). */
  row(seq: number, t: number): number {
    return this.rowStart[t] + this.rank[seq];
  }

  /**
   * Runs the branch. `x` is [nSeq, steps, in]; sequence b is run for lens[b] steps (0 <= lens[b] <=
   * steps). Afterwards `h` holds every hidden state.
   */
  forward(P: Float32Array, x: Float32Array, nSeq: number, steps: number, lens: Int32Array): void {
    const H = this.hidden;
    const H3 = 3 * H;
    const inDim = this.inDim;
    this.pack(nSeq, steps, lens);
    const rows = this.rows;

    // Gather the inputs time-major in packed order.
    this.x = ensureF32(this.x, rows * inDim);
    const X = this.x;
    for (let t = 0; t < this.tMax; t++) {
      const base = this.rowStart[t];
      const n = this.active[t];
      for (let p = 0; p < n; p++) {
        const src = (this.order[p] * steps + t) * inDim;
        const dst = (base + p) * inDim;
        for (let k = 0; k < inDim; k++) X[dst + k] = x[src + k];
      }
    }

    // Input projections over all rows at once.
    this.a = ensureF32(this.a, rows * H);
    this.g = ensureF32(this.g, rows * H3);
    this.gh = ensureF32(this.gh, rows * H3);
    this.h = ensureF32(this.h, rows * H);
    this.dh = ensureF32(this.dh, rows * H);
    const A = this.a;
    const G = this.g;
    const GH = this.gh;
    const Hs = this.h;
    gemmNNBias(X, 0, P, this.off.fcWeight, A, 0, rows, inDim, H, P, this.off.fcBias, true);
    gemmNNBias(A, 0, P, this.off.weightIh, G, 0, rows, H, H3, P, this.off.biasIh, false);

    // The recurrence.
    for (let t = 0; t < this.tMax; t++) {
      const base = this.rowStart[t];
      const n = this.active[t];
      if (t === 0) {
        // h0 = 0: the hidden pre-activations are the bias (as 0 * W + b would give).
        fillRows(GH, base * H3, n, H3, P, this.off.biasHh);
        gruCell(G, base * H3, GH, base * H3, null, 0, Hs, base * H, n, H);
      } else {
        const prev = this.rowStart[t - 1] * H;
        gemmNNBias(Hs, prev, P, this.off.weightHh, GH, base * H3, n, H, H3, P, this.off.biasHh, false);
        gruCell(G, base * H3, GH, base * H3, Hs, prev, Hs, base * H, n, H);
      }
    }
  }

  /** Zeroes `dh` before the caller adds the read points' gradients (backward may run more than once). */
  zeroDh(): void {
    this.dh.fill(0, 0, this.rows * this.hidden);
  }

  /** Back-propagates `dh` through time and the input layer, adding the parameter gradients into `grad`. */
  backward(P: Float32Array, grad: Float32Array): void {
    const H = this.hidden;
    const H3 = 3 * H;
    const rows = this.rows;
    const off = this.off;
    this.dg = ensureF32(this.dg, rows * H3);
    this.dgh = ensureF32(this.dgh, rows * H3);
    this.da = ensureF32(this.da, rows * H);
    const G = this.g;
    const GH = this.gh;
    const Hs = this.h;
    const dH = this.dh;
    const dG = this.dg;
    const dGH = this.dgh;

    for (let t = this.tMax - 1; t >= 0; t--) {
      const base = this.rowStart[t];
      const n = this.active[t];
      const prevBase = t > 0 ? this.rowStart[t - 1] : 0;
      gruCellBackward(G, base * H3, GH, t > 0 ? Hs : null, prevBase * H, dH, base * H, dH, dG, dGH, n, H);
      if (t > 0) gemmNT(dGH, base * H3, P, off.weightHh, dH, prevBase * H, n, H3, H);
    }

    // Weight gradients as whole products.
    for (let t = 1; t < this.tMax; t++) {
      const n = this.active[t];
      gemmTN(Hs, this.rowStart[t - 1] * H, dGH, this.rowStart[t] * H3, grad, off.weightHh, H, n, H3);
    }
    addColumnSums(dGH, 0, rows, H3, grad, off.biasHh);
    addColumnSums(dG, 0, rows, H3, grad, off.biasIh);
    gemmTN(this.a, 0, dG, 0, grad, off.weightIh, H, rows, H3);
    const dA = this.da;
    dA.fill(0, 0, rows * H);
    gemmNT(dG, 0, P, off.weightIh, dA, 0, rows, H3, H);
    reluBackwardInPlace(dA, 0, this.a, 0, rows * H);
    gemmTN(this.x, 0, dA, 0, grad, off.fcWeight, this.inDim, rows, H);
    addColumnSums(dA, 0, rows, H, grad, off.fcBias);
  }

  /** Sorts sequences by length (longest first, stable) and computes the packed layout. */
  private pack(nSeq: number, steps: number, lens: Int32Array): void {
    this.nSeq = nSeq;
    this.rank = ensureI32(this.rank, nSeq);
    this.order = ensureI32(this.order, nSeq);
    this.counts = ensureI32(this.counts, steps + 2);
    const counts = this.counts;
    counts.fill(0, 0, steps + 2);
    let tMax = 0;
    for (let b = 0; b < nSeq; b++) {
      const L = lens[b];
      counts[L]++;
      if (L > tMax) tMax = L;
    }
    // Counting sort, descending length: start[L] = number of sequences longer than L.
    let acc = 0;
    for (let L = steps; L >= 0; L--) {
      const c = counts[L];
      counts[L] = acc;
      acc += c;
    }
    for (let b = 0; b < nSeq; b++) {
      const p = counts[lens[b]]++;
      this.rank[b] = p;
      this.order[p] = b;
    }
    this.tMax = tMax;
    this.active = ensureI32(this.active, tMax);
    this.rowStart = ensureI32(this.rowStart, tMax + 1);
    // active[t] = number of sequences with length > t; they are the first ones in packed order.
    let p = nSeq;
    let rows = 0;
    for (let t = 0; t < tMax; t++) {
      while (p > 0 && lens[this.order[p - 1]] <= t) p--;
      this.active[t] = p;
      this.rowStart[t] = rows;
      rows += p;
    }
    this.rowStart[tMax] = rows;
    this.rows = rows;
  }
}

/**
 * Rows an inference step works on at a time. A step's scratch (a [rows, H], g and gh [rows, 3H]) is
 * then bounded by this, not by the number of environments: 0.46 MB at H = 64, where it was 1.8 MB per
 * thousand environments. A row's result depends on that row's inputs only, so blocking changes no
 * value.
 */
export const INFERENCE_BLOCK_ROWS = 256;

/** Scratch buffers for one inference step of a branch over up to INFERENCE_BLOCK_ROWS rows. */
export class GruStepScratch {
  a = new Float32Array(0);
  g = new Float32Array(0);
  gh = new Float32Array(0);
  ensure(n: number, H: number): void {
    this.a = ensureF32(this.a, n * H);
    this.g = ensureF32(this.g, n * 3 * H);
    this.gh = ensureF32(this.gh, n * 3 * H);
  }

  /** Returns the buffers to the kernel memory now; the next ensure() allocates again. */
  release(): void {
    const mem = kernelMemory();
    for (const b of [this.a, this.g, this.gh]) mem.release(b);
    this.a = this.g = this.gh = new Float32Array(0);
  }
}

/**
 * One step of a branch for n rows without storing activations: h[n, H] (from offset ho) is updated in
 * place from x[n, in] (from offset xo), in blocks of INFERENCE_BLOCK_ROWS rows. Same kernels and order
 * as GruBranch.forward, so the same values.
 */
export function gruStep(
  P: Float32Array,
  off: GruOffsets,
  inDim: number,
  H: number,
  x: Float32Array,
  xo: number,
  h: Float32Array,
  ho: number,
  n: number,
  s: GruStepScratch,
): void {
  const H3 = 3 * H;
  s.ensure(Math.min(n, INFERENCE_BLOCK_ROWS), H);
  for (let r = 0; r < n; r += INFERENCE_BLOCK_ROWS) {
    const m = Math.min(INFERENCE_BLOCK_ROWS, n - r);
    const hr = ho + r * H;
    gemmNNBias(x, xo + r * inDim, P, off.fcWeight, s.a, 0, m, inDim, H, P, off.fcBias, true);
    gemmNNBias(s.a, 0, P, off.weightIh, s.g, 0, m, H, H3, P, off.biasIh, false);
    gemmNNBias(h, hr, P, off.weightHh, s.gh, 0, m, H, H3, P, off.biasHh, false);
    gruCell(s.g, 0, s.gh, 0, h, hr, h, hr, m, H);
  }
}

/**
 * The shared trunk and the two heads: input [R, in] -> (Linear -> ReLU) per trunk size -> actor
 * Linear(last, A) (logits) and critic Linear(last, 1) (value). Weights stored [in, out].
 */
import { kernelMemory } from './memory.js';
import { addColumnSums, ensureF32, gemmNNBias, gemmNT, gemmTN, reluBackwardInPlace } from './kernels.js';

/** Element offsets of the trunk and heads in the flat parameter vector. */
export interface MlpOffsets {
  readonly weights: readonly number[];
  readonly biases: readonly number[];
  readonly actorWeight: number;
  readonly actorBias: number;
  readonly criticWeight: number;
  readonly criticBias: number;
}

/** Forward/backward state for R rows; `z[0]` is the input the caller fills. */
export class MlpHeads {
  /** Layer widths: dims[0] = input, dims[l] = trunk layer l's output. */
  readonly dims: readonly number[];
  /** Activations per layer [R, dims[l]]; z[0] is the input. */
  readonly z: Float32Array<ArrayBuffer>[];
  /** Logits [R, A]. */
  logits = new Float32Array(0);
  /** Values [R]. */
  values = new Float32Array(0);
  private readonly dz: Float32Array<ArrayBuffer>[];
  /** Rows of the last forward. */
  rows = 0;

  constructor(
    inDim: number,
    sizes: readonly number[],
    readonly actions: number,
    readonly off: MlpOffsets,
  ) {
    this.dims = [inDim, ...sizes];
    this.z = this.dims.map(() => new Float32Array(0));
    this.dz = this.dims.map(() => new Float32Array(0));
  }

  /** Returns every buffer to the kernel memory now; the next forward allocates again. */
  release(): void {
    const mem = kernelMemory();
    for (const list of [this.z, this.dz]) {
      for (let l = 0; l < list.length; l++) {
        mem.release(list[l]);
        list[l] = new Float32Array(0);
      }
    }
    mem.release(this.logits);
    mem.release(this.values);
    this.logits = new Float32Array(0);
    this.values = new Float32Array(0);
  }

  /** Grows z[0] for R rows and returns it, for the caller to fill. */
  input(R: number): Float32Array {
    this.z[0] = ensureF32(this.z[0], R * this.dims[0]);
    return this.z[0];
  }

  /** Runs the trunk and heads over the R rows of z[0]. */
  forward(P: Float32Array, R: number): void {
    this.rows = R;
    const L = this.dims.length - 1;
    for (let l = 1; l <= L; l++) {
      const inD = this.dims[l - 1];
      const outD = this.dims[l];
      this.z[l] = ensureF32(this.z[l], R * outD);
      const Z = this.z[l];
      gemmNNBias(this.z[l - 1], 0, P, this.off.weights[l - 1], Z, 0, R, inD, outD, P, this.off.biases[l - 1], true);
    }
    const A = this.actions;
    const last = this.dims[L];
    this.logits = ensureF32(this.logits, R * A);
    this.values = ensureF32(this.values, R);
    gemmNNBias(this.z[L], 0, P, this.off.actorWeight, this.logits, 0, R, last, A, P, this.off.actorBias, false);
    gemmNNBias(this.z[L], 0, P, this.off.criticWeight, this.values, 0, R, last, 1, P, this.off.criticBias, false);
  }

  /**
   * Back-propagates dLogits [R, A] and dValues [R] (either may be null for zero), adds parameter
   * gradients into `grad` and returns the gradient w.r.t. z[0] ([R, in], an internal buffer).
   */
  backward(P: Float32Array, grad: Float32Array, dLogits: Float32Array | null, dValues: Float32Array | null): Float32Array {
    const R = this.rows;
    const L = this.dims.length - 1;
    const A = this.actions;
    const last = this.dims[L];
    this.dz[L] = ensureF32(this.dz[L], R * last);
    let dZ = this.dz[L];
    dZ.fill(0, 0, R * last);
    if (dLogits !== null) {
      gemmTN(this.z[L], 0, dLogits, 0, grad, this.off.actorWeight, last, R, A);
      addColumnSums(dLogits, 0, R, A, grad, this.off.actorBias);
      gemmNT(dLogits, 0, P, this.off.actorWeight, dZ, 0, R, A, last);
    }
    if (dValues !== null) {
      gemmTN(this.z[L], 0, dValues, 0, grad, this.off.criticWeight, last, R, 1);
      addColumnSums(dValues, 0, R, 1, grad, this.off.criticBias);
      gemmNT(dValues, 0, P, this.off.criticWeight, dZ, 0, R, 1, last);
    }
    for (let l = L; l >= 1; l--) {
      const inD = this.dims[l - 1];
      const outD = this.dims[l];
      reluBackwardInPlace(dZ, 0, this.z[l], 0, R * outD);
      gemmTN(this.z[l - 1], 0, dZ, 0, grad, this.off.weights[l - 1], inD, R, outD);
      addColumnSums(dZ, 0, R, outD, grad, this.off.biases[l - 1]);
      this.dz[l - 1] = ensureF32(this.dz[l - 1], R * inD);
      const dPrev = this.dz[l - 1];
      dPrev.fill(0, 0, R * inD);
      gemmNT(dZ, 0, P, this.off.weights[l - 1], dPrev, 0, R, outD, inD);
      dZ = dPrev;
    }
    return dZ;
  }
}

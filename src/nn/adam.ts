/**
 * Adam over a flat parameter vector, with PyTorch's semantics (torch.optim.Adam, no weight decay,
 * no amsgrad), and global gradient-norm clipping (torch.nn.utils.clip_grad_norm_).
 *
 *     m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *     p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 */
import { ExecLabError } from '../errors.js';
import { adamUpdate } from './kernels.js';
import { kernelMemory } from './memory.js';
import { decodeFloat32, encodeFloat32 } from './params.js';

export interface AdamOptions {
  /** Learning rate; SPEC 8: 1e-4. */
  readonly lr: number;
  /** First-moment decay (default 0.9). */
  readonly beta1?: number;
  /** Second-moment decay (default 0.999). */
  readonly beta2?: number;
  /** Denominator epsilon (default 1e-8). */
  readonly eps?: number;
}

/** Serialisable optimiser state for checkpoint and resume. */
export interface AdamState {
  readonly format: 'execlab-adam/1';
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** Steps taken so far. */
  readonly step: number;
  /** Base64 of the little-endian float32 first and second moments. */
  readonly m: string;
  readonly v: string;
}

export class Adam {
  /** Learning rate (may be changed between steps, e.g. by a schedule). */
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Steps taken so far. */
  stepCount = 0;
  readonly m: Float32Array;
  readonly v: Float32Array;

  constructor(
    readonly size: number,
    opts: AdamOptions,
  ) {
    this.lr = opts.lr;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    if (!(this.lr >= 0)) throw new ExecLabError(`Adam lr = ${this.lr}: expected >= 0`);
    if (!(this.beta1 >= 0 && this.beta1 < 1)) throw new ExecLabError(`Adam beta1 = ${this.beta1}: expected in [0, 1)`);
    if (!(this.beta2 >= 0 && this.beta2 < 1)) throw new ExecLabError(`Adam beta2 = ${this.beta2}: expected in [0, 1)`);
    if (!(this.eps >= 0)) throw new ExecLabError(`Adam eps = ${this.eps}: expected >= 0`);
    // In the kernel memory, beside the parameters and the gradient, so the update runs on WebAssembly.
    this.m = kernelMemory().alloc(size);
    this.v = kernelMemory().alloc(size);
  }

  /** One update of `params` in place from `grad`. */
  step(params: Float32Array, grad: Float32Array): void {
    const n = this.size;
    if (params.length !== n || grad.length !== n) {
      throw new ExecLabError(`Adam.step: params ${params.length} and grad ${grad.length} values, expected ${n}`);
    }
    this.stepCount++;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const c1 = 1 - b1;
    const c2 = 1 - b2;
    const stepSize = this.lr / (1 - Math.pow(b1, this.stepCount));
    const bc2Sqrt = Math.sqrt(1 - Math.pow(b2, this.stepCount));
    adamUpdate(params, grad, this.m, this.v, n, b1, c1, b2, c2, stepSize, bc2Sqrt, this.eps);
  }

  /** The state for a checkpoint (JSON-safe). */
  saveState(): AdamState {
    return {
      format: 'execlab-adam/1',
      lr: this.lr,
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      step: this.stepCount,
      m: encodeFloat32(this.m),
      v: encodeFloat32(this.v),
    };
  }

  /** Restores a saved state in place (same size; the hyper-parameters come from the state). */
  loadState(state: unknown): void {
    const st = checkState(state);
    const m = decodeFloat32(st.m, this.size, 'Adam m');
    const v = decodeFloat32(st.v, this.size, 'Adam v');
    this.m.set(m);
    this.v.set(v);
    this.stepCount = st.step;
    this.lr = st.lr;
    this.beta1 = st.beta1;
    this.beta2 = st.beta2;
    this.eps = st.eps;
  }

  /** A new optimiser from a saved state. */
  static fromState(state: unknown): Adam {
    const st = checkState(state);
    const size = decodeFloat32(st.m, undefined, 'Adam m').length;
    const adam = new Adam(size, { lr: st.lr, beta1: st.beta1, beta2: st.beta2, eps: st.eps });
    adam.loadState(st);
    return adam;
  }
}

function checkState(state: unknown): AdamState {
  const st = state as Partial<AdamState> | null;
  if (st === null || typeof st !== 'object' || st.format !== 'execlab-adam/1') {
    throw new ExecLabError(`Adam state format ${String(st?.format)}: expected execlab-adam/1`);
  }
  for (const key of ['lr', 'beta1', 'beta2', 'eps', 'step'] as const) {
    if (typeof st[key] !== 'number') throw new ExecLabError(`Adam state ${key} = ${String(st[key])}: expected a number`);
  }
  if (typeof st.m !== 'string' || typeof st.v !== 'string') throw new ExecLabError('Adam state m, v: expected base64 strings');
  return st as AdamState;
}

/** Euclidean norm of the whole gradient vector (accumulated in double). */
export function gradNorm(grad: Float32Array): number {
  let s = 0;
  for (let i = 0; i < grad.length; i++) s += grad[i] * grad[i];
  return Math.sqrt(s);
}

/**
 * Scales `grad` in place so its norm is at most maxNorm (coefficient maxNorm / (norm + 1e-6), as
 * PyTorch) and returns the norm before clipping.
 */
export function clipGradNorm(grad: Float32Array, maxNorm: number): number {
  const norm = gradNorm(grad);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) for (let i = 0; i < grad.length; i++) grad[i] *= coef;
  return norm;
}

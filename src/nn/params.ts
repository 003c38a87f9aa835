/**
 * The flat parameter vector: a list of named tensors laid out back to back in one Float32Array, so
 * that gradients, Adam, gradient clipping and averaging across workers are plain loops over one array.
 *
 * Weight matrices are stored input-major, [in, out] (the transpose of PyTorch's [out, in]): the
 * forward product x W then reads W along rows, and so do both backward products (docs/NETWORK.md).
 */
import { Buffer } from 'node:buffer';
import { ExecLabError } from '../errors.js';
import type { Rng } from '../util/random.js';

/** One tensor of the flat vector. */
export interface TensorSpec {
  /** Our name, e.g. `pub.gru.weightHh`. */
  readonly name: string;
  /** The matching PyTorch parameter name of the reference model (test/fixtures/golden). */
  readonly torchName: string;
  /** Element offset into the flat vector. */
  readonly offset: number;
  /** Rows and columns as stored (a bias is 1 x n). */
  readonly rows: number;
  readonly cols: number;
  readonly size: number;
  /** True for weights stored [in, out] while PyTorch stores [out, in]. */
  readonly transposed: boolean;
  /** PyTorch's default init draws uniform(-bound, bound), bound = 1 / sqrt(fan_in) (or 1/sqrt(hidden) for a GRU). */
  readonly initBound: number;
}

/** Builder and index of the tensors of one network. */
export class ParamLayout {
  private readonly list: TensorSpec[] = [];
  private readonly byName = new Map<string, TensorSpec>();
  private total = 0;

  /** Appends a tensor and returns its offset. */
  add(name: string, torchName: string, rows: number, cols: number, transposed: boolean, initBound: number): number {
    if (this.byName.has(name)) throw new ExecLabError(`parameter ${name} defined twice`);
    const spec: TensorSpec = { name, torchName, offset: this.total, rows, cols, size: rows * cols, transposed, initBound };
    this.list.push(spec);
    this.byName.set(name, spec);
    this.total += spec.size;
    return spec.offset;
  }

  /** Total number of parameters. */
  get size(): number {
    return this.total;
  }

  get tensors(): readonly TensorSpec[] {
    return this.list;
  }

  get(name: string): TensorSpec {
    const spec = this.byName.get(name);
    if (!spec) throw new ExecLabError(`unknown parameter ${name}; expected one of ${[...this.byName.keys()].join(', ')}`);
    return spec;
  }

  /** The tensor named `torchName` in PyTorch's naming, or undefined. */
  findTorch(torchName: string): TensorSpec | undefined {
    return this.list.find((s) => s.torchName === torchName);
  }
}

/** Fills `params` with PyTorch-default uniform draws, tensor by tensor in layout order. */
export function initUniform(layout: ParamLayout, params: Float32Array, rng: Rng): void {
  for (const spec of layout.tensors) {
    const b = spec.initBound;
    for (let i = 0; i < spec.size; i++) params[spec.offset + i] = (rng.uniform() * 2 - 1) * b;
  }
}

/**
 * Writes a PyTorch-shaped tensor (row-major, [out, in] for a weight) into our storage, transposing
 * weights. Used to load reference weights.
 */
export function setFromTorch(params: Float32Array, spec: TensorSpec, data: ArrayLike<number>): void {
  if (data.length !== spec.size) {
    throw new ExecLabError(`tensor ${spec.name} (${spec.torchName}): got ${data.length} values, expected ${spec.size}`);
  }
  if (!spec.transposed) {
    for (let i = 0; i < spec.size; i++) params[spec.offset + i] = data[i];
    return;
  }
  // data is [out = cols][in = rows]; storage is [in][out].
  const inDim = spec.rows;
  const outDim = spec.cols;
  for (let o = 0; o < outDim; o++) {
    for (let i = 0; i < inDim; i++) params[spec.offset + i * outDim + o] = data[o * inDim + i];
  }
}

/** Reads one tensor back in PyTorch's shape (transposing weights). */
export function getAsTorch(params: Float32Array, spec: TensorSpec): Float32Array {
  const out = new Float32Array(spec.size);
  if (!spec.transposed) {
    out.set(params.subarray(spec.offset, spec.offset + spec.size));
    return out;
  }
  const inDim = spec.rows;
  const outDim = spec.cols;
  for (let o = 0; o < outDim; o++) {
    for (let i = 0; i < inDim; i++) out[o * inDim + i] = params[spec.offset + i * outDim + o];
  }
  return out;
}

/** Base64 of the little-endian bytes of a Float32Array (the checkpoint encoding). */
export function encodeFloat32(a: Float32Array): string {
  const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  if (isBigEndian()) {
    const copy = Buffer.from(bytes);
    copy.swap32();
    return copy.toString('base64');
  }
  return bytes.toString('base64');
}

/** Inverse of encodeFloat32; checks the length when `expectedLength` is given. */
export function decodeFloat32(b64: string, expectedLength?: number, what = 'parameters'): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length % 4 !== 0) throw new ExecLabError(`${what}: ${bytes.length} bytes is not a whole number of float32`);
  if (expectedLength !== undefined && bytes.length !== expectedLength * 4) {
    throw new ExecLabError(`${what}: got ${bytes.length / 4} float32 values, expected ${expectedLength}`);
  }
  if (isBigEndian()) bytes.swap32();
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

function isBigEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;
}

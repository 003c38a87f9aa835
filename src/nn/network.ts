/**
 * The paper's actor-critic (SPEC section 8): a public branch Linear -> ReLU -> GRU and a private branch
 * Linear -> ReLU -> GRU (hidden H each), both read at the decision's step, concatenated (2H), a ReLU
 * trunk (default 64, 32) and two heads, actor logits [A] and critic value [1].
 *
 * Training batches are sets of sequences (episodes) plus read points: each GRU runs once over each
 * sequence and every read point gathers its hidden states, so an episode of 8 decisions costs one
 * recurrent pass, not 8. Forward returns logits [R*A] and values [R]; backward takes their gradients
 * and adds the parameter gradients into a flat Float32Array aligned with `params`.
 */
import { ExecLabError } from '../errors.js';
import type { Rng } from '../util/random.js';
import { ensureF32, ensureI32, ensureIndex, gatherRows, scatterAddRows, type KernelIndex } from './kernels.js';
import { kernelMemory } from './memory.js';
import { GruBranch, GruStepScratch, INFERENCE_BLOCK_ROWS, gruStep, type GruOffsets } from './gru.js';
import { MlpHeads, type MlpOffsets } from './mlp.js';
import { ParamLayout, decodeFloat32, encodeFloat32, initUniform } from './params.js';

/** Network shape. */
export interface NetConfig {
  /** Public (market) features per step. */
  readonly pubIn: number;
  /** Private (order state) features per step. */
  readonly privIn: number;
  /** Hidden size of each GRU. */
  readonly hidden: number;
  /** Trunk layer widths after the 2*hidden concatenation. */
  readonly mlp: readonly number[];
  /** Number of actions (actor logits). */
  readonly actions: number;
}

/** The paper's network: 18 public features, 2 private, H = 64, trunk 128 -> 64 -> 32, 5 actions. */
export const DEFAULT_NET_CONFIG: NetConfig = { pubIn: 18, privIn: 2, hidden: 64, mlp: [64, 32], actions: 5 };

/**
 * A training batch: `sequences` episodes with their public and private inputs, and the read points.
 * Read point i reads sequence readSeq[i] at public step readPub[i] and private step readPriv[i].
 */
export interface SeqBatch {
  /** Number of sequences B. */
  readonly sequences: number;
  /** Steps stored per sequence in `pub` (its stride). */
  readonly pubSteps: number;
  /** [B, pubSteps, pubIn]. */
  readonly pub: Float32Array;
  /** Steps stored per sequence in `priv`. */
  readonly privSteps: number;
  /** [B, privSteps, privIn]. */
  readonly priv: Float32Array;
  /** Number of read points R (default readSeq.length). */
  readonly reads?: number;
  readonly readSeq: Int32Array;
  readonly readPub: Int32Array;
  readonly readPriv: Int32Array;
}

/** Network outputs for R read points; views of workspace buffers, overwritten by the next forward. */
export interface NetOutput {
  /** [R, A]. */
  readonly logits: Float32Array;
  /** [R]. */
  readonly values: Float32Array;
}

/** Serialised network. */
export interface NetJSON {
  readonly format: 'execlab-net/1';
  readonly config: NetConfig;
  /** Base64 of the little-endian float32 parameter vector (layout in docs/NETWORK.md). */
  readonly params: string;
}

/** The gathered input of InferenceSession.encodePublic. */
interface StepScratch {
  x: Float32Array<ArrayBuffer>;
}

/** Buffers an inference step uses only during the call. */
interface InferenceScratch {
  readonly gru: GruStepScratch;
  readonly heads: MlpHeads;
  readonly step: StepScratch;
}

/** Stored activations of one forward pass; a network can run several (e.g. online and target). */
export class Workspace {
  readonly pub: GruBranch;
  readonly priv: GruBranch;
  readonly mlp: MlpHeads;
  reads = 0;
  lensPub = new Int32Array(0);
  lensPriv = new Int32Array(0);
  /** The packed rows of the read points' hidden states: [0, R) public, [R, 2R) private. */
  readonly readRows: KernelIndex = { f32: new Float32Array(0), i32: new Int32Array(0) };

  constructor(net: ActorCritic) {
    const c = net.config;
    this.pub = new GruBranch(c.pubIn, c.hidden, net.offsets.pub);
    this.priv = new GruBranch(c.privIn, c.hidden, net.offsets.priv);
    this.mlp = new MlpHeads(2 * c.hidden, c.mlp, c.actions, net.offsets.mlp);
  }
}

interface NetOffsets {
  readonly pub: GruOffsets;
  readonly priv: GruOffsets;
  readonly mlp: MlpOffsets;
}

/** Normalises and checks a partial config against the defaults. */
export function netConfig(partial: Partial<NetConfig> = {}): NetConfig {
  const c: NetConfig = { ...DEFAULT_NET_CONFIG, ...partial, mlp: [...(partial.mlp ?? DEFAULT_NET_CONFIG.mlp)] };
  const positive = (name: string, v: number): void => {
    if (!Number.isInteger(v) || v < 1) throw new ExecLabError(`network ${name} = ${v}: expected a positive integer`);
  };
  positive('pubIn', c.pubIn);
  positive('privIn', c.privIn);
  positive('hidden', c.hidden);
  positive('actions', c.actions);
  if (c.mlp.length === 0) throw new ExecLabError('network mlp = []: expected at least one trunk layer');
  c.mlp.forEach((m, i) => positive(`mlp[${i}]`, m));
  return c;
}

/** Builds the flat layout: the reference model's order, weights stored [in, out]. */
export function buildLayout(c: NetConfig): { layout: ParamLayout; offsets: NetOffsets } {
  const layout = new ParamLayout();
  const H = c.hidden;
  const branch = (name: 'pub' | 'priv', inDim: number): GruOffsets => {
    const fcBound = 1 / Math.sqrt(inDim);
    const gruBound = 1 / Math.sqrt(H);
    return {
      fcWeight: layout.add(`${name}.fc.weight`, `${name}_fc.weight`, inDim, H, true, fcBound),
      fcBias: layout.add(`${name}.fc.bias`, `${name}_fc.bias`, 1, H, false, fcBound),
      weightIh: layout.add(`${name}.gru.weightIh`, `${name}_gru.weight_ih_l0`, H, 3 * H, true, gruBound),
      weightHh: layout.add(`${name}.gru.weightHh`, `${name}_gru.weight_hh_l0`, H, 3 * H, true, gruBound),
      biasIh: layout.add(`${name}.gru.biasIh`, `${name}_gru.bias_ih_l0`, 1, 3 * H, false, gruBound),
      biasHh: layout.add(`${name}.gru.biasHh`, `${name}_gru.bias_hh_l0`, 1, 3 * H, false, gruBound),
    };
  };
  const pub = branch('pub', c.pubIn);
  const priv = branch('priv', c.privIn);
  const weights: number[] = [];
  const biases: number[] = [];
  let inDim = 2 * H;
  c.mlp.forEach((outDim, l) => {
    const bound = 1 / Math.sqrt(inDim);
    weights.push(layout.add(`trunk.${l}.weight`, `fc${l + 1}.weight`, inDim, outDim, true, bound));
    biases.push(layout.add(`trunk.${l}.bias`, `fc${l + 1}.bias`, 1, outDim, false, bound));
    inDim = outDim;
  });
  const headBound = 1 / Math.sqrt(inDim);
  const mlp: MlpOffsets = {
    weights,
    biases,
    actorWeight: layout.add('actor.weight', 'actor.weight', inDim, c.actions, true, headBound),
    actorBias: layout.add('actor.bias', 'actor.bias', 1, c.actions, false, headBound),
    criticWeight: layout.add('critic.weight', 'critic.weight', inDim, 1, true, headBound),
    criticBias: layout.add('critic.bias', 'critic.bias', 1, 1, false, headBound),
  };
  return { layout, offsets: { pub, priv, mlp } };
}

/** The actor-critic network over a flat parameter vector. */
export class ActorCritic {
  readonly config: NetConfig;
  readonly layout: ParamLayout;
  /** @internal element offsets of every tensor. */
  readonly offsets: NetOffsets;
  /** The flat parameter vector (updated in place by the optimiser). */
  readonly params: Float32Array;
  private gradBuf: Float32Array | null = null;
  private inferenceBufs: InferenceScratch | null = null;
  private readonly ws: Workspace;

  private constructor(config: NetConfig, params?: Float32Array) {
    this.config = config;
    const { layout, offsets } = buildLayout(config);
    this.layout = layout;
    this.offsets = offsets;
    if (params !== undefined && params.length !== layout.size) {
      throw new ExecLabError(`network params: got ${params.length} values, expected ${layout.size} for this config`);
    }
    // Parameters (and the gradient, made at first use) live in the kernel memory, where the kernels
    // read them in place.
    this.params = params ?? kernelMemory().alloc(layout.size);
    this.ws = new Workspace(this);
  }

  /** A new network with PyTorch-default initialisation drawn from `rng`. */
  static create(config: Partial<NetConfig>, rng: Rng): ActorCritic {
    const net = new ActorCritic(netConfig(config));
    initUniform(net.layout, net.params, rng);
    return net;
  }

  /** A network with the given parameter vector (copied). */
  static fromParams(config: Partial<NetConfig>, params: Float32Array): ActorCritic {
    const c = netConfig(config);
    const copy = kernelMemory().alloc(params.length);
    copy.set(params);
    return new ActorCritic(c, copy);
  }

  /**
   * A network over the given parameter vector itself, not a copy. The kernels read it in place only
   * when it is a kernelMemory() array of this thread; any other array is staged (copied) into kernel
   * memory at every product, so the replicas and sessions of this engine use copies made with
   * fromParams and refreshed with copyParamsFrom or params.set.
   */
  static wrap(config: Partial<NetConfig>, params: Float32Array): ActorCritic {
    return new ActorCritic(netConfig(config), params);
  }

  static fromJSON(json: NetJSON): ActorCritic {
    if (json.format !== 'execlab-net/1') throw new ExecLabError(`network format ${String(json.format)}: expected execlab-net/1`);
    const config = netConfig(json.config);
    const size = buildLayout(config).layout.size;
    return ActorCritic.fromParams(config, decodeFloat32(json.params, size, 'network params'));
  }

  toJSON(): NetJSON {
    return { format: 'execlab-net/1', config: { ...this.config, mlp: [...this.config.mlp] }, params: encodeFloat32(this.params) };
  }

  /**
   * A gradient buffer aligned with params, for callers that want one (backward's default target);
   * allocated at first use, so networks that only run inference do not hold one.
   */
  get grad(): Float32Array {
    this.gradBuf ??= kernelMemory().alloc(this.layout.size);
    return this.gradBuf;
  }

  /** Number of parameters. */
  get size(): number {
    return this.layout.size;
  }

  /** A copy with its own parameters and buffers. */
  clone(): ActorCritic {
    return ActorCritic.fromParams(this.config, this.params);
  }

  /** Copies another network's parameters into this one (e.g. a DDQN target network). */
  copyParamsFrom(other: ActorCritic): void {
    if (other.size !== this.size) throw new ExecLabError(`copyParamsFrom: sizes differ (${other.size} vs ${this.size})`);
    this.params.set(other.params);
  }

  zeroGrad(): void {
    this.grad.fill(0);
  }

  /** A separate set of activation buffers, for running a second forward without losing the first. */
  createWorkspace(): Workspace {
    return new Workspace(this);
  }

  /** Runs the network over a batch; the outputs are views of `ws` buffers. */
  forward(batch: SeqBatch, ws: Workspace = this.ws): NetOutput {
    const R = checkBatch(batch, this.config);
    const B = batch.sequences;
    const H = this.config.hidden;
    ws.reads = R;
    // Each sequence runs up to its last read step.
    ws.lensPub = ensureI32(ws.lensPub, B);
    ws.lensPriv = ensureI32(ws.lensPriv, B);
    const lensPub = ws.lensPub;
    const lensPriv = ws.lensPriv;
    lensPub.fill(0, 0, B);
    lensPriv.fill(0, 0, B);
    for (let i = 0; i < R; i++) {
      const b = batch.readSeq[i];
      if (batch.readPub[i] + 1 > lensPub[b]) lensPub[b] = batch.readPub[i] + 1;
      if (batch.readPriv[i] + 1 > lensPriv[b]) lensPriv[b] = batch.readPriv[i] + 1;
    }
    const P = this.params;
    ws.pub.forward(P, batch.pub, B, batch.pubSteps, lensPub);
    ws.priv.forward(P, batch.priv, B, batch.privSteps, lensPriv);

    // Gather [h_pub, h_priv] at every read point.
    const rows = ensureIndex(ws.readRows, 2 * R);
    for (let i = 0; i < R; i++) {
      const b = batch.readSeq[i];
      rows[i] = ws.pub.row(b, batch.readPub[i]);
      rows[R + i] = ws.priv.row(b, batch.readPriv[i]);
    }
    const Z = ws.mlp.input(R);
    gatherRows(Z, 0, 2 * H, ws.pub.h, rows, R, H);
    gatherRows(Z, H, 2 * H, ws.priv.h, rows.subarray(R), R, H);
    ws.mlp.forward(P, R);
    return { logits: ws.mlp.logits.subarray(0, R * this.config.actions), values: ws.mlp.values.subarray(0, R) };
  }

  /**
   * Back-propagates the gradients of a loss w.r.t. the last forward's logits [R*A] and values [R]
   * (null = zero) and adds the parameter gradients into `grad` (not zeroed here).
   */
  backward(
    dLogits: Float32Array | null,
    dValues: Float32Array | null,
    grad: Float32Array = this.grad,
    ws: Workspace = this.ws,
  ): void {
    const R = ws.reads;
    const A = this.config.actions;
    if (dLogits !== null && dLogits.length < R * A) throw new ExecLabError(`backward: dLogits has ${dLogits.length} values, expected ${R * A}`);
    if (dValues !== null && dValues.length < R) throw new ExecLabError(`backward: dValues has ${dValues.length} values, expected ${R}`);
    if (grad.length !== this.size) throw new ExecLabError(`backward: grad has ${grad.length} values, expected ${this.size}`);
    const P = this.params;
    const H = this.config.hidden;
    const H2 = 2 * H;
    const dZ = ws.mlp.backward(P, grad, dLogits, dValues);
    ws.pub.zeroDh();
    ws.priv.zeroDh();
    const rows = ws.readRows.i32;
    scatterAddRows(ws.pub.dh, dZ, 0, H2, rows, R, H);
    scatterAddRows(ws.priv.dh, dZ, H, H2, rows.subarray(R), R, H);
    ws.pub.backward(P, grad);
    ws.priv.backward(P, grad);
  }

  /** @internal the scratch buffers of this network's inference sessions, shared by all of them. */
  inferenceScratch(): InferenceScratch {
    this.inferenceBufs ??= {
      gru: new GruStepScratch(),
      heads: new MlpHeads(2 * this.config.hidden, this.config.mlp, this.config.actions, this.offsets.mlp),
      step: { x: new Float32Array(0) },
    };
    return this.inferenceBufs;
  }

  /**
   * Returns the inference scratch to the kernel memory now (the next session allocates it again).
   * Kernel memory is otherwise freed only when the garbage collector finds its views unreachable,
   * which a loop of large evaluations can outrun.
   */
  releaseInference(): void {
    if (!this.inferenceBufs) return;
    this.inferenceBufs.gru.release();
    this.inferenceBufs.heads.release();
    kernelMemory().release(this.inferenceBufs.step.x);
    this.inferenceBufs = null;
  }

  /** A rollout session for `envs` environments sharing this network's parameters (live, not copied). */
  inference(envs: number): InferenceSession {
    return new InferenceSession(this, envs);
  }
}

/** Checks a batch at the boundary; returns R. */
function checkBatch(batch: SeqBatch, c: NetConfig): number {
  const B = batch.sequences;
  const R = batch.reads ?? batch.readSeq.length;
  if (!Number.isInteger(B) || B < 0) throw new ExecLabError(`batch sequences = ${B}: expected an integer >= 0`);
  if (batch.pub.length < B * batch.pubSteps * c.pubIn) {
    throw new ExecLabError(`batch pub has ${batch.pub.length} values, expected ${B} x ${batch.pubSteps} x ${c.pubIn}`);
  }
  if (batch.priv.length < B * batch.privSteps * c.privIn) {
    throw new ExecLabError(`batch priv has ${batch.priv.length} values, expected ${B} x ${batch.privSteps} x ${c.privIn}`);
  }
  if (batch.readSeq.length < R || batch.readPub.length < R || batch.readPriv.length < R) {
    throw new ExecLabError(`batch read arrays are shorter than reads = ${R}`);
  }
  for (let i = 0; i < R; i++) {
    const b = batch.readSeq[i];
    const p = batch.readPub[i];
    const q = batch.readPriv[i];
    if (!(b >= 0 && b < B && p >= 0 && p < batch.pubSteps && q >= 0 && q < batch.privSteps)) {
      throw new ExecLabError(
        `batch read point ${i} = (sequence ${b}, public step ${p}, private step ${q}): expected sequence < ${B}, public step < ${batch.pubSteps}, private step < ${batch.privSteps}`,
      );
    }
  }
  return R;
}

/**
 * Step-by-step evaluation for rollouts: hidden states for `envs` environments, no stored activations.
 * The calls take inputs for the first `count` environments (default all).
 */
export class InferenceSession {
  /** Public hidden states [envs, H]. */
  readonly hPub: Float32Array;
  /** Private hidden states [envs, H]. */
  readonly hPriv: Float32Array;
  private readonly scratch: GruStepScratch;
  private readonly mlp: MlpHeads;
  private readonly stepBuf: StepScratch;

  constructor(
    readonly net: ActorCritic,
    readonly envs: number,
  ) {
    const H = net.config.hidden;
    this.hPub = kernelMemory().alloc(envs * H);
    this.hPriv = kernelMemory().alloc(envs * H);
    // Scratch holds nothing from one call to the next, so every session of a network shares one set.
    const shared = net.inferenceScratch();
    this.scratch = shared.gru;
    this.mlp = shared.heads;
    this.stepBuf = shared.step;
  }

  /** Returns the hidden states to the kernel memory; the session must not be used after. */
  close(): void {
    kernelMemory().release(this.hPub);
    kernelMemory().release(this.hPriv);
  }

  /** Zeroes both hidden states of environment `env` (a new episode). */
  reset(env: number): void {
    const H = this.net.config.hidden;
    this.hPub.fill(0, env * H, (env + 1) * H);
    this.hPriv.fill(0, env * H, (env + 1) * H);
  }

  resetAll(): void {
    this.hPub.fill(0);
    this.hPriv.fill(0);
  }

  /** Advances the public GRU by one step: x is [count, pubIn]. */
  stepPublic(x: Float32Array, count = this.envs): void {
    const c = this.net.config;
    this.checkCount(count, x.length, c.pubIn, 'stepPublic');
    gruStep(this.net.params, this.net.offsets.pub, c.pubIn, c.hidden, x, 0, this.hPub, 0, count, this.scratch);
  }

  /** Advances the private GRU by one step: x is [count, privIn]. */
  stepPrivate(x: Float32Array, count = this.envs): void {
    const c = this.net.config;
    this.checkCount(count, x.length, c.privIn, 'stepPrivate');
    gruStep(this.net.params, this.net.offsets.priv, c.privIn, c.hidden, x, 0, this.hPriv, 0, count, this.scratch);
  }

  /**
   * Runs the public branch from h = 0 over whole sequences, seq [count, steps, pubIn], leaving the final
   * hidden state (e.g. a teacher that sees the whole day).
   */
  encodePublic(seq: Float32Array, steps: number, count = this.envs): void {
    const c = this.net.config;
    this.checkCount(count, seq.length, steps * c.pubIn, 'encodePublic');
    const H = c.hidden;
    this.hPub.fill(0, 0, count * H);
    const inDim = c.pubIn;
    this.stepBuf.x = ensureF32(this.stepBuf.x, Math.min(count, INFERENCE_BLOCK_ROWS) * inDim);
    const x = this.stepBuf.x;
    // Block by block (rows are independent): the gathered inputs stay one block's size.
    for (let e0 = 0; e0 < count; e0 += INFERENCE_BLOCK_ROWS) {
      const m = Math.min(INFERENCE_BLOCK_ROWS, count - e0);
      for (let t = 0; t < steps; t++) {
        for (let e = 0; e < m; e++) {
          const src = ((e0 + e) * steps + t) * inDim;
          const dst = e * inDim;
          for (let k = 0; k < inDim; k++) x[dst + k] = seq[src + k];
        }
        gruStep(this.net.params, this.net.offsets.pub, inDim, H, x, 0, this.hPub, e0 * H, m, this.scratch);
      }
    }
  }

  /** Logits [count, A] and values [count] (values may be null) from the current hidden states. */
  heads(logits: Float32Array, values: Float32Array | null, count = this.envs): void {
    const c = this.net.config;
    const H = c.hidden;
    const A = c.actions;
    if (count < 0 || count > this.envs) throw new ExecLabError(`heads: count = ${count}, expected 0..${this.envs}`);
    if (logits.length < count * A) throw new ExecLabError(`heads: logits has ${logits.length} values, expected ${count * A}`);
    if (values !== null && values.length < count) throw new ExecLabError(`heads: values has ${values.length} values, expected ${count}`);
    const Z = this.mlp.input(Math.min(count, INFERENCE_BLOCK_ROWS));
    const H2 = 2 * H;
    // Block by block (rows are independent), so the trunk's activations stay one block's size.
    for (let e0 = 0; e0 < count; e0 += INFERENCE_BLOCK_ROWS) {
      const m = Math.min(INFERENCE_BLOCK_ROWS, count - e0);
      for (let e = 0; e < m; e++) {
        const s = (e0 + e) * H;
        const d = e * H2;
        for (let j = 0; j < H; j++) {
          Z[d + j] = this.hPub[s + j];
          Z[d + H + j] = this.hPriv[s + j];
        }
      }
      this.mlp.forward(this.net.params, m);
      logits.set(this.mlp.logits.subarray(0, m * A), e0 * A);
      if (values !== null) values.set(this.mlp.values.subarray(0, m), e0);
    }
  }

  private checkCount(count: number, length: number, per: number, what: string): void {
    if (!Number.isInteger(count) || count < 0 || count > this.envs) throw new ExecLabError(`${what}: count = ${count}, expected 0..${this.envs}`);
    if (length < count * per) throw new ExecLabError(`${what}: input has ${length} values, expected ${count} x ${per}`);
  }
}

/**
 * Data-parallel gradients over worker threads: the minibatch's sequences are split into contiguous
 * shares, one per replica (the calling thread computes the first share itself, each worker thread one
 * more); every replica runs forward, loss and backward on its share and the gradients are summed, each
 * share's loss mean weighted by its share of the rows (or of the row weights), so the result is the
 * full minibatch's gradient up to the order of float32 sums.
 *
 * `net.params` is copied into a SharedArrayBuffer at each call, and each worker copies it into its
 * replica's parameters in its own kernel memory (src/nn/memory.ts) before computing, so the optimiser
 * keeps updating `net.params` in place as usual and every kernel reads its operands in place.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ExecLabError } from '../../errors.js';
import { ppoLoss, qLoss, type PpoBatch, type PpoCoeffs, type PpoLossResult } from './losses.js';
import { kernelMemory } from '../../nn/memory.js';
import type { ActorCritic, NetConfig, SeqBatch } from '../../nn/network.js';

/** Loss statistics of a PPO gradient (the ppoLoss fields without the gradients). */
export type PpoStats = Omit<PpoLossResult, 'dLogits' | 'dValues'>;

/** The DDQN rows of a minibatch: actions, targets, optional Huber delta and weights. */
export interface QRows {
  readonly actions: Int32Array;
  readonly targets: Float32Array;
  readonly delta?: number;
  readonly weights?: Float32Array | null;
}

/** @internal */
export interface WorkerInit {
  readonly config: NetConfig;
  readonly params: SharedArrayBuffer;
  readonly grad: SharedArrayBuffer;
}

/** @internal one replica's share of a minibatch. */
export type ShareTask =
  | { readonly kind: 'ppo'; readonly batch: SeqBatch; readonly rows: PpoBatch; readonly coeffs: PpoCoeffs; readonly scale: number }
  | { readonly kind: 'q'; readonly batch: SeqBatch; readonly rows: QRows; readonly scale: number };

/** @internal forward, loss, backward of one share into `grad` (overwritten); returns the loss statistics. */
export function computeShare(net: ActorCritic, task: ShareTask, grad: Float32Array): Record<string, number> {
  grad.fill(0);
  const out = net.forward(task.batch);
  if (task.kind === 'ppo') {
    const res = ppoLoss(out.logits, out.values, task.rows, task.coeffs);
    scaleInPlace(res.dLogits, task.scale);
    scaleInPlace(res.dValues, task.scale);
    net.backward(res.dLogits, res.dValues, grad);
    return {
      loss: res.loss,
      policyLoss: res.policyLoss,
      valueLoss: res.valueLoss,
      entropy: res.entropy,
      distillLoss: res.distillLoss,
      approxKl: res.approxKl,
      clipFraction: res.clipFraction,
    };
  }
  const res = qLoss(out.logits, task.rows.actions, task.rows.targets, { delta: task.rows.delta, weights: task.rows.weights });
  scaleInPlace(res.dLogits, task.scale);
  net.backward(res.dLogits, null, grad);
  let meanQ = 0;
  const A = net.config.actions;
  for (let i = 0; i < task.rows.actions.length; i++) meanQ += out.logits[i * A + task.rows.actions[i]];
  return { loss: res.loss, meanQ: meanQ / task.rows.actions.length };
}

function scaleInPlace(a: Float32Array, s: number): void {
  if (s !== 1) for (let i = 0; i < a.length; i++) a[i] *= s;
}

export interface DataParallelOptions {
  /** Worker threads besides the calling thread (default: available cores - 1, at least 1). */
  readonly workers?: number;
  /** URL of the compiled worker module (default: parallel-worker.js next to this module). */
  readonly workerUrl?: URL;
}

interface Pending {
  resolve: (stats: Record<string, number>) => void;
  reject: (err: Error) => void;
}

/** A pool of network replicas on worker threads computing one minibatch gradient together. */
export class DataParallel {
  private readonly sharedParams: Float32Array;
  private readonly workerGrads: Float32Array[] = [];
  private readonly workers: Worker[] = [];
  private readonly pending: (Pending | null)[] = [];
  private readonly localGrad: Float32Array;
  private closed = false;

  constructor(
    readonly net: ActorCritic,
    opts: DataParallelOptions = {},
  ) {
    const n = opts.workers ?? Math.max(1, availableParallelism() - 1);
    if (!Number.isInteger(n) || n < 1) throw new ExecLabError(`DataParallel workers = ${n}: expected an integer >= 1`);
    const size = net.size;
    const paramsSab = new SharedArrayBuffer(size * 4);
    this.sharedParams = new Float32Array(paramsSab);
    this.localGrad = kernelMemory().alloc(size);
    const url = opts.workerUrl ?? new URL('./data-parallel-worker.js', import.meta.url);
    for (let w = 0; w < n; w++) {
      const gradSab = new SharedArrayBuffer(size * 4);
      this.workerGrads.push(new Float32Array(gradSab));
      const init: WorkerInit = { config: net.config, params: paramsSab, grad: gradSab };
      const worker = new Worker(url, { workerData: init });
      worker.unref();
      worker.on('message', (msg: { ok: boolean; stats?: Record<string, number>; error?: string }) => {
        const p = this.pending[w];
        this.pending[w] = null;
        if (!p) return;
        if (msg.ok) p.resolve(msg.stats!);
        else p.reject(new ExecLabError(`DataParallel worker ${w}: ${msg.error}`));
      });
      worker.on('error', (err) => {
        const p = this.pending[w];
        this.pending[w] = null;
        p?.reject(err);
      });
      this.workers.push(worker);
      this.pending.push(null);
    }
  }

  /** Replicas computing each minibatch (workers + the calling thread). */
  get replicas(): number {
    return this.workers.length + 1;
  }

  /** The PPO loss gradient of a minibatch into `grad` (overwritten; default net.grad) and its statistics. */
  async ppoGradient(batch: SeqBatch, rows: PpoBatch, coeffs: PpoCoeffs, grad: Float32Array = this.net.grad): Promise<PpoStats> {
    const weights = rows.weights ?? null;
    const shares = splitBatch(batch, this.replicas, this.net.config, (idx) => ({
      actions: pick(rows.actions, idx),
      oldLogp: pick(rows.oldLogp, idx),
      advantages: pick(rows.advantages, idx),
      returns: pick(rows.returns, idx),
      oldValues: rows.oldValues ? pick(rows.oldValues, idx) : null,
      teacherActions: rows.teacherActions ? pick(rows.teacherActions, idx) : null,
      weights: weights ? pick(weights, idx) : null,
    }));
    const tasks = shares.map((s): ShareTask => ({ kind: 'ppo', batch: s.batch, rows: s.rows, coeffs, scale: 0 }));
    const stats = await this.run(tasks, shares, weights, grad);
    return stats as unknown as PpoStats;
  }

  /** The DDQN (Huber) loss gradient of a minibatch into `grad` (overwritten); returns loss and mean Q(s, a). */
  async qGradient(batch: SeqBatch, rows: QRows, grad: Float32Array = this.net.grad): Promise<{ loss: number; meanQ: number }> {
    const weights = rows.weights ?? null;
    const shares = splitBatch(batch, this.replicas, this.net.config, (idx) => ({
      actions: pick(rows.actions, idx),
      targets: pick(rows.targets, idx),
      delta: rows.delta,
      weights: weights ? pick(weights, idx) : null,
    }));
    const tasks = shares.map((s): ShareTask => ({ kind: 'q', batch: s.batch, rows: s.rows, scale: 0 }));
    const stats = await this.run(tasks, shares, weights, grad);
    return { loss: stats.loss, meanQ: stats.meanQ };
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private async run(
    tasks: ShareTask[],
    shares: { readIndex: Int32Array }[],
    weights: Float32Array | null,
    grad: Float32Array,
  ): Promise<Record<string, number>> {
    if (this.closed) throw new ExecLabError('DataParallel: used after close()');
    if (grad.length !== this.net.size) throw new ExecLabError(`DataParallel: grad has ${grad.length} values, expected ${this.net.size}`);
    // Each share's mean is weighted by its fraction of the rows (or of the row weights).
    const shareWeight = shares.map((s) => {
      if (weights === null) return s.readIndex.length;
      let w = 0;
      for (let i = 0; i < s.readIndex.length; i++) w += weights[s.readIndex[i]];
      return w;
    });
    const total = shareWeight.reduce((a, b) => a + b, 0);
    if (!(total > 0)) throw new ExecLabError('DataParallel: empty minibatch');
    const live = tasks.map((t, k) => ({ ...t, scale: shareWeight[k] / total })).filter((_, k) => shareWeight[k] > 0);
    const liveWeights = shareWeight.filter((w) => w > 0);

    this.sharedParams.set(this.net.params);
    const promises: Promise<Record<string, number>>[] = [];
    for (let k = 1; k < live.length; k++) {
      const w = k - 1;
      promises.push(
        new Promise((resolve, reject) => {
          this.pending[w] = { resolve, reject };
          this.workers[w].postMessage(live[k]);
        }),
      );
    }
    // The calling thread's own share, while the workers run theirs.
    const own = computeShare(this.net, live[0], this.localGrad);
    const others = await Promise.all(promises);

    grad.set(this.localGrad);
    for (let k = 1; k < live.length; k++) {
      const g = this.workerGrads[k - 1];
      for (let i = 0; i < grad.length; i++) grad[i] += g[i];
    }
    const all = [own, ...others];
    const combined: Record<string, number> = {};
    for (const key of Object.keys(own)) {
      let s = 0;
      for (let k = 0; k < all.length; k++) s += (all[k][key] * liveWeights[k]) / total;
      combined[key] = s;
    }
    return combined;
  }
}

/**
 * Splits a batch into `parts` contiguous ranges of sequences with about equal numbers of read points;
 * each share has its own copies of its sequences, its read points (sequence indices rebased) and the
 * per-read rows built by `rowsOf(readIndex)`.
 */
export function splitBatch<T>(
  batch: SeqBatch,
  parts: number,
  config: Pick<NetConfig, 'pubIn' | 'privIn'>,
  rowsOf: (readIndex: Int32Array) => T,
): { batch: SeqBatch; rows: T; readIndex: Int32Array }[] {
  const B = batch.sequences;
  const R = batch.reads ?? batch.readSeq.length;
  const perSeq = new Int32Array(B);
  for (let i = 0; i < R; i++) perSeq[batch.readSeq[i]]++;
  const pubStride = batch.pubSteps * config.pubIn;
  const privStride = batch.privSteps * config.privIn;
  const out: { batch: SeqBatch; rows: T; readIndex: Int32Array }[] = [];
  let start = 0;
  let readsSoFar = 0;
  for (let k = 0; k < parts; k++) {
    // End this share where the cumulative read count passes (k + 1) / parts of the total.
    const goal = ((k + 1) * R) / parts;
    let end = start;
    let count = readsSoFar;
    while (end < B && (k === parts - 1 || count + perSeq[end] / 2 <= goal)) count += perSeq[end++];
    const idx: number[] = [];
    for (let i = 0; i < R; i++) if (batch.readSeq[i] >= start && batch.readSeq[i] < end) idx.push(i);
    const readIndex = Int32Array.from(idx);
    const sub: SeqBatch = {
      sequences: end - start,
      pubSteps: batch.pubSteps,
      pub: batch.pub.slice(start * pubStride, end * pubStride),
      privSteps: batch.privSteps,
      priv: batch.priv.slice(start * privStride, end * privStride),
      reads: readIndex.length,
      readSeq: Int32Array.from(readIndex, (i) => batch.readSeq[i] - start),
      readPub: pick(batch.readPub, readIndex),
      readPriv: pick(batch.readPriv, readIndex),
    };
    out.push({ batch: sub, rows: rowsOf(readIndex), readIndex });
    start = end;
    readsSoFar = count;
  }
  return out;
}

function pick<A extends Float32Array | Int32Array>(src: A, idx: Int32Array): A {
  const out = new (src.constructor as new (n: number) => A)(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = src[idx[i]];
  return out;
}

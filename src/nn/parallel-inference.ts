/**
 * Batched inference split over threads: the calling thread steps the first half of the
 * environments, a worker thread the second half, each with its own InferenceSession over a shared
 * copy of the parameters. Synchronous (the worker is woken and awaited with Atomics), so it drops in
 * wherever an InferenceSession is used: rollouts and backtests stay plain loops.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ExecLabError } from '../errors.js';
import { ActorCritic, type InferenceSession } from './network.js';

/** Commands to the worker (ctrl[0]); ctrl[1] becomes 1 when the worker is done. */
export const InferenceCommand = { Idle: 0, StepPublic: 1, StepPrivate: 2, Heads: 3, Reset: 4, Encode: 5, Sync: 6, Exit: 7 } as const;
export type InferenceCommand = (typeof InferenceCommand)[keyof typeof InferenceCommand];

export interface InferenceWorkerInit {
  readonly config: ActorCritic['config'];
  readonly params: SharedArrayBuffer;
  readonly ctrl: SharedArrayBuffer;
  readonly pub: SharedArrayBuffer;
  readonly priv: SharedArrayBuffer;
  readonly seq: SharedArrayBuffer;
  readonly logits: SharedArrayBuffer;
  readonly values: SharedArrayBuffer;
  readonly from: number;
  readonly rows: number;
  readonly maxSteps: number;
}

/** An InferenceSession for `rows` environments, half of them on a worker thread. */
const DEFAULT_WORKER_URL = new URL('./parallel-inference-worker.js', import.meta.url);

/**
 * Whether the inference worker script is there: it is in the built package, not when the sources
 * run directly (tests), where a session would wait for a worker that never starts.
 */
export function parallelInferenceAvailable(): boolean {
  return existsSync(fileURLToPath(DEFAULT_WORKER_URL));
}

/** A call's wait for the second thread: any step of the paper's network on 100,000 rows takes well under a second. */
export const ANSWER_TIMEOUT_MS = 120_000;

export class ParallelInferenceSession {
  private readonly localNet: ActorCritic;
  private readonly local: InferenceSession;
  private readonly shared: Float32Array;
  private readonly ctrl: Int32Array;
  private readonly pub: Float32Array;
  private readonly priv: Float32Array;
  private readonly seq: Float32Array;
  private readonly logits: Float32Array;
  private readonly values: Float32Array;
  private readonly worker: Worker;
  private readonly half: number;
  private closed = false;

  constructor(
    private readonly net: ActorCritic,
    readonly rows: number,
    readonly maxSteps: number,
    workerUrl: URL = DEFAULT_WORKER_URL,
    /** How long a call waits for the second thread before it gives up on it (it may have died). */
    private readonly answerTimeoutMs = ANSWER_TIMEOUT_MS,
  ) {
    const c = net.config;
    if (rows < 2) throw new ExecLabError(`parallel inference needs at least 2 rows, got ${rows}`);
    this.half = Math.floor(rows / 2);
    const sab = (n: number): SharedArrayBuffer => new SharedArrayBuffer(Math.max(1, n) * 4);
    const init: InferenceWorkerInit = {
      config: c,
      params: sab(net.size),
      ctrl: sab(2),
      pub: sab(rows * c.pubIn),
      priv: sab(rows * c.privIn),
      seq: sab(rows * maxSteps * c.pubIn),
      logits: sab(rows * c.actions),
      values: sab(rows),
      from: this.half,
      rows: rows - this.half,
      maxSteps,
    };
    this.shared = new Float32Array(init.params);
    this.shared.set(net.params);
    this.ctrl = new Int32Array(init.ctrl);
    this.pub = new Float32Array(init.pub);
    this.priv = new Float32Array(init.priv);
    this.seq = new Float32Array(init.seq);
    this.logits = new Float32Array(init.logits);
    this.values = new Float32Array(init.values);
    // Each thread's session runs on its own copy of the parameters in its kernel memory.
    this.localNet = ActorCritic.fromParams(c, net.params);
    this.local = this.localNet.inference(this.half);
    this.worker = new Worker(workerUrl, { workerData: init });
    this.worker.unref();
  }

  /** Copies the network's current parameters to both threads' copies (after a training update). */
  syncParams(): void {
    this.shared.set(this.net.params);
    this.run(InferenceCommand.Sync, () => this.localNet.params.set(this.net.params));
  }

  private run(cmd: InferenceCommand, local: () => void): void {
    if (this.closed) throw new ExecLabError('parallel inference used after close()');
    Atomics.store(this.ctrl, 1, 0);
    Atomics.store(this.ctrl, 0, cmd);
    Atomics.notify(this.ctrl, 0);
    local();
    // The wait blocks this thread's event loop, so a worker's exit event cannot arrive: a deadline
    // stands in for it, far above any step's time.
    const deadline = Date.now() + this.answerTimeoutMs;
    while (Atomics.load(this.ctrl, 1) === 0) {
      Atomics.wait(this.ctrl, 1, 0, Math.min(1000, this.answerTimeoutMs));
      if (Atomics.load(this.ctrl, 1) === 0 && Date.now() > deadline) {
        this.closed = true;
        void this.worker.terminate();
        throw new ExecLabError(
          `the second inference thread did not answer within ${(this.answerTimeoutMs / 1000).toFixed(this.answerTimeoutMs < 1000 ? 1 : 0)} s and was stopped (it may have died, for example out of memory); run with one thread (--threads 1) to continue`,
        );
      }
    }
  }

  resetAll(): void {
    this.run(InferenceCommand.Reset, () => this.local.resetAll());
  }

  stepPublic(x: Float32Array): void {
    const d = this.net.config.pubIn;
    this.pub.set(x.subarray(this.half * d, this.rows * d), this.half * d);
    this.run(InferenceCommand.StepPublic, () => this.local.stepPublic(x.subarray(0, this.half * d), this.half));
  }

  stepPrivate(x: Float32Array): void {
    const d = this.net.config.privIn;
    this.priv.set(x.subarray(this.half * d, this.rows * d), this.half * d);
    this.run(InferenceCommand.StepPrivate, () => this.local.stepPrivate(x.subarray(0, this.half * d), this.half));
  }

  encodePublic(seq: Float32Array, steps: number): void {
    if (steps !== this.maxSteps) throw new ExecLabError(`encodePublic: ${steps} steps, this session was built for ${this.maxSteps}`);
    const w = steps * this.net.config.pubIn;
    this.seq.set(seq.subarray(this.half * w, this.rows * w), this.half * w);
    this.run(InferenceCommand.Encode, () => this.local.encodePublic(seq.subarray(0, this.half * w), steps, this.half));
  }

  heads(logits: Float32Array, values: Float32Array | null): void {
    const A = this.net.config.actions;
    this.run(InferenceCommand.Heads, () => this.local.heads(logits.subarray(0, this.half * A), values ? values.subarray(0, this.half) : null, this.half));
    logits.set(this.logits.subarray(this.half * A, this.rows * A), this.half * A);
    if (values) values.set(this.values.subarray(this.half, this.rows), this.half);
  }

  close(): void {
    if (this.closed) return;
    this.local.close();
    this.localNet.releaseInference();
    Atomics.store(this.ctrl, 0, InferenceCommand.Exit);
    Atomics.notify(this.ctrl, 0);
    this.closed = true;
    void this.worker.terminate();
  }
}

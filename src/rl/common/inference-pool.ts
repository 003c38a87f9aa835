/**
 * Where a rollout gets its step-by-step inference: one thread (the network's InferenceSession) or
 * two (ParallelInferenceSession, bit-identical). `execlab train --threads 2` uses two for collection
 * and validation, so those phases use both cores as the data-parallel update does.
 */
import type { ActorCritic } from '../../nn/network.js';
import { ParallelInferenceSession } from '../../nn/parallel-inference.js';

/** The inference calls a rollout makes (both session kinds provide them). */
export interface StepInference {
  resetAll(): void;
  encodePublic(seq: Float32Array, steps: number): void;
  stepPublic(x: Float32Array): void;
  stepPrivate(x: Float32Array): void;
  heads(logits: Float32Array, values: Float32Array | null): void;
}

/** A session for `rows` environments over sequences of `steps` steps, with the network's current parameters. */
export type InferenceFactory = (rows: number, steps: number) => StepInference;

/** Below this many environments a second thread costs more in hand-offs than it saves. */
export const MIN_PARALLEL_ROWS = 64;
/** Sessions kept alive (one per batch shape: typically the collection batch and the validation split). */
const MAX_SESSIONS = 4;

/**
 * Two-thread sessions for one network, one per batch shape, created on first use and kept (each
 * holds a worker thread), their parameters refreshed from the network whenever one is handed out.
 */
export class TwoThreadInference {
  private readonly sessions = new Map<string, ParallelInferenceSession>();

  constructor(
    private readonly net: ActorCritic,
    private readonly workerUrl?: URL,
  ) {}

  readonly factory: InferenceFactory = (rows, steps) => {
    if (rows < MIN_PARALLEL_ROWS) return this.net.inference(rows);
    const key = `${rows}x${steps}`;
    let session = this.sessions.get(key);
    if (session === undefined) {
      if (this.sessions.size >= MAX_SESSIONS) {
        const [oldest, s] = this.sessions.entries().next().value as [string, ParallelInferenceSession];
        s.close();
        this.sessions.delete(oldest);
      }
      session = new ParallelInferenceSession(this.net, rows, steps, this.workerUrl);
      this.sessions.set(key, session);
    } else {
      session.syncParams();
    }
    return session;
  };

  close(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }
}

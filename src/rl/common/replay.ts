/**
 * Replay buffer of whole episodes (a recurrent Q-network needs the history of each transition).
 * Fixed capacity, oldest replaced first; stored as flat typed arrays.
 */
import { base64ToF32, base64ToI32, f32ToBase64, i32ToBase64 } from '../../util/encode.js';
import type { Rng } from '../../util/random.js';
import type { RolloutRecord } from './policy.js';

export class EpisodeReplay {
  readonly pub: Float32Array;
  readonly priv: Float32Array;
  readonly actions: Int32Array;
  readonly rewards: Float32Array;
  size = 0;
  private head = 0;

  constructor(
    readonly capacity: number,
    readonly steps: number,
    readonly periods: number,
    readonly privIn: number,
    /** Public inputs per step (publicWidth of the policy's spec). */
    readonly pubIn: number,
  ) {
    this.pub = new Float32Array(capacity * steps * pubIn);
    this.priv = new Float32Array(capacity * steps * privIn);
    this.actions = new Int32Array(capacity * periods);
    this.rewards = new Float32Array(capacity * periods);
  }

  add(rec: RolloutRecord): void {
    const pw = this.steps * this.pubIn;
    const qw = this.steps * this.privIn;
    const T = this.periods;
    for (let e = 0; e < rec.episodes; e++) {
      const k = this.head;
      this.pub.set(rec.pub.subarray(e * pw, (e + 1) * pw), k * pw);
      this.priv.set(rec.priv.subarray(e * qw, (e + 1) * qw), k * qw);
      this.actions.set(rec.actions.subarray(e * T, (e + 1) * T), k * T);
      this.rewards.set(rec.rewards.subarray(e * T, (e + 1) * T), k * T);
      this.head = (this.head + 1) % this.capacity;
      this.size = Math.min(this.size + 1, this.capacity);
    }
  }

  /** k episode slots drawn uniformly with replacement. */
  sample(k: number, rng: Rng): Int32Array {
    const out = new Int32Array(k);
    for (let j = 0; j < k; j++) out[j] = rng.int(this.size);
    return out;
  }

  /** A RolloutRecord view of the whole buffer (for batch building). */
  asRecord(): RolloutRecord {
    const n = this.capacity;
    return {
      episodes: n,
      periods: this.periods,
      publicWidth: this.pubIn,
      pub: this.pub,
      priv: this.priv,
      actions: this.actions,
      logp: new Float32Array(0),
      values: new Float32Array(0),
      rewards: this.rewards,
    };
  }

  saveState(): unknown {
    return {
      size: this.size,
      head: this.head,
      pub: f32ToBase64(this.pub),
      priv: f32ToBase64(this.priv),
      actions: i32ToBase64(this.actions),
      rewards: f32ToBase64(this.rewards),
    };
  }

  loadState(state: unknown): void {
    const s = state as { size: number; head: number; pub: string; priv: string; actions: string; rewards: string };
    this.size = s.size;
    this.head = s.head;
    this.pub.set(base64ToF32(s.pub));
    this.priv.set(base64ToF32(s.priv));
    this.actions.set(base64ToI32(s.actions));
    this.rewards.set(base64ToF32(s.rewards));
  }
}

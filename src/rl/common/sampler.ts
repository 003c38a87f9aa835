import type { Rng } from '../../util/random.js';
import { base64ToI32, i32ToBase64 } from '../../util/encode.js';

/**
 * Draws training episodes without replacement: a shuffled pass over all episodes, then another
 * (each order is seen once per pass). Its state is saved in checkpoints.
 */
export class EpisodeSampler {
  private perm: Int32Array;
  private pos: number;

  constructor(private readonly count: number, private readonly rng: Rng) {
    this.perm = new Int32Array(count);
    this.pos = count;
  }

  next(k: number): Int32Array {
    const out = new Int32Array(k);
    for (let j = 0; j < k; j++) {
      if (this.pos >= this.count) this.reshuffle();
      out[j] = this.perm[this.pos++];
    }
    return out;
  }

  private reshuffle(): void {
    for (let i = 0; i < this.count; i++) this.perm[i] = i;
    for (let i = this.count - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      const t = this.perm[i];
      this.perm[i] = this.perm[j];
      this.perm[j] = t;
    }
    this.pos = 0;
  }

  saveState(): unknown {
    return { perm: i32ToBase64(this.perm), pos: this.pos, rng: this.rng.state() };
  }

  loadState(state: unknown): void {
    const s = state as { perm: string; pos: number; rng: number[] };
    this.perm = base64ToI32(s.perm);
    this.pos = s.pos;
    this.rng.restore(s.rng);
  }
}

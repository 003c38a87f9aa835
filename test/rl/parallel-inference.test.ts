import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { ActorCritic } from '../../src/rl/common/net/network.js';
import { ParallelInferenceSession } from '../../src/rl/common/net/parallel-inference.js';
import { Rng } from '../../src/util/random.js';

const workerUrl = new URL('../../dist/rl/common/net/parallel-inference-worker.js', import.meta.url);

describe('inference split over two threads', () => {
  it.skipIf(!existsSync(workerUrl))('gives exactly the one-thread logits and values, step by step and for a whole-day encoding', () => {
    const cfg = { pubIn: 18, privIn: 2, hidden: 16, mlp: [16, 8], actions: 5 };
    const net = ActorCritic.create(cfg, new Rng(4));
    const rows = 7;
    const steps = 9;
    const rng = new Rng(9);
    const rand = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());
    const one = net.inference(rows);
    const two = new ParallelInferenceSession(net, rows, steps, workerUrl);
    try {
      const l1 = new Float32Array(rows * 5);
      const l2 = new Float32Array(rows * 5);
      const v1 = new Float32Array(rows);
      const v2 = new Float32Array(rows);
      one.resetAll();
      two.resetAll();
      for (let t = 0; t < 4; t++) {
        const p = rand(rows * 18);
        const q = rand(rows * 2);
        one.stepPublic(p);
        two.stepPublic(p);
        one.stepPrivate(q);
        two.stepPrivate(q);
        one.heads(l1, v1);
        two.heads(l2, v2);
        expect(Array.from(l2)).toEqual(Array.from(l1));
        expect(Array.from(v2)).toEqual(Array.from(v1));
      }
      const seq = rand(rows * steps * 18);
      one.encodePublic(seq, steps);
      two.encodePublic(seq, steps);
      one.heads(l1, null);
      two.heads(l2, null);
      expect(Array.from(l2)).toEqual(Array.from(l1));
    } finally {
      two.close();
    }
  });
});

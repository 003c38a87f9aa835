/** Data-parallel gradients (worker threads) equal the single-thread gradient of the whole minibatch. */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ppoLoss, qLoss, type PpoBatch, type PpoCoeffs } from '../../src/rl/common/losses.js';
import { ActorCritic, type NetConfig, type SeqBatch } from '../../src/nn/network.js';
import { DataParallel, splitBatch } from '../../src/rl/common/data-parallel.js';
import { Rng } from '../../src/util/random.js';
import { maxRelDiff } from '../helpers/numeric.js';

// Workers run the compiled module (built by `npm ci` / `npm run build`); vitest runs the sources.
const workerUrl = new URL('../../dist/rl/common/data-parallel-worker.js', import.meta.url);
const haveBuild = existsSync(workerUrl);

const cfg: NetConfig = { pubIn: 6, privIn: 2, hidden: 8, mlp: [12, 6], actions: 4 };

function randomArray(n: number, rng: Rng, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.uniform() * 2 - 1) * scale;
  return a;
}

function makeBatch(rng: Rng, B: number, S: number): SeqBatch {
  const readSeq: number[] = [];
  const readStep: number[] = [];
  for (let b = 0; b < B; b++) {
    const reads = 1 + (b % 4);
    for (let r = 0; r < reads; r++) (readSeq.push(b), readStep.push((b + 2 * r) % S));
  }
  return {
    sequences: B,
    pubSteps: S,
    pub: randomArray(B * S * cfg.pubIn, rng),
    privSteps: S,
    priv: randomArray(B * S * cfg.privIn, rng),
    readSeq: Int32Array.from(readSeq),
    readPub: Int32Array.from(readStep),
    readPriv: Int32Array.from(readStep),
  };
}


describe('splitBatch', () => {
  it('covers every read point once, in contiguous sequence ranges with rebased indices', () => {
    const rng = new Rng(1);
    const batch = makeBatch(rng, 11, 5);
    const R = batch.readSeq.length;
    const shares = splitBatch(batch, 3, cfg, (idx) => idx);
    expect(shares.map((s) => s.readIndex.length).reduce((a, b) => a + b, 0)).toBe(R);
    expect(shares.reduce((a, s) => a + s.batch.sequences, 0)).toBe(11);
    let firstSeq = 0;
    for (const s of shares) {
      for (let i = 0; i < s.readIndex.length; i++) {
        const g = s.readIndex[i];
        expect(s.batch.readSeq[i] + firstSeq).toBe(batch.readSeq[g]);
        expect(s.batch.readPub[i]).toBe(batch.readPub[g]);
      }
      expect(s.batch.pub.length).toBe(s.batch.sequences * 5 * cfg.pubIn);
      firstSeq += s.batch.sequences;
    }
  });
});

describe.skipIf(!haveBuild)('DataParallel', () => {
  const rng = new Rng(2);
  const net = ActorCritic.create(cfg, rng);
  const pools: DataParallel[] = [];
  afterAll(async () => {
    for (const p of pools) await p.close();
  });

  it('PPO: same gradient and statistics as one thread, for 2 and 3 replicas', async () => {
    const batch = makeBatch(rng, 13, 7);
    const R = batch.readSeq.length;
    const out = net.forward(batch);
    const rows: PpoBatch = {
      actions: Int32Array.from({ length: R }, (_, i) => i % cfg.actions),
      oldLogp: Float32Array.from({ length: R }, () => Math.log(1 / cfg.actions)),
      advantages: randomArray(R, rng),
      returns: randomArray(R, rng),
      oldValues: Float32Array.from(out.values, (v, i) => v + (i % 2 ? 0.3 : -0.01)),
      teacherActions: Int32Array.from({ length: R }, (_, i) => (i * 3) % cfg.actions),
      weights: Float32Array.from({ length: R }, (_, i) => 0.5 + (i % 3) * 0.5),
    };
    const coeffs: PpoCoeffs = { clip: 0.3, valueCoef: 1, valueClip: 0.2, entropyCoef: 0.01, distillCoef: 0.05 };
    const ref = ppoLoss(out.logits, out.values, rows, coeffs);
    const gRef = new Float32Array(net.size);
    net.backward(ref.dLogits, ref.dValues, gRef);

    for (const workers of [1, 2]) {
      const pool = new DataParallel(net, { workers, workerUrl });
      pools.push(pool);
      expect(pool.replicas).toBe(workers + 1);
      const g = new Float32Array(net.size);
      const stats = await pool.ppoGradient(batch, rows, coeffs, g);
      expect(maxRelDiff(g, gRef)).toBeLessThan(1e-5);
      expect(stats.loss).toBeCloseTo(ref.loss, 6);
      expect(stats.entropy).toBeCloseTo(ref.entropy, 6);
      expect(stats.clipFraction).toBeCloseTo(ref.clipFraction, 6);
      // A second call after a parameter change sees the new parameters.
      net.params[0] += 0.5;
      const g2 = new Float32Array(net.size);
      await pool.ppoGradient(batch, rows, coeffs, g2);
      const o2 = net.forward(batch);
      const ref2 = ppoLoss(o2.logits, o2.values, rows, coeffs);
      const gRef2 = new Float32Array(net.size);
      net.backward(ref2.dLogits, ref2.dValues, gRef2);
      expect(maxRelDiff(g2, gRef2)).toBeLessThan(1e-5);
      net.params[0] -= 0.5;
    }
  });

  it('DDQN: same gradient as one thread', async () => {
    const batch = makeBatch(rng, 9, 6);
    const R = batch.readSeq.length;
    const actions = Int32Array.from({ length: R }, (_, i) => (i * 5) % cfg.actions);
    const targets = randomArray(R, rng, 2);
    const out = net.forward(batch);
    const ref = qLoss(out.logits, actions, targets, 1);
    const gRef = new Float32Array(net.size);
    net.backward(ref.dLogits, null, gRef);
    const pool = new DataParallel(net, { workers: 1, workerUrl });
    pools.push(pool);
    const g = new Float32Array(net.size);
    const res = await pool.qGradient(batch, { actions, targets, delta: 1 }, g);
    expect(maxRelDiff(g, gRef)).toBeLessThan(1e-5);
    expect(res.loss).toBeCloseTo(ref.loss, 6);
  });
});

/**
 * Finite-difference checks of the hand-written gradients: the network alone, the PPO and Q losses
 * alone, and the network and PPO loss together. Central differences use the float32-rounded step
 * actually taken, and sums in double.
 */
import { describe, expect, it } from 'vitest';
import { ppoLoss, qLoss, type PpoBatch, type PpoCoeffs } from '../../src/rl/common/losses.js';
import { ActorCritic, type NetConfig, type SeqBatch } from '../../src/nn/network.js';
import { Rng } from '../../src/util/random.js';

const cfg: NetConfig = { pubIn: 4, privIn: 2, hidden: 6, mlp: [10, 5], actions: 3 };

function randomArray(n: number, rng: Rng, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.uniform() * 2 - 1) * scale;
  return a;
}

function batchOf(rng: Rng): SeqBatch {
  const B = 3;
  const S = 6;
  return {
    sequences: B,
    pubSteps: S,
    pub: randomArray(B * S * cfg.pubIn, rng, 1.5),
    privSteps: S,
    priv: randomArray(B * S * cfg.privIn, rng, 1.5),
    readSeq: Int32Array.from([0, 0, 0, 1, 1, 2, 2]),
    readPub: Int32Array.from([1, 3, 5, 2, 4, 0, 5]),
    readPriv: Int32Array.from([1, 2, 5, 2, 3, 0, 4]),
  };
}

/** Central difference of f w.r.t. x[i], with the float32 step actually taken. */
function centralDiff(x: Float32Array, i: number, h: number, f: () => number): number {
  const x0 = x[i];
  x[i] = x0 + h;
  const up = x[i];
  const fUp = f();
  x[i] = x0 - h;
  const down = x[i];
  const fDown = f();
  x[i] = x0;
  return (fUp - fDown) / (up - down);
}

describe('gradient checks', () => {
  it('network backward matches central differences of a linear read-out', () => {
    const rng = new Rng(21);
    const net = ActorCritic.create(cfg, rng);
    const batch = batchOf(rng);
    const R = batch.readSeq.length;
    const cL = randomArray(R * cfg.actions, rng);
    const cV = randomArray(R, rng);
    const f = (): number => {
      const out = net.forward(batch);
      let s = 0;
      for (let i = 0; i < cL.length; i++) s += cL[i] * out.logits[i];
      for (let i = 0; i < R; i++) s += cV[i] * out.values[i];
      return s;
    };
    f();
    const grad = new Float32Array(net.size);
    net.backward(cL, cV, grad);
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < net.size; i++) scale = Math.max(scale, Math.abs(grad[i]));
    for (let i = 0; i < net.size; i++) {
      const fd = centralDiff(net.params, i, 1e-3, f);
      worst = Math.max(worst, Math.abs(fd - grad[i]) / scale);
    }
    // float32 forward noise (~1e-7 relative) over a 2e-3 step; larger steps cross ReLU kinks.
    expect(worst).toBeLessThan(1e-4);
  });

  it('ppoLoss gradients match central differences (clipping, value clipping, entropy, distillation, KL)', () => {
    const rng = new Rng(22);
    const R = 12;
    const A = 4;
    const logits = randomArray(R * A, rng, 2);
    const values = randomArray(R, rng, 1);
    const oldLogp = new Float32Array(R);
    // Ratios spread inside and outside the clip range [0.8, 1.2], away from its edges.
    const ratios = [0.5, 0.9, 1.0, 1.1, 1.5, 0.7, 0.95, 1.3, 1.05, 0.6, 1.4, 1.02];
    const actions = Int32Array.from({ length: R }, (_, i) => i % A);
    for (let i = 0; i < R; i++) {
      const o = i * A;
      let mx = -Infinity;
      for (let j = 0; j < A; j++) mx = Math.max(mx, logits[o + j]);
      let se = 0;
      for (let j = 0; j < A; j++) se += Math.exp(logits[o + j] - mx);
      oldLogp[i] = logits[o + actions[i]] - mx - Math.log(se) - Math.log(ratios[i]);
    }
    const batch: PpoBatch = {
      actions,
      oldLogp,
      advantages: randomArray(R, rng, 2),
      returns: randomArray(R, rng, 1),
      oldValues: Float32Array.from(values, (v, i) => v + (i % 3 === 0 ? 0.5 : i % 3 === 1 ? -0.05 : -0.4)),
      teacherActions: Int32Array.from({ length: R }, (_, i) => (i * 3 + 1) % A),
      weights: Float32Array.from({ length: R }, (_, i) => 0.5 + (i % 4) * 0.25),
    };
    const coeffs: PpoCoeffs = { clip: 0.2, valueCoef: 0.7, valueClip: 0.2, entropyCoef: 0.05, distillCoef: 0.3, klCoef: 0.4 };
    const res = ppoLoss(logits, values, batch, coeffs);
    expect(res.clipFraction).toBeGreaterThan(0);
    for (let i = 0; i < logits.length; i++) {
      const fd = centralDiff(logits, i, 1e-3, () => ppoLoss(logits, values, batch, coeffs).loss);
      expect(Math.abs(fd - res.dLogits[i])).toBeLessThan(1e-5);
    }
    for (let i = 0; i < R; i++) {
      const fd = centralDiff(values, i, 1e-3, () => ppoLoss(logits, values, batch, coeffs).loss);
      expect(Math.abs(fd - res.dValues[i])).toBeLessThan(1e-5);
    }
  });

  it('qLoss gradients match central differences and touch only the taken slot', () => {
    const rng = new Rng(23);
    const R = 10;
    const A = 3;
    const q = randomArray(R * A, rng, 3);
    const actions = Int32Array.from({ length: R }, (_, i) => (i * 2) % A);
    const targets = randomArray(R, rng, 3);
    const res = qLoss(q, actions, targets, { delta: 1 });
    for (let i = 0; i < q.length; i++) {
      const fd = centralDiff(q, i, 1e-3, () => qLoss(q, actions, targets, 1).loss);
      expect(Math.abs(fd - res.dLogits[i])).toBeLessThan(1e-5);
      if (i % A !== actions[Math.floor(i / A)]) expect(res.dLogits[i]).toBe(0);
    }
  });

  it('network + PPO loss: backward matches central differences on sampled parameters', () => {
    const rng = new Rng(24);
    const net = ActorCritic.create(cfg, rng);
    const batch = batchOf(rng);
    const R = batch.readSeq.length;
    const out0 = net.forward(batch);
    const oldValues = Float32Array.from(out0.values, (v, i) => v + (i % 2 === 0 ? 0.3 : -0.01));
    const ppo: PpoBatch = {
      actions: Int32Array.from({ length: R }, (_, i) => i % cfg.actions),
      // Old log-probabilities near the current ones so ratios sit inside the clip range.
      oldLogp: new Float32Array(R).fill(Math.log(1 / cfg.actions)),
      advantages: randomArray(R, rng, 1),
      returns: randomArray(R, rng, 1),
      oldValues,
      teacherActions: Int32Array.from({ length: R }, (_, i) => (i + 1) % cfg.actions),
    };
    const coeffs: PpoCoeffs = { clip: 0.3, valueCoef: 1, valueClip: 0.2, entropyCoef: 0.01, distillCoef: 0.01 };
    const f = (): number => {
      const out = net.forward(batch);
      return ppoLoss(out.logits, out.values, ppo, coeffs).loss;
    };
    const out = net.forward(batch);
    const res = ppoLoss(out.logits, out.values, ppo, coeffs);
    const grad = new Float32Array(net.size);
    net.backward(res.dLogits, res.dValues, grad);
    let scale = 0;
    for (let i = 0; i < net.size; i++) scale = Math.max(scale, Math.abs(grad[i]));
    let worst = 0;
    for (let k = 0; k < 300; k++) {
      const i = rng.int(net.size);
      const fd = centralDiff(net.params, i, 1e-3, f);
      worst = Math.max(worst, Math.abs(fd - grad[i]) / scale);
    }
    expect(worst).toBeLessThan(1e-4);
  });
});

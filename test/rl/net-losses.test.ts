/** Losses, action helpers and Adam against numbers worked out by hand. */
import { describe, expect, it } from 'vitest';
import { Adam, clipGradNorm, gradNorm } from '../../src/nn/adam.js';
import { argmax, logProb, logSoftmax, ppoLoss, qLoss, sampleAction, sampleActions } from '../../src/rl/common/losses.js';
import { Rng } from '../../src/util/random.js';

describe('ppoLoss', () => {
  it('computes each term as written (two actions, two rows)', () => {
    // Row 0: logits [0, 0] -> p = [0.5, 0.5]; action 0; old logp = log 0.4 -> ratio 1.25, adv 1: clipped at 1.2.
    // Row 1: logits [ln 3, 0] -> p = [0.75, 0.25]; action 1; old logp = log 0.25 -> ratio 1, adv -2.
    const logits = Float32Array.from([0, 0, Math.log(3), 0]);
    const values = Float32Array.from([1, 0]);
    const res = ppoLoss(
      logits,
      values,
      {
        actions: Int32Array.from([0, 1]),
        oldLogp: Float32Array.from([Math.log(0.4), Math.log(0.25)]),
        advantages: Float32Array.from([1, -2]),
        returns: Float32Array.from([0.5, 1]),
        teacherActions: Int32Array.from([1, 0]),
      },
      { clip: 0.2, valueCoef: 0.5, entropyCoef: 0.01, distillCoef: 0.1 },
    );
    const r0 = 0.5 / fround(0.4);
    const r1 = 0.25 / fround(0.25);
    const policy = -(Math.min(r0 * 1, 1.2 * 1) + r1 * -2) / 2;
    const value = (0.25 + 1) / 2;
    const ent = (Math.log(2) + -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25))) / 2;
    const distill = -(Math.log(0.5) + Math.log(0.75)) / 2;
    expect(res.policyLoss).toBeCloseTo(policy, 6);
    expect(res.valueLoss).toBeCloseTo(value, 6);
    expect(res.entropy).toBeCloseTo(ent, 6);
    expect(res.distillLoss).toBeCloseTo(distill, 6);
    expect(res.loss).toBeCloseTo(policy + 0.5 * value - 0.01 * ent + 0.1 * distill, 6);
    expect(res.clipFraction).toBeCloseTo(0.5, 9);
    expect(res.approxKl).toBeCloseTo((r0 - 1 - Math.log(r0) + r1 - 1 - Math.log(r1)) / 2, 6);
    // Row 0 is clipped (ratio 1.25 > 1.2 with adv > 0): no policy gradient, only entropy and distillation.
    const dEnt0 = [0, 0]; // at p = [0.5, 0.5] the entropy is at its maximum
    const dDis0 = [(0.1 * (0 - (1 - 0.5) * -1)) / 2, (0.1 * -(1 - 0.5)) / 2];
    expect(res.dLogits[0]).toBeCloseTo(dEnt0[0] + dDis0[0], 6);
    expect(res.dLogits[1]).toBeCloseTo(dEnt0[1] + dDis0[1], 6);
    expect(res.dValues[0]).toBeCloseTo((0.5 * 2 * (1 - 0.5)) / 2, 6);
    expect(res.dValues[1]).toBeCloseTo((0.5 * 2 * (0 - 1)) / 2, 6);
  });

  it('clips the value loss PPO2-style around the old values', () => {
    const base = {
      actions: Int32Array.from([0]),
      oldLogp: Float32Array.from([Math.log(0.5)]),
      advantages: Float32Array.from([0]),
      returns: Float32Array.from([1]),
      oldValues: Float32Array.from([0]),
    };
    const coeffs = { clip: 0.2, valueCoef: 1, valueClip: 0.1, entropyCoef: 0, distillCoef: 0 };
    // V = 0.5 moved past old + 0.1 towards the return: max((0.5-1)^2, (0.1-1)^2) = 0.81, no gradient.
    const moved = ppoLoss(Float32Array.from([0, 0]), Float32Array.from([0.5]), base, coeffs);
    expect(moved.valueLoss).toBeCloseTo(0.81, 6);
    expect(moved.dValues[0]).toBe(0);
    // V = -0.5 moved away from the return: the unclipped error 2.25 is larger and has the gradient.
    const away = ppoLoss(Float32Array.from([0, 0]), Float32Array.from([-0.5]), base, coeffs);
    expect(away.valueLoss).toBeCloseTo(2.25, 6);
    expect(away.dValues[0]).toBeCloseTo(2 * -1.5, 6);
    expect(() => ppoLoss(Float32Array.from([0, 0]), Float32Array.from([0]), { ...base, oldValues: null }, coeffs)).toThrow(/oldValues/);
  });

  it('rejects actions outside the action map', () => {
    expect(() =>
      ppoLoss(
        new Float32Array(2),
        new Float32Array(1),
        { actions: Int32Array.from([2]), oldLogp: new Float32Array(1), advantages: new Float32Array(1), returns: new Float32Array(1) },
        { clip: 0.2, valueCoef: 1, entropyCoef: 0, distillCoef: 0 },
      ),
    ).toThrow(/actions\[0\] = 2/);
  });
});

describe('qLoss', () => {
  it('is the mean Huber loss on the taken action', () => {
    const q = Float32Array.from([1, 2, 3, 0, 0, 0]);
    const res = qLoss(q, Int32Array.from([1, 2]), Float32Array.from([2.5, 3]));
    // Row 0: error -0.5 -> 0.125, gradient -0.5; row 1: error -3 -> 2.5, gradient -1.
    expect(res.loss).toBeCloseTo((0.125 + 2.5) / 2, 9);
    expect(Array.from(res.dLogits)).toEqual([0, -0.25, 0, 0, 0, -0.5]);
    expect(Array.from(res.tdErrors)).toEqual([-0.5, -3]);
  });
});

describe('action helpers', () => {
  it('logSoftmax, logProb and argmax', () => {
    const logits = Float32Array.from([1, 3, 2, 0, 0, 0]);
    const lp = logSoftmax(logits, 3);
    const lse = Math.log(Math.exp(1) + Math.exp(3) + Math.exp(2));
    expect(lp[1]).toBeCloseTo(3 - lse, 6);
    expect(lp[4]).toBeCloseTo(-Math.log(3), 6);
    expect(logProb(logits, 0, 3, 2)).toBeCloseTo(2 - lse, 6);
    expect(argmax(logits, 0, 3)).toBe(1);
    expect(argmax(logits, 3, 3)).toBe(0);
  });

  it('samples with the softmax frequencies, deterministically by seed', () => {
    const logits = Float32Array.from([0, Math.log(3), -Infinity]);
    const rng = new Rng(5);
    const counts = [0, 0, 0];
    for (let i = 0; i < 20_000; i++) counts[sampleAction(logits, 0, 3, rng)]++;
    expect(counts[2]).toBe(0);
    expect(counts[1] / 20_000).toBeCloseTo(0.75, 1);
    const a1 = new Int32Array(50);
    const a2 = new Int32Array(50);
    const lp = new Float32Array(50);
    const many = new Float32Array(150).map((_, i) => Math.sin(i));
    sampleActions(many, 3, new Rng(9), a1, lp);
    sampleActions(many, 3, new Rng(9), a2, lp);
    expect(a1).toEqual(a2);
    expect(lp[7]).toBeCloseTo(logProb(many, 21, 3, a1[7]), 6);
  });
});

describe('Adam and clipping', () => {
  it('takes PyTorch Adam steps (bias-corrected)', () => {
    const adam = new Adam(2, { lr: 0.1 });
    const p = Float32Array.from([1, -1]);
    adam.step(p, Float32Array.from([0.5, -2]));
    // First step: m_hat = g, v_hat = g^2 -> p -= lr * g / (|g| + eps).
    expect(p[0]).toBeCloseTo(1 - 0.1, 6);
    expect(p[1]).toBeCloseTo(-1 + 0.1, 6);
    adam.step(p, Float32Array.from([0.5, 0]));
    const m = 0.9 * 0.05 + 0.1 * 0.5;
    const v = 0.999 * 0.00025 + 0.001 * 0.25;
    expect(p[0]).toBeCloseTo(0.9 - (0.1 / (1 - 0.81)) * (m / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** 2) + 1e-8)), 6);
  });

  it('saves and restores its state exactly', () => {
    const a = new Adam(3, { lr: 0.01, beta2: 0.99 });
    const p = Float32Array.from([1, 2, 3]);
    a.step(p, Float32Array.from([0.1, -0.2, 0.3]));
    const b = Adam.fromState(JSON.parse(JSON.stringify(a.saveState())));
    const p2 = Float32Array.from(p);
    a.step(p, Float32Array.from([0.3, 0.2, 0.1]));
    b.step(p2, Float32Array.from([0.3, 0.2, 0.1]));
    expect(p2).toEqual(p);
    expect(b.stepCount).toBe(2);
    expect(b.beta2).toBe(0.99);
    const c = new Adam(3, { lr: 0.01, beta2: 0.99 });
    c.loadState(JSON.parse(JSON.stringify(b.saveState())));
    expect(c.m).toEqual(b.m);
    expect(c.stepCount).toBe(2);
    expect(() => new Adam(4, { lr: 0.01 }).loadState(b.saveState())).toThrow(/expected 4/);
    expect(() => c.loadState({ format: 'x' })).toThrow(/format/);
  });

  it('clips the global norm and returns the norm before clipping', () => {
    const g = Float32Array.from([3, 4]);
    expect(clipGradNorm(g, 1)).toBeCloseTo(5, 9);
    expect(gradNorm(g)).toBeCloseTo(1, 5);
    const small = Float32Array.from([0.3, 0.4]);
    expect(clipGradNorm(small, 1)).toBeCloseTo(0.5, 6);
    expect(Array.from(small)).toEqual([fround(0.3), fround(0.4)]);
  });
});

function fround(x: number): number {
  return Math.fround(x);
}

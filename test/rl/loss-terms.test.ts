import { describe, expect, it } from 'vitest';
import { ppoLoss } from '../../src/rl/common/losses.js';
import { gradientShares } from '../../src/rl/ppo/ppo.js';

const coeffs = { clip: 0.3, valueCoef: 0.5, entropyCoef: 0.01, distillCoef: 0.1 };

describe("each PPO loss term's part of the output gradient", () => {
  it('matches hand-computed norms on one row', () => {
    // Logits (0, 0): p = (1/2, 1/2), ratio 1, advantage 1, action 0: d policy / d z = -(1 - p0, -p1)
    // = (-1/2, 1/2), norm sqrt(1/2). Entropy is at its maximum: no gradient. Distillation toward
    // action 1: -0.1 ((0, 1) - p) = (0.05, -0.05), norm 0.1 / sqrt(2). Value 0.5 against 0:
    // 0.5 x 2 x 0.5 = 0.5.
    const r = ppoLoss(Float32Array.from([0, 0]), Float32Array.from([0.5]), {
      actions: Int32Array.from([0]),
      oldLogp: Float32Array.from([Math.log(0.5)]),
      advantages: Float32Array.from([1]),
      returns: Float32Array.from([0]),
      teacherActions: Int32Array.from([1]),
    }, coeffs);
    expect(r.termGradNorms.policy).toBeCloseTo(Math.SQRT1_2, 6);
    expect(r.termGradNorms.entropy).toBeCloseTo(0, 12);
    expect(r.termGradNorms.distill).toBeCloseTo(0.1 * Math.SQRT1_2, 6);
    expect(r.termGradNorms.value).toBeCloseTo(0.5, 6);
  });

  it('measures the entropy term away from the uniform policy, and the parts add up to the gradient', () => {
    // p = (3/4, 1/4), H = 0.5623: d(-0.01 H) / d z_j = 0.01 p_j (log p_j + H) = +-0.01 x 0.20599.
    const logits = Float32Array.from([Math.log(3), 0]);
    const rows = { actions: Int32Array.from([1]), oldLogp: Float32Array.from([Math.log(0.25)]), advantages: Float32Array.from([0]), returns: Float32Array.from([0]) };
    const r = ppoLoss(logits, Float32Array.from([0]), rows, coeffs);
    expect(r.termGradNorms.entropy).toBeCloseTo(0.01 * 0.205987 * Math.SQRT2, 6);
    expect(r.termGradNorms.policy).toBe(0);
    expect(Math.hypot(r.dLogits[0], r.dLogits[1])).toBeCloseTo(r.termGradNorms.entropy, 6);
  });

  it('turns the norms into shares that sum to 1, and reports none when nothing was measured', () => {
    const s = gradientShares({ policy: 3, value: 1, entropy: 0, distill: 0, n: 2 });
    expect(s).toEqual({ gradSharePolicy: 0.75, gradShareValue: 0.25, gradShareEntropy: 0, gradShareDistill: 0 });
    expect(gradientShares({ policy: 0, value: 0, entropy: 0, distill: 0, n: 0 })).toEqual({});
  });
});

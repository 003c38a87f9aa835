import { describe, expect, it } from 'vitest';
import { advantages, monteCarloReturns, normalise } from '../../src/rl/common/returns.js';
import { sparseTerminalReward } from '../../src/rl/common/rewards.js';

describe('returns and advantages (gamma = 1)', () => {
  // Two episodes of T = 3: rewards [1, 2, 3] and [-1, 0, 4].
  const rewards = Float32Array.of(1, 2, 3, -1, 0, 4);
  const values = Float32Array.of(5, 4, 2, 1, 3, 3);

  it('Monte-Carlo returns sum the rest of the episode', () => {
    // [1+2+3, 2+3, 3] and [-1+0+4, 0+4, 4]
    expect(Array.from(monteCarloReturns(rewards, 2, 3))).toEqual([6, 5, 3, 3, 4, 4]);
  });

  it("'mc' advantages are G - V", () => {
    const { advantages: a, targets } = advantages(rewards, values, 2, 3, 'mc');
    expect(Array.from(targets)).toEqual([6, 5, 3, 3, 4, 4]);
    expect(Array.from(a)).toEqual([1, 1, 1, 2, 1, 1]);
  });

  it("'td' advantages are r + V(next) - V, with V after the last period = 0", () => {
    const { advantages: a, targets } = advantages(rewards, values, 2, 3, 'td');
    // targets: 1+4, 2+2, 3+0, -1+3, 0+3, 4+0
    expect(Array.from(targets)).toEqual([5, 4, 3, 2, 3, 4]);
    expect(Array.from(a)).toEqual([0, 0, 1, 1, 0, 1]);
  });

  it('normalise gives zero mean and unit standard deviation', () => {
    const x = normalise(Float32Array.of(1, 2, 3, 4));
    // mean 2.5, population std sqrt(1.25) = 1.118034
    expect(x[0]).toBeCloseTo(-1.5 / Math.sqrt(1.25), 5);
    expect(x[3]).toBeCloseTo(1.5 / Math.sqrt(1.25), 5);
  });
});

describe("Lin and Beling's sparse terminal reward", () => {
  it('is +1 above the band, -1 below, 0 inside', () => {
    expect(sparseTerminalReward(1.5, 1)).toBe(1);
    expect(sparseTerminalReward(-1.5, 1)).toBe(-1);
    expect(sparseTerminalReward(0.99, 1)).toBe(0);
    expect(sparseTerminalReward(-1, 1)).toBe(0);
  });
});

describe('explained variance of the critic', () => {
  it('by hand: 1 for a perfect fit, 0 for a constant, 1 - Var(residual) / Var(target) otherwise', async () => {
    const { explainedVariance } = await import('../../src/rl/common/returns.js');
    const t = Float32Array.of(1, 2, 3, 4);
    expect(explainedVariance(t, t)).toBe(1);
    expect(explainedVariance(t, new Float32Array(4).fill(7))).toBeCloseTo(0, 12);
    // residuals (1, 0, 1, 0): variance 0.25 against 1.25 -> 1 - 0.2 = 0.8
    expect(explainedVariance(t, Float32Array.of(0, 2, 2, 4))).toBeCloseTo(0.8, 6);
    expect(explainedVariance(new Float32Array(3).fill(2), Float32Array.of(1, 2, 3))).toBeNaN();
  });
});

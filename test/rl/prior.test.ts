import { describe, expect, it } from 'vitest';
import { maxEntropyPrior, startActorAt } from '../../src/rl/common/prior.js';
import { ActorCritic } from '../../src/nn/network.js';
import { Rng } from '../../src/util/random.js';

const MAP = [0, 0.25, 0.5, 0.75, 1];

describe('the TWAP-centred start of the actor', () => {
  it('the mid-point mean of a symmetric map is the uniform distribution', () => {
    for (const p of maxEntropyPrior(MAP, 0.5)) expect(p).toBeCloseTo(0.2, 9);
  });

  it('has the asked mean, sums to 1 and is exponential in the share (p_a+1 / p_a constant)', () => {
    const p = maxEntropyPrior(MAP, 1 / 8);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p.reduce((s, x, k) => s + x * MAP[k], 0)).toBeCloseTo(1 / 8, 12);
    for (let k = 1; k < 4; k++) expect(p[k + 1] / p[k]).toBeCloseTo(p[1] / p[0], 9);
    expect(p[0]).toBeGreaterThan(p[1]);
  });

  it('refuses a mean outside the map', () => {
    expect(() => maxEntropyPrior(MAP, 0)).toThrow(/strictly between/);
  });

  it('makes every state start near the prior', () => {
    const net = ActorCritic.create({ pubIn: 4, privIn: 2, hidden: 8, mlp: [8, 8], actions: 5 }, new Rng(3));
    const prior = maxEntropyPrior(MAP, 1 / 8);
    startActorAt(net, prior);
    const s = net.inference(3);
    s.resetAll();
    s.stepPublic(Float32Array.from({ length: 12 }, (_, k) => Math.sin(k) * 3));
    s.stepPrivate(Float32Array.of(1, 0, 0.5, 0.2, 0.1, 0.9));
    const logits = new Float32Array(15);
    s.heads(logits, null);
    for (let e = 0; e < 3; e++) {
      const z = [0, 1, 2, 3, 4].reduce((a, k) => a + Math.exp(logits[e * 5 + k]), 0);
      for (let k = 0; k < 5; k++) expect(Math.abs(Math.exp(logits[e * 5 + k]) / z - prior[k])).toBeLessThan(0.02);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { privateFeatureMap, privateFeatureNames, privateRow, privateStepInput, privateWidth, publicSequence, publicStepInput, readsMirrored } from '../../src/rl/common/observe.js';
import { EPISODE_PUBLIC_FEATURES, mirrorPublicStep, PUBLIC_FEATURES } from '../../src/sim/observation.js';
import { sideSpec } from '../../src/rl/common/policy.js';
import { ExecutionEnv } from '../../src/sim/env.js';
import { DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';
import { makeEpisodes, pricePath } from '../helpers/episodes.js';

describe('the private input', () => {
  it('lays out remaining, elapsed, the previous share and the side, in that order', () => {
    const out = new Float32Array(6).fill(9);
    privateRow({ privateFeatures: 2 }, 0.75, 0.25, 0.5, -1, out, 1);
    expect(Array.from(out)).toEqual([9, 0.75, 0.25, 9, 9, 9]);
    privateRow({ privateFeatures: 2, side: true }, 0.75, 0.25, 0.5, -1, out, 0);
    expect(Array.from(out.subarray(0, 3))).toEqual([0.75, 0.25, -1]);
    privateRow({ privateFeatures: 3 }, 0.75, 0.25, 0.5, -1, out, 0);
    expect(Array.from(out.subarray(0, 3))).toEqual([0.75, 0.25, 0.5]);
    privateRow({ privateFeatures: 3, side: true }, 0.75, 0.25, 0.5, 1, out, 2);
    expect(Array.from(out.subarray(2, 6))).toEqual([0.75, 0.25, 0.5, 1]);
    expect([privateWidth({ privateFeatures: 2 }), privateWidth({ privateFeatures: 2, side: true }), privateWidth({ privateFeatures: 3, side: true })]).toEqual([2, 3, 4]);
  });

  it('maps one layout onto another by feature name (a missing one is -1)', () => {
    expect(privateFeatureNames({ privateFeatures: 3, side: true })).toEqual(['remaining', 'elapsed', 'previous-share', 'side']);
    expect(privateFeatureMap({ privateFeatures: 2, side: true }, { privateFeatures: 3, side: true })).toEqual([0, 1, 3]);
    expect(privateFeatureMap({ privateFeatures: 3 }, { privateFeatures: 2, side: true })).toEqual([0, 1, -1]);
  });

  it("gives every episode its own side sign, and reads the side only when the learner's orders include buys", () => {
    const price = pricePath(237, 3);
    const episodes = makeEpisodes([
      { price, side: 'sell', quantity: 1000 },
      { price, side: 'buy', quantity: 400 },
    ]);
    const env = new ExecutionEnv(episodes, DEFAULT_SIM_SETTINGS);
    env.reset();
    const out = new Float32Array(6);
    privateStepInput(env, { privateFeatures: 2, side: true }, null, out);
    expect(Array.from(out)).toEqual([1, 0, 1, 1, 0, -1]);
    expect(() => privateStepInput(env, { privateFeatures: 3 }, null, out)).toThrow(/previous share/);
    expect(sideSpec(episodes)).toEqual({ side: true });
    expect(sideSpec(makeEpisodes([{ price }, { price }]))).toEqual({});
  });
});

describe('the public input of a buy order, mirrored', () => {
  // One block of 18: per feature (open, high, low, close, average price, volume) its mean, last, std.
  const block = [1, 2, 0.5, 3, 4, 0.6, -1, -2, 0.7, 5, 6, 0.8, 7, 8, 0.9, 10, 11, 1.2];
  it('negates every price mean and last value, keeps the spreads and the volume, and swaps high and low', () => {
    const x = new Float32Array([99, ...block, ...block]);
    mirrorPublicStep(x, 1, 2 * PUBLIC_FEATURES);
    const mirrored = [-1, -2, 0.5, 1, 2, 0.7, -3, -4, 0.6, -5, -6, 0.8, -7, -8, 0.9, 10, 11, 1.2];
    expect(Array.from(x)).toEqual(Array.from(new Float32Array([99, ...mirrored, ...mirrored])));
    // Mirroring twice gives the step back.
    mirrorPublicStep(x, 1, 2 * PUBLIC_FEATURES);
    expect(Array.from(x)).toEqual(Array.from(new Float32Array([99, ...block, ...block])));
    expect(() => mirrorPublicStep(x, 0, 20)).toThrow(/not a multiple of 18/);
  });

  it("mirrors only the buy orders of a policy that asks for it, in the student's steps and the teacher's sequence, leaving the episodes' data alone", () => {
    const price = pricePath(237, 3);
    const episodes = makeEpisodes([
      { price, side: 'sell', quantity: 1000 },
      { price, side: 'buy', quantity: 400 },
    ]);
    const W = EPISODE_PUBLIC_FEATURES;
    const S = episodes.steps;
    for (let k = 0; k < episodes.pub.length; k++) episodes.pub[k] = ((k * 7919) % 23) / 10 - 1.1;
    const original = Float32Array.from(episodes.pub);
    expect([readsMirrored({ mirrorBuys: true }, -1), readsMirrored({ mirrorBuys: true }, 1), readsMirrored({}, -1)]).toEqual([true, false, false]);
    const env = new ExecutionEnv(episodes, DEFAULT_SIM_SETTINGS);
    env.reset();
    const out = new Float32Array(2 * W);
    publicStepInput(env, 'student', 0, out, W, { mirrorBuys: true });
    const buyStep = Float32Array.from(original.subarray(S * W, S * W + W));
    mirrorPublicStep(buyStep, 0, W);
    expect(Array.from(out.subarray(0, W))).toEqual(Array.from(original.subarray(0, W)));
    expect(Array.from(out.subarray(W))).toEqual(Array.from(buyStep));
    publicStepInput(env, 'student', 0, out, W);
    expect(Array.from(out.subarray(W))).toEqual(Array.from(original.subarray(S * W, S * W + W)));
    const seq = publicSequence(episodes, 2, PUBLIC_FEATURES, { mirrorBuys: true });
    for (let s = 0; s < S; s++) {
      const own = Float32Array.from(original.subarray((S + s) * W, (S + s) * W + PUBLIC_FEATURES));
      mirrorPublicStep(own, 0, PUBLIC_FEATURES);
      expect(Array.from(seq.subarray((S + s) * PUBLIC_FEATURES, (S + s + 1) * PUBLIC_FEATURES))).toEqual(Array.from(own));
      expect(Array.from(seq.subarray(s * PUBLIC_FEATURES, (s + 1) * PUBLIC_FEATURES))).toEqual(Array.from(original.subarray(s * W, s * W + PUBLIC_FEATURES)));
    }
    expect(Array.from(episodes.pub)).toEqual(Array.from(original));
    expect(sideSpec(episodes, true)).toEqual({ side: true, mirrorBuys: true });
    expect(sideSpec(makeEpisodes([{ price }, { price }]), true)).toEqual({});
  });
});

import { describe, expect, it } from 'vitest';
import { privateFeatureMap, privateFeatureNames, privateRow, privateStepInput, privateWidth } from '../../src/rl/common/observe.js';
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

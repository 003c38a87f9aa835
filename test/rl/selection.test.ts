import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OrderSettingsSchema } from '../../src/data/orders.js';
import { runStrategy } from '../../src/eval/run.js';
import { ActorCritic } from '../../src/nn/network.js';
import { policyStrategy } from '../../src/rl/common/policy-file.js';
import { episodeRewards, oneSeScore, scoreCheckpoint, validateMode } from '../../src/rl/common/selection.js';
import { PpoSettingsSchema } from '../../src/rl/ppo/settings.js';
import { prepareTrainingData, trainPolicy } from '../../src/rl/train.js';
import { publicWidth } from '../../src/sim/observation.js';
import { DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';
import { Rng } from '../../src/util/random.js';
import { memoryStore } from '../helpers/memory-store.js';

describe('the one-standard-error score', () => {
  it('is the mean reward less the standard error of the day means (hand-computed)', () => {
    // Day a: 1, 3 (mean 2); day b: 2, 6 (mean 4). Mean 3; sd of (2, 4) = sqrt(2), SE = sqrt(2)/sqrt(2) = 1.
    const s = oneSeScore([1, 3, 2, 6], ['a', 'a', 'b', 'b']);
    expect(s.reward).toBeCloseTo(3, 12);
    expect(s.seByDay).toBeCloseTo(1, 12);
    expect(s.score).toBeCloseTo(2, 12);
  });

  it('has no spread to subtract on one day, and none for a schedule equal on every day', () => {
    expect(oneSeScore([1, 5], ['a', 'a'])).toEqual({ reward: 3, seByDay: 0, score: 3 });
    expect(oneSeScore([-0.5, -0.5, -0.5], ['a', 'b', 'c']).score).toBeCloseTo(-0.5, 15);
  });

  it('prefers a steady small gain to a larger mean that is mostly one day', () => {
    const days = ['a', 'b', 'c', 'd'];
    const steady = oneSeScore([1, 1.2, 0.8, 1], days);
    const bet = oneSeScore([-3, -3, -3, 14], days);
    expect(bet.reward).toBeGreaterThan(steady.reward);
    expect(steady.score).toBeGreaterThan(bet.score);
  });

  it("sums each episode's period rewards", () => {
    expect([...episodeRewards(Float32Array.from([1, 2, 3, 0.5, 0.25, 0.25]), 2, 3)]).toEqual([6, 1]);
  });
});

describe('scoring a checkpoint', () => {
  const store = memoryStore({ instruments: 6, days: 8, validationDays: 3, testDays: 1, seed: 4 }, 5, 2);
  const data = prepareTrainingData(store, DEFAULT_SIM_SETTINGS, OrderSettingsSchema.parse({}));
  const spec = { view: 'student' as const, privateFeatures: 2 as const, actionMap: DEFAULT_SIM_SETTINGS.actionMap };
  const net = ActorCritic.create({ pubIn: publicWidth({}), privIn: 2, hidden: 16, mlp: [16, 8], actions: spec.actionMap.length }, new Rng(5));

  it("the rollout's expected mode executes what the backtest's expected mode does, order by order", () => {
    const v = validateMode(net, spec, data.validation, DEFAULT_SIM_SETTINGS, 'expected', null);
    const run = runStrategy(policyStrategy(net, spec, 'x', 'learned', 1, 'expected'), data.validation, DEFAULT_SIM_SETTINGS);
    const pa = [...run.paBps].filter((x) => !Number.isNaN(x));
    expect(v.paBps).toBeCloseTo(pa.reduce((a, b) => a + b, 0) / pa.length, 9);
    // The rollout records each period's reward in float32: equal to about 1e-7 relative.
    expect(Math.abs(v.reward / (run.reward.reduce((a, b) => a + b, 0) / run.count) - 1)).toBeLessThan(1e-6);
    const greedy = validateMode(net, spec, data.validation, DEFAULT_SIM_SETTINGS, 'greedy', null);
    expect(greedy.paBps).not.toBeCloseTo(v.paBps, 6);
  });

  it("'mean-pa' scores the greedy PA; 'one-se' the better mode's reward less its SE by day", () => {
    const pa = scoreCheckpoint(net, spec, data.validation, DEFAULT_SIM_SETTINGS, 'mean-pa');
    const greedy = validateMode(net, spec, data.validation, DEFAULT_SIM_SETTINGS, 'greedy', null);
    const expected = validateMode(net, spec, data.validation, DEFAULT_SIM_SETTINGS, 'expected', null);
    expect(pa).toMatchObject({ mode: 'greedy', score: greedy.paBps });
    const se = scoreCheckpoint(net, spec, data.validation, DEFAULT_SIM_SETTINGS, 'one-se');
    expect(se.score).toBe(Math.max(greedy.oneSe, expected.oneSe));
    expect(se.mode).toBe(expected.oneSe > greedy.oneSe ? 'expected' : 'greedy');
    expect(se.rewardSeByDay).toBeGreaterThan(0);
  });
});

describe('training under the one-SE rule', () => {
  const store = memoryStore({ instruments: 8, days: 8, validationDays: 2, testDays: 1, seed: 2 }, 5, 2);
  const tiny = prepareTrainingData(store, DEFAULT_SIM_SETTINGS, OrderSettingsSchema.parse({}));
  // One-SE is the default.
  const settings = PpoSettingsSchema.parse({ iterations: 6, episodesPerIteration: 32, validateEvery: 2, patience: 100, seed: 3, learningRate: 3e-3 });

  it('keeps the best-scoring checkpoint and its mode, and resumes to the same result', async () => {
    const a = mkdtempSync(join(tmpdir(), 'execlab-onese-'));
    const b = mkdtempSync(join(tmpdir(), 'execlab-onese-'));
    const full = await trainPolicy(tiny, DEFAULT_SIM_SETTINGS, { algo: 'ppo', name: 'P', settings }, { outDir: a });
    const h = full.result.history;
    expect(settings.selection).toBe('one-se');
    expect(h).toHaveLength(3);
    for (const p of h) {
      expect(p.score).toBeCloseTo(p.reward - p.rewardSeByDay!, 12);
      expect(['greedy', 'expected']).toContain(p.mode);
    }
    const top = Math.max(...h.map((p) => p.score!));
    expect(full.result.best.score).toBe(top);
    expect(full.policy.evaluation).toBe(full.result.best.mode);
    expect(JSON.parse(readFileSync(join(a, 'metrics.jsonl'), 'utf8').split('\n')[1]).validScore).toBe(h[0].score);
    await trainPolicy(tiny, DEFAULT_SIM_SETTINGS, { algo: 'ppo', name: 'P', settings }, { outDir: b, haltAfter: 3 });
    const resumed = await trainPolicy(tiny, DEFAULT_SIM_SETTINGS, { algo: 'ppo', name: 'P', settings }, { outDir: b, resume: true });
    expect(resumed.result.history).toEqual(h);
    expect(resumed.policy.network.params).toBe(full.policy.network.params);
  });

  it("the mean-PA rule records points as before: no score, no mode", async () => {
    const plain = await trainPolicy(tiny, DEFAULT_SIM_SETTINGS, { algo: 'ppo', name: 'P', settings: { ...settings, selection: 'mean-pa' } }, { outDir: null });
    expect(Object.keys(plain.result.history[0]).sort()).toEqual(['iteration', 'paBps', 'reward']);
  });
});

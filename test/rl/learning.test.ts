import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrderSettingsSchema } from '../../src/data/orders.js';
import { DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';
import { prepareTrainingData, trainPolicy, type TrainJob } from '../../src/rl/train.js';
import { PpoSettingsSchema } from '../../src/rl/ppo/settings.js';
import { DdqnSettingsSchema } from '../../src/rl/ddqn/settings.js';
import { strategyFromPolicyFile } from '../../src/rl/common/policy-file.js';
import { ActorCritic } from '../../src/nn/network.js';
import { runStrategy } from '../../src/eval/run.js';
import { createTwap } from '../../src/strategies/twap.js';
import { pairedTTest } from '../../src/eval/stats.js';
import { memoryStore } from '../helpers/memory-store.js';

/**
 * Learning works: on a small synthetic market with strong predictability (and no common market
 * factor, so orders are independent), a bounded budget lifts validation PA clearly and significantly
 * above TWAP. Fixed seeds; about 20 s per learner on one core.
 */
const store = memoryStore({ instruments: 60, days: 30, validationDays: 5, testDays: 5, predictability: 4, marketFactorShare: 0, seed: 1 }, 20, 5);
const data = prepareTrainingData(store, DEFAULT_SIM_SETTINGS, OrderSettingsSchema.parse({}));

async function beatsTwap(job: TrainJob): Promise<{ diff: number; p: number }> {
  const { policy } = await trainPolicy(data, DEFAULT_SIM_SETTINGS, job, { outDir: null });
  const learned = runStrategy(strategyFromPolicyFile(policy), data.validation, DEFAULT_SIM_SETTINGS);
  const twap = runStrategy(createTwap(), data.validation, DEFAULT_SIM_SETTINGS);
  const t = pairedTTest(learned.paBps, twap.paBps);
  return { diff: t.meanDiff, p: t.pValue };
}

describe('learning on a predictable market', () => {
  it('PPO with the OPD reward beats TWAP on validation PA', async () => {
    const settings = PpoSettingsSchema.parse({ iterations: 16, episodesPerIteration: 256, learningRate: 3e-3, validateEvery: 2, patience: 100, seed: 1 });
    const r = await beatsTwap({ algo: 'ppo', name: 'OPD-S', settings });
    expect(r.diff).toBeGreaterThan(5);
    expect(r.p).toBeLessThan(0.01);
  });

  it('DDQN beats TWAP on validation PA', async () => {
    const settings = DdqnSettingsSchema.parse({ iterations: 20, episodesPerIteration: 128, learningRate: 1e-3, epsilonDecayIterations: 12, targetUpdateEvery: 50, bufferEpisodes: 4096, validateEvery: 2, patience: 100, seed: 1 });
    const r = await beatsTwap({ algo: 'ddqn', name: 'DDQN', settings });
    expect(r.diff).toBeGreaterThan(5);
    expect(r.p).toBeLessThan(0.01);
  });
});

describe('checkpoint and resume', () => {
  const small = memoryStore({ instruments: 8, days: 8, validationDays: 2, testDays: 1, seed: 2 }, 5, 2);
  const tiny = prepareTrainingData(small, DEFAULT_SIM_SETTINGS, OrderSettingsSchema.parse({}));
  const ppo = PpoSettingsSchema.parse({ iterations: 6, episodesPerIteration: 32, validateEvery: 2, patience: 100, seed: 3, learningRate: 1e-3 });
  const ddqn = DdqnSettingsSchema.parse({ iterations: 6, episodesPerIteration: 16, updatesPerIteration: 2, bufferEpisodes: 64, validateEvery: 2, patience: 100, seed: 3 });
  for (const job of [{ algo: 'ppo', name: 'P', settings: ppo }, { algo: 'ddqn', name: 'D', settings: ddqn }] as TrainJob[]) {
    it(`a killed ${job.algo} run resumed gives the uninterrupted result`, async () => {
      const a = mkdtempSync(join(tmpdir(), 'execlab-resume-'));
      const b = mkdtempSync(join(tmpdir(), 'execlab-resume-'));
      const full = await trainPolicy(tiny, DEFAULT_SIM_SETTINGS, job, { outDir: a });
      // "Kill" after iteration 3 (the checkpoint is from iteration 2), then resume.
      await trainPolicy(tiny, DEFAULT_SIM_SETTINGS, job, { outDir: b, haltAfter: 3 });
      const resumed = await trainPolicy(tiny, DEFAULT_SIM_SETTINGS, job, { outDir: b, resume: true });
      expect(resumed.policy.network.params).toBe(full.policy.network.params);
      expect(resumed.result.history).toEqual(full.result.history);
      const strip = (f: string): unknown[] => readFileSync(f, 'utf8').trim().split('\n').map((l) => ({ ...JSON.parse(l), seconds: 0 }));
      expect(strip(join(b, 'metrics.jsonl'))).toEqual(strip(join(a, 'metrics.jsonl')));
    });
  }
});

describe('training data at scale', () => {
  it('caps the episodes held in memory with a seeded sample', () => {
    const small = memoryStore({ instruments: 8, days: 8, validationDays: 2, testDays: 1, seed: 2 }, 5, 2);
    const all = prepareTrainingData(small, DEFAULT_SIM_SETTINGS, OrderSettingsSchema.parse({}));
    const capped = prepareTrainingData(small, DEFAULT_SIM_SETTINGS, OrderSettingsSchema.parse({}), undefined, 10);
    expect(all.train.count).toBe(40);
    expect(capped.train.count).toBe(10);
    expect(capped.validation.count).toBe(10);
    const again = prepareTrainingData(small, DEFAULT_SIM_SETTINGS, OrderSettingsSchema.parse({}), undefined, 10);
    expect(again.train.orders).toEqual(capped.train.orders);
  });
});

describe('PPO on two threads', () => {
  const workerUrl = new URL('../../dist/rl/common/data-parallel-worker.js', import.meta.url);
  const inferenceWorkerUrl = new URL('../../dist/nn/parallel-inference-worker.js', import.meta.url);
  const two = { threads: 2, replicas: 2, workerUrl, inferenceWorkerUrl };
  /** 80 training orders: collection batches of 64 run on two inference threads as well. */
  function setup(): { data: ReturnType<typeof prepareTrainingData>; job: TrainJob } {
    const small = memoryStore({ instruments: 16, days: 8, validationDays: 2, testDays: 1, seed: 2 }, 5, 2);
    const data = prepareTrainingData(small, DEFAULT_SIM_SETTINGS, OrderSettingsSchema.parse({}));
    const settings = PpoSettingsSchema.parse({ iterations: 2, episodesPerIteration: 64, epochs: 1, validateEvery: 1, patience: 100, seed: 4, learningRate: 1e-3 });
    return { data, job: { algo: 'ppo', name: 'P', settings } };
  }

  it.skipIf(!existsSync(inferenceWorkerUrl))('gives one thread\'s numbers bit for bit with its rollouts on two threads', async () => {
    const { data, job } = setup();
    const one = await trainPolicy(data, DEFAULT_SIM_SETTINGS, job, { outDir: null });
    const rollouts = await trainPolicy(data, DEFAULT_SIM_SETTINGS, job, { outDir: null, threads: 2, inferenceWorkerUrl });
    expect(rollouts.policy.network.params).toBe(one.policy.network.params);
    expect(rollouts.result.history).toEqual(one.result.history);
  });

  it.skipIf(!existsSync(workerUrl))('trains deterministically on two gradient replicas and matches one to float rounding', async () => {
    const { data, job } = setup();
    const one = await trainPolicy(data, DEFAULT_SIM_SETTINGS, job, { outDir: null });
    const twoA = await trainPolicy(data, DEFAULT_SIM_SETTINGS, job, { outDir: null, ...two });
    const twoB = await trainPolicy(data, DEFAULT_SIM_SETTINGS, job, { outDir: null, ...two });
    expect(twoB.policy.network.params).toBe(twoA.policy.network.params);
    const a = ActorCritic.fromJSON(one.policy.network).params;
    const b = ActorCritic.fromJSON(twoA.policy.network).params;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
    expect(diff).toBeLessThan(1e-5);
  });

  it.skipIf(!existsSync(workerUrl))('resumes a two-replica run only on two replicas, to the uninterrupted result', async () => {
    const { data, job } = setup();
    const full = await trainPolicy(data, DEFAULT_SIM_SETTINGS, job, { outDir: null, ...two });
    const dir = mkdtempSync(join(tmpdir(), 'execlab-resume2-'));
    await trainPolicy(data, DEFAULT_SIM_SETTINGS, job, { outDir: dir, haltAfter: 1, ...two });
    await expect(trainPolicy(data, DEFAULT_SIM_SETTINGS, job, { outDir: dir, resume: true })).rejects.toThrow(/computed its gradients on 2 replica\(s\) and would continue on 1; resume with --gradient-replicas 2/);
    const resumed = await trainPolicy(data, DEFAULT_SIM_SETTINGS, job, { outDir: dir, resume: true, ...two });
    expect(resumed.policy.network.params).toBe(full.policy.network.params);
  });
});

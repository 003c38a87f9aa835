import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { ActorCritic } from '../../src/nn/network.js';
import { ParallelInferenceSession } from '../../src/nn/parallel-inference.js';
import { MIN_PARALLEL_ROWS, TwoThreadInference } from '../../src/rl/common/inference-pool.js';
import { rollout, type PolicySpec } from '../../src/rl/common/policy.js';
import { OrderSettingsSchema } from '../../src/data/orders.js';
import { prepareTrainingData } from '../../src/rl/train.js';
import { ExecutionEnv } from '../../src/sim/env.js';
import { PUBLIC_FEATURES } from '../../src/sim/observation.js';
import { DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';
import { memoryStore } from '../helpers/memory-store.js';
import { Rng } from '../../src/util/random.js';

const workerUrl = new URL('../../dist/nn/parallel-inference-worker.js', import.meta.url);

describe('inference split over two threads', () => {
  it('gives up on a second thread that does not answer, with the reason, instead of waiting forever', () => {
    const net = ActorCritic.create({ pubIn: 18, privIn: 2, hidden: 8, mlp: [8], actions: 5 }, new Rng(1));
    // A worker that exits at once, as a crashed one would: it never answers.
    const dead = new URL('data:text/javascript,process.exit(0)');
    const two = new ParallelInferenceSession(net, 4, 9, dead, 300);
    const t0 = Date.now();
    expect(() => two.resetAll()).toThrow(/did not answer within 0\.3 s and was stopped .*--threads 1/);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(() => two.resetAll()).toThrow(/used after close/);
  });

  it.skipIf(!existsSync(workerUrl))('gives exactly the one-thread logits and values, step by step and for a whole-day encoding', () => {
    const cfg = { pubIn: 18, privIn: 2, hidden: 16, mlp: [16, 8], actions: 5 };
    const net = ActorCritic.create(cfg, new Rng(4));
    const rows = 7;
    const steps = 9;
    const rng = new Rng(9);
    const rand = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());
    const one = net.inference(rows);
    const two = new ParallelInferenceSession(net, rows, steps, workerUrl);
    try {
      const l1 = new Float32Array(rows * 5);
      const l2 = new Float32Array(rows * 5);
      const v1 = new Float32Array(rows);
      const v2 = new Float32Array(rows);
      one.resetAll();
      two.resetAll();
      for (let t = 0; t < 4; t++) {
        const p = rand(rows * 18);
        const q = rand(rows * 2);
        one.stepPublic(p);
        two.stepPublic(p);
        one.stepPrivate(q);
        two.stepPrivate(q);
        one.heads(l1, v1);
        two.heads(l2, v2);
        expect(Array.from(l2)).toEqual(Array.from(l1));
        expect(Array.from(v2)).toEqual(Array.from(v1));
      }
      const seq = rand(rows * steps * 18);
      one.encodePublic(seq, steps);
      two.encodePublic(seq, steps);
      one.heads(l1, null);
      two.heads(l2, null);
      expect(Array.from(l2)).toEqual(Array.from(l1));
    } finally {
      two.close();
    }
  });

  it.skipIf(!existsSync(workerUrl))('gives rollouts the same records as one thread, with parameters refreshed between uses', () => {
    const store = memoryStore({ instruments: 40, days: 4, validationDays: 1, testDays: 1, seed: 3 }, 2, 1);
    const { train } = prepareTrainingData(store, DEFAULT_SIM_SETTINGS, OrderSettingsSchema.parse({}));
    expect(train.count).toBeGreaterThanOrEqual(MIN_PARALLEL_ROWS);
    const net = ActorCritic.create({ pubIn: PUBLIC_FEATURES, privIn: 2, hidden: 8, mlp: [8, 8], actions: 5 }, new Rng(5));
    const pool = new TwoThreadInference(net, workerUrl);
    try {
      for (const view of ['student', 'teacher'] as const) {
        const spec: PolicySpec = { view, privateFeatures: 2, actionMap: DEFAULT_SIM_SETTINGS.actionMap };
        for (let round = 0; round < 2; round++) {
          const one = rollout(net, spec, new ExecutionEnv(train, DEFAULT_SIM_SETTINGS), 'sample', new Rng(11));
          const two = rollout(net, spec, new ExecutionEnv(train, DEFAULT_SIM_SETTINGS), 'sample', new Rng(11), { inference: pool.factory });
          expect(two.logp).toEqual(one.logp);
          expect(two.actions).toEqual(one.actions);
          expect(two.values).toEqual(one.values);
          expect(two.rewards).toEqual(one.rewards);
          // A training update between rollouts: the next session handed out must see it.
          for (let i = 0; i < net.params.length; i++) net.params[i] *= 1.5;
        }
      }
    } finally {
      pool.close();
    }
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OrderSettingsSchema } from '../../src/data/orders.js';
import { methodTask } from '../../src/reproduce/tasks.js';
import { QUICK_BUDGET } from '../../src/reproduce/settings.js';
import { DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';

const base = { dataDir: 'd', sim: DEFAULT_SIM_SETTINGS, orders: OrderSettingsSchema.parse({}), cacheDir: 'c', fingerprint: 'f' };
const learner = { marketContext: false, rewardBaseline: 'none' as const };

describe('reproduction tasks', () => {
  it('a longer teacher changes the teacher and OPD (whose cache depends on it), not the others', () => {
    const plain = (m: 'OPD-T' | 'OPD' | 'OPD-S') => methodTask(m, 1, QUICK_BUDGET, 1e-3, { ...base, learner });
    const longer = (m: 'OPD-T' | 'OPD' | 'OPD-S') => methodTask(m, 1, QUICK_BUDGET, 1e-3, { ...base, learner: { ...learner, teacherIterations: 100 } });
    expect(longer('OPD-T').iterations).toBe(100);
    expect(longer('OPD-T').ppo!.iterations).toBe(100);
    expect(plain('OPD-T').iterations).toBe(QUICK_BUDGET.iterations);
    expect(longer('OPD-T').outDir).not.toBe(plain('OPD-T').outDir);
    expect(longer('OPD').outDir).not.toBe(plain('OPD').outDir);
    expect(longer('OPD').iterations).toBe(QUICK_BUDGET.iterations);
    expect(longer('OPD-S').outDir).toBe(plain('OPD-S').outDir);
  });

  it("the teacher's own collection size and learning rate change the teacher and OPD, not the others", () => {
    const plain = (m: 'OPD-T' | 'OPD' | 'OPD-S') => methodTask(m, 1, QUICK_BUDGET, 1e-3, { ...base, learner });
    const own = (m: 'OPD-T' | 'OPD' | 'OPD-S') =>
      methodTask(m, 1, QUICK_BUDGET, 1e-3, { ...base, learner: { ...learner, teacherEpisodesPerIteration: 2048, teacherLearningRate: 2e-3, teacherPatience: 9 } });
    expect(own('OPD-T').ppo).toMatchObject({ episodesPerIteration: 2048, learningRate: 2e-3, patience: 9 });
    expect(own('OPD').ppo).toMatchObject({ episodesPerIteration: QUICK_BUDGET.episodesPerIteration, learningRate: 1e-3, patience: QUICK_BUDGET.patience });
    expect(own('OPD-T').outDir).not.toBe(plain('OPD-T').outDir);
    expect(own('OPD').outDir).not.toBe(plain('OPD').outDir);
    expect(own('OPD-S').outDir).toBe(plain('OPD-S').outDir);
    const nulls = { ...learner, teacherEpisodesPerIteration: null, teacherLearningRate: null, teacherPatience: null };
    expect(methodTask('OPD', 1, QUICK_BUDGET, 1e-3, { ...base, learner: nulls }).outDir).toBe(plain('OPD').outDir);
  });

  it("Lin and Beling's PPO takes the actor's start and entropy bonus, not the reward baseline; its default key is the one before", () => {
    const ppo = (l: object) => methodTask('PPO', 1, QUICK_BUDGET, 1e-3, { ...base, learner: { ...learner, ...l } });
    const plain = ppo({});
    expect(plain.ppo).toMatchObject({ reward: 'sparse', previousActionInState: true, initialPolicy: 'uniform', entropyCoef: 0.01, rewardBaseline: 'none' });
    // the key a PPO task had when it took none of them: the defaults spelled out give the same one
    expect(ppo({ initialPolicy: 'uniform', entropyCoef: null }).outDir).toBe(plain.outDir);
    const started = ppo({ initialPolicy: 'twap', entropyCoef: 0, rewardBaseline: 'market' });
    expect(started.ppo).toMatchObject({ reward: 'sparse', initialPolicy: 'twap', entropyCoef: 0, rewardBaseline: 'none' });
    expect(started.outDir).not.toBe(plain.outDir);
    // DDQN has no actor: the same settings leave its task as it was
    const ddqn = (l: object) => methodTask('DDQN', 1, QUICK_BUDGET, 1e-3, { ...base, learner: { ...learner, ...l } });
    expect(ddqn({ initialPolicy: 'twap', entropyCoef: 0 }).outDir).toBe(ddqn({}).outDir);
  });

  it('a sweep trial suffix keeps the cache key but names the task apart', () => {
    const a = methodTask('OPD-S', 2, QUICK_BUDGET, 1e-3, { ...base, learner });
    const b = methodTask('OPD-S', 2, QUICK_BUDGET, 1e-3, { ...base, learner, idSuffix: '-t3' });
    expect(b.id).toBe('OPD-S-s2-t3');
    expect(b.outDir.endsWith(a.outDir.split('-').pop()!)).toBe(true);
  });
});

describe('the selection rule in the cache key', () => {
  const task = (m: 'OPD-T' | 'OPD-S' | 'OPD-F' | 'DDQN', selection?: 'mean-pa' | 'one-se') =>
    methodTask(m, 1, QUICK_BUDGET, 1e-3, { ...base, learner: { ...learner, ...(selection ? { selection } : {}) } });
  it("students default to 'one-se'; 'mean-pa' keys are those made before the setting; the teacher keeps 'mean-pa'", () => {
    for (const m of ['OPD-S', 'OPD-F', 'DDQN'] as const) {
      expect(task(m).outDir).toBe(task(m, 'one-se').outDir);
      expect(task(m, 'mean-pa').outDir).not.toBe(task(m).outDir);
    }
    expect(task('OPD-S').ppo!.selection).toBe('one-se');
    expect(task('DDQN').ddqn!.selection).toBe('one-se');
    expect(task('OPD-S', 'mean-pa').ppo!.selection).toBe('mean-pa');
    expect(task('OPD-T', 'one-se').ppo!.selection).toBe('mean-pa');
    expect(task('OPD-T', 'one-se').outDir).toBe(task('OPD-T', 'mean-pa').outDir);
  });

  it("a 'mean-pa' key is the one written before the setting existed, with the kernels' numerics", () => {
    // 2026-12-01's key of OPD-S seed 1 on these inputs, computed without the selection field, and
    // with the numerics field that fused multiply-adds added (2026-12-06): trainings of the unfused
    // products are not taken for the fused ones'.
    const old = methodTask('OPD-S', 1, QUICK_BUDGET, 1e-3, { ...base, learner: { ...learner, selection: 'mean-pa' } });
    const { selection: _s, ...before } = old.ppo!;
    const key = createHash('sha256')
      .update(JSON.stringify({ fingerprint: base.fingerprint, sim: base.sim, orders: base.orders, method: 'OPD-S', seed: 1, ppo: before, ddqn: undefined, teacher: undefined, ruleTeacher: undefined, numerics: 'fma' }))
      .digest('hex')
      .slice(0, 12);
    expect(old.outDir.endsWith(key)).toBe(true);
  });
});

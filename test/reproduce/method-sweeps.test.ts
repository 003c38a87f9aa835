import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OrderSettingsSchema } from '../../src/data/orders.js';
import { applyMethodSettings, type MethodBase } from '../../src/reproduce/method-settings.js';
import { methodSettingsOf, readMethodSweeps, sweepMismatch } from '../../src/reproduce/method-sweeps.js';
import { FULL_BUDGET } from '../../src/reproduce/settings.js';
import type { SweepResult } from '../../src/reproduce/sweep.js';
import { methodTask } from '../../src/reproduce/tasks.js';
import { DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';

const ctx = { side: 'sell' as const, fingerprint: 'abc', dataset: 'synthetic', selection: 'one-se', ordersSeed: 7, mirrorBuys: false, quick: false };

function sweepResult(method: SweepResult['method'], chosenSettings: Record<string, unknown>, extra: Partial<SweepResult> = {}): SweepResult {
  return {
    method,
    dataset: 'synthetic',
    fingerprint: 'abc',
    budget: { iterations: 60, episodesPerIteration: 1024, validateEvery: 4, patience: 6 },
    trials: [],
    chosen: 1,
    chosenSettings: { data: 'd', selection: 'one-se', ordersSeed: 7, ...chosenSettings },
    ...extra,
  };
}

const base: MethodBase = {
  budget: { ...FULL_BUDGET },
  learningRate: 3e-3,
  distillCoef: 0.01,
  learner: { marketContext: false, rewardBaseline: 'none', initialPolicy: 'uniform', entropyCoef: null, hidden: null, teacherIterations: 150, selection: 'one-se' },
};

describe('method sweeps', () => {
  it("take the learner's settings from a sweep's choice, and nothing of the run's own (data, seeds, selection)", () => {
    const chosen = { data: 'd', learningRate: 1e-3, distillCoef: 0.01, marketContext: true, rewardBaseline: 'none', initialPolicy: 'twap', entropyCoef: 0, hidden: null, iterations: 30, selection: 'one-se', ordersSeed: 7, quick: true };
    expect(methodSettingsOf('OPD', chosen)).toEqual({ learningRate: 1e-3, distillCoef: 0.01, marketContext: true, rewardBaseline: 'none', initialPolicy: 'twap', entropyCoef: 0, iterations: 30 });
    // Only what reaches the method's training: no distillation weight outside OPD, no reward
    // baseline for Lin and Beling's PPO (its reward is the sparse one), and no actor settings for DDQN.
    for (const m of ['OPD-S', 'OPD-F', 'OPD-T'] as const) expect(methodSettingsOf(m, chosen)).toEqual({ learningRate: 1e-3, marketContext: true, rewardBaseline: 'none', initialPolicy: 'twap', entropyCoef: 0, iterations: 30 });
    expect(methodSettingsOf('PPO', chosen)).toEqual({ learningRate: 1e-3, marketContext: true, initialPolicy: 'twap', entropyCoef: 0, iterations: 30 });
    expect(methodSettingsOf('DDQN', chosen)).toEqual({ learningRate: 1e-3, marketContext: true, iterations: 30 });
  });

  it("apply a method's own settings over the global ones, leaving the rest (and the teacher's budget) as they were", () => {
    expect(applyMethodSettings(base, undefined)).toBe(base);
    const m = applyMethodSettings(base, { learningRate: 1e-3, entropyCoef: 0, initialPolicy: 'twap', iterations: 2, episodesPerIteration: 256 });
    expect(m.learningRate).toBe(1e-3);
    expect(m.distillCoef).toBe(0.01);
    expect(m.budget).toEqual({ ...FULL_BUDGET, iterations: 2, episodesPerIteration: 256, validateEvery: 2 });
    expect(m.learner).toEqual({ ...base.learner, entropyCoef: 0, initialPolicy: 'twap' });
    // A boolean false and a zero are settings, not gaps.
    const off = applyMethodSettings({ ...base, learner: { ...base.learner, marketContext: true, entropyCoef: 0.01 } }, { marketContext: false, entropyCoef: 0 });
    expect(off.learner.marketContext).toBe(false);
    expect(off.learner.entropyCoef).toBe(0);
  });

  it('refuse a sweep scored on other data, with another selection, orders seed, order side or budget', () => {
    expect(sweepMismatch(sweepResult('PPO', {}), ctx)).toBeNull();
    expect(sweepMismatch(sweepResult('PPO', {}), { ...ctx, fingerprint: 'other' })).toMatch(/dataset synthetic \(another meta\.json\)/);
    // A sweep written before fingerprints were recorded is matched by the dataset's name.
    const old = { ...sweepResult('PPO', {}), fingerprint: undefined };
    expect(sweepMismatch(old, { ...ctx, fingerprint: 'other' })).toBeNull();
    expect(sweepMismatch(old, { ...ctx, dataset: 'ashare' })).toMatch(/scored on dataset synthetic, and this reproduction runs on ashare/);
    expect(sweepMismatch(sweepResult('PPO', { selection: 'mean-pa' }), ctx)).toMatch(/--selection mean-pa, this reproduction by one-se/);
    expect(sweepMismatch(sweepResult('PPO', { ordersSeed: 8 }), ctx)).toMatch(/--orders-seed 8, this reproduction 7/);
    expect(sweepMismatch(sweepResult('PPO', { side: 'mixed' }), ctx)).toMatch(/trained on mixed orders, this reproduction on sell/);
    expect(sweepMismatch(sweepResult('PPO', {}), { ...ctx, side: 'mixed' })).toMatch(/trained on sell orders, this reproduction on mixed/);
    expect(sweepMismatch(sweepResult('PPO', { side: 'mixed', mirrorBuys: true }), { ...ctx, side: 'mixed' })).toMatch(/read buy orders mirrored, this reproduction's as they are \(--mirror-buys\)/);
    expect(sweepMismatch(sweepResult('PPO', { side: 'mixed' }), { ...ctx, side: 'mixed', mirrorBuys: true })).toMatch(/read buy orders as they are, this reproduction's mirrored/);
    expect(sweepMismatch(sweepResult('PPO', { quick: true }), ctx)).toMatch(/quick budget, this reproduction with the full one/);
    expect(sweepMismatch(sweepResult('PPO', {}), { ...ctx, quick: true })).toMatch(/full budget, this reproduction with the quick one/);
  });

  it('read one sweep per method, and name the files when two are for one method or one does not fit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'execlab-method-sweeps-'));
    const write = (name: string, r: SweepResult): string => {
      const p = join(dir, name);
      writeFileSync(p, JSON.stringify(r));
      return p;
    };
    const ppo = write('ppo.json', sweepResult('PPO', { learningRate: 1e-3 }));
    const ddqn = write('ddqn.json', sweepResult('DDQN', { learningRate: 1e-2, marketContext: true, entropyCoef: 0.01 }));
    const read = readMethodSweeps([ppo, ddqn], ctx);
    expect([...read.keys()]).toEqual(['PPO', 'DDQN']);
    expect(read.get('DDQN')!.settings).toEqual({ learningRate: 1e-2, marketContext: true });
    expect(read.get('PPO')!.path).toBe(ppo);
    const again = write('ppo2.json', sweepResult('PPO', { learningRate: 3e-4 }));
    expect(() => readMethodSweeps([ppo, again], ctx)).toThrow(`method sweeps ${ppo} and ${again} are both for PPO`);
    expect(() => readMethodSweeps([ppo], { ...ctx, fingerprint: 'x' })).toThrow(`method sweep ${ppo} cannot choose this reproduction's settings`);
    expect(() => readMethodSweeps([join(dir, 'missing.json')], ctx)).toThrow(/cannot read sweep file .*missing\.json/);
    expect(readMethodSweeps([], ctx).size).toBe(0);
  });

  it("make OPD's cache depend on its teacher's own sweep settings, and leave it as it was without them", () => {
    const common = { dataDir: 'd', sim: DEFAULT_SIM_SETTINGS, orders: OrderSettingsSchema.parse({}), cacheDir: 'c', fingerprint: 'f', learner: base.learner };
    const plain = methodTask('OPD', 1, FULL_BUDGET, 3e-3, common);
    expect(methodTask('OPD', 1, FULL_BUDGET, 3e-3, { ...common, teacherSettings: {} }).outDir).toBe(plain.outDir);
    const own = methodTask('OPD', 1, FULL_BUDGET, 3e-3, { ...common, teacherSettings: { learningRate: 1e-3 } });
    expect(own.outDir).not.toBe(plain.outDir);
    expect(own.teacher).toMatchObject({ taskId: 'OPD-T-s1', teacherSettings: { learningRate: 1e-3 } });
    expect(own.ppo).toEqual(plain.ppo);
  });
});

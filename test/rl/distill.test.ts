import { describe, expect, it } from 'vitest';
import { buildEpisodes } from '../../src/sim/episodes.js';
import { ExecutionEnv } from '../../src/sim/env.js';
import { PUBLIC_FEATURES } from '../../src/sim/observation.js';
import { DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';
import { ActorCritic } from '../../src/nn/network.js';
import { rollout, type PolicySpec } from '../../src/rl/common/policy.js';
import { distillationHook } from '../../src/rl/distill/teacher.js';
import { Rng } from '../../src/util/random.js';
import { memoryStore } from '../helpers/memory-store.js';

const store = memoryStore({ instruments: 6, days: 4, seed: 5, validationDays: 1, testDays: 1 }, 2, 1);
const orders = store.meta.instruments.map((instrument) => ({ instrument, date: store.meta.dates[3], side: 'sell' as const, quantity: 1000 }));
const episodes = buildEpisodes(store, orders, DEFAULT_SIM_SETTINGS).episodes;
const teacher = ActorCritic.create({ pubIn: PUBLIC_FEATURES, privIn: 2, hidden: 8, mlp: [8, 8], actions: 5 }, new Rng(8));
const teacherSpec: PolicySpec = { view: 'teacher', privateFeatures: 2, actionMap: DEFAULT_SIM_SETTINGS.actionMap };
const studentSpec: PolicySpec = { ...teacherSpec, view: 'student' };

describe('distillation targets (SPEC 8)', () => {
  const own = rollout(teacher, teacherSpec, new ExecutionEnv(episodes, DEFAULT_SIM_SETTINGS), 'greedy', null);

  it("query mode on the teacher's own states gives the teacher's own actions", () => {
    const hook = distillationHook(teacher, teacherSpec, 2, DEFAULT_SIM_SETTINGS, 'query', 0.01);
    expect(Array.from(hook.teacherActions(episodes, own))).toEqual(Array.from(own.actions));
  });

  it("query mode follows the student's inventory; replay mode ignores it", () => {
    const student = ActorCritic.create({ pubIn: PUBLIC_FEATURES, privIn: 2, hidden: 8, mlp: [8, 8], actions: 5 }, new Rng(99));
    const rec = rollout(student, studentSpec, new ExecutionEnv(episodes, DEFAULT_SIM_SETTINGS), 'sample', new Rng(3));
    const query = distillationHook(teacher, teacherSpec, 2, DEFAULT_SIM_SETTINGS, 'query', 0.01).teacherActions(episodes, rec);
    const replay = distillationHook(teacher, teacherSpec, 2, DEFAULT_SIM_SETTINGS, 'replay', 0.01).teacherActions(episodes, rec);
    expect(Array.from(replay)).toEqual(Array.from(own.actions));
    // The first decision has the same state in both (full inventory, period 0).
    for (let i = 0; i < episodes.count; i++) expect(query[i * 8]).toBe(own.actions[i * 8]);
  });

  it('refuses a student as the teacher', () => {
    expect(() => distillationHook(teacher, studentSpec, 2, DEFAULT_SIM_SETTINGS, 'query', 0.01)).toThrow(/teacher-view/);
  });
});

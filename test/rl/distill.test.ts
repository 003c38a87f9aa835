import { describe, expect, it } from 'vitest';
import { buildEpisodes } from '../../src/sim/episodes.js';
import { ExecutionEnv } from '../../src/sim/env.js';
import { packPublic, PUBLIC_FEATURES } from '../../src/sim/observation.js';
import { argmax } from '../../src/rl/common/losses.js';
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
    const hook = distillationHook(teacher, teacherSpec, studentSpec, DEFAULT_SIM_SETTINGS, 'query', 0.01);
    expect(Array.from(hook.teacherActions(episodes, own))).toEqual(Array.from(own.actions));
  });

  it("query mode follows the student's inventory; replay mode ignores it", () => {
    const student = ActorCritic.create({ pubIn: PUBLIC_FEATURES, privIn: 2, hidden: 8, mlp: [8, 8], actions: 5 }, new Rng(99));
    const rec = rollout(student, studentSpec, new ExecutionEnv(episodes, DEFAULT_SIM_SETTINGS), 'sample', new Rng(3));
    const query = distillationHook(teacher, teacherSpec, studentSpec, DEFAULT_SIM_SETTINGS, 'query', 0.01).teacherActions(episodes, rec);
    const replay = distillationHook(teacher, teacherSpec, studentSpec, DEFAULT_SIM_SETTINGS, 'replay', 0.01).teacherActions(episodes, rec);
    expect(Array.from(replay)).toEqual(Array.from(own.actions));
    // The first decision has the same state in both (full inventory, period 0).
    for (let i = 0; i < episodes.count; i++) expect(query[i * 8]).toBe(own.actions[i * 8]);
  });

  it("asks the teacher with its own private features taken by name from the student's", () => {
    // Student (remaining, elapsed, previous share, side); teacher (remaining, elapsed, side).
    const student = ActorCritic.create({ pubIn: PUBLIC_FEATURES, privIn: 4, hidden: 8, mlp: [8, 8], actions: 5 }, new Rng(99));
    const sSpec: PolicySpec = { ...studentSpec, privateFeatures: 3, side: true };
    const sidedTeacher = ActorCritic.create({ pubIn: PUBLIC_FEATURES, privIn: 3, hidden: 8, mlp: [8, 8], actions: 5 }, new Rng(98));
    for (let k = 0; k < sidedTeacher.params.length; k++) sidedTeacher.params[k] *= 6;
    const tSpec: PolicySpec = { ...teacherSpec, side: true };
    const rec = rollout(student, sSpec, new ExecutionEnv(episodes, DEFAULT_SIM_SETTINGS), 'sample', new Rng(3));
    const got = distillationHook(sidedTeacher, tSpec, sSpec, DEFAULT_SIM_SETTINGS, 'query', 0.01).teacherActions(episodes, rec);
    // The same query by hand: features 0, 1 and 3 of the student's.
    const n = rec.episodes;
    const S = episodes.steps;
    const T = rec.periods;
    const priv = new Float32Array(n * S * 3);
    for (let k = 0; k < n * S; k++) for (const [j, f] of [0, 1, 3].entries()) priv[k * 3 + j] = rec.priv[k * 4 + f];
    const readSeq = Int32Array.from({ length: n * T }, (_, k) => Math.floor(k / T));
    const readPriv = Int32Array.from({ length: n * T }, (_, k) => k % T);
    const out = sidedTeacher.forward({ sequences: n, pubSteps: S, privSteps: S, pub: packPublic(episodes.pub, n, S, episodes.publicStride, PUBLIC_FEATURES), priv, reads: n * T, readSeq, readPub: new Int32Array(n * T).fill(S - 1), readPriv });
    const want = Array.from({ length: n * T }, (_, k) => argmax(out.logits, k * 5, 5));
    expect(Array.from(got)).toEqual(want);
    // A teacher that reads the side needs a student that records it.
    expect(() => distillationHook(teacher, tSpec, studentSpec, DEFAULT_SIM_SETTINGS, 'query', 0.01)).toThrow(/teacher reads the order's side but the student does not/);
  });

  it("asks a teacher that reads buys mirrored with its own view: on its own states it gives its own actions", () => {
    const mixed = buildEpisodes(store, orders.map((o, k) => ({ ...o, side: k % 2 ? ('buy' as const) : ('sell' as const) })), DEFAULT_SIM_SETTINGS).episodes;
    const net = ActorCritic.create({ pubIn: PUBLIC_FEATURES, privIn: 3, hidden: 8, mlp: [8, 8], actions: 5 }, new Rng(11));
    for (let k = 0; k < net.params.length; k++) net.params[k] *= 4;
    const tSpec: PolicySpec = { ...teacherSpec, side: true, mirrorBuys: true };
    const mine = rollout(net, tSpec, new ExecutionEnv(mixed, DEFAULT_SIM_SETTINGS), 'greedy', null);
    const hook = distillationHook(net, tSpec, { privateFeatures: 2, side: true }, DEFAULT_SIM_SETTINGS, 'query', 0.01);
    expect(Array.from(hook.teacherActions(mixed, mine))).toEqual(Array.from(mine.actions));
    // Without the mirror the same network decides the buys otherwise, so the check above has teeth.
    const plain = rollout(net, { ...tSpec, mirrorBuys: false }, new ExecutionEnv(mixed, DEFAULT_SIM_SETTINGS), 'greedy', null);
    expect(Array.from(plain.actions)).not.toEqual(Array.from(mine.actions));
    expect(Array.from(hook.teacherActions(mixed, plain))).not.toEqual(Array.from(plain.actions));
  });

  it('refuses a student as the teacher', () => {
    expect(() => distillationHook(teacher, studentSpec, studentSpec, DEFAULT_SIM_SETTINGS, 'query', 0.01)).toThrow(/teacher-view/);
  });
});

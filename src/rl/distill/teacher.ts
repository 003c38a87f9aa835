/**
 * Oracle policy distillation (SPEC 8): the student's loss gets mu * mean(-log pi_student(a_teacher)),
 * where a_teacher is the trained teacher's action. Default ('query', the paper's definition): the
 * teacher is asked on the student's own state — same order, day, period and remaining inventory —
 * seen with the teacher's full information. Option ('replay', the released code): the teacher's own
 * greedy action sequence for the order.
 */
import { ExecutionEnv } from '../../sim/env.js';
import type { EpisodeSet } from '../../sim/episodes.js';
import { publicWidth } from '../../sim/observation.js';
import type { SimSettings } from '../../sim/settings.js';
import type { ActorCritic, SeqBatch } from '../../nn/network.js';
import { argmax } from '../common/losses.js';
import { rollout, type PolicySpec, type RolloutRecord } from '../common/policy.js';
import type { DistillationHook } from '../ppo/ppo.js';
import { privateFeatureMap, privateWidth, publicSequence, type PrivateLayout } from '../common/observe.js';
import { ExecLabError } from '../../errors.js';

export type DistillMode = 'query' | 'replay';

export function distillationHook(
  teacher: ActorCritic,
  teacherSpec: PolicySpec,
  student: PrivateLayout,
  sim: SimSettings,
  mode: DistillMode,
  coef: number,
): DistillationHook {
  if (teacherSpec.view !== 'teacher') throw new Error('the distillation teacher must be a teacher-view policy');
  if (teacherSpec.side && !student.side) {
    throw new ExecLabError("the teacher reads the order's side but the student does not: train both on the same orders (--side)", 2);
  }
  return {
    coef,
    teacherActions(episodes: EpisodeSet, rec: RolloutRecord): Int32Array {
      const T = rec.periods;
      const S = episodes.steps;
      const A = teacherSpec.actionMap.length;
      if (mode === 'replay') {
        const own = rollout(teacher, teacherSpec, new ExecutionEnv(episodes, sim), 'greedy', null);
        return own.actions;
      }
      // Query: the teacher's view of the student's states. Public = the whole day (the episodes'
      // full sequence, a buy's mirrored if the teacher reads it so); private = the student's recorded private inputs, each of the teacher's
      // features taken from the student's same feature (one the student lacks reads 0).
      const n = rec.episodes;
      const tp = privateWidth(teacherSpec);
      const sp = privateWidth(student);
      const from = privateFeatureMap(teacherSpec, student);
      const priv = new Float32Array(n * S * tp);
      for (let k = 0; k < n * S; k++) {
        for (let j = 0; j < tp; j++) priv[k * tp + j] = from[j] < 0 ? 0 : rec.priv[k * sp + from[j]];
      }
      const readSeq = new Int32Array(n * T);
      const readPub = new Int32Array(n * T).fill(S - 1);
      const readPriv = new Int32Array(n * T);
      for (let e = 0; e < n; e++) {
        for (let t = 0; t < T; t++) {
          readSeq[e * T + t] = e;
          readPriv[e * T + t] = t;
        }
      }
      const batch: SeqBatch = { sequences: n, pubSteps: S, privSteps: S, pub: publicSequence(episodes, n, publicWidth(teacherSpec), teacherSpec), priv, reads: n * T, readSeq, readPub, readPriv };
      const out = teacher.forward(batch);
      const actions = new Int32Array(n * T);
      for (let k = 0; k < n * T; k++) actions[k] = argmax(out.logits, k * A, A);
      return actions;
    },
  };
}

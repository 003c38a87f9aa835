import type { ObservationView } from '../../sim/observation.js';
import type { SeqBatch } from '../../nn/network.js';
import type { RolloutRecord } from './policy.js';

/**
 * A training batch from recorded episodes `which`: one sequence per episode, one read point per
 * decision. A student reads its public branch at the decision's own step t (the GRU is causal, so
 * this equals feeding the masked view of decision t); a teacher reads it at the last step.
 */
export function episodeBatch(rec: RolloutRecord, steps: number, privIn: number, which: ArrayLike<number>, view: ObservationView): SeqBatch & { readonly reads: number } {
  const B = which.length;
  const T = rec.periods;
  const pw = steps * rec.publicWidth;
  const qw = steps * privIn;
  const pub = new Float32Array(B * pw);
  const priv = new Float32Array(B * qw);
  const readSeq = new Int32Array(B * T);
  const readPub = new Int32Array(B * T);
  const readPriv = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    const e = which[b];
    pub.set(rec.pub.subarray(e * pw, (e + 1) * pw), b * pw);
    priv.set(rec.priv.subarray(e * qw, (e + 1) * qw), b * qw);
    for (let t = 0; t < T; t++) {
      readSeq[b * T + t] = b;
      readPub[b * T + t] = view === 'student' ? t : steps - 1;
      readPriv[b * T + t] = t;
    }
  }
  return { sequences: B, pubSteps: steps, privSteps: steps, pub, priv, reads: B * T, readSeq, readPub, readPriv };
}

/** Gathers per-transition arrays [e * T + t] of episodes `which` into minibatch order. */
export function gatherTransitions<A extends Float32Array | Int32Array>(src: A, which: ArrayLike<number>, T: number): A {
  const out = new (src.constructor as new (n: number) => A)(which.length * T);
  for (let b = 0; b < which.length; b++) out.set(src.subarray(which[b] * T, (which[b] + 1) * T), b * T);
  return out;
}

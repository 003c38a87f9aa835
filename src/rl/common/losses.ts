/**
 * Losses over network outputs, each returning its value and its gradient w.r.t. the outputs (the
 * network's backward takes it from there), plus the action helpers the rollouts need.
 *
 * All sums run in double; gradients are stored as float32. Means are over the R rows, or weighted
 * means sum(w x) / sum(w) when per-row weights are given.
 */
import { ExecLabError } from '../../errors.js';
import type { Rng } from '../../util/random.js';

/** The rows of a PPO minibatch, aligned with the network's read points. */
export interface PpoBatch {
  /** Actions taken [R]. */
  readonly actions: Int32Array;
  /** log pi_old(a | s) at collection time [R]. */
  readonly oldLogp: Float32Array;
  /** Advantages [R] (normalised or not: the caller decides). */
  readonly advantages: Float32Array;
  /** Value targets [R]. */
  readonly returns: Float32Array;
  /** V_old(s) [R]; needed when coeffs.valueClip is set. */
  readonly oldValues?: Float32Array | null;
  /** Teacher actions [R] for the distillation term; null or absent = no distillation. */
  readonly teacherActions?: Int32Array | null;
  /** Per-row weights [R]; absent = all 1. */
  readonly weights?: Float32Array | null;
}

/**
 * PPO loss coefficients: loss = policy + valueCoef * value - entropyCoef * entropy + distillCoef * distill
 * (+ klCoef * approxKl).
 */
export interface PpoCoeffs {
  /** Surrogate clip range epsilon (ratio clipped to [1 - clip, 1 + clip]); SPEC 8: 0.3. */
  readonly clip: number;
  /** Weight of the value loss mean((V - G)^2). */
  readonly valueCoef: number;
  /** PPO2 value clipping around oldValues (null or absent = none). */
  readonly valueClip?: number | null;
  /** Weight of the entropy bonus; SPEC 8: 0.01. */
  readonly entropyCoef: number;
  /** Weight of the distillation term mean(-log pi(a_teacher)); SPEC 8: 0.01 (0 without a teacher). */
  readonly distillCoef: number;
  /**
   * Weight of a KL penalty (adaptive-KL PPO), on the sampled estimate of KL(pi_old || pi),
   * mean((ratio - 1) - log ratio); absent = 0.
   */
  readonly klCoef?: number;
}

export interface PpoLossResult {
  readonly loss: number;
  readonly policyLoss: number;
  readonly valueLoss: number;
  /** Mean entropy of the policy (nats). */
  readonly entropy: number;
  /** Mean -log pi(a_teacher); 0 without teacher actions. */
  readonly distillLoss: number;
  /** Estimate of KL(pi_old || pi): mean((ratio - 1) - log ratio). */
  readonly approxKl: number;
  /** Fraction of rows with |ratio - 1| > clip. */
  readonly clipFraction: number;
  /** d loss / d logits [R, A]. */
  readonly dLogits: Float32Array;
  /** d loss / d values [R]. */
  readonly dValues: Float32Array;
  /**
   * Each term's part of the gradient at the network's outputs, as the L2 norm over the minibatch:
   * policy, entropy and distillation act on the logits, the value loss on the values (each with its
   * coefficient). Their shares say which term drives an update.
   */
  readonly termGradNorms: { readonly policy: number; readonly value: number; readonly entropy: number; readonly distill: number };
}

/**
 * The PPO loss (clipped surrogate, optionally clipped value loss, entropy bonus, distillation) and its
 * gradients. Where the two surrogate terms tie, the gradient is split between them as PyTorch's
 * min does, so it matches autograd exactly.
 */
export function ppoLoss(
  logits: Float32Array,
  values: Float32Array,
  batch: PpoBatch,
  coeffs: PpoCoeffs,
  out?: { dLogits: Float32Array; dValues: Float32Array },
): PpoLossResult {
  const R = values.length;
  if (R === 0) throw new ExecLabError('ppoLoss: empty batch');
  const A = logits.length / R;
  if (!Number.isInteger(A) || A < 1) throw new ExecLabError(`ppoLoss: logits has ${logits.length} values, not a multiple of R = ${R}`);
  checkLength('actions', batch.actions, R);
  checkLength('oldLogp', batch.oldLogp, R);
  checkLength('advantages', batch.advantages, R);
  checkLength('returns', batch.returns, R);
  const valueClip = coeffs.valueClip ?? null;
  const oldValues = batch.oldValues ?? null;
  if (valueClip !== null && oldValues === null) throw new ExecLabError('ppoLoss: valueClip is set but batch.oldValues is missing');
  if (oldValues !== null) checkLength('oldValues', oldValues, R);
  const teacher = batch.teacherActions ?? null;
  if (teacher !== null) checkLength('teacherActions', teacher, R);
  const weights = batch.weights ?? null;
  if (weights !== null) checkLength('weights', weights, R);

  const dLogits = out?.dLogits ?? new Float32Array(R * A);
  const dValues = out?.dValues ?? new Float32Array(R);
  if (dLogits.length < R * A || dValues.length < R) throw new ExecLabError('ppoLoss: output buffers too small');

  let wSum = 0;
  if (weights === null) wSum = R;
  else for (let i = 0; i < R; i++) wSum += weights[i];
  if (!(wSum > 0)) throw new ExecLabError(`ppoLoss: sum of weights = ${wSum}, expected > 0`);

  const lo = 1 - coeffs.clip;
  const hi = 1 + coeffs.clip;
  const entC = coeffs.entropyCoef;
  const disC = teacher === null ? 0 : coeffs.distillCoef;
  const klC = coeffs.klCoef ?? 0;
  let policySum = 0;
  let valueSum = 0;
  let entropySum = 0;
  let distillSum = 0;
  let klSum = 0;
  let clipped = 0;
  const norm2 = { policy: 0, value: 0, entropy: 0, distill: 0 };
  const p = new Float64Array(A);
  const logp = new Float64Array(A);

  for (let i = 0; i < R; i++) {
    const w = weights === null ? 1 : weights[i];
    const scale = w / wSum;
    const o = i * A;
    // log-softmax
    const lse = rowLogSumExp(logits, o, A);
    let ent = 0;
    for (let j = 0; j < A; j++) {
      logp[j] = logits[o + j] - lse;
      p[j] = Math.exp(logp[j]);
      ent -= p[j] * logp[j];
    }
    const a = batch.actions[i];
    if (!(a >= 0 && a < A)) throw new ExecLabError(`ppoLoss: actions[${i}] = ${a}, expected 0..${A - 1}`);
    const logRatio = logp[a] - batch.oldLogp[i];
    const ratio = Math.exp(logRatio);
    const adv = batch.advantages[i];
    const s1 = ratio * adv;
    const clampedRatio = ratio < lo ? lo : ratio > hi ? hi : ratio;
    const s2 = clampedRatio * adv;
    const inRange = ratio >= lo && ratio <= hi ? 1 : 0;
    // d(-min(s1, s2)) / d ratio, with PyTorch's even split on ties.
    const g1 = -adv;
    const g2 = -adv * inRange;
    const dRatio = s1 < s2 ? g1 : s1 > s2 ? g2 : 0.5 * (g1 + g2);
    policySum -= w * (s1 < s2 ? s1 : s2);
    // d((ratio - 1) - log ratio) / d logp_a = ratio - 1.
    const dLogpA = dRatio * ratio + klC * (ratio - 1);
    klSum += w * (ratio - 1 - logRatio);
    if (Math.abs(ratio - 1) > coeffs.clip) clipped += w;
    entropySum += w * ent;

    let t = -1;
    if (teacher !== null) {
      t = teacher[i];
      if (!(t >= 0 && t < A)) throw new ExecLabError(`ppoLoss: teacherActions[${i}] = ${t}, expected 0..${A - 1}`);
      distillSum -= w * logp[t];
    }
    for (let j = 0; j < A; j++) {
      const pj = p[j];
      // d logp_a / d z_j = [j = a] - p_j; d entropy / d z_j = -p_j (logp_j + entropy).
      const gp = dLogpA * ((j === a ? 1 : 0) - pj);
      const ge = entC * pj * (logp[j] + ent);
      const gd = t >= 0 ? -disC * ((j === t ? 1 : 0) - pj) : 0;
      dLogits[o + j] = (gp + ge + gd) * scale;
      norm2.policy += (gp * scale) ** 2;
      norm2.entropy += (ge * scale) ** 2;
      norm2.distill += (gd * scale) ** 2;
    }

    // Value loss.
    const v = values[i];
    const ret = batch.returns[i];
    const e1 = (v - ret) * (v - ret);
    let vl = e1;
    let dv = 2 * (v - ret);
    if (valueClip !== null && oldValues !== null) {
      const ov = oldValues[i];
      const diff = v - ov;
      const cd = diff < -valueClip ? -valueClip : diff > valueClip ? valueClip : diff;
      const vc = ov + cd;
      const e2 = (vc - ret) * (vc - ret);
      const d2 = diff >= -valueClip && diff <= valueClip ? 2 * (vc - ret) : 0;
      if (e2 > e1) {
        vl = e2;
        dv = d2;
      } else if (e2 === e1) {
        dv = 0.5 * (dv + d2);
      }
    }
    valueSum += w * vl;
    dValues[i] = coeffs.valueCoef * dv * scale;
    norm2.value += dValues[i] ** 2;
  }

  const policyLoss = policySum / wSum;
  const valueLoss = valueSum / wSum;
  const entropy = entropySum / wSum;
  const distillLoss = distillSum / wSum;
  const approxKl = klSum / wSum;
  const loss = policyLoss + coeffs.valueCoef * valueLoss - entC * entropy + disC * distillLoss + klC * approxKl;
  return {
    loss,
    policyLoss,
    valueLoss,
    entropy,
    distillLoss,
    approxKl,
    clipFraction: clipped / wSum,
    dLogits,
    dValues,
    termGradNorms: { policy: Math.sqrt(norm2.policy), value: Math.sqrt(norm2.value), entropy: Math.sqrt(norm2.entropy), distill: Math.sqrt(norm2.distill) },
  };
}

/** Options of the DDQN loss. */
export interface QLossOptions {
  /** Huber threshold: quadratic for |error| <= delta, linear beyond (default 1, i.e. smooth L1). */
  readonly delta?: number;
  /** Per-row weights [R] (e.g. importance weights); absent = all 1. */
  readonly weights?: Float32Array | null;
}

export interface QLossResult {
  readonly loss: number;
  /** Q(s, a) - target per row [R]. */
  readonly tdErrors: Float32Array;
  /** d loss / d Q [R, A] (the actor head's outputs): non-zero only in the taken action's slot. */
  readonly dLogits: Float32Array;
}

/**
 * Mean Huber loss between Q(s, a) (q is [R, A], the actor head read as Q-values) and targets [R]; the
 * gradient goes only to the taken slot. `opts` may be just the Huber delta.
 */
export function qLoss(q: Float32Array, actions: Int32Array, targets: Float32Array, opts: QLossOptions | number = {}): QLossResult {
  if (typeof opts === 'number') opts = { delta: opts };
  const R = targets.length;
  if (R === 0) throw new ExecLabError('qLoss: empty batch');
  const A = q.length / R;
  if (!Number.isInteger(A) || A < 1) throw new ExecLabError(`qLoss: q has ${q.length} values, not a multiple of R = ${R}`);
  checkLength('actions', actions, R);
  const delta = opts.delta ?? 1;
  if (!(delta > 0)) throw new ExecLabError(`qLoss: delta = ${delta}, expected > 0`);
  const weights = opts.weights ?? null;
  if (weights !== null) checkLength('weights', weights, R);
  let wSum = 0;
  if (weights === null) wSum = R;
  else for (let i = 0; i < R; i++) wSum += weights[i];
  if (!(wSum > 0)) throw new ExecLabError(`qLoss: sum of weights = ${wSum}, expected > 0`);

  const dQ = new Float32Array(R * A);
  const tdErrors = new Float32Array(R);
  let sum = 0;
  for (let i = 0; i < R; i++) {
    const a = actions[i];
    if (!(a >= 0 && a < A)) throw new ExecLabError(`qLoss: actions[${i}] = ${a}, expected 0..${A - 1}`);
    const w = weights === null ? 1 : weights[i];
    const d = q[i * A + a] - targets[i];
    tdErrors[i] = d;
    const ad = Math.abs(d);
    if (ad <= delta) {
      sum += w * 0.5 * d * d;
      dQ[i * A + a] = (w * d) / wSum;
    } else {
      sum += w * delta * (ad - 0.5 * delta);
      dQ[i * A + a] = (w * delta * Math.sign(d)) / wSum;
    }
  }
  return { loss: sum / wSum, tdErrors, dLogits: dQ };
}

/** Row-wise log-softmax of logits [R, A] (R = logits.length / A) into `out` (allocated if absent). */
export function logSoftmax(logits: Float32Array, A: number, out?: Float32Array): Float32Array {
  const R = Math.floor(logits.length / A);
  const res = out ?? new Float32Array(R * A);
  for (let i = 0; i < R; i++) {
    const o = i * A;
    const lse = rowLogSumExp(logits, o, A);
    for (let j = 0; j < A; j++) res[o + j] = logits[o + j] - lse;
  }
  return res;
}

/** log pi(a) for one row of logits (offset o, A actions). */
export function logProb(logits: Float32Array, o: number, A: number, a: number): number {
  const mx = rowMax(logits, o, A);
  return logits[o + a] - mx - Math.log(sumExpBelow(logits, o, A, mx));
}

/** log sum exp of the A logits from offset o, as max + log(sum exp(logit - max)). */
function rowLogSumExp(logits: Float32Array, o: number, A: number): number {
  const mx = rowMax(logits, o, A);
  return mx + Math.log(sumExpBelow(logits, o, A, mx));
}

/** The largest of the A logits from offset o (-Infinity for A = 0). */
function rowMax(logits: Float32Array, o: number, A: number): number {
  let mx = -Infinity;
  for (let j = 0; j < A; j++) if (logits[o + j] > mx) mx = logits[o + j];
  return mx;
}

/** The sum of exp(logit - mx) over the A logits from offset o: the softmax's normaliser below its max. */
function sumExpBelow(logits: Float32Array, o: number, A: number, mx: number): number {
  let se = 0;
  for (let j = 0; j < A; j++) se += Math.exp(logits[o + j] - mx);
  return se;
}

/** Index of the largest of the A logits from offset o (the first on ties). */
export function argmax(logits: Float32Array, o: number, A: number): number {
  let best = 0;
  let bv = logits[o];
  for (let j = 1; j < A; j++) {
    if (logits[o + j] > bv) {
      bv = logits[o + j];
      best = j;
    }
  }
  return best;
}

/** The expected share of Q under the softmax of logits[o .. o + map.length). */
export function expectedShare(logits: Float32Array, o: number, actionMap: readonly number[]): number {
  const A = actionMap.length;
  let max = -Infinity;
  for (let a = 0; a < A; a++) max = Math.max(max, logits[o + a]);
  let z = 0;
  let s = 0;
  for (let a = 0; a < A; a++) {
    const e = Math.exp(logits[o + a] - max);
    z += e;
    s += e * actionMap[a];
  }
  return s / z;
}

/** Draws an action from softmax(logits[o .. o + A)) with one uniform from `rng`. */
export function sampleAction(logits: Float32Array, o: number, A: number, rng: Rng): number {
  let mx = -Infinity;
  for (let j = 0; j < A; j++) if (logits[o + j] > mx) mx = logits[o + j];
  let se = 0;
  for (let j = 0; j < A; j++) se += Math.exp(logits[o + j] - mx);
  let u = rng.uniform() * se;
  for (let j = 0; j < A; j++) {
    u -= Math.exp(logits[o + j] - mx);
    if (u < 0) return j;
  }
  // Rounding left u at or just above zero: the last action with non-zero probability.
  for (let j = A - 1; j > 0; j--) if (Math.exp(logits[o + j] - mx) > 0) return j;
  return 0;
}

/**
 * Samples one action per row of logits [R, A] into `actions` and writes log pi(a) into `logp`:
 * the rollout's step.
 */
export function sampleActions(logits: Float32Array, A: number, rng: Rng, actions: Int32Array, logp: Float32Array): void {
  const R = Math.floor(logits.length / A);
  for (let i = 0; i < R; i++) {
    const a = sampleAction(logits, i * A, A, rng);
    actions[i] = a;
    logp[i] = logProb(logits, i * A, A, a);
  }
}

function checkLength(name: string, arr: ArrayLike<number>, R: number): void {
  if (arr.length < R) throw new ExecLabError(`batch ${name} has ${arr.length} values, expected ${R}`);
}

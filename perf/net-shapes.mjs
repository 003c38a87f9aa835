// The benchmark batches of the paper's network (perf/net.bench.mjs, perf/step-ab.mjs): the shape, a
// batch of episodes read at given steps, and the PPO rows of a minibatch, drawn from the given Rng.
export const NET_CONFIG = { pubIn: 18, privIn: 2, hidden: 64, mlp: [64, 32], actions: 5 };
/** Steps per episode, and read points per episode (at steps 1..8). */
export const STEPS = 9;
export const DECISIONS = 8;
export const TRANSITIONS = 1024;
export const PPO_COEFFS = { clip: 0.3, valueCoef: 1, valueClip: 0.2, entropyCoef: 0.01, distillCoef: 0.01 };

export function normals(rng, n) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

/** `episodes` sequences of STEPS steps, sequence b read at the steps readsOf(b). */
export function batchOf(rng, episodes, readsOf, cfg = NET_CONFIG) {
  const readSeq = [];
  const readStep = [];
  for (let b = 0; b < episodes; b++) for (const t of readsOf(b)) (readSeq.push(b), readStep.push(t));
  return {
    sequences: episodes,
    pubSteps: STEPS,
    pub: normals(rng, episodes * STEPS * cfg.pubIn),
    privSteps: STEPS,
    priv: normals(rng, episodes * STEPS * cfg.privIn),
    readSeq: Int32Array.from(readSeq),
    readPub: Int32Array.from(readStep),
    readPriv: Int32Array.from(readStep),
  };
}

/** The episode-shared batch: TRANSITIONS / DECISIONS episodes, each read at steps 1..DECISIONS. */
export function episodeSharedBatch(rng, cfg = NET_CONFIG) {
  return batchOf(rng, TRANSITIONS / DECISIONS, () => Array.from({ length: DECISIONS }, (_, t) => t + 1), cfg);
}

/** The PPO rows of R transitions. */
export function ppoRowsOf(rng, R, actions = NET_CONFIG.actions) {
  return {
    actions: Int32Array.from({ length: R }, (_, i) => i % actions),
    oldLogp: new Float32Array(R).fill(Math.log(1 / actions)),
    advantages: normals(rng, R),
    returns: normals(rng, R),
    oldValues: normals(rng, R),
    teacherActions: Int32Array.from({ length: R }, (_, i) => (i * 3) % actions),
  };
}

/** One PPO update: forward, loss, backward, gradient clipping, Adam; `lib` holds a build's ppoLoss and clipGradNorm. */
export function ppoStep(lib, net, batch, rows, adam) {
  const out = net.forward(batch);
  const loss = lib.ppoLoss(out.logits, out.values, rows, PPO_COEFFS);
  net.zeroGrad();
  net.backward(loss.dLogits, loss.dValues);
  lib.clipGradNorm(net.grad, 0.5);
  adam.step(net.params, net.grad);
}

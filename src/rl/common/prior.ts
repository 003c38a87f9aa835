/**
 * Where a policy starts. A freshly initialised actor is close to uniform over the action map, and a
 * uniform choice over [0, .25, .5, .75, 1] of Q trades half of the order per period on average: the
 * inventory is gone after two periods, later periods are almost never reached with shares to sell,
 * and PPO cannot learn what they are worth (measured on the 2025 15-minute data: 34%, 36%, 16% of Q in
 * the first three periods of the first collections, and no later period above 7%).
 *
 * The 'twap' start instead sets the actor's output to the maximum-entropy distribution over the
 * action map whose expected share is TWAP's per-period share 1/T: p_a proportional to exp(beta * a_a),
 * beta solved by bisection, and scales the actor's weights down so every state starts there.
 * Exploration is then centred on TWAP, and the policy moves away from it only where that pays.
 */
import type { ActorCritic } from '../../nn/network.js';

/** The maximum-entropy distribution over `shares` with the given mean (strictly inside their range). */
export function maxEntropyPrior(shares: readonly number[], mean: number): Float64Array {
  const lo = Math.min(...shares);
  const hi = Math.max(...shares);
  if (!(mean > lo && mean < hi)) throw new Error(`maxEntropyPrior: mean ${mean} must lie strictly between ${lo} and ${hi}`);
  const dist = (beta: number): Float64Array => {
    const top = Math.max(...shares.map((a) => beta * a));
    const w = Float64Array.from(shares, (a) => Math.exp(beta * a - top));
    const z = w.reduce((x, y) => x + y, 0);
    return w.map((x) => x / z);
  };
  const meanOf = (p: Float64Array): number => p.reduce((s, x, k) => s + x * shares[k], 0);
  let a = -1;
  let b = 1;
  while (meanOf(dist(a)) > mean) a *= 2;
  while (meanOf(dist(b)) < mean) b *= 2;
  for (let k = 0; k < 200; k++) {
    const m = (a + b) / 2;
    if (meanOf(dist(m)) < mean) a = m;
    else b = m;
  }
  return dist((a + b) / 2);
}

/** Sets the actor head so that every state starts at `prior`: bias log p, weights scaled by `weightScale`. */
export function startActorAt(net: ActorCritic, prior: ArrayLike<number>, weightScale = 0.01): void {
  const { actorWeight, actorBias } = net.offsets.mlp;
  const A = net.config.actions;
  if (prior.length !== A) throw new Error(`startActorAt: ${prior.length} probabilities for ${A} actions`);
  const inDim = net.config.mlp[net.config.mlp.length - 1];
  for (let k = 0; k < inDim * A; k++) net.params[actorWeight + k] *= weightScale;
  for (let a = 0; a < A; a++) net.params[actorBias + a] = Math.log(Math.max(prior[a], 1e-12));
}

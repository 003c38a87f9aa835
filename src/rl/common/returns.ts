/**
 * Returns and advantages over fixed-length episodes stored as [episode * T + t] (gamma = 1, SPEC 4).
 */

/** Monte-Carlo returns: G_t = sum_{k >= t} r_k. */
export function monteCarloReturns(rewards: Float32Array | Float64Array, episodes: number, T: number): Float32Array {
  const out = new Float32Array(episodes * T);
  for (let e = 0; e < episodes; e++) {
    let g = 0;
    for (let t = T - 1; t >= 0; t--) {
      g += rewards[e * T + t];
      out[e * T + t] = g;
    }
  }
  return out;
}

/**
 * Advantages. 'mc': G_t - V(s_t). 'td': the one-step TD error r_t + V(s_{t+1}) - V(s_t), with
 * V(s_T) = 0 (the paper's form). Returns the advantages and the value targets.
 */
export function advantages(
  rewards: Float32Array | Float64Array,
  values: Float32Array,
  episodes: number,
  T: number,
  kind: 'mc' | 'td',
): { advantages: Float32Array; targets: Float32Array } {
  const adv = new Float32Array(episodes * T);
  const targets = kind === 'mc' ? monteCarloReturns(rewards, episodes, T) : new Float32Array(episodes * T);
  for (let e = 0; e < episodes; e++) {
    for (let t = 0; t < T; t++) {
      const k = e * T + t;
      if (kind === 'mc') {
        adv[k] = targets[k] - values[k];
      } else {
        const next = t + 1 < T ? values[k + 1] : 0;
        targets[k] = rewards[k] + next;
        adv[k] = targets[k] - values[k];
      }
    }
  }
  return { advantages: adv, targets };
}

/** Normalises to zero mean and unit std in place (PPO's usual advantage normalisation). */
export function normalise(x: Float32Array): Float32Array {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length || 1;
  let varSum = 0;
  for (const v of x) varSum += (v - mean) * (v - mean);
  const std = Math.sqrt(varSum / (x.length || 1)) + 1e-8;
  for (let k = 0; k < x.length; k++) x[k] = (x[k] - mean) / std;
  return x;
}

/**
 * Explained variance of the critic: 1 - Var(target - value) / Var(target). 1 = a perfect fit, 0 = no
 * better than a constant, negative = worse. NaN when the targets do not vary.
 */
export function explainedVariance(targets: Float32Array, values: Float32Array): number {
  const n = targets.length;
  if (n === 0) return NaN;
  let mt = 0;
  let md = 0;
  for (let k = 0; k < n; k++) {
    mt += targets[k];
    md += targets[k] - values[k];
  }
  mt /= n;
  md /= n;
  let vt = 0;
  let vd = 0;
  for (let k = 0; k < n; k++) {
    vt += (targets[k] - mt) ** 2;
    vd += (targets[k] - values[k] - md) ** 2;
  }
  return vt > 0 ? 1 - vd / vt : NaN;
}

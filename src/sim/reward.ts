/**
 * The reward of SPEC 4, as pure functions.
 *
 *   R_t = ( (q_t / Q) * PA_t  -  alpha * sum_m (v_m / Q)^2 ) / 100
 *   PA_t = 1e4 * (P_t / p~ - 1) for a sell, 1e4 * (1 - P_t / p~) for a buy
 *
 * The penalty is per minute; that is what makes TWAP score exactly -alpha * H * (1/H)^2 / 100
 * (-0.0042 for H = 237, the paper's -0.42 x 10^-2).
 */

/** Price advantage in bps of an average execution price against the benchmark; sideSign +1 sell, -1 buy. */
export function signedPaBps(execPrice: number, benchmark: number, sideSign: number): number {
  return sideSign * 1e4 * (execPrice / benchmark - 1);
}

/** An order's PA from its executed value and quantity; NaN when nothing was executed. */
export function executedPaBps(value: number, qty: number, benchmark: number, sideSign: number): number {
  return qty > 0 ? signedPaBps(value / qty, benchmark, sideSign) : NaN;
}

/** Mean PA over the orders of a finished environment (orders without fills left out). */
export function meanExecutedPaBps(env: { n: number; executedValue: Float64Array; executedQty: Float64Array; episodes: { benchmark: Float64Array; side: Int8Array } }): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < env.n; i++) {
    const pa = executedPaBps(env.executedValue[i], env.executedQty[i], env.episodes.benchmark[i], env.episodes.side[i]);
    if (!Number.isNaN(pa)) {
      sum += pa;
      count++;
    }
  }
  return count > 0 ? sum / count : NaN;
}

/**
 * One period's reward from the executed share q_t / Q, the period's PA (bps) and the sum over its
 * minutes of (v_m / Q)^2.
 */
export function periodReward(executedShare: number, paBps: number, sumSquaredShares: number, alpha: number): number {
  return (executedShare * paBps - alpha * sumSquaredShares) / 100;
}

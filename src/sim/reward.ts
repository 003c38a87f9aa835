/**
 * The reward of SPEC 4, as pure functions.
 *
 *   R_t = ( (q_t / Q) * PA_t  -  alpha * sum_m (v_m / Q)^2 ) / 100
 *   PA_t = 1e4 * (P_t / p~ - 1) for a sell, 1e4 * (1 - P_t / p~) for a buy
 *
 * The penalty is per minute; that is what makes TWAP score exactly -alpha * H * (1/H)^2 / 100
 * (-0.0042 for H = 237, the paper's -0.42 x 10^-2).
 */

/** Price advantage in bps of an average execution price against the benchmark; side +1 sell, -1 buy. */
export function priceAdvantageBps(execPrice: number, benchmark: number, side: number): number {
  return side * 1e4 * (execPrice / benchmark - 1);
}

/**
 * One period's reward from the executed share q_t / Q, the period's PA (bps) and the sum over its
 * minutes of (v_m / Q)^2.
 */
export function periodReward(executedShare: number, paBps: number, sumSquaredShares: number, alpha: number): number {
  return (executedShare * paBps - alpha * sumSquaredShares) / 100;
}

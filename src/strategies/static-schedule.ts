/**
 * The best static schedule fitted on training days: one share of Q per period, the same for every
 * order, chosen to maximise the mean reward of SPEC 4 on the training split. It uses no state at
 * all, so a learned policy must beat it to show that it uses the state.
 *
 * With equal child orders inside a period of n_t minutes, a schedule w (w_t >= 0, sum w_t = 1) earns
 * on average  sum_t w_t m_t - alpha sum_t w_t^2 / n_t  (in bps, before the reward's / 100), where m_t
 * is the mean PA of period t's average price against p~. That is concave in w; its maximum on the
 * simplex is the water-filling solution  w_t = max(0, n_t (m_t - lambda) / (2 alpha)),  with lambda
 * the one value that makes the shares sum to 1 (found by bisection).
 */
import type { ExecutionEnv } from '../sim/env.js';
import type { Strategy } from './types.js';

/** Shares per period maximising sum w m - alpha sum w^2 / n on the simplex. alpha = 0: all in the best period. */
export function fitStaticShares(meanPaBps: ArrayLike<number>, periodMinutes: ArrayLike<number>, alpha: number): Float64Array {
  const T = meanPaBps.length;
  if (T === 0 || periodMinutes.length !== T) throw new Error('fitStaticShares: need one mean PA and one length per period');
  const out = new Float64Array(T);
  if (!(alpha > 0)) {
    let best = 0;
    for (let t = 1; t < T; t++) if (meanPaBps[t] > meanPaBps[best]) best = t;
    out[best] = 1;
    return out;
  }
  const total = (lambda: number): number => {
    let s = 0;
    for (let t = 0; t < T; t++) s += Math.max(0, (periodMinutes[t] * (meanPaBps[t] - lambda)) / (2 * alpha));
    return s;
  };
  // total() falls from >= 1 at lo to 0 at hi.
  let hi = -Infinity;
  for (let t = 0; t < T; t++) hi = Math.max(hi, meanPaBps[t]);
  let lo = hi - 1;
  while (total(lo) < 1) lo -= 2 * (hi - lo);
  for (let k = 0; k < 200; k++) {
    const mid = (lo + hi) / 2;
    if (total(mid) >= 1) lo = mid;
    else hi = mid;
  }
  let s = 0;
  for (let t = 0; t < T; t++) {
    out[t] = Math.max(0, (periodMinutes[t] * (meanPaBps[t] - lo)) / (2 * alpha));
    s += out[t];
  }
  for (let t = 0; t < T; t++) out[t] /= s;
  return out;
}

/** The fitted schedule as a strategy: `sell` shares for sell orders, `buy` shares for buy orders. */
export function createStaticSchedule(sell: Float64Array, buy: Float64Array, name = 'STATIC'): Strategy {
  return {
    name,
    kind: 'rule',
    begin() {},
    decide(env: ExecutionEnv, out: Float64Array) {
      const side = env.episodes.side;
      for (let i = 0; i < env.n; i++) out[i] = side[i] > 0 ? sell[env.t] : buy[env.t];
    },
  };
}

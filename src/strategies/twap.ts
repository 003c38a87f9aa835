import type { ExecutionEnv } from '../sim/env.js';
import type { Strategy } from './types.js';

/** TWAP: equal shares per minute over the horizon, i.e. n_t / H of Q in a period of n_t minutes. */
export function twapShares(start: Int32Array, horizon: number): Float64Array {
  const T = start.length - 1;
  const out = new Float64Array(T);
  for (let t = 0; t < T; t++) out[t] = (start[t + 1] - start[t]) / horizon;
  return out;
}

export function createTwap(): Strategy {
  let shares: Float64Array = new Float64Array(0);
  return {
    name: 'TWAP',
    kind: 'rule',
    begin(env: ExecutionEnv) {
      shares = twapShares(env.episodes.grid.start, env.horizon);
    },
    decide(env: ExecutionEnv, out: Float64Array) {
      out.fill(shares[env.t]);
    },
  };
}

import type { ExecutionEnv } from '../sim/env.js';
import type { EpisodeSet } from '../sim/episodes.js';
import type { Strategy } from './types.js';

/**
 * VWAP: shares in proportion to the instrument's per-minute volume profile over its previous 20
 * trading days (SPEC 7). With no history the profile falls back to the cross-section's profile on
 * that day's history, and to flat (TWAP) on the dataset's first day (src/data/context.ts). The
 * profile is the base schedule inside each period too, so the whole day follows it.
 */
export function createVwap(): Strategy {
  return {
    name: 'VWAP',
    kind: 'rule',
    minuteWeights(episodes: EpisodeSet) {
      return episodes.volumeProfile;
    },
    begin() {},
    decide(env: ExecutionEnv, out: Float64Array) {
      const { volumeProfile, grid } = env.episodes;
      const H = env.horizon;
      const from = grid.start[env.t];
      const to = grid.start[env.t + 1];
      for (let i = 0; i < env.n; i++) {
        let s = 0;
        for (let m = from; m < to; m++) s += volumeProfile[i * H + m];
        out[i] = s;
      }
    },
  };
}

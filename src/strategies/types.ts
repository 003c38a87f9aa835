import type { ExecutionEnv } from '../sim/env.js';
import type { EpisodeSet } from '../sim/episodes.js';

/**
 * What a backtest runs: rule schedules and learned policies alike. A strategy decides, at the start
 * of each period, the share of the order's quantity Q to trade in that period (the environment caps
 * it by the remaining inventory and forces completion in the last period).
 */
export interface Strategy {
  /** Display name (TWAP, VWAP, AC, OPD, ...). */
  readonly name: string;
  readonly kind: 'rule' | 'learned' | 'oracle';
  /**
   * Optional base schedule inside periods, [episode * horizon + minute] (VWAP's volume profile).
   * null or absent: equal shares per minute.
   */
  minuteWeights?(episodes: EpisodeSet): Float64Array | null;
  /** Called once before the first period of a batch of episodes. */
  begin(env: ExecutionEnv): void;
  /** Writes, for every episode, the share of Q to trade in period `env.t`. */
  decide(env: ExecutionEnv, out: Float64Array): void;
  /** Releases what the strategy holds beyond its last run (e.g. an inference worker thread). */
  close?(): void;
}

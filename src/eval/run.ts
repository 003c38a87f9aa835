/**
 * Runs one strategy over a set of episodes with the one simulator and returns per-order results.
 */
import { ExecutionEnv } from '../sim/env.js';
import { selectEpisodes, type EpisodeSet } from '../sim/episodes.js';
import type { SimSettings } from '../sim/settings.js';
import type { Strategy } from '../strategies/types.js';
import { executedPaBps } from '../sim/reward.js';

/** Per-order outcome of a strategy, struct of arrays aligned with the episodes. */
export interface StrategyRun {
  readonly strategy: string;
  readonly kind: Strategy['kind'];
  readonly count: number;
  /** Price advantage in bps of the order's average execution price (NaN when nothing filled). */
  readonly paBps: Float64Array;
  /** Episode reward: the sum of the period rewards (SPEC 4). */
  readonly reward: Float64Array;
  readonly executedQty: Float64Array;
  readonly quantity: Float64Array;
  /** Executed shares per period [order * T + t]. */
  readonly periodQty: Float64Array;
  readonly periods: number;
  /** Per-minute fills [order * horizon + minute] when recorded. */
  readonly minuteFills: Float64Array | null;
}

export interface RunOptions {
  readonly recordMinuteFills?: boolean;
}

export function runStrategy(strategy: Strategy, episodes: EpisodeSet, settings: SimSettings, options: RunOptions = {}): StrategyRun {
  const env = new ExecutionEnv(episodes, settings, {
    recordMinuteFills: options.recordMinuteFills ?? false,
    minuteWeights: strategy.minuteWeights?.(episodes) ?? null,
  });
  const share = new Float64Array(env.n);
  strategy.begin(env);
  while (!env.done) {
    strategy.decide(env, share);
    env.step(share);
  }
  return collectResults(strategy, env);
}

/** Per-order PA and episode reward from a finished environment. */
export function collectResults(strategy: Pick<Strategy, 'name' | 'kind'>, env: ExecutionEnv): StrategyRun {
  const { n, periods: T } = env;
  const { benchmark, side, quantity } = env.episodes;
  const paBps = new Float64Array(n);
  const reward = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const q = env.executedQty[i];
    paBps[i] = executedPaBps(env.executedValue[i], q, benchmark[i], side[i]);
    let r = 0;
    for (let t = 0; t < T; t++) r += env.reward[i * T + t];
    reward[i] = r;
  }
  return {
    strategy: strategy.name,
    kind: strategy.kind,
    count: n,
    paBps,
    reward,
    executedQty: Float64Array.from(env.executedQty),
    quantity: Float64Array.from(quantity),
    periodQty: Float64Array.from(env.periodQty),
    periods: T,
    minuteFills: env.minuteFills ? Float64Array.from(env.minuteFills) : null,
  };
}

/**
 * The most orders a strategy is run on at once by runStrategyInParts: a network policy's kernel
 * memory grows with the batch (a teacher encodes every order's whole day), and is bounded per thread.
 */
export const EVALUATION_PART_ORDERS = 20_000;

/**
 * runStrategy over consecutive parts of at most `maxOrders` episodes, concatenated: the same results
 * as one run for every strategy whose decisions for an order depend on that order's episode only
 * (all of the project's, in the greedy and expected modes).
 */
export function runStrategyInParts(strategy: Strategy, episodes: EpisodeSet, settings: SimSettings, options: RunOptions = {}, maxOrders = EVALUATION_PART_ORDERS): StrategyRun {
  if (episodes.count <= maxOrders) return runStrategy(strategy, episodes, settings, options);
  const parts: StrategyRun[] = [];
  for (let from = 0; from < episodes.count; from += maxOrders) {
    const indices = Int32Array.from({ length: Math.min(maxOrders, episodes.count - from) }, (_, k) => from + k);
    parts.push(runStrategy(strategy, selectEpisodes(episodes, indices), settings, options));
  }
  return concatRuns(parts);
}

/** One run from runs of the same strategy on consecutive parts of the orders, in part order. */
export function concatRuns(parts: readonly StrategyRun[]): StrategyRun {
  if (parts.length === 0) throw new Error('concatRuns: no parts');
  if (parts.length === 1) return parts[0];
  const cat = (pick: (r: StrategyRun) => Float64Array): Float64Array => {
    const out = new Float64Array(parts.reduce((n, r) => n + pick(r).length, 0));
    let o = 0;
    for (const r of parts) {
      out.set(pick(r), o);
      o += pick(r).length;
    }
    return out;
  };
  const first = parts[0];
  return {
    strategy: first.strategy,
    kind: first.kind,
    count: parts.reduce((n, r) => n + r.count, 0),
    paBps: cat((r) => r.paBps),
    reward: cat((r) => r.reward),
    executedQty: cat((r) => r.executedQty),
    quantity: cat((r) => r.quantity),
    periodQty: cat((r) => r.periodQty),
    periods: first.periods,
    minuteFills: parts.every((r) => r.minuteFills !== null) ? cat((r) => r.minuteFills as Float64Array) : null,
  };
}

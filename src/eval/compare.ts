/**
 * Compares strategies on the same orders: runs each through the one simulator, then builds the
 * report rows (metrics, tests against TWAP and OPD against OPD-S, PA per day, by liquidity, the
 * execution trajectory and a PA sample for the distribution chart).
 */
import { FORECAST_NAME } from '../strategies/forecast-planner.js';
import type { EpisodeSet } from '../sim/episodes.js';
import type { SimSettings } from '../sim/settings.js';
import type { Strategy } from '../strategies/types.js';
import { createTwap } from '../strategies/twap.js';
import type { PairedTest, StrategyReport } from '../report/types.js';
import type { ProgressFn } from '../util/progress.js';
import { pairedTest, paByLiquidity, summariseOrders, type OrderResults } from './metrics.js';
import { runStrategy, runStrategyInParts, type StrategyRun } from './run.js';

/** What the reports need of the orders once their episodes are gone (an EpisodeSet is one). */
export type OrderIndex = Pick<EpisodeSet, 'count' | 'orders' | 'date' | 'liquidity'>;

/** The metrics' column view of a run. */
export function orderColumns(run: StrategyRun, episodes: OrderIndex): OrderResults {
  return { paBps: run.paBps, reward: run.reward, filledQty: run.executedQty, orderQty: run.quantity, dayKeys: episodes.date };
}

/** Mean share of the order executed in each period. */
export function trajectory(run: StrategyRun): number[] {
  const T = run.periods;
  const out = new Array<number>(T).fill(0);
  for (let i = 0; i < run.count; i++) for (let t = 0; t < T; t++) out[t] += run.periodQty[i * T + t] / run.quantity[i];
  return out.map((v) => v / Math.max(1, run.count));
}

/**
 * Distinct executed schedules (each period's share of Q rounded to 0.1%) and the share of orders on
 * the most common one: 1 means one fixed schedule for every order, whatever the state.
 */
export function scheduleSpread(run: StrategyRun): { distinct: number; modalShare: number } {
  const T = run.periods;
  const counts = new Map<string, number>();
  let top = 0;
  for (let i = 0; i < run.count; i++) {
    let key = '';
    for (let t = 0; t < T; t++) key += `${Math.round((1000 * run.periodQty[i * T + t]) / run.quantity[i])},`;
    const c = (counts.get(key) ?? 0) + 1;
    counts.set(key, c);
    if (c > top) top = c;
  }
  return { distinct: counts.size, modalShare: run.count > 0 ? top / run.count : NaN };
}

/** At most `max` values on a fixed stride (deterministic), NaN left out. */
export function paSample(pa: ArrayLike<number>, max = 4000): number[] {
  const stride = Math.max(1, Math.ceil(pa.length / max));
  const out: number[] = [];
  for (let i = 0; i < pa.length; i += stride) if (!Number.isNaN(pa[i])) out.push(pa[i]);
  return out;
}

/** Report row of one run; `tests` are filled by compareRuns. */
export function strategyReport(run: StrategyRun, episodes: OrderIndex, tests: readonly PairedTest[], seeds = 1): StrategyReport {
  const cols = orderColumns(run, episodes);
  const summary = summariseOrders(cols);
  return {
    name: run.strategy,
    kind: run.kind,
    orders: summary.orders,
    seeds,
    rewardE2: summary.rewardE2,
    paBps: summary.paBps,
    glr: summary.glr,
    sharePositive: summary.sharePositive,
    fillRate: summary.fillRate,
    tests,
    paByDay: summary.paByDay,
    paSample: paSample(run.paBps),
    trajectory: trajectory(run),
    schedules: scheduleSpread(run),
    byLiquidity: paByLiquidity(run.paBps, episodes.liquidity),
  };
}

/** Tests each run against TWAP, and OPD against OPD-S when both are present. */
/**
 * The paired tests of a run: every strategy against TWAP; learned and oracle ones also against every
 * other rule baseline present (VWAP, AC, the fitted static schedule); OPD against OPD-S.
 */
export function testsFor(run: StrategyRun, runs: readonly StrategyRun[], twap: StrategyRun, episodes: OrderIndex): PairedTest[] {
  const tests: PairedTest[] = [];
  if (run.strategy !== 'TWAP') tests.push(pairedTest(orderColumns(run, episodes), orderColumns(twap, episodes), 'TWAP'));
  // Learned methods, and the forecast planner (a rule that reads the state), against every other rule.
  if (run.kind !== 'rule' || run.strategy === FORECAST_NAME) {
    for (const rule of runs) {
      if (rule.kind === 'rule' && rule.strategy !== 'TWAP' && rule.strategy !== run.strategy) tests.push(pairedTest(orderColumns(run, episodes), orderColumns(rule, episodes), rule.strategy));
    }
  }
  const opdS = runs.find((r) => r.strategy === 'OPD-S');
  if (run.strategy === 'OPD' && opdS) tests.push(pairedTest(orderColumns(run, episodes), orderColumns(opdS, episodes), 'OPD-S'));
  return tests;
}

export interface Comparison {
  readonly runs: readonly StrategyRun[];
  readonly reports: readonly StrategyReport[];
}

export interface CompareOptions {
  readonly recordMinuteFills?: boolean;
  readonly onProgress?: ProgressFn;
  /** The episodes a strategy runs on, when not the shared ones (same orders, other features). */
  readonly episodesFor?: (s: Strategy) => EpisodeSet;
}

/**
 * Runs every strategy on the same episodes, plus TWAP as the reference of the tests when it is not
 * among them (`twap` is then not in `runs`).
 */
export function runStrategies(
  strategies: readonly Strategy[],
  episodes: EpisodeSet,
  sim: SimSettings,
  options: CompareOptions = {},
): { runs: StrategyRun[]; twap: StrategyRun } {
  const runs = strategies.map((s, k) => {
    // A policy trained with another feature normalisation runs on the same orders and prices with its
    // own observation features.
    const own = options.episodesFor?.(s) ?? episodes;
    const r = runStrategyInParts(s, own, sim, { recordMinuteFills: options.recordMinuteFills });
    options.onProgress?.(k + 1, strategies.length, s.name);
    return r;
  });
  const twap = runs.find((r) => r.strategy === 'TWAP') ?? runStrategy(createTwap(), episodes, sim);
  return { runs, twap };
}

/** The report rows of runs on the same orders, each tested against TWAP (and OPD against OPD-S). */
export function reportRuns(runs: readonly StrategyRun[], twap: StrategyRun, orders: OrderIndex): StrategyReport[] {
  return runs.map((r) => strategyReport(r, orders, testsFor(r, runs, twap, orders)));
}

/**
 * Runs every strategy on the same episodes and reports them. TWAP is always run as the reference of
 * the tests (it is listed only when asked for).
 */
export function compareStrategies(
  strategies: readonly Strategy[],
  episodes: EpisodeSet,
  sim: SimSettings,
  options: CompareOptions = {},
): Comparison {
  const { runs, twap } = runStrategies(strategies, episodes, sim, options);
  return { runs, reports: reportRuns(runs, twap, episodes) };
}

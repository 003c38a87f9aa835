/**
 * A backtest as a library call: load orders (a file, or generated on a split), build the episodes
 * once, resolve each strategy (a rule name or a policy file) and compare them on the same orders.
 */
import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { checkOrdersAgainst, generateOrders, readOrdersCsv, type Order, type OrderSettings } from '../data/orders.js';
import type { DatasetStore } from '../data/store.js';
import type { FeatureStats } from '../data/types.js';
import { ExecLabError } from '../errors.js';
import { checkPolicyBars, loadPolicy, strategyFromPolicyFile, type EvaluationMode } from '../rl/common/policy-file.js';
import { buildEpisodes, type EpisodeSet, type SkippedOrder } from '../sim/episodes.js';
import type { SimSettings } from '../sim/settings.js';
import type { AlmgrenChrissSettings } from '../strategies/almgren-chriss.js';
import { createRuleStrategy, RULE_STRATEGIES } from '../strategies/registry.js';
import type { Strategy } from '../strategies/types.js';
import type { ProgressFn } from '../util/progress.js';
import { staticStrategyFor } from './static-fit.js';
import { fitForecastOnStore } from './forecast-fit.js';
import { peerGroupsOfSizes, type PeerGroups } from '../data/peers.js';
import { PLANNER_STRATEGY, requirePlanner } from './planner-model.js';
import { reportRuns, runStrategies, type Comparison, type OrderIndex } from './compare.js';
import { concatRuns, type StrategyRun } from './run.js';

/** The static schedule fitted on the dataset's training split (src/eval/static-fit.ts). */
export const STATIC_STRATEGY = 'static';
export const FORECAST_STRATEGY = 'forecast';

/** Orders whose episodes a backtest holds at once by default (about 6.5 KB each: about 330 MB). */
export const DEFAULT_MAX_ORDERS_IN_MEMORY = 50_000;

export interface BacktestRequest {
  /** Rule names (twap, vwap, ac, static) and/or paths of policy files. */
  readonly strategies: readonly string[];
  readonly split: 'train' | 'validation' | 'test' | 'all';
  /** Order file (CSV); null = generate one order per instrument-day of the split. */
  readonly ordersFile: string | null;
  readonly orders: OrderSettings;
  readonly sim: SimSettings;
  readonly ac: AlmgrenChrissSettings;
  /** Threads for learned policies' inference (2 splits the orders over a worker thread). */
  readonly threads?: number;
  /**
   * Orders whose episodes are held at once (default DEFAULT_MAX_ORDERS_IN_MEMORY). More orders run
   * in consecutive parts of whole dates, with the same results: every order's outcome depends on
   * its own episode only.
   */
  readonly maxOrdersInMemory?: number;
  /** Policies' evaluation mode; null or absent = the one each policy file records. */
  readonly policyMode?: EvaluationMode | null;
  /** The forecast planner also tries peer inputs with groups of each of these sizes (src/data/peers.ts); null or absent = not. */
  readonly peerGroups?: readonly number[] | null;
}

export interface BacktestResult extends Comparison {
  /** The orders that ran, in the order of the runs' per-order arrays (dataset date order). */
  readonly ran: OrderIndex;
  readonly skipped: readonly SkippedOrder[];
  readonly orderCount: number;
  /** Parts the orders ran in (1 when they fit in memory at once). */
  readonly parts: number;
}

/**
 * The orders grouped by date in the order buildEpisodes gives their episodes: dates in dataset order,
 * each date's orders as given; orders of dates the dataset lacks first (they are skipped).
 */
export function ordersByDate(dates: readonly string[], orders: readonly Order[]): Order[][] {
  const rank = new Map(dates.map((d, i) => [d, i]));
  const byDate = new Map<number, Order[]>();
  for (const o of orders) {
    const r = rank.get(o.date) ?? -1;
    const list = byDate.get(r);
    if (list) list.push(o);
    else byDate.set(r, [o]);
  }
  return [...byDate.keys()].sort((a, b) => a - b).map((r) => byDate.get(r) as Order[]);
}

/**
 * The orders in the order buildEpisodes gives their episodes (dates in dataset order, each date's
 * orders as given; unknown dates first, to be skipped), cut into parts of at most `max` orders at
 * date boundaries; a date with more than `max` orders is split.
 */
export function partitionOrders(dates: readonly string[], orders: readonly Order[], max: number): Order[][] {
  if (!Number.isInteger(max) || max < 1) throw new ExecLabError(`max orders in memory must be an integer >= 1, got ${max}`, 2);
  const parts: Order[][] = [];
  let current: Order[] = [];
  for (const group of ordersByDate(dates, orders)) {
    if (current.length > 0 && current.length + group.length > max) {
      parts.push(current);
      current = [];
    }
    for (let i = 0; i < group.length; i += max) {
      const piece = group.slice(i, i + max);
      if (current.length + piece.length > max) {
        parts.push(current);
        current = [];
      }
      for (const o of piece) current.push(o);
    }
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

export interface ResolvedStrategy {
  readonly strategy: Strategy;
  /** The feature normalisation a policy was trained with, when it differs from the dataset's. */
  readonly featureStats: FeatureStats | null;
  /** The peer groups whose peer context it reads (a policy's own, or the forecast planner's), or null. */
  readonly peers: PeerGroups | null;
}

/** What a strategy is built with, beside its spec and the dataset. */
export interface StrategyContext {
  readonly ac: AlmgrenChrissSettings;
  /** Threads for a policy's inference. */
  readonly threads: number;
  readonly sim: SimSettings;
  /** A policy's evaluation mode; null = its file's. */
  readonly mode: EvaluationMode | null;
  /** The order settings the forecast planner is fitted with. */
  readonly orders: OrderSettings;
  /** The forecast planner also tries peer inputs with groups of each of these sizes; null or absent = not. */
  readonly peerGroups?: readonly number[] | null;
  /** Progress of the long set-ups (the peer groups, the forecast planner's fit). */
  readonly onProgress?: ProgressFn;
}

/**
 * A rule name (twap, vwap, ac, static, forecast, planner) or a policy file's path, as the strategy to
 * run on `store`.
 */
export function resolveStrategy(spec: string, store: DatasetStore, ctx: StrategyContext): ResolvedStrategy {
  const { ac, threads, sim, mode, orders } = ctx;
  if ((RULE_STRATEGIES as readonly string[]).includes(spec.toLowerCase())) return { strategy: createRuleStrategy(spec, ac), featureStats: null, peers: null };
  if (spec.toLowerCase() === STATIC_STRATEGY) return { strategy: staticStrategyFor(store, sim).strategy, featureStats: null, peers: null };
  if (spec.toLowerCase() === FORECAST_STRATEGY) {
    const groups = peerGroupsOfSizes(store, ctx.peerGroups, ctx.onProgress);
    const { strategy, fit } = fitForecastOnStore(store, sim, orders, ctx.onProgress, groups);
    return { strategy, featureStats: null, peers: groups.find((g) => fit.chosen.inputs === 'peers' && g.size === fit.chosen.peerGroupSize) ?? null };
  }
  if (spec.toLowerCase() === PLANNER_STRATEGY) return { strategy: requirePlanner(store, sim), featureStats: null, peers: null };
  if (!existsSync(spec)) throw new ExecLabError(`strategy '${spec}': not one of ${[...RULE_STRATEGIES, STATIC_STRATEGY, FORECAST_STRATEGY].join(', ')} and no such policy file (the synthetic market also has '${PLANNER_STRATEGY}')`, 2);
  const policy = loadPolicy(spec);
  checkPolicyBars(policy, { barMinutes: store.meta.barMinutes, barsPerDay: store.meta.minutesPerDay, session: store.meta.session.name }, `dataset ${store.dir}`);
  const same = JSON.stringify(policy.featureStats) === JSON.stringify(store.meta.featureStats);
  return { strategy: strategyFromPolicyFile(policy, threads, mode ?? undefined), featureStats: same ? null : policy.featureStats, peers: policy.spec.peers ?? null };
}

/**
 * The policy files among `specs` that do not read the order's side (trained on sell orders only), by their
 * spec: a backtest with buy orders says that they executed those as sells.
 */
export function sideBlindPolicies(specs: readonly string[]): string[] {
  const rules = [...RULE_STRATEGIES, STATIC_STRATEGY, FORECAST_STRATEGY, PLANNER_STRATEGY] as readonly string[];
  return specs.filter((spec) => !rules.includes(spec.toLowerCase()) && existsSync(spec) && loadPolicy(spec).spec.side !== true);
}

/** The request's orders: its order file (checked against the dataset), or generated on its split. */
export function backtestOrders(store: DatasetStore, req: Pick<BacktestRequest, 'ordersFile' | 'split' | 'orders'>): Order[] {
  let orders: Order[];
  if (req.ordersFile) {
    orders = readOrdersCsv(req.ordersFile);
    checkOrdersAgainst(store, orders, req.ordersFile);
  } else {
    orders = generateOrders(store, store.datesOf(req.split), req.orders);
  }
  if (orders.length === 0) throw new ExecLabError('no orders to backtest');
  return orders;
}

/** Every strategy's per-order results on some of the orders (a shard, or all of them). */
export interface OrdersRun {
  readonly runs: readonly StrategyRun[];
  /** TWAP, the reference of the paired tests (also when it is not among the strategies); null when no order ran. */
  readonly twap: StrategyRun | null;
  /** The orders that ran, aligned with the runs. */
  readonly ran: { readonly orders: readonly Order[]; readonly date: readonly string[]; readonly liquidity: readonly number[] };
  readonly skipped: readonly SkippedOrder[];
  readonly parts: number;
}

/**
 * Runs the strategies over `orders` in consecutive parts of whole dates of at most `maxOrdersInMemory`
 * orders (none may run: all skipped).
 */
export function runOrders(
  store: DatasetStore,
  orders: readonly Order[],
  resolved: readonly ResolvedStrategy[],
  req: Pick<BacktestRequest, 'sim' | 'maxOrdersInMemory'>,
  onProgress?: ProgressFn,
): OrdersRun {
  const strategies = resolved.map((r) => r.strategy);
  const parts = partitionOrders(store.meta.dates, orders, req.maxOrdersInMemory ?? DEFAULT_MAX_ORDERS_IN_MEMORY);
  const runParts: StrategyRun[][] = strategies.map(() => []);
  const twapParts: StrategyRun[] = [];
  const ran = { orders: [] as Order[], date: [] as string[], liquidity: [] as number[] };
  const skipped: SkippedOrder[] = [];
  for (const [k, part] of parts.entries()) {
    const label = parts.length > 1 ? `part ${k + 1}/${parts.length}` : undefined;
    const progress: ProgressFn | undefined = onProgress && ((done, total, status) => onProgress(done, total, label ?? status));
    const built = buildEpisodes(store, part, req.sim, { onProgress: progress });
    for (const x of built.skipped) skipped.push(x);
    const episodes = built.episodes;
    if (episodes.count === 0) continue;
    // Policies trained on another dataset see features normalised as in training (same orders,
    // prices); a strategy that reads the peer context sees it with its own peer groups.
    const own = new Map<Strategy, EpisodeSet>();
    for (const r of resolved) {
      if (r.featureStats || r.peers) own.set(r.strategy, buildEpisodes(store, part, req.sim, { featureStats: r.featureStats ?? undefined, peers: r.peers }).episodes);
    }
    const { runs, twap } = runStrategies(strategies, episodes, req.sim, { episodesFor: (s) => own.get(s) ?? episodes });
    runs.forEach((r, i) => runParts[i].push(r));
    twapParts.push(twap);
    for (let i = 0; i < episodes.count; i++) {
      ran.orders.push(episodes.orders[i]);
      ran.date.push(episodes.date[i]);
      ran.liquidity.push(episodes.liquidity[i]);
    }
  }
  if (ran.orders.length === 0) return { runs: [], twap: null, ran, skipped, parts: parts.length };
  return { runs: runParts.map(concatRuns), twap: concatRuns(twapParts), ran, skipped, parts: parts.length };
}

/**
 * Runs whose strategies share a name (the policy files of three seeds, all named OPD-S) get the spec
 * that named them appended, "OPD-S (OPD-S-s1-1e87ad08c4f8)": the policy file's directory when the
 * file is policy.json, else its file name, and the whole spec when those still collide. The results
 * table, orders.csv and summary.json then tell them apart. Unique names stay as they are.
 */
export function distinctRunNames(runs: readonly StrategyRun[], specs: readonly string[]): StrategyRun[] {
  const count = new Map<string, number>();
  for (const r of runs) count.set(r.strategy, (count.get(r.strategy) ?? 0) + 1);
  const short = (spec: string): string => (basename(spec) === 'policy.json' && dirname(spec) !== '.' ? basename(dirname(spec)) : basename(spec));
  const shortNames = specs.map(short);
  const unique = new Set(shortNames).size === shortNames.length;
  return runs.map((r, i) => ((count.get(r.strategy) ?? 0) > 1 ? { ...r, strategy: `${r.strategy} (${unique ? shortNames[i] : specs[i]})` } : r));
}

/**
 * The backtest's result from the runs of consecutive pieces of its `orderCount` orders, in order;
 * `specs` are the strategies as requested (they name runs that share a name).
 */
export function finishBacktest(orderCount: number, pieces: readonly OrdersRun[], specs?: readonly string[]): BacktestResult {
  const ranPieces = pieces.filter((p) => p.twap !== null);
  const skipped = pieces.flatMap((p) => p.skipped);
  const parts = pieces.reduce((n, p) => n + p.parts, 0);
  if (ranPieces.length === 0) throw new ExecLabError(`none of the ${orderCount} orders can run: ${skipped[0]?.reason ?? ''}`);
  const joined = ranPieces[0].runs.map((_, k) => concatRuns(ranPieces.map((p) => p.runs[k])));
  const runs = specs ? distinctRunNames(joined, specs) : joined;
  const twap = concatRuns(ranPieces.map((p) => p.twap as StrategyRun));
  const orders = ranPieces.flatMap((p) => p.ran.orders);
  const index: OrderIndex = {
    count: orders.length,
    orders,
    date: ranPieces.flatMap((p) => p.ran.date),
    liquidity: Float64Array.from(ranPieces.flatMap((p) => p.ran.liquidity)),
  };
  return { runs, reports: reportRuns(runs, twap, index), ran: index, skipped, orderCount, parts };
}

export function runBacktest(store: DatasetStore, req: BacktestRequest, onProgress?: ProgressFn): BacktestResult {
  const orders = backtestOrders(store, req);
  const resolved = req.strategies.map((s) =>
    resolveStrategy(s, store, { ac: req.ac, threads: req.threads ?? 1, sim: req.sim, mode: req.policyMode ?? null, orders: req.orders, peerGroups: req.peerGroups, onProgress }),
  );
  return finishBacktest(orders.length, [runOrders(store, orders, resolved, req, onProgress)], req.strategies);
}

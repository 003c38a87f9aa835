/**
 * A backtest as a library call: load orders (a file, or generated on a split), build the episodes
 * once, resolve each strategy (a rule name or a policy file) and compare them on the same orders.
 */
import { existsSync } from 'node:fs';
import { checkOrdersAgainst, generateOrders, readOrdersCsv, type Order, type OrderSettings } from '../data/orders.js';
import type { DatasetStore } from '../data/store.js';
import type { FeatureStats } from '../data/types.js';
import { ExecLabError } from '../errors.js';
import { loadPolicy, strategyFromPolicyFile } from '../rl/common/policy-file.js';
import { buildEpisodes, type EpisodeSet, type SkippedOrder } from '../sim/episodes.js';
import type { SimSettings } from '../sim/settings.js';
import type { AlmgrenChrissSettings } from '../strategies/almgren-chriss.js';
import { createRuleStrategy, RULE_STRATEGIES } from '../strategies/registry.js';
import type { Strategy } from '../strategies/types.js';
import type { ProgressFn } from '../util/progress.js';
import { compareStrategies, type Comparison } from './compare.js';

export interface BacktestRequest {
  /** Rule names (twap, vwap, ac) and/or paths of policy files. */
  readonly strategies: readonly string[];
  readonly split: 'train' | 'validation' | 'test' | 'all';
  /** Order file (CSV); null = generate one order per instrument-day of the split. */
  readonly ordersFile: string | null;
  readonly orders: OrderSettings;
  readonly sim: SimSettings;
  readonly ac: AlmgrenChrissSettings;
  /** Threads for learned policies' inference (2 splits the orders over a worker thread). */
  readonly threads?: number;
}

export interface BacktestResult extends Comparison {
  readonly episodes: EpisodeSet;
  readonly skipped: readonly SkippedOrder[];
  readonly orderCount: number;
}

interface Resolved {
  readonly strategy: Strategy;
  /** The feature normalisation a policy was trained with, when it differs from the dataset's. */
  readonly featureStats: FeatureStats | null;
}

function resolveStrategy(spec: string, ac: AlmgrenChrissSettings, store: DatasetStore, threads: number): Resolved {
  if ((RULE_STRATEGIES as readonly string[]).includes(spec.toLowerCase())) return { strategy: createRuleStrategy(spec, ac), featureStats: null };
  if (!existsSync(spec)) throw new ExecLabError(`strategy '${spec}': not one of ${RULE_STRATEGIES.join(', ')} and no such policy file`, 2);
  const policy = loadPolicy(spec);
  const same = JSON.stringify(policy.featureStats) === JSON.stringify(store.meta.featureStats);
  return { strategy: strategyFromPolicyFile(policy, threads), featureStats: same ? null : policy.featureStats };
}

export function runBacktest(store: DatasetStore, req: BacktestRequest, onProgress?: ProgressFn): BacktestResult {
  let orders: Order[];
  if (req.ordersFile) {
    orders = readOrdersCsv(req.ordersFile);
    checkOrdersAgainst(store, orders, req.ordersFile);
  } else {
    orders = generateOrders(store, store.datesOf(req.split), req.orders);
  }
  if (orders.length === 0) throw new ExecLabError('no orders to backtest');
  const resolved = req.strategies.map((s) => resolveStrategy(s, req.ac, store, req.threads ?? 1));
  const { episodes, skipped } = buildEpisodes(store, orders, req.sim, onProgress);
  if (episodes.count === 0) throw new ExecLabError(`none of the ${orders.length} orders can run: ${skipped[0]?.reason ?? ''}`);
  // Policies trained on another dataset see features normalised as in training (same orders, prices).
  const own = new Map<Strategy, EpisodeSet>();
  for (const r of resolved) if (r.featureStats) own.set(r.strategy, buildEpisodes(store, orders, req.sim, undefined, r.featureStats).episodes);
  const comparison = compareStrategies(
    resolved.map((r) => r.strategy),
    episodes,
    req.sim,
    { episodesFor: (s) => own.get(s) ?? episodes },
  );
  return { ...comparison, episodes, skipped, orderCount: orders.length };
}

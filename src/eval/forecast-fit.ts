/**
 * Fits the forecast planner (src/strategies/forecast-planner.ts) on a dataset: ridge regressions of
 * each later period's PA on the students' own inputs, fitted on the training split (streamed a few
 * days at a time, so a year of data never sits in memory), the inputs, the penalty and the intercept
 * chosen on the validation split by the mean reward less one standard error of its day means. The
 * test split is not read.
 */
import type { DatasetStore } from '../data/store.js';
import { generateOrders, type OrderSettings } from '../data/orders.js';
import { ExecLabError } from '../errors.js';
import { buildEpisodes, type EpisodeSet } from '../sim/episodes.js';
import { periodGrid, type SimSettings } from '../sim/settings.js';
import { createForecastPlanner, forecastInputs, forecastTargets, forecastWidth, type ForecastInputs, type ForecastModel } from '../strategies/forecast-planner.js';
import type { Strategy } from '../strategies/types.js';
import type { ProgressFn } from '../util/progress.js';
import type { PeerGroups } from '../data/peers.js';
import { MomentAccumulator, predictRidge, solveRidge } from './ridge.js';
import { runStrategy } from './run.js';
import { estimate, mean } from './stats.js';

/** Penalties tried (on standardised inputs). */
export const FORECAST_PENALTIES = [0.001, 0.01, 0.1, 1, 10, 100, 1000] as const;
/**
 * The trials: 'level' inputs with and without the training mean, 'relative' inputs without it (their
 * targets have a cross-sectional mean of 0 every day, so the training mean adds nothing); with peer
 * groups, 'peers' inputs without it too, once per group.
 */
export const FORECAST_VARIANTS: ReadonlyArray<{ readonly inputs: 'level' | 'relative'; readonly intercept: boolean }> = [
  { inputs: 'level', intercept: true },
  { inputs: 'level', intercept: false },
  { inputs: 'relative', intercept: false },
];
const DAYS_PER_CHUNK = 10;

export interface ForecastTrial {
  readonly inputs: ForecastInputs;
  readonly lambda: number;
  readonly intercept: boolean;
  /** 'peers' inputs: the size of the peer groups. */
  readonly peerGroupSize?: number;
  /** Mean reward (x 10^-2) and PA (bps) on the validation orders. */
  readonly validationRewardE2: number;
  readonly validationPaBps: number;
  /** Standard error of the validation reward's day means (x 10^-2). */
  readonly validationRewardSeByDayE2: number;
  /** The selection score: the mean reward less one standard error by day (x 10^-2). */
  readonly scoreE2: number;
}

export interface ForecastFit {
  readonly trainRows: number;
  readonly trainDays: number;
  readonly validationOrders: number;
  readonly trials: readonly ForecastTrial[];
  readonly chosen: ForecastTrial;
  /** The peer group size of the best-scoring 'peers' trial (what the learners read), or null without groups. */
  readonly bestPeerGroupSize: number | null;
  /**
   * Out-of-sample R^2 on validation of the chosen forecasts [decision t][k - t - 1], against
   * predicting the training mean: 1 - SSE / SS around the training mean. Negative = worse than it.
   */
  readonly validationR2: number[][];
}

/** Accumulates the moments of every decision's regression over the episodes. */
function accumulate(episodes: EpisodeSet, kind: ForecastInputs, acc: MomentAccumulator[]): void {
  const x = new Float64Array(forecastWidth(kind));
  for (let t = 0; t < acc.length; t++) {
    const y = new Float64Array(acc[t].outputs);
    for (let i = 0; i < episodes.count; i++) {
      forecastInputs(episodes, kind, i, t, x);
      forecastTargets(episodes, kind, i, t, y);
      acc[t].add(x, y);
    }
  }
}

function validationR2(forecast: ForecastModel, trainMeans: Float64Array[], episodes: EpisodeSet): number[][] {
  const x = new Float64Array(forecastWidth(forecast.inputs));
  return forecast.models.map((model, t) => {
    const k = model.outputs;
    const y = new Float64Array(k);
    const yhat = new Float64Array(k);
    const sse = new Float64Array(k);
    const sst = new Float64Array(k);
    for (let i = 0; i < episodes.count; i++) {
      forecastInputs(episodes, forecast.inputs, i, t, x);
      forecastTargets(episodes, forecast.inputs, i, t, y);
      predictRidge(model, x, yhat);
      for (let j = 0; j < k; j++) {
        sse[j] += (y[j] - yhat[j]) ** 2;
        sst[j] += (y[j] - trainMeans[t][j]) ** 2;
      }
    }
    return Array.from(sse, (e, j) => (sst[j] > 0 ? 1 - e / sst[j] : 0));
  });
}

/**
 * With peer groups, the episodes carry the peer context and the 'peers' inputs are among the
 * trials, once per group (the groups' sizes are trial settings like the penalty); without, they
 * are not tried.
 */
export function fitForecastOnStore(
  store: DatasetStore,
  sim: SimSettings,
  orders: OrderSettings,
  onProgress?: ProgressFn,
  peerGroups: readonly PeerGroups[] = [],
): { strategy: Strategy; fit: ForecastFit } {
  const grid = periodGrid(sim, store.meta.barMinutes, store.meta.minutesPerDay);
  const T = grid.periods;
  if (T < 2) throw new ExecLabError('the forecast planner needs at least two decision periods');
  const accumulators = (kind: ForecastInputs): MomentAccumulator[] => Array.from({ length: T - 1 }, (_, t) => new MomentAccumulator(forecastWidth(kind), T - 1 - t));
  // 'level' and 'relative' once; 'peers' once per group (each group's episodes carry its own context).
  const shared = new Map<ForecastInputs, MomentAccumulator[]>((['level', 'relative'] as const).map((kind) => [kind, accumulators(kind)]));
  const perGroup = peerGroups.map(() => accumulators('peers'));
  const groups: ReadonlyArray<PeerGroups | null> = peerGroups.length > 0 ? peerGroups : [null];
  const train = store.datesOf('train');
  for (let d = 0; d < train.length; d += DAYS_PER_CHUNK) {
    const chunkOrders = generateOrders(store, train.slice(d, d + DAYS_PER_CHUNK), orders);
    for (const [g, peers] of groups.entries()) {
      const episodes = buildEpisodes(store, chunkOrders, sim, { peers }).episodes;
      if (g === 0) for (const [kind, acc] of shared) accumulate(episodes, kind, acc);
      if (peers) accumulate(episodes, 'peers', perGroup[g]);
    }
    onProgress?.(Math.min(train.length, d + DAYS_PER_CHUNK), train.length, 'fitting the forecasts');
  }
  const rows = shared.get('level')![0].count;
  if (rows < 2) throw new ExecLabError('cannot fit the forecast planner: fewer than two valid instrument-days on the training split');
  const validOrders = generateOrders(store, store.datesOf('validation'), { ...orders, seed: orders.seed + 1 });
  if (validOrders.length === 0) throw new ExecLabError('cannot choose the forecast planner: no orders on the validation split');
  const valid = groups.map((peers) => buildEpisodes(store, validOrders, sim, { peers }).episodes);
  const trials: Array<ForecastTrial & { forecast: ForecastModel; acc: MomentAccumulator[]; group: number }> = [];
  const candidates = [
    ...FORECAST_VARIANTS.map((v) => ({ ...v, acc: shared.get(v.inputs)!, group: 0 })),
    ...peerGroups.map((_, g) => ({ inputs: 'peers' as const, intercept: false, acc: perGroup[g], group: g })),
  ];
  const total = candidates.length * FORECAST_PENALTIES.length;
  for (const { inputs, intercept, acc, group } of candidates) {
    const peers = inputs === 'peers' ? peerGroups[group] : null;
    for (const lambda of FORECAST_PENALTIES) {
      const models = acc.map((a) => solveRidge(a, lambda, intercept));
      const forecast: ForecastModel = peers ? { inputs, models, peers } : { inputs, models };
      const episodes = valid[group];
      const run = runStrategy(createForecastPlanner(forecast, sim.alpha), episodes, sim);
      const reward = estimate(run.reward, episodes.date);
      const se = reward.seByDay ?? reward.se;
      trials.push({
        inputs,
        lambda,
        intercept,
        ...(peers ? { peerGroupSize: peers.size } : {}),
        forecast,
        acc,
        group,
        validationRewardE2: 100 * reward.mean,
        validationPaBps: mean(run.paBps),
        validationRewardSeByDayE2: 100 * se,
        scoreE2: 100 * (reward.mean - se),
      });
      onProgress?.(trials.length, total, 'choosing the forecasts on validation');
    }
  }
  // The one-standard-error rule: the highest validation reward less its standard error by day, so
  // that a forecast whose gain rests on a few days' market moves does not win on their luck. Ties
  // keep the earlier trial.
  const best = trials.reduce((b, x) => (x.scoreE2 > b.scoreE2 ? x : b));
  const peerTrials = trials.filter((t) => t.inputs === 'peers');
  const bestPeers = peerTrials.length > 0 ? peerTrials.reduce((b, x) => (x.scoreE2 > b.scoreE2 ? x : b)) : null;
  const trainMeans = best.acc.map((a) => a.sumY.map((s) => s / a.count));
  const strip = ({ forecast: _f, acc: _a, group: _g, ...rest }: (typeof trials)[number]): ForecastTrial => rest;
  return {
    strategy: createForecastPlanner(best.forecast, sim.alpha),
    fit: {
      trainRows: rows,
      trainDays: train.length,
      validationOrders: valid[0].count,
      trials: trials.map(strip),
      chosen: strip(best),
      bestPeerGroupSize: bestPeers?.peerGroupSize ?? null,
      validationR2: validationR2(best.forecast, trainMeans, valid[best.group]),
    },
  };
}

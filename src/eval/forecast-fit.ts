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
 * targets have a cross-sectional mean of 0 every day, so the training mean adds nothing), and with
 * peer groups 'peers' inputs, also without it.
 */
export const FORECAST_VARIANTS: ReadonlyArray<{ readonly inputs: ForecastInputs; readonly intercept: boolean }> = [
  { inputs: 'level', intercept: true },
  { inputs: 'level', intercept: false },
  { inputs: 'relative', intercept: false },
  { inputs: 'peers', intercept: false },
];
const DAYS_PER_CHUNK = 10;

export interface ForecastTrial {
  readonly inputs: ForecastInputs;
  readonly lambda: number;
  readonly intercept: boolean;
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
 * With `peers`, the episodes carry the peer context and the 'peers' inputs are among the trials;
 * without, they are not tried.
 */
export function fitForecastOnStore(
  store: DatasetStore,
  sim: SimSettings,
  orders: OrderSettings,
  onProgress?: ProgressFn,
  peers: PeerGroups | null = null,
): { strategy: Strategy; fit: ForecastFit } {
  const grid = periodGrid(sim, store.meta.barMinutes, store.meta.minutesPerDay);
  const T = grid.periods;
  if (T < 2) throw new ExecLabError('the forecast planner needs at least two decision periods');
  const variants = FORECAST_VARIANTS.filter((v) => peers !== null || v.inputs !== 'peers');
  const kinds = [...new Set(variants.map((v) => v.inputs))];
  const acc = new Map(kinds.map((kind) => [kind, Array.from({ length: T - 1 }, (_, t) => new MomentAccumulator(forecastWidth(kind), T - 1 - t))]));
  const train = store.datesOf('train');
  for (let d = 0; d < train.length; d += DAYS_PER_CHUNK) {
    const dates = train.slice(d, d + DAYS_PER_CHUNK);
    const episodes = buildEpisodes(store, generateOrders(store, dates, orders), sim, { peers }).episodes;
    for (const kind of kinds) accumulate(episodes, kind, acc.get(kind)!);
    onProgress?.(Math.min(train.length, d + DAYS_PER_CHUNK), train.length, 'fitting the forecasts');
  }
  const rows = acc.get('level')![0].count;
  if (rows < 2) throw new ExecLabError('cannot fit the forecast planner: fewer than two valid instrument-days on the training split');
  const validOrders = generateOrders(store, store.datesOf('validation'), { ...orders, seed: orders.seed + 1 });
  if (validOrders.length === 0) throw new ExecLabError('cannot choose the forecast planner: no orders on the validation split');
  const valid = buildEpisodes(store, validOrders, sim, { peers }).episodes;
  const trials: Array<ForecastTrial & { forecast: ForecastModel }> = [];
  const total = variants.length * FORECAST_PENALTIES.length;
  for (const { inputs, intercept } of variants) {
    for (const lambda of FORECAST_PENALTIES) {
      const models = acc.get(inputs)!.map((a) => solveRidge(a, lambda, intercept));
      const forecast: ForecastModel = inputs === 'peers' && peers ? { inputs, models, peers } : { inputs, models };
      const run = runStrategy(createForecastPlanner(forecast, sim.alpha), valid, sim);
      const reward = estimate(run.reward, valid.date);
      const se = reward.seByDay ?? reward.se;
      trials.push({
        inputs,
        lambda,
        intercept,
        forecast,
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
  const trainMeans = acc.get(best.inputs)!.map((a) => a.sumY.map((s) => s / a.count));
  const strip = ({ forecast: _f, ...rest }: (typeof trials)[number]): ForecastTrial => rest;
  return {
    strategy: createForecastPlanner(best.forecast, sim.alpha),
    fit: {
      trainRows: rows,
      trainDays: train.length,
      validationOrders: valid.count,
      trials: trials.map(strip),
      chosen: strip(best),
      validationR2: validationR2(best.forecast, trainMeans, valid),
    },
  };
}

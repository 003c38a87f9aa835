/**
 * Fits the forecast planner (src/strategies/forecast-planner.ts) on a dataset: ridge regressions of
 * each later period's PA on the students' own inputs, fitted on the training split (streamed a few
 * days at a time, so a year of data never sits in memory), the penalty and the intercept chosen by
 * the mean reward on the validation split. The test split is not read.
 */
import type { DatasetStore } from '../data/store.js';
import { generateOrders, type OrderSettings } from '../data/orders.js';
import { ExecLabError } from '../errors.js';
import { buildEpisodes, type EpisodeSet } from '../sim/episodes.js';
import { periodGrid, type SimSettings } from '../sim/settings.js';
import { createForecastPlanner, FORECAST_INPUTS, forecastInputs, forecastTargets } from '../strategies/forecast-planner.js';
import type { Strategy } from '../strategies/types.js';
import type { ProgressFn } from '../util/progress.js';
import { MomentAccumulator, predictRidge, solveRidge, type RidgeModel } from './ridge.js';
import { runStrategy } from './run.js';
import { mean } from './stats.js';

/** Penalties tried (on standardised inputs), each with and without the training mean. */
export const FORECAST_PENALTIES = [0.001, 0.01, 0.1, 1, 10] as const;
const DAYS_PER_CHUNK = 10;

export interface ForecastTrial {
  readonly lambda: number;
  readonly intercept: boolean;
  /** Mean reward (x 10^-2) and PA (bps) on the validation orders. */
  readonly validationRewardE2: number;
  readonly validationPaBps: number;
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
function accumulate(episodes: EpisodeSet, acc: MomentAccumulator[]): void {
  const x = new Float64Array(FORECAST_INPUTS);
  for (let t = 0; t < acc.length; t++) {
    const y = new Float64Array(acc[t].outputs);
    for (let i = 0; i < episodes.count; i++) {
      forecastInputs(episodes, i, t, x);
      forecastTargets(episodes, i, t, y);
      acc[t].add(x, y);
    }
  }
}

function validationR2(models: readonly RidgeModel[], trainMeans: Float64Array[], episodes: EpisodeSet): number[][] {
  const x = new Float64Array(FORECAST_INPUTS);
  return models.map((model, t) => {
    const k = model.outputs;
    const y = new Float64Array(k);
    const yhat = new Float64Array(k);
    const sse = new Float64Array(k);
    const sst = new Float64Array(k);
    for (let i = 0; i < episodes.count; i++) {
      forecastInputs(episodes, i, t, x);
      forecastTargets(episodes, i, t, y);
      predictRidge(model, x, yhat);
      for (let j = 0; j < k; j++) {
        sse[j] += (y[j] - yhat[j]) ** 2;
        sst[j] += (y[j] - trainMeans[t][j]) ** 2;
      }
    }
    return Array.from(sse, (e, j) => (sst[j] > 0 ? 1 - e / sst[j] : 0));
  });
}

export function fitForecastOnStore(store: DatasetStore, sim: SimSettings, orders: OrderSettings, onProgress?: ProgressFn): { strategy: Strategy; fit: ForecastFit } {
  const grid = periodGrid(sim, store.meta.barMinutes, store.meta.minutesPerDay);
  const T = grid.periods;
  if (T < 2) throw new ExecLabError('the forecast planner needs at least two decision periods');
  const acc = Array.from({ length: T - 1 }, (_, t) => new MomentAccumulator(FORECAST_INPUTS, T - 1 - t));
  const train = store.datesOf('train');
  for (let d = 0; d < train.length; d += DAYS_PER_CHUNK) {
    const dates = train.slice(d, d + DAYS_PER_CHUNK);
    accumulate(buildEpisodes(store, generateOrders(store, dates, orders), sim).episodes, acc);
    onProgress?.(Math.min(train.length, d + DAYS_PER_CHUNK), train.length, 'fitting the forecasts');
  }
  if (acc[0].count < 2) throw new ExecLabError('cannot fit the forecast planner: fewer than two valid instrument-days on the training split');
  const validOrders = generateOrders(store, store.datesOf('validation'), { ...orders, seed: orders.seed + 1 });
  if (validOrders.length === 0) throw new ExecLabError('cannot choose the forecast planner: no orders on the validation split');
  const valid = buildEpisodes(store, validOrders, sim).episodes;
  const trials: Array<ForecastTrial & { models: RidgeModel[] }> = [];
  for (const lambda of FORECAST_PENALTIES) {
    for (const intercept of [true, false]) {
      const models = acc.map((a) => solveRidge(a, lambda, intercept));
      const run = runStrategy(createForecastPlanner(models, sim.alpha), valid, sim);
      trials.push({ lambda, intercept, models, validationRewardE2: 100 * mean(run.reward), validationPaBps: mean(run.paBps) });
      onProgress?.(trials.length, 2 * FORECAST_PENALTIES.length, 'choosing the forecasts on validation');
    }
  }
  // Highest validation reward; ties keep the earlier (smaller penalty, with intercept) trial.
  const best = trials.reduce((b, x) => (x.validationRewardE2 > b.validationRewardE2 ? x : b));
  const trainMeans = acc.map((a) => a.sumY.map((s) => s / a.count));
  const strip = ({ models: _m, ...rest }: (typeof trials)[number]): ForecastTrial => rest;
  return {
    strategy: createForecastPlanner(best.models, sim.alpha),
    fit: {
      trainRows: acc[0].count,
      trainDays: train.length,
      validationOrders: valid.count,
      trials: trials.map(strip),
      chosen: strip(best),
      validationR2: validationR2(best.models, trainMeans, valid),
    },
  };
}

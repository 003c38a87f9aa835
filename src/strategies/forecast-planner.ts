/**
 * The forecast planner: a past-only policy for any market, the planner of planner.ts with the
 * generator's known dynamics replaced by linear forecasts fitted on the training days
 * (src/eval/forecast-fit.ts). It measures what a plain regression on the students' own inputs can
 * earn, so that a report can say whether the state supports more than the students found.
 *
 * At the start of period t it reads the public features a student may see (forecastInputs), predicts
 * for each later period k the sell PA of k's mean price against period t's (bps; with 'relative'
 * inputs, against the market's move, whose expectation is then taken as equal for every period),
 * signs it for the order's side, and plans the rest of the order over the action map by dynamic programming on the
 * expected reward (SPEC 4, planFirstShare); it trades the plan's first step and re-plans at the next
 * decision. Any constant added to every remaining period's forecast changes no plan (the remaining
 * quantity is fixed), so forecasts against the current period are enough, and p~ is never needed.
 */
import type { ExecutionEnv } from '../sim/env.js';
import { requireEpisodePeers, type EpisodeSet } from '../sim/episodes.js';
import { EPISODE_PUBLIC_FEATURES, PEER_FEATURES, PUBLIC_FEATURES, requirePublicWidth } from '../sim/observation.js';
import { predictRidge, type RidgeModel } from '../eval/ridge.js';
import { minutesFrom, planFirstShare, quartersHeld, requireQuarterMap } from './planner.js';
import type { Strategy } from './types.js';
import type { PeerGroups } from '../data/peers.js';

/** Public steps a forecast at decision t reads: the latest (t), the day's first period (1), the previous day (0). */
export const FORECAST_STEPS = 3;

/**
 * What the forecasts see and predict. 'level': the instrument's own features and the market context
 * as they are, and the instrument's own later prices. 'relative': the instrument against the market
 * (its own features minus the market context's, the same summaries averaged over the day's
 * instruments), and its later prices against the market's, so every input and target varies across
 * the orders of one day. The market context is one value per day, so its weights in a 'level' model
 * rest on as many samples as there are training days; a 'relative' model never forecasts the market.
 * 'peers': the instrument against its peer group (own features minus the peer context's,
 * src/data/peers.ts), with the 'relative' targets.
 */
export type ForecastInputs = 'level' | 'relative' | 'peers';

export function forecastWidth(kind: ForecastInputs): number {
  return FORECAST_STEPS * (kind === 'level' ? EPISODE_PUBLIC_FEATURES : PUBLIC_FEATURES);
}

/**
 * The inputs of the forecast for episode `i` at decision `t` into `out` (forecastWidth wide):
 * steps t, 1 and 0 of its public sequence, zeros for a step that is not yet over (step 1 before
 * decision 2, step t before decision 1). 'peers' needs episodes built with peer groups.
 */
export function forecastInputs(episodes: EpisodeSet, kind: ForecastInputs, i: number, t: number, out: Float64Array): void {
  const W = episodes.publicStride;
  const F = PUBLIC_FEATURES;
  const width = kind === 'level' ? EPISODE_PUBLIC_FEATURES : F;
  // The reference block: the market context for 'relative', the peer context for 'peers'.
  const ref = kind === 'peers' ? 2 * F : F;
  if (kind === 'peers') requirePublicWidth(EPISODE_PUBLIC_FEATURES + PEER_FEATURES, W);
  const base = i * episodes.steps * W;
  out.fill(0);
  const put = (slot: number, step: number): void => {
    const o = base + step * W;
    if (kind === 'level') for (let f = 0; f < width; f++) out[slot * width + f] = episodes.pub[o + f];
    else for (let f = 0; f < F; f++) out[slot * width + f] = episodes.pub[o + f] - episodes.pub[o + ref + f];
  };
  if (t >= 1) put(0, t);
  if (t >= 2) put(1, 1);
  put(2, 0);
}

/**
 * Sell PA (bps) of each later period's mean price against period t's, [k - t - 1] for k = t+1..T-1;
 * 'relative' and 'peers' subtract the market's move between the two periods (from the market's
 * period PA).
 * The targets the forecasts are fitted to: future data, for fitting and scoring only.
 */
export function forecastTargets(episodes: EpisodeSet, kind: ForecastInputs, i: number, t: number, out: Float64Array): void {
  const T = episodes.grid.periods;
  const now = episodes.periodMeanPrice[i * T + t];
  const side = episodes.side[i];
  const market = episodes.marketPeriodPa;
  for (let k = t + 1; k < T; k++) {
    const own = 1e4 * (episodes.periodMeanPrice[i * T + k] / now - 1);
    out[k - t - 1] = kind === 'level' ? own : own - side * (market[i * T + k] - market[i * T + t]);
  }
}

/** The fitted forecasts: one ridge model per decision period 0..T-2 (the last period takes what is left). */
export interface ForecastModel {
  readonly inputs: ForecastInputs;
  readonly models: readonly RidgeModel[];
  /** The peer groups the 'peers' inputs were fitted with: the episodes it runs on must carry them. */
  readonly peers?: PeerGroups;
}

export const FORECAST_NAME = 'FORECAST';

export function createForecastPlanner(forecast: ForecastModel, alpha: number, name = FORECAST_NAME): Strategy {
  const { inputs, models } = forecast;
  const x = new Float64Array(forecastWidth(inputs));
  return {
    name,
    kind: 'rule',
    begin(env: ExecutionEnv) {
      requireQuarterMap(env.settings.actionMap, 'the forecast planner');
      if (models.length !== env.periods - 1) throw new Error(`the forecast planner has ${models.length} models for ${env.periods} periods`);
      requireEpisodePeers(forecast.peers, env.episodes, 'the forecast planner');
    },
    decide(env: ExecutionEnv, out: Float64Array) {
      const { grid, quantity, side } = env.episodes;
      const T = grid.periods;
      const t = env.t;
      const rest = T - t;
      const minutes = minutesFrom(grid, t);
      const expected = new Float64Array(rest);
      const predicted = new Float64Array(Math.max(0, rest - 1));
      for (let i = 0; i < env.n; i++) {
        const quarters = quartersHeld(env.remaining[i], quantity[i]);
        if (rest === 1) {
          out[i] = quarters / 4;
          continue;
        }
        forecastInputs(env.episodes, inputs, i, t, x);
        predictRidge(models[t], x, predicted);
        expected[0] = 0;
        for (let k = 1; k < rest; k++) expected[k] = side[i] * predicted[k - 1];
        out[i] = planFirstShare(expected, minutes, quarters, alpha);
      }
    },
  };
}

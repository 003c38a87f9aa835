/** The report's table of the forecast planner's fit: every validation trial, and the chosen forecasts' fit. */
import type { ForecastFit } from '../eval/forecast-fit.js';
import type { SweepSection } from './types.js';

export function forecastSection(fit: ForecastFit): SweepSection {
  const r2 = fit.validationR2.flat();
  const positive = r2.filter((x) => x > 0).length;
  const best = Math.max(...r2);
  const intro =
    `FORECAST is a past-only planner: ridge regressions of each later period's PA on the inputs a student sees ` +
    `(the latest period, the day's first period and the previous day; 'level': own and market features as they are; ` +
    `'relative': the stock against the market, forecasting its move against the market's` +
    `${fit.trials.some((t) => t.inputs === 'peers') ? "; 'peers (N)': the stock against its group of N peers, forecasting its move against the market's" : ''}), fitted on ` +
    `${fit.trainRows.toLocaleString('en-US')} instrument-days of the ${fit.trainDays} training days; it plans the rest of ` +
    `the order by dynamic programming on the forecasts and re-plans each period. Inputs, penalty and intercept were ` +
    `chosen by the score, the mean reward less one standard error of its day means, on ` +
    `${fit.validationOrders.toLocaleString('en-US')} validation orders (chosen: ${fit.chosen.inputs}${fit.chosen.peerGroupSize !== undefined ? ` (${fit.chosen.peerGroupSize})` : ''} inputs, lambda = ${fit.chosen.lambda}, ` +
    `${fit.chosen.intercept ? 'with' : 'without'} the training mean). Out-of-sample R^2 of the chosen forecasts on validation, ` +
    `against the training mean: ${positive} of ${r2.length} positive, best ${best.toFixed(4)}. ` +
    `What it earns is one measure of what the state supports with a linear model of the students' own inputs.` +
    (fit.bestPeerGroupSize !== null && fit.bestPeerGroupSize !== undefined
      ? ` The best peer trial has groups of ${fit.bestPeerGroupSize}: the peer context the learners of this run read.`
      : '');
  return {
    intro,
    header: ['trial', 'inputs', 'lambda', 'training mean', 'validation reward (x 10^-2)', 'SE by day', 'score', 'validation PA (bps)', ''],
    rows: fit.trials.map((t, k) => [
      String(k + 1),
      t.peerGroupSize !== undefined ? `${t.inputs} (${t.peerGroupSize})` : t.inputs,
      String(t.lambda),
      t.intercept ? 'yes' : 'no',
      t.validationRewardE2.toFixed(2),
      t.validationRewardSeByDayE2.toFixed(2),
      t.scoreE2.toFixed(2),
      t.validationPaBps.toFixed(2),
      t.inputs === fit.chosen.inputs && t.lambda === fit.chosen.lambda && t.intercept === fit.chosen.intercept && t.peerGroupSize === fit.chosen.peerGroupSize ? 'chosen' : '',
    ]),
  };
}

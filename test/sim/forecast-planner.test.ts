import { describe, expect, it } from 'vitest';
import { createForecastPlanner, FORECAST_INPUTS, forecastInputs, forecastTargets } from '../../src/strategies/forecast-planner.js';
import { fitForecastOnStore } from '../../src/eval/forecast-fit.js';
import { runStrategy } from '../../src/eval/run.js';
import { buildEpisodes } from '../../src/sim/episodes.js';
import { EPISODE_PUBLIC_FEATURES } from '../../src/sim/observation.js';
import { SimSettingsSchema, DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';
import { generateOrders, OrderSettingsSchema } from '../../src/data/orders.js';
import { createTwap } from '../../src/strategies/twap.js';
import { mean } from '../../src/eval/stats.js';
import type { RidgeModel } from '../../src/eval/ridge.js';
import { makeEpisodes } from '../helpers/episodes.js';
import { memoryStore } from '../helpers/memory-store.js';

const W = EPISODE_PUBLIC_FEATURES;
const sim = SimSettingsSchema.parse({ horizonMinutes: 8, periodMinutes: 2, alpha: 1 });

/** Episodes with the full public width; feature f of step s of episode i = 1000 i + 100 s + f. */
function episodes(prices: number[][], sides: Array<'sell' | 'buy'> = []) {
  const base = makeEpisodes(prices.map((price, i) => ({ price, side: sides[i] ?? 'sell' })), sim, 8);
  const pub = new Float32Array(base.count * base.steps * W);
  for (let i = 0; i < base.count; i++) for (let s = 0; s < base.steps; s++) for (let f = 0; f < W; f++) pub[(i * base.steps + s) * W + f] = 1000 * i + 100 * s + f;
  return { ...base, pub };
}

/** Bias-only models for T = 4 periods: a forecast of `lastPa` for the last period, 0 for the others. */
function lastPeriodModels(lastPa: number): RidgeModel[] {
  return [3, 2, 1].map((k) => {
    const bias = new Float64Array(k);
    bias[k - 1] = lastPa;
    return { inputs: FORECAST_INPUTS, outputs: k, weights: new Float64Array(FORECAST_INPUTS * k), bias };
  });
}

describe('the forecast planner', () => {
  it('reads the latest step, the first period and the previous day, never a step not yet over', () => {
    const eps = episodes([[10, 10, 10, 10, 10, 10, 10, 10], [10, 10, 10, 10, 10, 10, 10, 10]]);
    const x = new Float64Array(FORECAST_INPUTS);
    forecastInputs(eps, 1, 0, x);
    expect(x[0]).toBe(0);
    expect(x[W]).toBe(0);
    expect(x[2 * W + 5]).toBe(1005); // step 0 (previous day)
    forecastInputs(eps, 1, 1, x);
    expect(x[3]).toBe(1103); // step 1 = period 0, over at decision 1
    expect(x[W + 3]).toBe(0);
    forecastInputs(eps, 0, 3, x);
    expect(x[7]).toBe(307); // step 3 = period 2
    expect(x[W + 7]).toBe(107);
    expect(x[2 * W + 7]).toBe(7);
  });

  it('targets each later period against the current one, in bps', () => {
    // Period means 10, 10.1, 9.9, 10 (two bars each).
    const eps = episodes([[10, 10, 10.1, 10.1, 9.9, 9.9, 10, 10]]);
    const y = new Float64Array(2);
    forecastTargets(eps, 0, 1, y);
    expect(y[0]).toBeCloseTo(1e4 * (9.9 / 10.1 - 1), 9);
    expect(y[1]).toBeCloseTo(1e4 * (10 / 10.1 - 1), 9);
  });

  it('keeps a sell for a period forecast to pay, and a buy away from it', () => {
    const flat = [10, 10, 10, 10, 10, 10, 10, 10];
    const eps = episodes([flat, flat], ['sell', 'buy']);
    const r = runStrategy(createForecastPlanner(lastPeriodModels(50), sim.alpha), eps, sim);
    const T = 4;
    expect(r.periodQty[0 * T + 3]).toBe(eps.quantity[0]);
    expect(r.periodQty[1 * T + 3]).toBe(0);
    expect(r.periodQty[1 * T + 0] + r.periodQty[1 * T + 1] + r.periodQty[1 * T + 2]).toBe(eps.quantity[1]);
  });

  it('learns a predictable market on training days, chooses on validation, and beats TWAP on test', () => {
    const store = memoryStore({ instruments: 40, days: 26, validationDays: 3, testDays: 3, predictability: 4, marketFactorShare: 0, seed: 5 }, 20, 3);
    const orders = OrderSettingsSchema.parse({});
    const { strategy, fit } = fitForecastOnStore(store, DEFAULT_SIM_SETTINGS, orders);
    expect(fit.trials).toHaveLength(10);
    expect(fit.chosen.validationRewardE2).toBe(Math.max(...fit.trials.map((t) => t.validationRewardE2)));
    expect(fit.validationR2.map((r) => r.length)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    // The reversion is linear in the features: the forecasts explain some of the later prices.
    expect(Math.max(...fit.validationR2.flat())).toBeGreaterThan(0);
    const test = buildEpisodes(store, generateOrders(store, store.datesOf('test'), { ...orders, seed: 9 }), DEFAULT_SIM_SETTINGS).episodes;
    const pa = runStrategy(strategy, test, DEFAULT_SIM_SETTINGS).paBps;
    const twap = runStrategy(createTwap(), test, DEFAULT_SIM_SETTINGS).paBps;
    expect(mean(pa)).toBeGreaterThan(mean(twap) + 5);
    // The same data and settings, the same fit.
    expect(fitForecastOnStore(store, DEFAULT_SIM_SETTINGS, orders).fit).toEqual(fit);
  });
});

import { describe, expect, it } from 'vitest';
import { createForecastPlanner, forecastInputs, forecastTargets, forecastWidth, type ForecastModel } from '../../src/strategies/forecast-planner.js';
import { fitForecastOnStore } from '../../src/eval/forecast-fit.js';
import { runStrategy } from '../../src/eval/run.js';
import { buildEpisodes } from '../../src/sim/episodes.js';
import { EPISODE_PUBLIC_FEATURES, PUBLIC_FEATURES } from '../../src/sim/observation.js';
import { SimSettingsSchema, DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';
import { generateOrders, OrderSettingsSchema } from '../../src/data/orders.js';
import { createTwap } from '../../src/strategies/twap.js';
import { mean } from '../../src/eval/stats.js';
import type { RidgeModel } from '../../src/eval/ridge.js';
import { makeEpisodes } from '../helpers/episodes.js';
import { memoryStore } from '../helpers/memory-store.js';
import { fitPeerGroups } from '../../src/data/peers.js';

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
function lastPeriodModels(lastPa: number): ForecastModel {
  const d = forecastWidth('level');
  const models: RidgeModel[] = [3, 2, 1].map((k) => {
    const bias = new Float64Array(k);
    bias[k - 1] = lastPa;
    return { inputs: d, outputs: k, weights: new Float64Array(d * k), bias };
  });
  return { inputs: 'level', models };
}

describe('the forecast planner', () => {
  it('reads the latest step, the first period and the previous day, never a step not yet over', () => {
    const eps = episodes([[10, 10, 10, 10, 10, 10, 10, 10], [10, 10, 10, 10, 10, 10, 10, 10]]);
    const x = new Float64Array(forecastWidth('level'));
    forecastInputs(eps, 'level', 1, 0, x);
    expect(x[0]).toBe(0);
    expect(x[W]).toBe(0);
    expect(x[2 * W + 5]).toBe(1005); // step 0 (previous day)
    forecastInputs(eps, 'level', 1, 1, x);
    expect(x[3]).toBe(1103); // step 1 = period 0, over at decision 1
    expect(x[W + 3]).toBe(0);
    forecastInputs(eps, 'level', 0, 3, x);
    expect(x[7]).toBe(307); // step 3 = period 2
    expect(x[W + 7]).toBe(107);
    expect(x[2 * W + 7]).toBe(7);
    expect(x[W - 1]).toBe(300 + W - 1); // the market context's last feature of step 3
    // Relative: own minus market, (100 s + f) - (100 s + F + f) = -F for every feature of a seen step.
    const F = PUBLIC_FEATURES;
    const r = new Float64Array(forecastWidth('relative'));
    expect(r.length).toBe(3 * F);
    forecastInputs(eps, 'relative', 0, 3, r);
    expect([...r]).toEqual(new Array(3 * F).fill(-F));
    forecastInputs(eps, 'relative', 0, 1, r);
    expect(r[F]).toBe(0);
    expect(r[0]).toBe(-F);
  });

  it('with peer inputs reads own minus the peer context, and needs episodes that carry it', () => {
    const F = PUBLIC_FEATURES;
    const W3 = W + F;
    const base = episodes([[10, 10, 10, 10, 10, 10, 10, 10]]);
    const pub = new Float32Array(base.steps * W3);
    for (let s = 0; s < base.steps; s++) for (let f = 0; f < W3; f++) pub[s * W3 + f] = 100 * s + f;
    const eps = { ...base, pub, publicStride: W3 };
    const x = new Float64Array(forecastWidth('peers'));
    expect(x.length).toBe(3 * F);
    forecastInputs(eps, 'peers', 0, 3, x);
    // (100 s + f) - (100 s + 2F + f) = -2F for every feature of a seen step.
    expect([...x]).toEqual(new Array(3 * F).fill(-2 * F));
    expect(() => forecastInputs(base, 'peers', 0, 3, x)).toThrow(/peer groups/);
  });

  it('targets each later period against the current one, in bps', () => {
    // Period means 10, 10.1, 9.9, 10 (two bars each).
    const eps = episodes([[10, 10, 10.1, 10.1, 9.9, 9.9, 10, 10]]);
    const y = new Float64Array(2);
    forecastTargets(eps, 'level', 0, 1, y);
    expect(y[0]).toBeCloseTo(1e4 * (9.9 / 10.1 - 1), 9);
    expect(y[1]).toBeCloseTo(1e4 * (10 / 10.1 - 1), 9);
    // Relative: minus the market's move between the periods (market PA 0, 5, -20, 3 bps for a sell).
    const withMarket = { ...eps, marketPeriodPa: Float64Array.from([0, 5, -20, 3]) };
    forecastTargets(withMarket, 'relative', 0, 1, y);
    expect(y[0]).toBeCloseTo(1e4 * (9.9 / 10.1 - 1) - (-20 - 5), 9);
    expect(y[1]).toBeCloseTo(1e4 * (10 / 10.1 - 1) - (3 - 5), 9);
    // For a buy the market PA is stored signed for the buy: the sell-signed move is its negative.
    const buy = { ...withMarket, side: Int8Array.from([-1]), marketPeriodPa: Float64Array.from([0, -5, 20, -3]) };
    forecastTargets(buy, 'relative', 0, 1, y);
    expect(y[0]).toBeCloseTo(1e4 * (9.9 / 10.1 - 1) - (-20 - 5), 9);
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
    expect(fit.trials).toHaveLength(21);
    expect(new Set(fit.trials.map((t) => t.lambda))).toEqual(new Set([0.001, 0.01, 0.1, 1, 10, 100, 1000]));
    expect(new Set(fit.trials.map((t) => t.inputs))).toEqual(new Set(['level', 'relative']));
    expect(fit.chosen.scoreE2).toBe(Math.max(...fit.trials.map((t) => t.scoreE2)));
    for (const t of fit.trials) expect(t.scoreE2).toBeCloseTo(t.validationRewardE2 - t.validationRewardSeByDayE2, 9);
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

  it('with peer groups also tries the peer inputs, and a peer forecast runs only with its groups', () => {
    const store = memoryStore({ instruments: 12, days: 12, validationDays: 2, testDays: 2, predictability: 4, seed: 6 }, 8, 2);
    const orders = OrderSettingsSchema.parse({});
    const peers = fitPeerGroups(store, 3);
    const { fit } = fitForecastOnStore(store, DEFAULT_SIM_SETTINGS, orders, undefined, [peers]);
    expect(fit.trials).toHaveLength(28);
    expect(fit.trials.filter((t) => t.inputs === 'peers')).toHaveLength(7);
    // The other trials are the ones a fit without peer groups scores.
    const plain = fitForecastOnStore(store, DEFAULT_SIM_SETTINGS, orders).fit;
    expect(fit.trials.filter((t) => t.inputs !== 'peers')).toEqual(plain.trials);
    const d = forecastWidth('peers');
    const models = [7, 6, 5, 4, 3, 2, 1].map((k) => ({ inputs: d, outputs: k, weights: new Float64Array(d * k), bias: new Float64Array(k) }));
    const model: ForecastModel = { inputs: 'peers', models, peers };
    const test = (p: typeof peers | null) => buildEpisodes(store, generateOrders(store, store.datesOf('test'), orders), DEFAULT_SIM_SETTINGS, { peers: p }).episodes;
    const settings = DEFAULT_SIM_SETTINGS;
    expect(() => runStrategy(createForecastPlanner(model, 1), test(null), settings)).toThrow(/peer groups/);
    expect(() => runStrategy(createForecastPlanner(model, 1), test(fitPeerGroups(store, 2)), settings)).toThrow(/peer groups/);
    expect(runStrategy(createForecastPlanner(model, 1), test(peers), settings).paBps.length).toBeGreaterThan(0);
    // Several group sizes: one set of peer trials each, and the best of them names the size.
    const two = fitPeerGroups(store, 2);
    const both = fitForecastOnStore(store, DEFAULT_SIM_SETTINGS, orders, undefined, [peers, two]).fit;
    expect(both.trials).toHaveLength(35);
    expect(both.trials.filter((t) => t.inputs !== 'peers')).toEqual(plain.trials);
    expect(both.trials.filter((t) => t.peerGroupSize === 3)).toEqual(fit.trials.filter((t) => t.inputs === 'peers'));
    const peerTrials = both.trials.filter((t) => t.inputs === 'peers');
    expect(peerTrials.map((t) => t.peerGroupSize)).toEqual([...new Array(7).fill(3), ...new Array(7).fill(2)]);
    const bestPeer = peerTrials.reduce((b, t) => (t.scoreE2 > b.scoreE2 ? t : b));
    expect(both.bestPeerGroupSize).toBe(bestPeer.peerGroupSize);
    expect(plain.bestPeerGroupSize).toBeNull();
  });
});

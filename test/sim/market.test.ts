/**
 * The market context and the market-neutral training reward, against hand-computed values.
 */
import { describe, expect, it } from 'vitest';
import type { DayPanel } from '../../src/data/types.js';
import { daySummaries, marketPeriodPa } from '../../src/sim/episodes.js';
import { ExecutionEnv } from '../../src/sim/env.js';
import { PUBLIC_FEATURES } from '../../src/sim/observation.js';
import { periodGrid, SimSettingsSchema } from '../../src/sim/settings.js';
import { marketNeutral, periodMeansBySide } from '../../src/rl/ppo/ppo.js';
import { makeEpisodes } from '../helpers/episodes.js';

const sim = SimSettingsSchema.parse({ horizonMinutes: 4, periodMinutes: 2 });
const grid = periodGrid(sim, 1, 4);

function panel(prices: number[][], valid: number[]): DayPanel {
  const a = Float64Array.from(prices.flat());
  return { date: 'd', minutes: 4, instrumentCount: prices.length, open: a, high: a, low: a, close: a, avgPrice: a, volume: new Float64Array(a.length).fill(1), valid: Uint8Array.from(valid) };
}

describe('the market PA per period', () => {
  it('averages each valid instrument\'s period PA against its own p~', () => {
    // Instrument 0: 10 10 | 12 12 -> p~ 11, PA -909.09 / +909.09; instrument 1: 20 20 | 20 20 -> 0 / 0;
    // instrument 2 is excluded and would move the mean.
    const m = marketPeriodPa(panel([[10, 10, 12, 12], [20, 20, 20, 20], [1, 1, 100, 100]], [1, 1, 0]), grid, 4);
    expect(m[0]).toBeCloseTo((1e4 * (10 / 11 - 1)) / 2, 9);
    expect(m[1]).toBeCloseTo((1e4 * (12 / 11 - 1)) / 2, 9);
  });
});

describe('the market context', () => {
  it('is the mean of the valid instruments\' step summaries, zero where nobody counts', () => {
    // Features: one per minute feature column; use 6 columns with value = instrument + minute.
    const F = 6;
    const feats = new Float32Array(2 * 4 * F);
    for (let i = 0; i < 2; i++) for (let m = 0; m < 4; m++) for (let j = 0; j < F; j++) feats[(i * 4 + m) * F + j] = 10 * i + m;
    const S = grid.periods + 1;
    const out = daySummaries(Uint8Array.of(1, 1), null, feats, null, grid, 4, S).market;
    // Step 0 (previous day): nobody, zeros. Step 1 = period 0 = minutes 0-1: means of instrument means
    // (0.5 and 10.5) = 5.5; last values 1 and 11 -> 6; std 0.5 each -> 0.5.
    expect(Array.from(out.subarray(0, PUBLIC_FEATURES))).toEqual(new Array(PUBLIC_FEATURES).fill(0));
    expect(out[PUBLIC_FEATURES]).toBeCloseTo(5.5, 6);
    expect(out[PUBLIC_FEATURES + 1]).toBeCloseTo(6, 6);
    expect(out[PUBLIC_FEATURES + 2]).toBeCloseTo(0.5, 6);
  });
});

describe('the market-neutral reward', () => {
  const means = { sell: Float64Array.of(10, 0), buy: Float64Array.of(-50, 50) };
  /** One order of `side` selling 0.25 of Q in period 0 (0.75 forced in period 1): its rewards before and after. */
  function neutralised(side: 'sell' | 'buy'): { raw: number[]; neutral: Float32Array } {
    const eps = makeEpisodes([{ price: [10, 10, 10, 10], side }], sim, 4);
    eps.marketPeriodPa.set([30, -10]);
    const env = new ExecutionEnv(eps, sim);
    const raw = [env.step(Float64Array.of(0.25))[0], env.step(Float64Array.of(0))[0]];
    const neutral = Float32Array.from(raw);
    marketNeutral(neutral, env, means);
    return { raw, neutral };
  }

  it('subtracts the executed share times the day\'s market PA less its training mean of the side, / 100', () => {
    const sell = neutralised('sell');
    // period 0: 0.25 * (30 - 10) / 100 = 0.05 out; period 1 (forced 0.75): 0.75 * (-10 - 0) / 100 = -0.075 out.
    expect(sell.neutral[0]).toBeCloseTo(sell.raw[0] - 0.05, 6);
    expect(sell.neutral[1]).toBeCloseTo(sell.raw[1] + 0.075, 6);
    // A buy takes the buy episodes' mean: 0.25 * (30 + 50) / 100 = 0.2 out; 0.75 * (-10 - 50) / 100 = -0.45 out.
    const buy = neutralised('buy');
    expect(buy.neutral[0]).toBeCloseTo(buy.raw[0] - 0.2, 6);
    expect(buy.neutral[1]).toBeCloseTo(buy.raw[1] + 0.45, 6);
  });

  it("takes each side's training mean per period (a side without episodes: zeros)", () => {
    const m = periodMeansBySide(Float64Array.of(1, 2, 3, 4, 10, 20), Int8Array.of(1, -1, 1), 2);
    expect(Array.from(m.sell)).toEqual([(1 + 10) / 2, (2 + 20) / 2]);
    expect(Array.from(m.buy)).toEqual([3, 4]);
    expect(Array.from(periodMeansBySide(Float64Array.of(1, 2), Int8Array.of(1), 2).buy)).toEqual([0, 0]);
  });
});

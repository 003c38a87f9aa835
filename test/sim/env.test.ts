import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ExecutionEnv } from '../../src/sim/env.js';
import { SimSettingsSchema, DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';
import { runStrategy } from '../../src/eval/run.js';
import { createTwap } from '../../src/strategies/twap.js';
import type { Strategy } from '../../src/strategies/types.js';
import { makeEpisodes, pricePath } from '../helpers/episodes.js';

const H = 237;

/** A strategy that replays fixed shares per period. */
function fixed(shares: number[]): Strategy {
  return { name: 'fixed', kind: 'rule', begin() {}, decide: (env, out) => out.fill(shares[env.t]) };
}

describe('period grid (SPEC 3)', () => {
  it('has 8 periods of 30 minutes, the last one 27', () => {
    const eps = makeEpisodes([{ price: new Array(H).fill(10) }]);
    expect(Array.from(eps.grid.start)).toEqual([0, 30, 60, 90, 120, 150, 180, 210, 237]);
  });
});

describe('reward (SPEC 4)', () => {
  it('TWAP over 237 minutes has PA exactly 0 and reward -1/237 = -0.42e-2 on any prices', () => {
    const eps = makeEpisodes([{ price: pricePath(H, 1) }, { price: pricePath(H, 2), side: 'buy' }, { price: pricePath(H, 3, 55) }]);
    const r = runStrategy(createTwap(), eps, DEFAULT_SIM_SETTINGS);
    for (let i = 0; i < 3; i++) {
      expect(Math.abs(r.paBps[i])).toBeLessThan(1e-9);
      // -alpha * 237 * (1/237)^2 / 100 = -1/237 = -0.0042194...
      expect(r.reward[i]).toBeCloseTo(-1 / 237, 12);
      expect(r.reward[i].toFixed(4)).toBe('-0.0042');
    }
  });

  it('everything in the first period: PA and penalty by hand', () => {
    // 30 minutes at 10, then 207 at 11: p~ = (300 + 2277) / 237 = 2577 / 237.
    // PA = 1e4 * (10 / p~ - 1) = -1e4 * 207 / 2577 = -803.2596...; penalty = 100 * 30 * (1/30)^2 = 3.3333
    // R = (1 * -803.2596 - 3.3333) / 100 = -8.0659293752
    const price = [...new Array(30).fill(10), ...new Array(207).fill(11)];
    const sell = runStrategy(fixed([1, 1, 1, 1, 1, 1, 1, 1]), makeEpisodes([{ price }]), DEFAULT_SIM_SETTINGS);
    expect(sell.paBps[0]).toBeCloseTo(-803.2596041909201, 9);
    expect(sell.reward[0]).toBeCloseTo(-8.065929375242535, 9);
    expect(Array.from(sell.periodQty.subarray(0, 8))).toEqual([1000, 0, 0, 0, 0, 0, 0, 0]);
    // The same trades as a buy flip the sign of PA; the penalty stays a cost.
    const buy = runStrategy(fixed([1, 0, 0, 0, 0, 0, 0, 0]), makeEpisodes([{ price, side: 'buy' }]), DEFAULT_SIM_SETTINGS);
    expect(buy.paBps[0]).toBeCloseTo(803.2596041909201, 9);
    expect(buy.reward[0]).toBeCloseTo((803.2596041909201 - 100 / 30) / 100, 9);
  });

  it('forces completion in the last period, spread over its 27 minutes', () => {
    const eps = makeEpisodes([{ price: pricePath(H, 9) }]);
    const r = runStrategy(fixed([0, 0, 0, 0, 0, 0, 0, 0]), eps, DEFAULT_SIM_SETTINGS, { recordMinuteFills: true });
    expect(r.executedQty[0]).toBeCloseTo(1000, 9);
    expect(r.periodQty[7]).toBeCloseTo(1000, 9);
    for (let m = 210; m < 237; m++) expect(r.minuteFills![m]).toBeCloseTo(1000 / 27, 9);
    // penalty only: 100 * 27 * (1/27)^2 / 100 = 1/27, plus PA of the last period.
    const pa = r.paBps[0];
    expect(r.reward[0]).toBeCloseTo((pa - 100 / 27) / 100, 9);
  });

  it('caps an action by the remaining inventory', () => {
    const eps = makeEpisodes([{ price: pricePath(H, 4) }]);
    const r = runStrategy(fixed([0.75, 0.75, 0.75, 0, 0, 0, 0, 0]), eps, DEFAULT_SIM_SETTINGS);
    expect(Array.from(r.periodQty.subarray(0, 3))).toEqual([750, 250, 0]);
  });
});

describe('closed form and minute loop agree', () => {
  it('for random shares and prices (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(0, 0.25, 0.5, 0.75, 1), { minLength: 8, maxLength: 8 }), fc.integer({ min: 1, max: 1e6 }), fc.boolean(), (shares, seed, buy) => {
        const eps = makeEpisodes([{ price: pricePath(H, seed), side: buy ? 'buy' : 'sell', quantity: 777 }]);
        const a = runStrategy(fixed(shares), eps, DEFAULT_SIM_SETTINGS);
        const b = runStrategy(fixed(shares), eps, DEFAULT_SIM_SETTINGS, { recordMinuteFills: true });
        expect(b.paBps[0]).toBeCloseTo(a.paBps[0], 8);
        expect(b.reward[0]).toBeCloseTo(a.reward[0], 10);
      }),
      { numRuns: 60 },
    );
  });
});

describe('fill options on a tiny day, by hand', () => {
  it('participation cap 20%, lots of 100, no fills without volume', () => {
    const settings = SimSettingsSchema.parse({ horizonMinutes: 4, periodMinutes: 2, fill: { participationCap: 0.2, lotSize: 100, noFillWithoutVolume: true } });
    const eps = makeEpisodes([{ price: [10, 11, 12, 13], volume: [1000, 0, 3000, 500], quantity: 1000 }], settings, 4);
    const env = new ExecutionEnv(eps, settings, { recordMinuteFills: true });
    // TWAP: 500 per period, 250 per minute.
    // m0: want 250, cap 200 -> 200 (carry 50); m1: no volume -> 0 (carry 300)
    const r0 = env.step(Float64Array.of(0.5))[0];
    // R0: q = 200 at 10, p~ = 11.5, PA0 = 1e4 (10/11.5 - 1) = -869.565; penalty 100 * 0.2^2 = 4
    expect(r0).toBeCloseTo((0.2 * 1e4 * (10 / 11.5 - 1) - 4) / 100, 10);
    // m2: want 300 + 250 = 550, cap 600 -> lots 500 (carry 50); m3 (last): want all 300 left, cap 100 -> 100
    const r1 = env.step(Float64Array.of(0.5))[0];
    // R1: q = 600, value 6000 + 1300 -> P = 12.1667, penalty 100 (0.5^2 + 0.1^2) = 26
    expect(r1).toBeCloseTo((0.6 * 1e4 * (7300 / 600 / 11.5 - 1) - 26) / 100, 10);
    expect(Array.from(env.minuteFills!)).toEqual([200, 0, 500, 100]);
    expect(env.executedQty[0]).toBe(800);
    expect(env.unfilled(0)).toBe(200);
    // Order PA: 9300 / 800 = 11.625 vs 11.5 -> +108.6957 bps
    expect(1e4 * (env.executedValue[0] / env.executedQty[0] / 11.5 - 1)).toBeCloseTo(108.69565217, 6);
  });
});

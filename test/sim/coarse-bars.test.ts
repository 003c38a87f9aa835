/**
 * Coarse bars (issue: 15-minute data): the horizon and the periods are whole bars, and the penalty is
 * per minute whatever the bar length (a bar's child quantity spread equally over its minutes), so
 * TWAP scores -alpha * H * (1/H)^2 / 100 = -1/H for a horizon of H minutes on every bar size.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SIM_SETTINGS, horizonMinutesOf, periodGrid, SimSettingsSchema } from '../../src/sim/settings.js';
import { runStrategy } from '../../src/eval/run.js';
import { createTwap } from '../../src/strategies/twap.js';
import type { Strategy } from '../../src/strategies/types.js';
import { makeEpisodes, pricePath } from '../helpers/episodes.js';

function fixed(shares: number[]): Strategy {
  return { name: 'fixed', kind: 'rule', begin() {}, decide: (env, out) => out.fill(shares[env.t]) };
}

const CASES = [
  { bar: 1, bars: 240, start: [0, 30, 60, 90, 120, 150, 180, 210, 237], minutes: 237 },
  { bar: 5, bars: 48, start: [0, 6, 12, 18, 24, 30, 36, 42, 47], minutes: 235 },
  { bar: 15, bars: 16, start: [0, 2, 4, 6, 8, 10, 12, 14, 16], minutes: 240 },
] as const;

describe('the default grid in whole bars', () => {
  for (const c of CASES) {
    it(`${c.bar}-minute bars: ${c.minutes}-minute horizon in 8 periods`, () => {
      const grid = periodGrid(DEFAULT_SIM_SETTINGS, c.bar, c.bars);
      expect(Array.from(grid.start)).toEqual([...c.start]);
      expect(grid.periods).toBe(8);
      expect(horizonMinutesOf(grid)).toBe(c.minutes);
    });
  }

  it('rounds other settings to the nearest bar, at least one bar per period, capped at the session', () => {
    const s = SimSettingsSchema.parse({ horizonMinutes: 500, periodMinutes: 7 });
    const g = periodGrid(s, 15, 16);
    expect(g.horizon).toBe(16);
    expect(g.start[1]).toBe(1);
    expect(periodGrid(SimSettingsSchema.parse({ periodMinutes: 22 }), 15, 16).start[1]).toBe(1);
    expect(periodGrid(SimSettingsSchema.parse({ periodMinutes: 23 }), 15, 16).start[1]).toBe(2);
  });
});

describe('the per-minute penalty on coarse bars', () => {
  for (const c of CASES) {
    for (const minuteLoop of [false, true]) {
      it(`TWAP scores exactly -1/${c.minutes} with ${c.bar}-minute bars (${minuteLoop ? 'minute loop' : 'closed form'})`, () => {
        const H = c.start[8];
        const eps = makeEpisodes([{ price: pricePath(H, 3) }, { price: pricePath(H, 4), side: 'buy' }], DEFAULT_SIM_SETTINGS, c.bars, c.bar);
        const r = runStrategy(createTwap(), eps, DEFAULT_SIM_SETTINGS, { recordMinuteFills: minuteLoop });
        for (let i = 0; i < 2; i++) {
          expect(Math.abs(r.paBps[i])).toBeLessThan(1e-9);
          expect(r.reward[i]).toBeCloseTo(-1 / c.minutes, 12);
        }
      });
    }
  }

  it('15-minute bars, everything in the first period: PA and penalty by hand', () => {
    // Bars 0-1 at 10, bars 2-15 at 11: p~ = (20 + 154) / 16 = 10.875; PA = 1e4 * (10 / 10.875 - 1)
    // = -804.5977...; the first period is 30 minutes, so the penalty is 100 * 30 * (1/30)^2 = 10/3.
    const price = [10, 10, ...new Array(14).fill(11)];
    const pa = 1e4 * (10 / 10.875 - 1);
    for (const minuteLoop of [false, true]) {
      const r = runStrategy(fixed([1, 0, 0, 0, 0, 0, 0, 0]), makeEpisodes([{ price }], DEFAULT_SIM_SETTINGS, 16, 15), DEFAULT_SIM_SETTINGS, {
        recordMinuteFills: minuteLoop,
      });
      expect(r.paBps[0]).toBeCloseTo(pa, 9);
      expect(r.reward[0]).toBeCloseTo((pa - 100 / 30) / 100, 12);
    }
  });

  it('5-minute bars, forced completion spread over the last period of 25 minutes', () => {
    const price = pricePath(47, 11);
    const r = runStrategy(fixed([0, 0, 0, 0, 0, 0, 0, 0]), makeEpisodes([{ price }], DEFAULT_SIM_SETTINGS, 48, 5), DEFAULT_SIM_SETTINGS);
    expect(r.periodQty[7]).toBeCloseTo(1000, 9);
    // 100 * 25 * (1/25)^2 / 100 = 1/25, plus the last period's PA.
    expect(r.reward[0]).toBeCloseTo((r.paBps[0] - 100 / 25) / 100, 12);
  });
});

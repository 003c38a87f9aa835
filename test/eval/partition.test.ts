/** Backtests in parts: how orders are cut so that the parts' results concatenate to the whole run's. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Order } from '../../src/data/orders.js';
import { partitionOrders } from '../../src/eval/backtest.js';

const DATES = ['2024-03-01', '2024-03-04', '2024-03-05', '2024-03-06'];
const order = (date: string, k: number): Order => ({ instrument: `S${k}`, date, side: 'sell', quantity: 100 + k });

describe('partitionOrders', () => {
  it('cuts at date boundaries, and splits a date only when it alone exceeds the limit', () => {
    const orders = [order(DATES[2], 0), order(DATES[0], 1), order(DATES[0], 2), order(DATES[1], 3), order(DATES[2], 4), order('2030-01-01', 5)];
    // Unknown dates first (they are skipped later), then dates in dataset order, each date's orders as given.
    expect(partitionOrders(DATES, orders, 3).map((p) => p.map((o) => o.instrument))).toEqual([['S5', 'S1', 'S2'], ['S3', 'S0', 'S4']]);
    expect(partitionOrders(DATES, orders, 2).map((p) => p.map((o) => o.instrument))).toEqual([['S5'], ['S1', 'S2'], ['S3'], ['S0', 'S4']]);
    const oneDay = [0, 1, 2, 3, 4].map((k) => order(DATES[1], k));
    expect(partitionOrders(DATES, oneDay, 2).map((p) => p.length)).toEqual([2, 2, 1]);
    expect(() => partitionOrders(DATES, orders, 0)).toThrow(/integer >= 1, got 0/);
  });

  it('keeps every order once, in episode order, in parts of at most the limit', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: DATES.length - 1 }), { maxLength: 60 }), fc.integer({ min: 1, max: 12 }), (days, max) => {
        const orders = days.map((d, k) => order(DATES[d], k));
        const parts = partitionOrders(DATES, orders, max);
        for (const p of parts) {
          expect(p.length).toBeGreaterThan(0);
          expect(p.length).toBeLessThanOrEqual(max);
        }
        const expected = [...orders].sort((a, b) => DATES.indexOf(a.date) - DATES.indexOf(b.date) || Number(a.instrument.slice(1)) - Number(b.instrument.slice(1)));
        expect(parts.flat()).toEqual(expected);
      }),
    );
  });
});

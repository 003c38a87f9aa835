import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  fillRate,
  gainLossRatio,
  pairedTest,
  pairedTests,
  paByDay,
  paByLiquidity,
  priceAdvantageBps,
  rewardEstimateE2,
  sharePositive,
  summariseOrders,
  terciles,
  type OrderResults,
} from '../../src/eval/metrics.js';

/** A small order set: five orders over three days, listed out of day order on purpose. */
function fiveOrders(paBps: number[]): OrderResults {
  return {
    paBps: Float64Array.from(paBps),
    reward: Float64Array.from([0.01, -0.02, 0.03, 0, 0.005]),
    filledQty: Float64Array.from([100, 100, 50, 100, 100]),
    orderQty: Float64Array.from([100, 100, 100, 100, 100]),
    dayKeys: ['2019-05-07', '2019-05-07', '2019-05-06', '2019-05-06', '2019-05-08'],
  };
}

describe('priceAdvantageBps (SPEC 4/5)', () => {
  it('sell: 10^4 (P / p~ - 1); buy: 10^4 (1 - P / p~)', () => {
    // Sell at 10.10 against 10.00: 10^4 * 0.01 = +100 bps; at 9.90: -100 bps.
    expect(priceAdvantageBps(10.1, 10, 'sell')).toBeCloseTo(100, 9);
    expect(priceAdvantageBps(9.9, 10, 'sell')).toBeCloseTo(-100, 9);
    // Buy at 9.95 against 10.00: 10^4 * (1 - 0.995) = +50 bps; at 10.20: -200 bps.
    expect(priceAdvantageBps(9.95, 10, 'buy')).toBeCloseTo(50, 9);
    expect(priceAdvantageBps(10.2, 10, 'buy')).toBeCloseTo(-200, 9);
    // Executing exactly at the benchmark (TWAP with full fills) is 0 on both sides.
    expect(priceAdvantageBps(12.34, 12.34, 'sell')).toBe(0);
    expect(priceAdvantageBps(12.34, 12.34, 'buy')).toBe(0);
  });

  it('is NaN without an execution price or a positive benchmark', () => {
    expect(priceAdvantageBps(NaN, 10, 'sell')).toBeNaN();
    expect(priceAdvantageBps(10, 0, 'buy')).toBeNaN();
    expect(priceAdvantageBps(10, NaN, 'buy')).toBeNaN();
  });
});

describe('gain-loss ratio', () => {
  it('matches a hand-made PA list', () => {
    // [3,-1,2,-2,0]: gains 3, 2 -> mean 2.5; losses 1, 2 -> mean 1.5; GLR = 2.5 / 1.5 = 5/3. 0 is neither.
    expect(gainLossRatio([3, -1, 2, -2, 0])).toBeCloseTo(5 / 3, 14);
  });

  it('is undefined (null) when a side is empty, never 0 or infinity', () => {
    expect(gainLossRatio([1, 2, 3])).toBeNull();
    expect(gainLossRatio([-1, -2])).toBeNull();
    expect(gainLossRatio([0, 0, 0])).toBeNull();
    expect(gainLossRatio([])).toBeNull();
  });

  it('treats rounding noise around 0 as 0 and skips NaN', () => {
    // TWAP-like noise of +-1e-12 bps is neither a gain nor a loss: only 5 and -5 count -> GLR 1.
    expect(gainLossRatio([1e-12, -1e-12, 5, -5])).toBe(1);
    expect(gainLossRatio([1e-12, -3e-13])).toBeNull();
    expect(gainLossRatio([4, NaN, -2])).toBe(2);
    // With a zero tolerance the noise counts: gains (1e-12 + 5) / 2, losses (1e-12 + 5) / 2.
    expect(gainLossRatio([1e-12, -1e-12, 5, -5], 0)).toBe(1);
  });

  it('is invariant to scaling PA by a positive constant (property)', () => {
    const pa = fc.array(fc.oneof(fc.double({ min: 1e-3, max: 1e3, noNaN: true }), fc.double({ min: -1e3, max: -1e-3, noNaN: true })), {
      minLength: 1,
      maxLength: 40,
    });
    fc.assert(
      fc.property(pa, fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (values, scale) => {
        const glr = gainLossRatio(values);
        const scaled = gainLossRatio(values.map((v) => v * scale));
        if (glr === null) expect(scaled).toBeNull();
        else expect(scaled! / glr).toBeCloseTo(1, 10);
      }),
    );
  });
});

describe('share positive, fill rate, PA per day', () => {
  it('share of orders with PA > 0, NaN skipped', () => {
    expect(sharePositive([3, -1, 2, -2, 0])).toBeCloseTo(0.4, 15); // 2 of 5
    expect(sharePositive([3, NaN, -1])).toBeCloseTo(0.5, 15); // 1 of 2 priced
    expect(sharePositive([])).toBeNaN();
  });

  it('fill rate is executed over ordered quantity', () => {
    // (100 + 100 + 50 + 100 + 100) / 500 = 0.9
    expect(fillRate([100, 100, 50, 100, 100], [100, 100, 100, 100, 100])).toBeCloseTo(0.9, 15);
    expect(fillRate([], [])).toBeNaN();
  });

  it('PA per day in day order, with counts', () => {
    const rows = paByDay([3, -1, 2, -2, 0, NaN], ['2019-05-07', '2019-05-07', '2019-05-06', '2019-05-06', '2019-05-08', '2019-05-08']);
    expect(rows).toEqual([
      { date: '2019-05-06', paBps: 0, orders: 2 },
      { date: '2019-05-07', paBps: 1, orders: 2 },
      { date: '2019-05-08', paBps: 0, orders: 1 },
    ]);
    const numeric = paByDay([1, 3], Int32Array.from([20190506, 20190506]));
    expect(numeric).toEqual([{ date: '20190506', paBps: 2, orders: 2 }]);
  });
});

describe('terciles', () => {
  it('splits distinct values 2-2-2 and 2-3-2', () => {
    // (rank + 1/2) / n * 3 for n = 6: 0.25 0.75 1.25 1.75 2.25 2.75 -> 0 0 1 1 2 2.
    expect([...terciles([6, 1, 5, 2, 4, 3])]).toEqual([2, 0, 2, 0, 1, 1]);
    // n = 7: 0.21 0.64 1.07 1.5 1.93 2.36 2.79 -> 0 0 1 1 1 2 2.
    expect([...terciles([1, 2, 3, 4, 5, 6, 7])]).toEqual([0, 0, 1, 1, 1, 2, 2]);
  });

  it('puts ties in one bucket by their mid-rank; NaN gets -1', () => {
    // sorted 1 | 5 5 5 | 9 9: ranks 0 | 1-3 (mid 2) | 4-5 (mid 4.5);
    // 3 (r + 1/2) / 6: 0.25 -> 0, 1.25 -> 1, 2.5 -> 2.
    expect([...terciles([5, 5, 5, 1, 9, 9])]).toEqual([1, 1, 1, 0, 2, 2]);
    expect([...terciles([7, 7, 7])]).toEqual([1, 1, 1]);
    expect([...terciles([NaN, 1, 2, 3])]).toEqual([-1, 0, 1, 2]);
    expect([...terciles([])]).toEqual([]);
  });

  it('depends only on the values, not on their order, and is monotone (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 60 }), (values) => {
        const buckets = terciles(values);
        const reversed = terciles([...values].reverse());
        const n = values.length;
        for (let i = 0; i < n; i++) {
          expect(reversed[n - 1 - i]).toBe(buckets[i]);
          for (let j = 0; j < n; j++) if (values[i] < values[j]) expect(buckets[i]).toBeLessThanOrEqual(buckets[j]);
        }
      }),
    );
  });

  it('mean PA by liquidity tercile', () => {
    // liquidity [10,20,30,40,50,60] -> buckets 0 0 1 1 2 2; PA means (1+3)/2, (5+7)/2, (NaN skipped) 11.
    expect(paByLiquidity([1, 3, 5, 7, NaN, 11], [10, 20, 30, 40, 50, 60])).toEqual([
      { bucket: 'low', paBps: 2, orders: 2 },
      { bucket: 'mid', paBps: 6, orders: 2 },
      { bucket: 'high', paBps: 11, orders: 1 },
    ]);
    expect(() => paByLiquidity([1], [1, 2])).toThrow(/one per order/);
  });
});

describe('summariseOrders', () => {
  it('summarises a hand-made order set', () => {
    const summary = summariseOrders(fiveOrders([3, -1, 2, -2, 0]));
    expect(summary.orders).toBe(5);
    expect(summary.unpricedOrders).toBe(0);
    // Reward x 100: [1,-2,3,0,0.5], mean 2.5/5 = 0.5; squared deviations .25+6.25+6.25+.25+0 = 13,
    // variance 3.25, se sqrt(0.65). Day means: 05-06 (3+0)/2 = 1.5, 05-07 (1-2)/2 = -0.5, 05-08 0.5:
    // mean 0.5, squared deviations 1+1+0 = 2, variance 1, se by day 1/sqrt(3).
    expect(summary.rewardE2.mean).toBeCloseTo(0.5, 14);
    expect(summary.rewardE2.se).toBeCloseTo(Math.sqrt(0.65), 14);
    expect(summary.rewardE2.seByDay).toBeCloseTo(1 / Math.sqrt(3), 14);
    // PA [3,-1,2,-2,0]: mean 0.4; squared deviations 6.76+1.96+2.56+5.76+0.16 = 17.2, variance 4.3,
    // se sqrt(0.86). Day means 05-06 0, 05-07 1, 05-08 0: mean 1/3, squared deviations 1/9+4/9+1/9,
    // variance 1/3, se by day sqrt(1/9) = 1/3.
    expect(summary.paBps.mean).toBeCloseTo(0.4, 14);
    expect(summary.paBps.se).toBeCloseTo(Math.sqrt(0.86), 14);
    expect(summary.paBps.seByDay).toBeCloseTo(1 / 3, 14);
    // t(0.975, 4) = 2.776445.
    expect(summary.paBps.ci95[1] - summary.paBps.mean).toBeCloseTo(2.776445105 * Math.sqrt(0.86), 8);
    expect(summary.glr).toBeCloseTo(5 / 3, 14);
    expect(summary.sharePositive).toBeCloseTo(0.4, 15);
    expect(summary.fillRate).toBeCloseTo(0.9, 15);
    expect(summary.paByDay).toEqual([
      { date: '2019-05-06', paBps: 0, orders: 2 },
      { date: '2019-05-07', paBps: 1, orders: 2 },
      { date: '2019-05-08', paBps: 0, orders: 1 },
    ]);
  });

  it('leaves unfilled orders out of the PA statistics but counts them', () => {
    const base = fiveOrders([3, -1, 2, -2, 0]);
    const withUnfilled: OrderResults = {
      paBps: [...Array.from(base.paBps), NaN],
      reward: [...Array.from(base.reward), -0.01],
      filledQty: [...Array.from(base.filledQty), 0],
      orderQty: [...Array.from(base.orderQty), 100],
      dayKeys: [...Array.from(base.dayKeys), '2019-05-08'],
    };
    const summary = summariseOrders(withUnfilled);
    expect(summary.orders).toBe(6);
    expect(summary.unpricedOrders).toBe(1);
    expect(summary.paBps.mean).toBeCloseTo(0.4, 14);
    expect(summary.glr).toBeCloseTo(5 / 3, 14);
    // Reward x 100 now [1,-2,3,0,0.5,-1]: mean 1.5/6 = 0.25.
    expect(summary.rewardE2.mean).toBeCloseTo(0.25, 14);
    // 450 of 600.
    expect(summary.fillRate).toBeCloseTo(0.75, 15);
  });

  it('TWAP: PA 0 on every order gives GLR undefined and no positive orders', () => {
    const summary = summariseOrders(fiveOrders([0, 1e-13, -1e-13, 0, 0]));
    expect(summary.glr).toBeNull();
    expect(summary.sharePositive).toBe(0);
  });

  it('reward in units of 10^-2: the TWAP reward -0.0042 reads -0.42', () => {
    expect(rewardEstimateE2([-0.0042, -0.0042]).mean).toBeCloseTo(-0.42, 14);
  });

  it('rejects columns of different lengths', () => {
    const bad = { ...fiveOrders([1, 2, 3, 4, 5]), reward: Float64Array.from([1]) };
    expect(() => summariseOrders(bad)).toThrow(/column reward has 1 entries but paBps has 5/);
  });
});

describe('pairedTest against a reference', () => {
  const twap = fiveOrders([0, 0, 0, 0, 0]);
  const days = ['A', 'A', 'B', 'C', 'C'];

  it('order-level and day-level p-values of a hand example', () => {
    // Differences [0,2,2,1,5] on days A A B C C.
    // Orders: mean 2, variance 3.5, t = 2 / sqrt(0.7), dof 4: p = 1 - t (t^2+6) / (t^2+4)^(3/2) = 0.07513.
    // Days: means [1,2,3], t = 2 sqrt(3), dof 2: p = 1 - sqrt(6/7) = 0.07418.
    const strategy = { ...fiveOrders([0, 2, 2, 1, 5]), dayKeys: days };
    const test = pairedTest(strategy, { ...twap, dayKeys: days }, 'TWAP');
    const t = 2 / Math.sqrt(0.7);
    expect(test.against).toBe('TWAP');
    expect(test.meanDiffBps).toBe(2);
    expect(test.pValue).toBeCloseTo(1 - (t * (t * t + 6)) / Math.pow(t * t + 4, 1.5), 12);
    expect(test.pValueByDay).toBeCloseTo(1 - Math.sqrt(6 / 7), 12);
    // The lead the day-level test could call significant: the dof-2 critical t,
    // 0.95 sqrt(2 / (1 - 0.95^2)) = 4.30265, times the day means' standard error 1 / sqrt(3).
    expect(test.detectableBps).toBeCloseTo((0.95 * Math.sqrt(2 / (1 - 0.95 ** 2))) / Math.sqrt(3), 9);
    // Days for 80% power: the day means' sd is 1 and their mean difference 2: ((1.960 + 0.842) / 2)^2 = 1.96 -> 2.
    expect(test.daysFor80).toBe(2);
  });

  it('drops orders without PA on either side, and has no day p-value with one day', () => {
    const oneDay = ['A', 'A', 'A', 'A', 'A'];
    const strategy = { ...fiveOrders([1, 2, NaN, 3, 5]), dayKeys: oneDay };
    const reference = { ...fiveOrders([0, 0, 0, 0, NaN]), dayKeys: oneDay };
    // Pairs left: differences [1, 2, 3] -> as the dof-2 example, p = 1 - sqrt(6/7).
    const test = pairedTest(strategy, reference, 'TWAP');
    expect(test.meanDiffBps).toBe(2);
    expect(test.pValue).toBeCloseTo(1 - Math.sqrt(6 / 7), 12);
    expect(test.pValueByDay).toBeNull();
    expect(test.detectableBps).toBeNull();
  });

  it('against itself: difference 0, p = 1', () => {
    const strategy = fiveOrders([3, -1, 2, -2, 0]);
    expect(pairedTests(strategy, [{ name: 'self', results: strategy }])).toEqual([
      { against: 'self', meanDiffBps: 0, pValue: 1, pValueByDay: 1, days: 3, detectableBps: 0, daysFor80: null },
    ]);
  });

  it('refuses different order sets', () => {
    const strategy = fiveOrders([1, 2, 3, 4, 5]);
    const shifted = { ...twap, dayKeys: ['2019-05-07', '2019-05-07', '2019-05-06', '2019-05-06', '2019-05-09'] };
    expect(() => pairedTest(strategy, shifted, 'TWAP')).toThrow(/order 4 is on day 2019-05-08 vs 2019-05-09/);
    const shorter: OrderResults = { paBps: [1], reward: [0], filledQty: [1], orderQty: [1], dayKeys: ['A'] };
    expect(() => pairedTest(strategy, shorter, 'TWAP')).toThrow(/5 orders vs 1/);
  });
});

describe('schedule spread', () => {
  it('counts distinct executed schedules and the share on the most common one', async () => {
    const { scheduleSpread } = await import('../../src/eval/compare.js');
    // Three orders over two periods: (0.5, 0.5), (0.5, 0.5), (1, 0); quantities 100, 200, 50.
    const run = {
      strategy: 'X', kind: 'rule' as const, count: 3, periods: 2,
      paBps: new Float64Array(3), reward: new Float64Array(3), executedQty: Float64Array.of(100, 200, 50),
      quantity: Float64Array.of(100, 200, 50), periodQty: Float64Array.of(50, 50, 100, 100, 50, 0), minuteFills: null,
    };
    const s = scheduleSpread(run);
    expect(s.distinct).toBe(2);
    expect(s.modalShare).toBeCloseTo(2 / 3, 12);
  });
});

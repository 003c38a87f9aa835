import { describe, expect, it } from 'vitest';
import { compareBacktests, compareMethods, formatMethodComparison, methodOf, type OrderRow } from '../../src/eval/methods.js';

/** Orders i1, i2 on days d1, d2; PA per strategy as [d1i1, d1i2, d2i1, d2i2]. */
function rows(pa: Record<string, Array<number | null>>): OrderRow[] {
  const orders = [
    ['i1', 'd1'],
    ['i2', 'd1'],
    ['i1', 'd2'],
    ['i2', 'd2'],
  ];
  return Object.entries(pa).flatMap(([strategy, xs]) => orders.map(([instrument, date], k) => ({ strategy, instrument, date, side: 'sell', paBps: xs[k] })));
}

describe('compareMethods', () => {
  it('methodOf strips the seed label', () => {
    expect(methodOf('OPD-S (OPD-S-s1-ab)')).toBe('OPD-S');
    expect(methodOf('TWAP')).toBe('TWAP');
  });

  it("takes a method's PA per order as the mean over its seeds, with shares and day-level tests (hand-computed)", () => {
    const c = compareMethods(
      rows({
        TWAP: [0, 0, 0, 0],
        REF: [4, 4, 8, 8],
        'A (s1)': [1, 3, 2, 6],
        'A (s2)': [3, 1, 4, 2],
      }),
      { reference: 'REF', pairs: [['A', 'REF']] },
    );
    expect(c.orders).toBe(4);
    expect(c.days).toBe(2);
    const a = c.methods.find((m) => m.method === 'A')!;
    expect(a.seeds).toEqual(['A (s1)', 'A (s2)']);
    // per order: 2, 2, 3, 4 -> mean 2.75; day means 2 and 3.5 -> SE = sd(2, 3.5) / sqrt 2 = 0.75
    expect(a.paBps).toBeCloseTo(2.75, 12);
    expect(a.seByDay).toBeCloseTo(0.75, 12);
    expect(a.seedPaBps[0]).toBeCloseTo(3, 12);
    expect(a.seedPaBps[1]).toBeCloseTo(2.5, 12);
    // REF's mean PA is 6: share 2.75 / 6
    expect(a.shareOfReference).toBeCloseTo(2.75 / 6, 12);
    // A - REF per day: 2 - 4 = -2 and 3.5 - 8 = -4.5: mean -3.25, SE 1.25, t = -2.6 on 1 dof
    expect(a.vsReference!.meanDiff).toBeCloseTo(-3.25, 12);
    expect(a.vsReference!.t).toBeCloseTo(-2.6, 12);
    expect(a.vsReference!.days).toBe(2);
    expect(c.pairs[0].test.meanDiff).toBeCloseTo(-3.25, 12);
    // A - TWAP per day: 2 and 3.5
    expect(a.vsTwap!.meanDiff).toBeCloseTo(2.75, 12);
    expect(c.methods.find((m) => m.method === 'TWAP')!.vsTwap).toBeNull();
    const text = formatMethodComparison(c);
    expect(text).toMatch(/^4 orders on 2 days;/);
    expect(text).toContain('| A | 2 | 2.75 | 0.75 | 3.00, 2.50 | 46% | +2.75, p = ');
    expect(text).toContain('A against REF: -3.25, p = ');
    // At this spread: significant from t(0.975, 1) x 1.25 = 12.706 x 1.25 = 15.88 bps; the day means'
    // sd is 1.25 sqrt 2 = 1.768, so 80% power for 3.25 needs ((1.960 + 0.842) 1.768 / 3.25)^2 = 2.32 -> 3 days.
    expect(text).toMatch(/A against REF: -3\.25, p = \S+ \(2 days; at this spread p < 0\.05 needs ±15\.88 bps, and 80% power for this difference about 3 days\)/);
  });

  it('with eachStrategy, tests two strategies of one name against each other (hand-computed)', () => {
    const pa = rows({ TWAP: [0, 0, 0, 0], 'A (s1)': [1, 3, 2, 6], 'A (s2)': [3, 1, 4, 2] });
    const c = compareMethods(pa, { eachStrategy: true, pairs: [['A (s1)', 'A (s2)']] });
    expect(c.methods.map((m) => m.method)).toEqual(['TWAP', 'A (s1)', 'A (s2)']);
    expect(c.methods[1].seeds).toEqual(['A (s1)']);
    // s1 day means 2 and 4, s2 day means 2 and 3: differences 0 and 1 -> mean 0.5
    expect(c.pairs[0].test.meanDiff).toBeCloseTo(0.5, 12);
    expect(c.pairs[0].test.days).toBe(2);
    expect(c.methods[1].paBps).toBeCloseTo(3, 12);
    // Merged by name, the labels are not methods.
    expect(() => compareMethods(pa, { pairs: [['A (s1)', 'A (s2)']] })).toThrow(/no strategy A \(s1\) in the backtest \(there: TWAP, A\)/);
  });

  it('leaves out, and counts, orders without a PA in some strategy', () => {
    const c = compareMethods(rows({ TWAP: [0, 0, 0, 0], 'A (s1)': [1, null, 2, 6], 'A (s2)': [3, 1, 4, Number.NaN] }));
    expect(c.orders).toBe(2);
    expect(c.leftOut).toBe(2);
    expect(c.methods.find((m) => m.method === 'A')!.paBps).toBeCloseTo(2.5, 12);
    expect(formatMethodComparison(c)).toMatch(/^2 orders on 2 days \(2 left out: no PA in some strategy\)/);
  });

  it('refuses an unknown reference, naming the methods there, and an order given twice', () => {
    expect(() => compareMethods(rows({ TWAP: [0, 0, 0, 0] }), { reference: 'PLANNER' })).toThrow(/no strategy PLANNER in the backtest \(there: TWAP\)/);
    const twice = [...rows({ TWAP: [0, 0, 0, 0] }), { strategy: 'TWAP', instrument: 'i1', date: 'd1', side: 'sell', paBps: 0 }];
    expect(() => compareMethods(twice)).toThrow(/order i1 d1 sell appears twice/);
  });

  describe('several backtests on disjoint days (walk-forward folds)', () => {
    /** The rows of rows(), moved to other days. */
    const onDays = (r: OrderRow[], d1: string, d2: string): OrderRow[] => r.map((x) => ({ ...x, date: x.date === 'd1' ? d1 : d2 }));
    const fold1 = onDays(rows({ TWAP: [0, 0, 0, 0], VWAP: [1, 1, 1, 1], 'A (A-s1-f1)': [1, 3, 2, 6], 'A (A-s2-f1)': [3, 1, 4, 2] }), 'd1', 'd2');
    const fold2 = onDays(rows({ TWAP: [0, 0, 0, 0], VWAP: [2, 2, 0, 0], 'A (A-s1-f2)': [6, 6, 0, 2], 'A (A-s2-f2)': [2, 2, 0, 2] }), 'd3', 'd4');

    it("pools the orders, each with its own backtest's seeds, and tests over every day (hand-computed)", () => {
      const c = compareBacktests(
        [
          { name: 'f1', rows: fold1 },
          { name: 'f2', rows: fold2 },
        ],
        { pairs: [['A', 'VWAP']] },
      );
      expect(c.parts).toHaveLength(2);
      expect(c.orders).toBe(8);
      expect(c.days).toBe(4);
      const a = c.methods.find((m) => m.method === 'A')!;
      // per order: fold 1 2, 2, 3, 4; fold 2 4, 4, 0, 2 -> day means 2, 3.5, 4, 1; mean 2.625
      expect(a.paBps).toBeCloseTo(2.625, 12);
      // seed 1: 1, 3, 2, 6, 6, 6, 0, 2 -> 3.25; seed 2: 3, 1, 4, 2, 2, 2, 0, 2 -> 2
      expect(a.seedPaBps).toHaveLength(2);
      expect(a.seedPaBps[0]).toBeCloseTo(3.25, 12);
      expect(a.seedPaBps[1]).toBeCloseTo(2, 12);
      expect(a.seeds).toEqual(['A (A-s1-f1)', 'A (A-s2-f1)', 'A (A-s1-f2)', 'A (A-s2-f2)']);
      // A - VWAP per day: 1, 2.5, 2, 1: mean 1.625, sd sqrt(0.5625) = 0.75, SE 0.375, t = 4.333 on 3 dof
      const p = c.pairs[0].test;
      expect(p.days).toBe(4);
      expect(p.meanDiff).toBeCloseTo(1.625, 12);
      expect(p.t).toBeCloseTo(1.625 / 0.375, 10);
      expect(a.vsTwap!.days).toBe(4);
      expect(formatMethodComparison(c)).toMatch(/^8 orders on 4 days of 2 backtests; .*seed k: each backtest's k-th/);
      expect(formatMethodComparison(c)).toContain('| A | 2 | 2.63 |');
      // each backtest's own means: fold 1 TWAP 0, VWAP 1, A 2.75; fold 2 TWAP 0, VWAP 1, A 2.5
      expect(c.parts).toEqual([
        { name: 'f1', orders: 4, days: 2, paBps: [0, 1, 2.75] },
        { name: 'f2', orders: 4, days: 2, paBps: [0, 1, 2.5] },
      ]);
      expect(formatMethodComparison(c)).toContain('| backtest | orders | days | TWAP | VWAP | A |\n| --- | ---: | ---: | ---: | ---: | ---: |\n| f1 | 4 | 2 | 0.00 | 1.00 | 2.75 |\n| f2 | 4 | 2 | 0.00 | 1.00 | 2.50 |');
    });

    it("gives one backtest the comparison of compareMethods, whatever the backtest's name", () => {
      expect(compareBacktests([{ name: 'f1', rows: fold1 }])).toEqual(compareMethods(fold1));
    });

    it('refuses a day in two backtests and backtests of other methods or seed counts, naming them', () => {
      expect(() =>
        compareBacktests([
          { name: 'f1', rows: fold1 },
          { name: 'again', rows: onDays(rows({ TWAP: [0, 0, 0, 0], VWAP: [1, 1, 1, 1], 'A (x)': [0, 0, 0, 0], 'A (y)': [0, 0, 0, 0] }), 'd2', 'd5') },
        ]),
      ).toThrow(/day d2 is in two backtests \(f1 and again\)/);
      const oneSeed = fold2.filter((r) => r.strategy !== 'A (A-s2-f2)');
      expect(() =>
        compareBacktests([
          { name: 'f1', rows: fold1 },
          { name: 'f2', rows: oneSeed },
        ]),
      ).toThrow(/f2 has other methods or seed counts \(TWAP x 1, VWAP x 1, A x 1\) than f1 \(TWAP x 1, VWAP x 1, A x 2\)/);
    });
  });
});

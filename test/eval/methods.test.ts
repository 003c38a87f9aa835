import { describe, expect, it } from 'vitest';
import { compareMethods, formatMethodComparison, methodOf, type OrderRow } from '../../src/eval/methods.js';

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
});

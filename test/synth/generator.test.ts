import { describe, expect, it } from 'vitest';
import type { DayPanel } from '../../src/data/types.js';
import { buildUniverse, generateDay, initialState } from '../../src/synth/generator.js';
import { synthDays, weekdayDates } from '../../src/synth/market.js';
import { DEFAULT_SYNTH_PARAMS, synthParams, type SynthParamsInput } from '../../src/synth/params.js';

/** A small market: the defaults except the sizes (splits shrunk so the schema accepts few days). */
function market(overrides: SynthParamsInput = {}): { panels: DayPanel[]; universe: ReturnType<typeof buildUniverse> } {
  const params = synthParams({ instruments: 20, days: 10, validationDays: 1, testDays: 1, ...overrides });
  const universe = buildUniverse(params);
  return { panels: [...synthDays(params, universe)].map((d) => d.panel), universe };
}

const FIELDS = ['open', 'high', 'low', 'close', 'avgPrice', 'volume'] as const;

function kurtosis(xs: readonly number[]): number {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  let m2 = 0;
  let m4 = 0;
  for (const x of xs) {
    m2 += (x - mean) ** 2;
    m4 += (x - mean) ** 4;
  }
  return (m4 / n) / (m2 / n) ** 2;
}

/** Minute log returns of the average price, in units of the instrument's typical daily volatility. */
function minuteReturns(panels: readonly DayPanel[], universe: ReturnType<typeof buildUniverse>): number[][] {
  const M = panels[0].minutes;
  const byMinute: number[][] = Array.from({ length: M }, () => []);
  for (const p of panels) {
    for (let i = 0; i < p.instrumentCount; i++) {
      const scale = Math.exp(universe.instruments[i].logVolatility);
      for (let m = 1; m < M; m++) byMinute[m].push(Math.log(p.avgPrice[i * M + m] / p.avgPrice[i * M + m - 1]) / scale);
    }
  }
  return byMinute;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('synthetic market: determinism', () => {
  it('the same parameters and seed give identical bars; another seed gives other bars', () => {
    const a = market({ seed: 5, days: 4 }).panels;
    const b = market({ seed: 5, days: 4 }).panels;
    const c = market({ seed: 6, days: 4 }).panels;
    for (let d = 0; d < a.length; d++) {
      for (const f of FIELDS) {
        expect(Buffer.from(a[d][f].buffer).equals(Buffer.from(b[d][f].buffer))).toBe(true);
        expect(Buffer.from(a[d][f].buffer).equals(Buffer.from(c[d][f].buffer))).toBe(false);
      }
      expect(a[d].valid).toEqual(b[d].valid);
    }
  });

  it('an instrument does not depend on how many others are generated', () => {
    const small = market({ instruments: 3, days: 4 }).panels;
    const large = market({ instruments: 8, days: 4 }).panels;
    const M = small[0].minutes;
    for (let d = 0; d < small.length; d++) {
      for (const f of FIELDS) expect(Array.from(large[d][f].subarray(0, 3 * M))).toEqual(Array.from(small[d][f]));
    }
  });

  it('generateDay is pure: it does not modify the state it is given', () => {
    const params = synthParams({ instruments: 4, days: 5, validationDays: 1, testDays: 1 });
    const universe = buildUniverse(params);
    const state = initialState(universe);
    const copy = structuredClone(state);
    const x = generateDay(universe, state, 3, '2023-01-05');
    const y = generateDay(universe, state, 3, '2023-01-05');
    expect(state).toEqual(copy);
    expect(Array.from(x.panel.avgPrice)).toEqual(Array.from(y.panel.avgPrice));
    expect(x.state).toEqual(y.state);
  });

  it('dates are consecutive weekdays from 2023-01-02', () => {
    expect(weekdayDates('2023-01-02', 7)).toEqual(['2023-01-02', '2023-01-03', '2023-01-04', '2023-01-05', '2023-01-06', '2023-01-09', '2023-01-10']);
    expect(weekdayDates('2023-01-07', 1)).toEqual(['2023-01-09']);
    expect(DEFAULT_SYNTH_PARAMS.startDate).toBe('2023-01-02');
  });
});

describe('synthetic market: bars', () => {
  const { panels, universe } = market();

  it('has 240 one-minute bars a day with consistent prices and whole lots', () => {
    const bad: string[] = [];
    for (const p of panels) {
      expect(p.minutes).toBe(240);
      expect(p.instrumentCount).toBe(20);
      for (let k = 0; k < p.open.length; k++) {
        const hi = Math.max(p.open[k], p.close[k], p.avgPrice[k]);
        const lo = Math.min(p.open[k], p.close[k], p.avgPrice[k]);
        const ok = p.low[k] > 0 && p.high[k] >= hi && p.low[k] <= lo && p.volume[k] >= 0 && p.volume[k] % 100 === 0;
        if (!ok) bad.push(`${p.date} row ${k}: O ${p.open[k]} H ${p.high[k]} L ${p.low[k]} C ${p.close[k]} A ${p.avgPrice[k]} V ${p.volume[k]}`);
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('puts open, high, low and close on the 0.01 tick grid', () => {
    const p = panels[3];
    for (const f of ['open', 'high', 'low', 'close'] as const) {
      const off = Array.from(p[f]).filter((x) => Math.abs(x * 100 - Math.round(x * 100)) > 1e-6);
      expect(off).toEqual([]);
    }
    // The average price is a weighted mean of tick prices: mostly off the grid.
    expect(Array.from(p.avgPrice).filter((x) => Math.abs(x * 100 - Math.round(x * 100)) > 1e-6).length).toBeGreaterThan(p.avgPrice.length / 2);
  });

  it('spans price levels from a few to many tens of yuan and volume over two orders of magnitude', () => {
    const big = market({ instruments: 200, days: 3 });
    const prices = big.universe.instruments.map((x) => x.startPrice).sort((a, b) => a - b);
    expect(prices[0]).toBeGreaterThanOrEqual(3);
    expect(prices[prices.length - 1]).toBeLessThanOrEqual(200);
    expect(prices[prices.length - 1] / prices[0]).toBeGreaterThan(10);
    const vols = big.universe.instruments.map((x) => x.meanMinuteVolume).sort((a, b) => a - b);
    expect(Math.log10(vols[vols.length - 1] / vols[0])).toBeGreaterThan(2);
  });

  it('has a U-shaped volume profile with a bump after lunch', () => {
    const M = 240;
    const perMinute = new Float64Array(M);
    for (const p of panels) {
      for (let i = 0; i < p.instrumentCount; i++) {
        const norm = universe.instruments[i].meanMinuteVolume;
        for (let m = 0; m < M; m++) perMinute[m] += p.volume[i * M + m] / norm;
      }
    }
    const avg = (a: number, b: number) => mean(Array.from(perMinute.subarray(a, b)));
    const midday = avg(90, 120);
    expect(avg(0, 30)).toBeGreaterThan(1.3 * midday);
    expect(avg(210, 240)).toBeGreaterThan(1.2 * midday);
    expect(avg(120, 130)).toBeGreaterThan(1.1 * avg(100, 120));
  });

  it('has a U-shaped volatility profile', () => {
    const byMinute = minuteReturns(panels, universe);
    const absMean = (a: number, b: number) => mean(byMinute.slice(a, b).flat().map(Math.abs));
    const midday = absMean(90, 150);
    expect(absMean(1, 30)).toBeGreaterThan(1.2 * midday);
    expect(absMean(210, 240)).toBeGreaterThan(1.05 * midday);
  });

  it('has fat-tailed minute returns, driven by the t innovations and jumps', () => {
    const fat = kurtosis(minuteReturns(panels, universe).flat());
    expect(fat).toBeGreaterThan(6);
    // Thin-tailed control: near-normal innovations, no jumps, flat profiles, no tick grid.
    const flat = { open: 0, close: 0, afterBreak: 0 };
    const thin = market({ tailDegreesOfFreedom: 100, jumpsPerDay: 0, tickSize: 0, volatilityProfile: flat, volatilityOfVolatility: 0, volatilityDispersion: 0 });
    const thinKurtosis = kurtosis(minuteReturns(thin.panels, thin.universe).flat());
    expect(thinKurtosis).toBeLessThan(4);
    expect(fat).toBeGreaterThan(thinKurtosis + 2);
  });

  it('has zero-volume minutes for illiquid names and hardly any for liquid ones', () => {
    const big = market({ instruments: 100, days: 3 });
    const order = big.universe.instruments.map((x, i) => [x.meanMinuteVolume, i] as const).sort((a, b) => a[0] - b[0]);
    const zeroShare = (idx: readonly number[]) => {
      let zeros = 0;
      let total = 0;
      for (const p of big.panels) {
        for (const i of idx) {
          for (let m = 0; m < 240; m++) zeros += p.volume[i * 240 + m] === 0 ? 1 : 0;
          total += 240;
        }
      }
      return zeros / total;
    };
    expect(zeroShare(order.slice(0, 10).map((x) => x[1]))).toBeGreaterThan(0.1);
    expect(zeroShare(order.slice(-10).map((x) => x[1]))).toBeLessThan(0.01);
  });

  it('zero-volume minutes print a flat bar at the last traded price', () => {
    let seen = 0;
    for (const p of panels) {
      for (let k = 1; k < p.volume.length; k++) {
        if (p.volume[k] !== 0 || k % 240 === 0) continue;
        seen++;
        expect(p.open[k]).toBe(p.close[k - 1]);
        expect(p.high[k]).toBe(p.low[k]);
        expect(p.avgPrice[k]).toBe(p.close[k]);
      }
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('clusters volatility across days and gaps overnight', () => {
    const run = (persistence: number) => {
      const { panels: ps } = market({ instruments: 30, days: 40, volatilityPersistence: persistence, volatilityOfVolatility: 0.3 });
      const logRv: number[][] = Array.from({ length: 30 }, () => []);
      const gaps: number[] = [];
      for (const [d, p] of ps.entries()) {
        for (let i = 0; i < 30; i++) {
          let rv = 0;
          for (let m = 1; m < 240; m++) rv += Math.log(p.avgPrice[i * 240 + m] / p.avgPrice[i * 240 + m - 1]) ** 2;
          logRv[i].push(Math.log(rv));
          if (d > 0) gaps.push(Math.abs(Math.log(p.open[i * 240] / ps[d - 1].close[i * 240 + 239])));
        }
      }
      // Correlation of consecutive days' log realised variance, within instrument (demeaned per instrument).
      let sxy = 0;
      let sxx = 0;
      let syy = 0;
      for (const series of logRv) {
        const mu = mean(series);
        for (let d = 1; d < series.length; d++) {
          sxy += (series[d] - mu) * (series[d - 1] - mu);
          sxx += (series[d - 1] - mu) ** 2;
          syy += (series[d] - mu) ** 2;
        }
      }
      return { autocorrelation: sxy / Math.sqrt(sxx * syy), meanGap: mean(gaps) };
    };
    const clustered = run(0.9);
    const independent = run(0);
    expect(clustered.autocorrelation).toBeGreaterThan(0.3);
    expect(independent.autocorrelation).toBeLessThan(0.15);
    expect(clustered.meanGap).toBeGreaterThan(0.001);
  });
});

describe('synthetic market: sessions and bar lengths', () => {
  it('5-minute bars aggregate exactly the 1-minute bars of the same seed', () => {
    const one = market({ instruments: 6, days: 3 }).panels;
    const five = market({ instruments: 6, days: 3, barMinutes: 5 }).panels;
    expect(five[0].minutes).toBe(48);
    for (let d = 0; d < 3; d++) {
      for (let i = 0; i < 6; i++) {
        for (let b = 0; b < 48; b++) {
          const k = i * 48 + b;
          const first = i * 240 + b * 5;
          const slice = (f: (typeof FIELDS)[number]) => Array.from(one[d][f].subarray(first, first + 5));
          expect(five[d].open[k]).toBe(one[d].open[first]);
          expect(five[d].close[k]).toBe(one[d].close[first + 4]);
          expect(five[d].high[k]).toBe(Math.max(...slice('high')));
          expect(five[d].low[k]).toBe(Math.min(...slice('low')));
          const vol = slice('volume').reduce((a, x) => a + x, 0);
          expect(five[d].volume[k]).toBe(vol);
          expect(five[d].avgPrice[k]).toBeGreaterThanOrEqual(five[d].low[k]);
          expect(five[d].avgPrice[k]).toBeLessThanOrEqual(five[d].high[k]);
          if (vol > 0) {
            const vwap = slice('volume').reduce((a, v, j) => a + v * slice('avgPrice')[j], 0) / vol;
            expect(five[d].avgPrice[k]).toBeCloseTo(vwap, 9);
          }
        }
      }
    }
  });

  it('the US session has 390 minutes, one segment and no lunch bump', () => {
    const { panels, universe } = market({ session: 'us', instruments: 4, days: 3 });
    expect(panels[0].minutes).toBe(390);
    expect(universe.session.segments).toHaveLength(1);
    // One trough: falling to the minimum, rising after it (the A-share profile rises again at 13:00).
    const isSingleTrough = (shape: Float64Array) => {
      let low = 0;
      for (let m = 1; m < shape.length; m++) if (shape[m] < shape[low]) low = m;
      for (let m = 1; m < shape.length; m++) if (m <= low ? shape[m] > shape[m - 1] : shape[m] < shape[m - 1]) return false;
      return true;
    };
    expect(isSingleTrough(universe.volumeShape)).toBe(true);
    expect(isSingleTrough(universe.volatilityShape)).toBe(true);
    expect(universe.volumeShape[0]).toBeGreaterThan(universe.volumeShape[200]);
    expect(universe.volumeShape[389]).toBeGreaterThan(universe.volumeShape[200]);
    const ashare = buildUniverse(DEFAULT_SYNTH_PARAMS);
    expect(isSingleTrough(ashare.volumeShape)).toBe(false);
    expect(ashare.volumeShape[120]).toBeGreaterThan(ashare.volumeShape[119]);
  });

  it('rejects a bar length that does not divide the session, naming the key', () => {
    expect(() => synthParams({ barMinutes: 7 })).toThrow(/barMinutes/);
    expect(() => synthParams({ days: 30 })).toThrow(/days/);
  });
});

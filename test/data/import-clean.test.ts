import { describe, expect, it } from 'vitest';
import { ASHARE_SESSION, US_SESSION } from '../../src/data/calendar.js';
import {
  aggregateBars,
  cleanInstrumentDay,
  dayJump,
  EXCLUDE,
  sessionGrid,
  slotOf,
  SLOT_AUCTION,
  SLOT_OUTSIDE,
  type CleanSettings,
  type InstrumentDayRows,
} from '../../src/data/import/clean.js';
import { dayBars, type Bar } from '../fixtures/import/make.js';

const grid = sessionGrid(ASHARE_SESSION, 1, 'end');
const settings: CleanSettings = { grid, barMinutes: 1, volumeUnit: 100, auxKind: null, maxMissingShare: 0.2, maxBadPriceBars: 5 };

function sec(clock: string): number {
  const [h, m, s] = clock.split(':').map(Number);
  return h * 3600 + m * 60 + (s ?? 0);
}

function rowsOf(bars: readonly Bar[], aux?: number[]): InstrumentDayRows {
  return {
    count: bars.length,
    sec: bars.map((b) => sec(b.time.slice(11))),
    open: bars.map((b) => Number(b.open)),
    high: bars.map((b) => Number(b.high)),
    low: bars.map((b) => Number(b.low)),
    close: bars.map((b) => Number(b.close)),
    volume: bars.map((b) => Number(b.volume)),
    aux: aux ?? null,
  };
}

function kept(rows: InstrumentDayRows, s: CleanSettings = settings) {
  const r = cleanInstrumentDay(rows, s);
  if (!r.kept) throw new Error(`excluded: ${r.reason}`);
  return r;
}

const day = (): Bar[] => dayBars('AAA.SH', '2024-01-02');

describe('session grid', () => {
  it('maps A-share end labels: 09:30 and 13:00 are auction bars, 15:00 is minute 240', () => {
    expect(slotOf(grid, sec('09:30:00'))).toBe(SLOT_AUCTION);
    expect(slotOf(grid, sec('09:31:00'))).toBe(0);
    expect(slotOf(grid, sec('11:30:00'))).toBe(119);
    expect(slotOf(grid, sec('13:00:00'))).toBe(SLOT_AUCTION);
    expect(slotOf(grid, sec('13:01:00'))).toBe(120);
    expect(slotOf(grid, sec('15:00:00'))).toBe(239);
    expect(slotOf(grid, sec('15:01:00'))).toBe(SLOT_OUTSIDE);
    expect(slotOf(grid, sec('09:31:30'))).toBe(SLOT_OUTSIDE);
    expect(slotOf(grid, sec('12:00:00'))).toBe(SLOT_OUTSIDE);
  });

  it('maps US start labels: 09:30 is the first minute, 16:00 the closing auction print', () => {
    const us = sessionGrid(US_SESSION, 1, 'start');
    expect(us.slots).toBe(390);
    expect(slotOf(us, sec('09:30:00'))).toBe(0);
    expect(slotOf(us, sec('15:59:00'))).toBe(389);
    expect(slotOf(us, sec('16:00:00'))).toBe(SLOT_AUCTION);
    expect(slotOf(us, sec('09:29:00'))).toBe(SLOT_OUTSIDE);
  });
});

describe('cleanInstrumentDay', () => {
  it('keeps a clean day, drops and counts the opening-auction bar, converts lots to shares', () => {
    const bars = day();
    const r = kept(rowsOf(bars));
    expect(r.counts).toMatchObject({ rows: 241, auctionRows: 1, onGrid: 240, missingFilled: 0, duplicateRows: 0, unsorted: 0 });
    expect(r.bars.open.length).toBe(240);
    expect(r.bars.volume[0]).toBe(Number(bars[1].volume) * 100);
    expect(r.bars.close[239]).toBe(Number(bars[240].close));
    const m = 7;
    const b = bars[m + 1];
    const approx = (Number(b.open) + 2 * Number(b.high) + 2 * Number(b.low) + Number(b.close)) / 6;
    expect(r.bars.avgPrice[m]).toBeCloseTo(approx, 12);
  });

  it('drops and counts rows outside the session or off the minute grid', () => {
    const bars = day();
    bars.push({ ...bars[5], time: '2024-01-02 15:05:00' }, { ...bars[5], time: '2024-01-02 09:31:30' }, { ...bars[5], time: '2024-01-02 12:00:00' });
    const r = kept(rowsOf(bars));
    expect(r.counts.outsideRows).toBe(3);
    expect(r.counts.onGrid).toBe(240);
  });

  it('sorts unsorted rows and counts the instrument-day', () => {
    const sorted = kept(rowsOf(day()));
    const shuffled = day().reverse();
    const r = kept(rowsOf(shuffled));
    expect(r.counts.unsorted).toBe(1);
    expect(Array.from(r.bars.close)).toEqual(Array.from(sorted.bars.close));
    expect(Array.from(r.bars.volume)).toEqual(Array.from(sorted.bars.volume));
  });

  it('keeps the last of duplicated timestamps and counts the dropped rows', () => {
    const bars = day();
    bars.push({ ...bars[11], close: 99, high: 99, volume: 1 });
    bars.push({ ...bars[11], close: 11, high: 11.5, volume: 2 });
    const r = kept(rowsOf(bars));
    expect(r.counts.duplicateRows).toBe(2);
    expect(r.bars.close[10]).toBe(11);
    expect(r.bars.volume[10]).toBe(200);
    expect(r.counts.rows).toBe(r.counts.auctionRows + r.counts.outsideRows + r.counts.duplicateRows + r.counts.onGrid);
  });

  it('forward-fills missing minutes from the previous close with zero volume; leading gaps take the first open', () => {
    const bars = day().filter((_, k) => ![1, 2, 51, 52, 53].includes(k)); // minutes 0,1 and 50..52
    const r = kept(rowsOf(bars));
    expect(r.counts.missingFilled).toBe(5);
    const full = day();
    const firstOpen = Number(full[3].open);
    expect(r.bars.open[0]).toBe(firstOpen);
    expect(r.bars.close[1]).toBe(firstOpen);
    expect(r.bars.volume[0]).toBe(0);
    const prevClose = Number(full[50].close); // minute 49
    for (const m of [50, 51, 52]) {
      expect(r.bars.open[m]).toBe(prevClose);
      expect(r.bars.high[m]).toBe(prevClose);
      expect(r.bars.low[m]).toBe(prevClose);
      expect(r.bars.close[m]).toBe(prevClose);
      expect(r.bars.avgPrice[m]).toBe(prevClose);
      expect(r.bars.volume[m]).toBe(0);
    }
  });

  it('excludes an instrument-day with more than the threshold of missing minutes', () => {
    const bars = day().filter((_, k) => k === 0 || k > 60); // 60 of 240 missing = 25%
    const r = cleanInstrumentDay(rowsOf(bars), settings);
    expect(r.kept).toBe(false);
    if (!r.kept) expect(r.reason).toBe(EXCLUDE.missing);
    expect(cleanInstrumentDay(rowsOf(bars), { ...settings, maxMissingShare: 0.3 }).kept).toBe(true);
  });

  it('keeps and counts zero-volume minutes', () => {
    const bars = day();
    bars[5].volume = 0;
    bars[6].volume = 0;
    const r = kept(rowsOf(bars));
    expect(r.counts.zeroVolume).toBe(2);
    expect(r.bars.volume[4]).toBe(0);
    expect(r.bars.close[4]).toBe(Number(bars[5].close));
  });

  it('excludes a suspended day: flat prices and zero volume all day', () => {
    const bars = day().map((b) => ({ ...b, open: 10, high: 10, low: 10, close: 10, volume: 0 }));
    const r = cleanInstrumentDay(rowsOf(bars), settings);
    expect(r.kept).toBe(false);
    if (!r.kept) {
      expect(r.reason).toBe(EXCLUDE.suspended);
      expect(r.fillPrice).toBe(10);
    }
  });

  it('repairs isolated NaN or zero prices by forward fill, excludes many', () => {
    const bars = day();
    bars[21].close = 'NaN';
    bars[22].low = 0;
    const r = kept(rowsOf(bars));
    expect(r.counts.badPriceFilled).toBe(2);
    const prev = Number(bars[20].close);
    expect(r.bars.close[20]).toBe(prev);
    expect(r.bars.low[21]).toBe(prev);
    expect(r.bars.volume[21]).toBe(Number(bars[22].volume) * 100); // volume kept
    const many = day();
    for (let k = 30; k < 40; k++) many[k].open = -1;
    const x = cleanInstrumentDay(rowsOf(many), settings);
    expect(x.kept).toBe(false);
    if (!x.kept) expect(x.reason).toBe(EXCLUDE.badPrices);
  });

  it('clamps inconsistent OHLC (high < low, close above high)', () => {
    const bars = day();
    Object.assign(bars[3], { open: 10, high: 9.9, low: 10.1, close: 10.05 });
    Object.assign(bars[4], { open: 10, high: 10.02, low: 9.99, close: 10.2 });
    const r = kept(rowsOf(bars));
    expect(r.counts.ohlcClamped).toBe(2);
    expect([r.bars.high[2], r.bars.low[2]]).toEqual([10.1, 9.9]);
    expect([r.bars.high[3], r.bars.low[3]]).toEqual([10.2, 9.99]);
  });

  it('sets NaN or negative volume to zero and counts it', () => {
    const bars = day();
    bars[8].volume = 'NaN';
    bars[9].volume = -5;
    const r = kept(rowsOf(bars));
    expect(r.counts.badVolume).toBe(2);
    expect(r.bars.volume[7]).toBe(0);
    expect(r.bars.volume[8]).toBe(0);
  });

  it('takes the average price from turnover / shares, approximates when missing, clamps into [low, high]', () => {
    const bars = day();
    const turnover = bars.map((b) => Number(b.volume) * 100 * Number(b.close));
    turnover[2] = NaN; // minute 1: approximated
    turnover[3] = Number(bars[3].volume) * 100 * 1000; // minute 2: far above the high
    const r = kept(rowsOf(bars, turnover), { ...settings, auxKind: 'turnover' });
    expect(r.bars.avgPrice[0]).toBeCloseTo(Number(bars[1].close), 12);
    expect(r.counts.avgApproximated).toBe(1);
    expect(r.counts.avgClamped).toBe(1);
    expect(r.bars.avgPrice[2]).toBe(r.bars.high[2]);
  });
});

describe('implausible values (issue 4)', () => {
  /** Every price of a kept day within a factor 2 of its median close, volumes finite. */
  function expectPlausible(b: { open: Float64Array; high: Float64Array; low: Float64Array; close: Float64Array; avgPrice: Float64Array; volume: Float64Array }, ref: number): void {
    for (const a of [b.open, b.high, b.low, b.close, b.avgPrice]) for (const x of a) expect(x / ref).toBeGreaterThan(0.5), expect(x / ref).toBeLessThan(2);
    for (const v of b.volume) expect(Number.isFinite(v) && v >= 0).toBe(true);
  }

  it('clamps a high of 1e300 (or a low of 1e-9) to the bar\'s open/close range and counts it', () => {
    const bars = day();
    bars[5].high = 1e300;
    bars[6].low = 1e-9;
    bars[7].high = 'Infinity' as never;
    const r = kept(rowsOf(bars));
    expect(r.counts.implausibleClamped).toBe(3);
    expect(r.bars.high[4]).toBe(Math.max(Number(bars[5].open), Number(bars[5].close)));
    expect(r.bars.low[5]).toBe(Math.min(Number(bars[6].open), Number(bars[6].close)));
    expect(r.counts.ohlcClamped).toBe(0);
    expectPlausible(r.bars, 10);
  });

  it('forward-fills a bar whose open or close is far from the day\'s median close, and counts it', () => {
    const bars = day();
    bars[10].close = 1e300;
    bars[11].open = 31; // three times the median close of 10
    bars[12].close = 4.9;
    const r = kept(rowsOf(bars));
    expect(r.counts.implausibleFilled).toBe(3);
    expect(r.counts.badPriceFilled).toBe(0);
    expect(r.bars.close[9]).toBe(Number(bars[9].close));
    expect(r.bars.volume[9]).toBe(Number(bars[10].volume) * 100); // volume kept
    expectPlausible(r.bars, 10);
  });

  it('leaves a large but plausible move alone (a factor 1.5 from the median)', () => {
    const bars = day();
    Object.assign(bars[200], { open: 14.9, high: 15, low: 14.8, close: 14.9 });
    const r = kept(rowsOf(bars));
    expect(r.counts.implausibleFilled + r.counts.implausibleClamped).toBe(0);
    expect(r.bars.close[199]).toBe(14.9);
  });

  it('excludes a day with more implausible bars than --max-bad-price-bars', () => {
    const bars = day();
    for (let k = 30; k < 40; k++) bars[k].close = 1000;
    const x = cleanInstrumentDay(rowsOf(bars), settings);
    expect(x.kept).toBe(false);
    if (!x.kept) {
      expect(x.reason).toBe(EXCLUDE.badPrices);
      expect(x.fillPrice).toBeLessThan(20);
    }
  });

  it('treats prices above 1e9 as bad even when the whole day is at that level', () => {
    const bars = day().map((b) => ({ ...b, open: 1e300, high: 1e300, low: 1e300, close: 1e300 }));
    const x = cleanInstrumentDay(rowsOf(bars), settings);
    expect(x.kept).toBe(false);
    if (!x.kept) {
      expect(x.reason).toBe(EXCLUDE.badPrices);
      expect(Number.isNaN(x.fillPrice)).toBe(true);
    }
  });

  it('excludes a day with an absurd volume (non-finite, or 10^4 times the day\'s median) and keeps a large block', () => {
    for (const v of [1e300, Infinity, 50 * 20_000]) {
      const bars = day();
      bars[50].volume = v;
      const x = cleanInstrumentDay(rowsOf(bars), settings);
      expect(x.kept).toBe(false);
      if (!x.kept) expect(x.reason).toBe(EXCLUDE.volume);
    }
    const block = day();
    block[50].volume = 50 * 1000;
    expect(kept(rowsOf(block)).bars.volume[49]).toBe(50 * 1000 * 100);
  });

  it('the band and the volume factor are settings', () => {
    const bars = day();
    bars[11].open = 31;
    expect(kept(rowsOf(bars), { ...settings, maxPriceRatio: 4 }).counts.implausibleFilled).toBe(0);
    const big = day();
    big[50].volume = 50 * 20_000;
    expect(cleanInstrumentDay(rowsOf(big), { ...settings, maxVolumeRatio: 1e5 }).kept).toBe(true);
  });

  it('dayJump: a day an order of magnitude from the last kept close is a jump unless the day before confirmed the new level', () => {
    expect(dayJump(10.5, 10, NaN, 10)).toBe(false);
    expect(dayJump(1000, 10, NaN, 10)).toBe(true);
    expect(dayJump(0.5, 10, NaN, 10)).toBe(true);
    expect(dayJump(1000, NaN, NaN, 10)).toBe(false); // the first day: nothing to compare with
    expect(dayJump(1000, 10, 990, 10)).toBe(false); // a level change (a split): the second day at the new level is kept
    expect(dayJump(10, 10, 1000, 10)).toBe(false);
  });
});

describe('aggregateBars', () => {
  it('aggregates 1-minute bars into 5-minute bars', () => {
    const r = kept(rowsOf(day()));
    const g = r.bars;
    const a = aggregateBars(g, 5);
    expect(a.open.length).toBe(48);
    for (const j of [0, 23, 24, 47]) {
      const s = j * 5;
      const idx = [s, s + 1, s + 2, s + 3, s + 4];
      expect(a.open[j]).toBe(g.open[s]);
      expect(a.close[j]).toBe(g.close[s + 4]);
      expect(a.high[j]).toBe(Math.max(...idx.map((m) => g.high[m])));
      expect(a.low[j]).toBe(Math.min(...idx.map((m) => g.low[m])));
      const vol = idx.reduce((t, m) => t + g.volume[m], 0);
      expect(a.volume[j]).toBe(vol);
      expect(a.avgPrice[j]).toBeCloseTo(idx.reduce((t, m) => t + g.avgPrice[m] * g.volume[m], 0) / vol, 12);
    }
  });
});

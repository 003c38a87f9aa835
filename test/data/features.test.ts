import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetWriter, openDataset } from '../../src/data/store.js';
import { FEATURE_CLIP, normaliseFeatures, rawMinuteFeatures } from '../../src/data/features.js';
import type { DayContext, DayPanel } from '../../src/data/types.js';
import { ASHARE_SESSION } from '../../src/data/calendar.js';
import { synthDays } from '../../src/synth/market.js';
import { synthParams } from '../../src/synth/params.js';

describe('minute features (SPEC 6)', () => {
  it('prices over the previous close, log1p of volume over the trailing mean, robust z, clip', () => {
    const day: DayPanel = {
      date: '2024-01-02', minutes: 2, instrumentCount: 1,
      open: Float64Array.of(10, 11), high: Float64Array.of(10.5, 11), low: Float64Array.of(9.5, 10), close: Float64Array.of(10, 10.5),
      avgPrice: Float64Array.of(10.2, 10.6), volume: Float64Array.of(300, 0), valid: Uint8Array.of(1),
    };
    const ctx: DayContext = { date: '2024-01-02', prevClose: Float64Array.of(8), meanMinuteVolume: Float64Array.of(100), dailySigma: Float64Array.of(0.02), volumeProfile: new Float64Array(2), historyDays: Uint16Array.of(1) };
    const raw = rawMinuteFeatures(day, ctx);
    // minute 0: 10/8, 10.5/8, 9.5/8, 10/8, 10.2/8, log1p(300/100) = log(4)
    expect(Array.from(raw.subarray(0, 6))).toEqual([1.25, 1.3125, 1.1875, 1.25, 1.275, Math.log(4)].map(Math.fround));
    const stats = { names: [], median: [1, 1, 1, 1, 1, 1], scale: [0.1, 0.1, 0.1, 0.1, 0.1, 0.5], fittedOn: [] };
    const z = normaliseFeatures(raw, stats);
    // (1.25 - 1) / 0.1 = 2.5; (1.3125 - 1) / 0.1 = 3.125; volume (log 4 - 1) / 0.5 = 0.7726; minute 1 open 11/8: 3.75 -> clipped
    expect(z[0]).toBeCloseTo(2.5, 5);
    expect(z[1]).toBeCloseTo(3.125, 5);
    expect(z[5]).toBeCloseTo((Math.log(4) - 1) / 0.5, 5);
    expect(z[6]).toBe(FEATURE_CLIP);
    // minute 1 volume 0: log1p(0) = 0 -> (0 - 1) / 0.5 = -2
    expect(z[11]).toBeCloseTo(-2, 6);
  });

  it('the normalisation is fitted on the training split only: changing later days changes nothing', () => {
    const params = synthParams({ instruments: 5, days: 8, validationDays: 2, testDays: 2, seed: 9 });
    const panels = [...synthDays(params)].map((d) => d.panel);
    const write = (days: DayPanel[]): unknown => {
      const dir = join(mkdtempSync(join(tmpdir(), 'execlab-feat-')), 'ds');
      const w = new DatasetWriter(dir, { name: 't', source: 'synthetic', provenance: {}, session: ASHARE_SESSION, barMinutes: 1, minutesPerDay: 240, instruments: ['A', 'B', 'C', 'D', 'E'], avgPriceSource: 'bar' });
      for (const p of days) w.addDay(p);
      w.finish({ validationDays: 2, testDays: 2 }, { rowsRead: 0, files: 0, repairs: [], exclusions: [], instrumentDaysKept: 0, instrumentDaysExcluded: 0 });
      return openDataset(dir).meta.featureStats;
    };
    const scaled = (p: DayPanel): DayPanel => ({ ...p, open: p.open.map((v) => v * 3), high: p.high.map((v) => v * 3), low: p.low.map((v) => v * 3), close: p.close.map((v) => v * 3), avgPrice: p.avgPrice.map((v) => v * 3), volume: p.volume.map((v) => v * 10) });
    const a = write(panels);
    const b = write(panels.map((p, k) => (k >= 4 ? scaled(p) : p)));
    expect(b).toEqual(a);
    // ...while a change inside the training split does move them (the check can fail).
    const c = write(panels.map((p, k) => (k === 1 ? scaled(p) : p)));
    expect(c).not.toEqual(a);
  });
});

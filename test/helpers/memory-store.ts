/** An in-memory dataset (no files) from the synthetic generator, shaped like DatasetStore for tests. */
import { ContextBuilder } from '../../src/data/context.js';
import { fitFeatureStats } from '../../src/data/features.js';
import type { DatasetStore } from '../../src/data/store.js';
import type { DatasetMeta, DayContext, DayPanel, MarketDay } from '../../src/data/types.js';
import { synthParams, type SynthParamsInput } from '../../src/synth/params.js';
import { synthDays } from '../../src/synth/market.js';
import { ASHARE_SESSION } from '../../src/data/calendar.js';

export interface MemoryStore extends DatasetStore {
  readonly panels: DayPanel[];
}

export function memoryStore(input: SynthParamsInput, trainDays: number, validationDays: number): MemoryStore {
  const params = synthParams(input);
  const panels = [...synthDays(params)].map((d) => d.panel);
  return storeFromPanels(panels, trainDays, validationDays);
}

/** Builds context and feature stats from panels; the split is train / validation / the rest test. */
export function storeFromPanels(panels: DayPanel[], trainDays: number, validationDays: number): MemoryStore {
  const n = panels[0].instrumentCount;
  const builder = new ContextBuilder(n, panels[0].minutes);
  const contexts: DayContext[] = panels.map((p) => builder.next(p));
  const dates = panels.map((p) => p.date);
  const split = { train: dates.slice(0, trainDays), validation: dates.slice(trainDays, trainDays + validationDays), test: dates.slice(trainDays + validationDays) };
  const meta: DatasetMeta = {
    formatVersion: 1,
    name: 'memory',
    source: 'synthetic',
    provenance: {},
    session: ASHARE_SESSION,
    barMinutes: 1,
    minutesPerDay: panels[0].minutes,
    dates,
    instruments: Array.from({ length: n }, (_, i) => `M${i}`),
    split,
    featureStats: fitFeatureStats(split.train.map((d) => ({ day: panels[dates.indexOf(d)], ctx: contexts[dates.indexOf(d)] }))),
    quality: { rowsRead: 0, files: 0, repairs: [], exclusions: [], instrumentDaysKept: 0, instrumentDaysExcluded: 0 },
    avgPriceSource: 'bar',
  };
  const loadDay = (date: string): MarketDay => {
    const k = dates.indexOf(date);
    return { bars: panels[k], context: contexts[k], previous: k > 0 ? panels[k - 1] : null };
  };
  const datesOf = (s: 'train' | 'validation' | 'test' | 'all'): readonly string[] => (s === 'all' ? dates : split[s]);
  return { meta, loadDay, datesOf, dir: '<memory>', panels } as unknown as MemoryStore;
}

/**
 * Orchestration of the synthetic market: the trading calendar, day-by-day generation, and writing
 * the dataset through DatasetWriter (header, split and quality report).
 */
import type { DatasetMeta, DayPanel, ExclusionCount } from '../data/types.js';
import { DatasetWriter, type DatasetTargetOptions } from '../data/store.js';
import type { ProgressFn } from '../util/progress.js';
import { buildUniverse, generateDay, initialState, type InstrumentState, type SynthUniverse } from './generator.js';
import type { SynthParams } from './params.js';

/** Generator version recorded in the provenance; bump when the same parameters give different bars. */
export const SYNTH_GENERATOR_VERSION = 1;

/** `count` consecutive weekdays (Monday to Friday) from `start` (moved to the next weekday if needed). */
export function weekdayDates(start: string, count: number): string[] {
  const t = Date.parse(`${start}T00:00:00Z`);
  if (Number.isNaN(t)) throw new Error(`invalid start date '${start}', expected YYYY-MM-DD`);
  const day = new Date(t);
  const out: string[] = [];
  while (out.length < count) {
    const dow = day.getUTCDay();
    if (dow !== 0 && dow !== 6) out.push(day.toISOString().slice(0, 10));
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return out;
}

/** One generated day in memory. */
export interface GeneratedDay {
  readonly dayIndex: number;
  readonly panel: DayPanel;
  /** Instruments (indexes) without any volume that day; their row is marked invalid. */
  readonly noTrading: readonly number[];
}

/**
 * The synthetic market in memory, day by day, in date order (for tests and studies; nothing is
 * written). `days` overrides params.days when given.
 */
export function* synthDays(params: SynthParams, universe: SynthUniverse = buildUniverse(params), days = params.days): Generator<GeneratedDay> {
  const dates = weekdayDates(params.startDate, days);
  let state: readonly InstrumentState[] = initialState(universe);
  for (let d = 0; d < days; d++) {
    const day = generateDay(universe, state, d, dates[d]);
    state = day.state;
    yield { dayIndex: d, panel: day.panel, noTrading: day.noTrading };
  }
}

/**
 * Generates the market of `params` and writes it as a dataset at `outDir` (replacing an existing one
 * only when complete; `target.force` lets it replace a directory that is not a dataset, see
 * datasetTarget). Instrument-days without any trade are kept in the files but marked invalid and
 * counted under the exclusion 'no trading'.
 */
export function generateSyntheticMarket(params: SynthParams, outDir: string, onProgress?: ProgressFn, target: DatasetTargetOptions = {}): DatasetMeta {
  const universe = buildUniverse(params);
  const writer = new DatasetWriter(outDir, {
    name: 'synthetic',
    source: 'synthetic',
    provenance: { generator: 'execlab synthetic market', generatorVersion: SYNTH_GENERATOR_VERSION, ...params },
    session: universe.session,
    barMinutes: params.barMinutes,
    minutesPerDay: universe.barsPerDay,
    instruments: universe.instruments.map((x) => x.code),
    avgPriceSource: 'bar',
  }, undefined, target);
  try {
    let rows = 0;
    let noTrading = 0;
    const examples: string[] = [];
    onProgress?.(0, params.days, 'generating');
    for (const day of synthDays(params, universe)) {
      writer.addDay(day.panel);
      rows += day.panel.instrumentCount * day.panel.minutes;
      noTrading += day.noTrading.length;
      for (const i of day.noTrading) if (examples.length < 5) examples.push(`${universe.instruments[i].code} ${day.panel.date}`);
      onProgress?.(day.dayIndex + 1, params.days, day.panel.date);
    }
    const exclusions: ExclusionCount[] = noTrading > 0 ? [{ reason: 'no trading', count: noTrading }] : [];
    const instrumentDays = params.instruments * params.days;
    return writer.finish(
      { validationDays: params.validationDays, testDays: params.testDays },
      {
        rowsRead: rows,
        files: 0,
        repairs: [],
        exclusions,
        instrumentDaysKept: instrumentDays - noTrading,
        instrumentDaysExcluded: noTrading,
        ...(noTrading > 0 ? { examples: { 'no trading': examples } } : {}),
      },
    );
  } catch (err) {
    writer.abort();
    throw err;
  }
}

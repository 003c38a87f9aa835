/**
 * The dataset store: one directory per dataset, written once, loaded fast.
 *
 *   <dir>/meta.json             DatasetMeta (universe, calendar, split, feature stats, quality)
 *   <dir>/bars/<date>.arrow     Apache Arrow IPC file: open, high, low, close, avgPrice, volume
 *   <dir>/context/<date>.arrow  Arrow IPC: per-instrument context and the VWAP profile
 *
 * One file per day lets training and backtests read by date range without holding the whole
 * history in memory (the paper's scale is ~3,500 instruments x 600 days). Arrow IPC files are read
 * back as zero-copy typed arrays, with no text parsing.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTable, tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import { z } from 'zod';
import { ContextBuilder, DEFAULT_CONTEXT_SETTINGS, type ContextSettings } from './context.js';
import { fitFeatureStats } from './features.js';
import type { DataSplit, DatasetMeta, DayContext, DayPanel, MarketDay, QualityReport, SessionCalendar } from './types.js';
import { ExecLabError } from '../errors.js';
import { checkOutputDir, swapIntoPlace } from '../util/output-dir.js';

const BAR_FIELDS = ['open', 'high', 'low', 'close', 'avgPrice', 'volume'] as const;

function writeArrow(path: string, columns: Record<string, Float64Array | Uint8Array | Uint16Array>): void {
  const table = makeTable(columns as never) as unknown as Table;
  writeFileSync(path, tableToIPC(table, 'file'));
}

/** What to do about a damaged dataset at `dir`: re-create it the way it was made. */
function remedy(dir: string, source?: unknown): string {
  if (source === 'synthetic') return `re-create the dataset with 'execlab data synth --out ${dir}' (with the settings recorded in its meta.json provenance)`;
  if (source === 'import') return `re-import the dataset with 'execlab data import <inputs> --out ${dir}' (its inputs are listed in meta.json, provenance.inputs)`;
  return `re-create the dataset with 'execlab data import <inputs> --out ${dir}' or 'execlab data synth --out ${dir}'`;
}

/** A file of the dataset at `dir` that cannot be used: names it, says why and what to do. */
function damagedFile(dir: string, path: string, why: string, source?: unknown): ExecLabError {
  return new ExecLabError(`dataset file ${path} ${why}: the dataset at '${dir}' is damaged or incomplete; ${remedy(dir, source)}`);
}

function readArrow(path: string, fail: (why: string) => ExecLabError): Table {
  if (!existsSync(path)) throw fail('is missing');
  let table: Table;
  try {
    table = tableFromIPC(readFileSync(path));
  } catch (err) {
    throw fail(`is unreadable (not a complete Arrow IPC file: ${(err as Error).message})`);
  }
  if (!table || typeof table.getChild !== 'function') throw fail('is unreadable (not an Arrow IPC file)');
  return table;
}

/** The column `name` of `table` as a typed array of exactly `length` values of the type the writer wrote. */
function column<T extends Float64Array | Uint8Array | Uint16Array>(
  table: Table,
  name: string,
  type: new (n: number) => T,
  length: number,
  fail: (why: string) => ExecLabError,
): T {
  let values: unknown;
  try {
    values = table.getChild(name)?.toArray();
  } catch (err) {
    throw fail(`is unreadable (column '${name}': ${(err as Error).message})`);
  }
  if (values === undefined || values === null) throw fail(`has no column '${name}'`);
  if (!(values instanceof type)) throw fail(`has a column '${name}' of the wrong type (expected ${type.name})`);
  if ((values as T).length !== length) throw fail(`has ${(values as T).length} values in column '${name}', expected ${length} (a truncated or foreign file)`);
  return values as T;
}

/** A JSON-readable shape check of meta.json (what the store relies on), with the fields it names. */
const DateText = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');
const MetaSchema = z.looseObject({
  formatVersion: z.number(),
  name: z.string(),
  source: z.enum(['synthetic', 'import']),
  provenance: z.record(z.string(), z.unknown()),
  session: z.looseObject({ name: z.string(), segments: z.array(z.looseObject({ start: z.string(), end: z.string() })).min(1) }),
  barMinutes: z.number().int().positive(),
  minutesPerDay: z.number().int().positive(),
  dates: z.array(DateText),
  instruments: z.array(z.string()),
  split: z.looseObject({ train: z.array(DateText), validation: z.array(DateText), test: z.array(DateText) }),
  featureStats: z.looseObject({ names: z.array(z.string()), median: z.array(z.number()), scale: z.array(z.number()), fittedOn: z.array(DateText) }),
  quality: z.looseObject({ rowsRead: z.number(), files: z.number(), repairs: z.array(z.unknown()), exclusions: z.array(z.unknown()), instrumentDaysKept: z.number(), instrumentDaysExcluded: z.number() }),
  avgPriceSource: z.enum(['bar', 'ohlc']),
});

/** Reads and checks `<dir>/meta.json`; every problem names the file and says what to do. */
function readMeta(dir: string): DatasetMeta {
  const path = join(dir, 'meta.json');
  if (!existsSync(path)) throw new ExecLabError(`no dataset at '${dir}' (missing meta.json); create one with 'execlab data synth' or 'execlab data import'`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw damagedFile(dir, path, `is not valid JSON (${(err as Error).message})`);
  }
  const source = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).source : undefined;
  if (typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>).formatVersion === 'number' && (value as Record<string, unknown>).formatVersion !== 1) {
    throw new ExecLabError(`dataset '${dir}' has format version ${String((value as Record<string, unknown>).formatVersion)}, this ExecLab reads version 1; ${remedy(dir, source)}`);
  }
  const parsed = MetaSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw damagedFile(dir, path, `does not describe a dataset (${problems.join('; ')})`, source);
  }
  const meta = parsed.data as unknown as DatasetMeta;
  const known = new Set(meta.dates);
  for (const name of ['train', 'validation', 'test'] as const) {
    const stray = meta.split[name].find((d) => !known.has(d));
    if (stray !== undefined) throw damagedFile(dir, path, `is inconsistent (split.${name} names ${stray}, which is not one of its dates)`, source);
  }
  return meta;
}

/** Everything a dataset needs besides its days; the writer adds dates, split, stats and quality. */
export interface DatasetHeader {
  readonly name: string;
  readonly source: DatasetMeta['source'];
  readonly provenance: Readonly<Record<string, unknown>>;
  readonly session: SessionCalendar;
  readonly barMinutes: number;
  readonly minutesPerDay: number;
  readonly instruments: readonly string[];
  readonly avgPriceSource: DatasetMeta['avgPriceSource'];
}

/**
 * How dates are split when the caller gives counts: the last days are test, the ones before
 * validation, the rest training. Validation and test may be empty (a dataset to backtest only);
 * training needs at least one day, where the feature statistics are fitted.
 */
export function splitByCounts(dates: readonly string[], validationDays: number, testDays: number): DataSplit {
  const n = dates.length;
  if (!(Number.isInteger(validationDays) && validationDays >= 0 && Number.isInteger(testDays) && testDays >= 0)) {
    throw new ExecLabError(`validation and test days must be whole numbers >= 0, got ${validationDays} and ${testDays}`, 2);
  }
  if (n < validationDays + testDays + 1) {
    throw new ExecLabError(
      `cannot split ${n} trading day${n === 1 ? '' : 's'} into train / ${validationDays} validation / ${testDays} test days: need at least ${validationDays + testDays + 1} ` +
        `(at least one training day, where the feature statistics are fitted); give fewer --validation-days / --test-days (0 is allowed: a dataset for backtests on --split train or all)`,
      2,
    );
  }
  return {
    train: dates.slice(0, n - validationDays - testDays),
    validation: dates.slice(n - validationDays - testDays, n - testDays),
    test: dates.slice(n - testDays),
  };
}

/** Days of validation and test an import or a generator uses when none are given. */
export const DEFAULT_SPLIT_DAYS = 1;

/**
 * The split of `dates` by the given counts; a count not given defaults to DEFAULT_SPLIT_DAYS, and when
 * the dates are too few for the defaults (one or two days) the default counts shrink (test first kept,
 * then validation) so that training keeps one day. Returns the split and, when it shrank, a note
 * saying so. Counts that were given are never changed (too many is an error).
 */
export function resolveSplit(dates: readonly string[], validationDays?: number, testDays?: number): { split: DataSplit; note: string | null } {
  const n = dates.length;
  let v = validationDays ?? DEFAULT_SPLIT_DAYS;
  let t = testDays ?? DEFAULT_SPLIT_DAYS;
  let note: string | null = null;
  if (n < v + t + 1 && (validationDays === undefined || testDays === undefined)) {
    const room = Math.max(0, n - 1);
    if (testDays === undefined) t = Math.min(t, Math.max(0, room - (validationDays ?? 0)));
    if (validationDays === undefined) v = Math.min(v, Math.max(0, room - t));
    const defaults = [validationDays === undefined ? `${DEFAULT_SPLIT_DAYS} validation` : null, testDays === undefined ? `${DEFAULT_SPLIT_DAYS} test` : null].filter(Boolean).join(' and ');
    note =
      `split: ${n} trading day${n === 1 ? ' is' : 's are'} too few for the default ${defaults} day: train ${n - v - t}, validation ${v}, test ${t} days` +
      `${t === 0 ? '; backtest it with --split train or all' : ''}${v === 0 ? '; training needs a validation split (more days)' : ''}`;
  }
  return { split: splitByCounts(dates, v, t), note };
}

/**
 * Whether `dir` holds an ExecLab dataset: a meta.json of the store's format (what DatasetWriter
 * writes), so replacing the directory replaces a dataset and nothing else.
 */
export function isDatasetDir(dir: string): boolean {
  let meta: unknown;
  try {
    meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
  } catch {
    return false;
  }
  if (typeof meta !== 'object' || meta === null) return false;
  const m = meta as Record<string, unknown>;
  return (
    typeof m.formatVersion === 'number' &&
    typeof m.name === 'string' &&
    typeof m.minutesPerDay === 'number' &&
    Array.isArray(m.dates) &&
    Array.isArray(m.instruments) &&
    typeof m.split === 'object' &&
    m.split !== null
  );
}

/** Where a dataset may be written (see checkOutputDir): the inputs it is made from, and --force. */
export interface DatasetTargetOptions {
  readonly inputs?: readonly string[];
  readonly force?: boolean;
}

/**
 * Checks that a dataset may be written to `dir` (never the current directory or a parent of it, an
 * input, a file, or a directory that is not a dataset unless forced) and returns the resolved path
 * to write; throws an ExecLabError that says why and what to do.
 */
export function datasetTarget(dir: string, options: DatasetTargetOptions = {}): string {
  return checkOutputDir(dir, { ...options, isOurs: isDatasetDir, what: 'the dataset', ours: 'an ExecLab dataset (no dataset meta.json)' });
}

/**
 * Writes a dataset atomically: days go to a temporary directory next to `dir`; `finish` fits the
 * feature statistics on the training days, writes meta.json and only then replaces `dir`. An error
 * before `finish` (call `abort`) leaves an existing dataset at `dir` untouched. `dir` is checked by
 * datasetTarget when the writer is made and again just before the swap.
 */
export class DatasetWriter {
  private readonly dir: string;
  private readonly tmp: string;
  private readonly dates: string[] = [];
  private readonly context: ContextBuilder;

  constructor(
    private readonly out: string,
    private readonly header: DatasetHeader,
    contextSettings: ContextSettings = DEFAULT_CONTEXT_SETTINGS,
    private readonly target: DatasetTargetOptions = {},
  ) {
    this.dir = datasetTarget(out, target);
    this.tmp = `${this.dir}.tmp-${process.pid}`;
    rmSync(this.tmp, { recursive: true, force: true });
    mkdirSync(join(this.tmp, 'bars'), { recursive: true });
    mkdirSync(join(this.tmp, 'context'), { recursive: true });
    this.context = new ContextBuilder(header.instruments.length, header.minutesPerDay, contextSettings);
  }

  /** Adds the next trading day (strictly increasing dates). */
  addDay(day: DayPanel): void {
    const last = this.dates[this.dates.length - 1];
    if (last !== undefined && day.date <= last) throw new ExecLabError(`days must be added in increasing order: ${day.date} after ${last}`);
    if (day.instrumentCount !== this.header.instruments.length || day.minutes !== this.header.minutesPerDay) {
      throw new ExecLabError(`day ${day.date} has shape ${day.instrumentCount}x${day.minutes}, dataset expects ${this.header.instruments.length}x${this.header.minutesPerDay}`);
    }
    const ctx = this.context.next(day);
    writeArrow(join(this.tmp, 'bars', `${day.date}.arrow`), {
      open: day.open, high: day.high, low: day.low, close: day.close, avgPrice: day.avgPrice, volume: day.volume,
    });
    writeArrow(join(this.tmp, 'context', `${day.date}.arrow`), {
      valid: day.valid, prevClose: ctx.prevClose, meanMinuteVolume: ctx.meanMinuteVolume, dailySigma: ctx.dailySigma, historyDays: ctx.historyDays,
    });
    writeArrow(join(this.tmp, 'context', `${day.date}.profile.arrow`), { volumeProfile: ctx.volumeProfile });
    this.dates.push(day.date);
  }

  /** Fits features on the training split, writes meta.json, swaps the directory into place. */
  finish(split: DataSplit | { validationDays: number; testDays: number }, quality: QualityReport): DatasetMeta {
    const resolved = 'train' in split ? split : splitByCounts(this.dates, split.validationDays, split.testDays);
    const provisional: DatasetMeta = {
      formatVersion: 1,
      ...this.header,
      dates: [...this.dates],
      split: resolved,
      featureStats: { names: [], median: [], scale: [], fittedOn: [] },
      quality,
    };
    const store = new DatasetStore(this.tmp, provisional);
    const trainDays = resolved.train.map((date) => {
      const d = store.loadDay(date);
      return { day: d.bars, ctx: d.context };
    });
    const meta: DatasetMeta = { ...provisional, featureStats: fitFeatureStats(trainDays) };
    writeFileSync(join(this.tmp, 'meta.json'), JSON.stringify(meta, null, 1));
    datasetTarget(this.out, this.target);
    swapIntoPlace(this.tmp, this.dir);
    return meta;
  }

  abort(): void {
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** Read access to a written dataset, one day at a time. */
export class DatasetStore {
  readonly meta: DatasetMeta;
  private readonly dateIndex = new Map<string, number>();
  private readonly cache = new Map<string, DayPanel>();

  constructor(readonly dir: string, meta?: DatasetMeta) {
    this.meta = meta ?? readMeta(dir);
    for (const [i, d] of this.meta.dates.entries()) this.dateIndex.set(d, i);
  }

  /** Reads one of the day's Arrow files; a missing, truncated or foreign file is an error naming it. */
  private arrow(path: string): { table: Table; fail: (why: string) => ExecLabError } {
    const fail = (why: string): ExecLabError => damagedFile(this.dir, path, why, this.meta.source);
    return { table: readArrow(path, fail), fail };
  }

  private bars(date: string): DayPanel {
    const hit = this.cache.get(date);
    if (hit) return hit;
    const n = this.meta.instruments.length;
    const size = n * this.meta.minutesPerDay;
    const b = this.arrow(join(this.dir, 'bars', `${date}.arrow`));
    const c = this.arrow(join(this.dir, 'context', `${date}.arrow`));
    const bar = (name: string): Float64Array => column(b.table, name, Float64Array, size, b.fail);
    const panel: DayPanel = {
      date,
      minutes: this.meta.minutesPerDay,
      instrumentCount: n,
      open: bar('open'),
      high: bar('high'),
      low: bar('low'),
      close: bar('close'),
      avgPrice: bar('avgPrice'),
      volume: bar('volume'),
      valid: column(c.table, 'valid', Uint8Array, n, c.fail),
    };
    // Keep at most two days: the common access pattern is day d and its previous day.
    if (this.cache.size >= 2) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(date, panel);
    return panel;
  }

  /** The day's bars, its context and the previous trading day's bars. */
  loadDay(date: string): MarketDay {
    if (!this.dateIndex.has(date)) throw new ExecLabError(`${date} is not a trading day of the dataset at '${this.dir}' (${this.meta.dates[0] ?? '?'} .. ${this.meta.dates[this.meta.dates.length - 1] ?? '?'})`);
    const bars = this.bars(date);
    const n = this.meta.instruments.length;
    const c = this.arrow(join(this.dir, 'context', `${date}.arrow`));
    const p = this.arrow(join(this.dir, 'context', `${date}.profile.arrow`));
    const ctx = <T extends Float64Array | Uint16Array>(name: string, type: new (k: number) => T): T => column(c.table, name, type, n, c.fail);
    const context: DayContext = {
      date,
      prevClose: ctx('prevClose', Float64Array),
      meanMinuteVolume: ctx('meanMinuteVolume', Float64Array),
      dailySigma: ctx('dailySigma', Float64Array),
      historyDays: ctx('historyDays', Uint16Array),
      volumeProfile: column(p.table, 'volumeProfile', Float64Array, n * this.meta.minutesPerDay, p.fail),
    };
    const i = this.dateIndex.get(date);
    const prevDate = i !== undefined && i > 0 ? this.meta.dates[i - 1] : undefined;
    return { bars, context, previous: prevDate ? this.bars(prevDate) : null };
  }

  /** Dates of a split, or all dates. */
  datesOf(split: 'train' | 'validation' | 'test' | 'all'): readonly string[] {
    return split === 'all' ? this.meta.dates : this.meta.split[split];
  }
}

export function openDataset(dir: string): DatasetStore {
  return new DatasetStore(dir);
}

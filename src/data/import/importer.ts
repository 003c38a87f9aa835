/**
 * importBars: minute-bar files (CSV, gzipped CSV, Parquet) to an ExecLab dataset.
 *
 * Pass 1 streams every file into typed-array row chunks per date (rows.ts). Pass 2 takes the dates in
 * order; for each, groups the rows by instrument, cleans every instrument-day (clean.ts) onto the
 * session grid and hands a DayPanel over the fixed universe (the sorted union of codes over all days)
 * to the atomic DatasetWriter. Any error aborts the writer, so an existing dataset stays intact.
 * Before reading, the output is checked (datasetTarget: never an input, the current directory or a
 * directory that is not a dataset) and temporaries of killed runs next to it are removed; after pass 1
 * the input bar length is read from the timestamps (bar-length.ts); after pass 2 an import that kept
 * nothing usable fails (kept.ts) instead of replacing a dataset.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { barsPerDay, SESSIONS } from '../calendar.js';
import { datasetTarget, DatasetWriter, resolveSplit } from '../store.js';
import type { DatasetMeta, DayPanel, QualityReport } from '../types.js';
import { ExecLabError } from '../../errors.js';
import type { ProgressFn } from '../../util/progress.js';
import { describeCleanup, removeStaleTemporaries } from '../../util/stale-temporaries.js';
import { ProblemList } from '../../util/problems.js';
import { validateSettings } from '../../config/validate.js';
import { detectBarLength, resolveBarLengths, type BarLengths } from './bar-length.js';
import { cleanInstrumentDay, dayJump, EXCLUDE, medianClose, sessionGrid, type CleanCounts, type CleanSettings } from './clean.js';
import { readCsvFile, type ReadTarget } from './csv.js';
import { readParquetFile, SESSION_TIMEZONES } from './parquet.js';
import { assertUsable } from './kept.js';
import { RowCollector } from './rows.js';
import { defaultImportDir, ImportSettingsSchema, type ImportSettings, type ImportSettingsInput } from './settings.js';

export type ImportOptions = ImportSettingsInput;

/** Repair rules in report order: key in CleanCounts, label in the quality report. */
export const REPAIR_RULES: ReadonlyArray<{ readonly key: keyof CleanCounts; readonly rule: string; readonly scope: 'rows' | 'kept'; readonly avgColumnOnly?: boolean }> = [
  { key: 'unsorted', rule: 'unsorted instrument-days sorted', scope: 'rows' },
  { key: 'duplicateRows', rule: 'duplicate timestamps dropped (kept last)', scope: 'rows' },
  { key: 'auctionRows', rule: 'auction bars dropped', scope: 'rows' },
  { key: 'outsideRows', rule: 'rows outside the session dropped', scope: 'rows' },
  { key: 'missingFilled', rule: 'missing minutes forward-filled', scope: 'kept' },
  { key: 'badPriceFilled', rule: 'bad-price bars forward-filled', scope: 'kept' },
  { key: 'implausibleFilled', rule: 'implausible-price bars forward-filled', scope: 'kept' },
  { key: 'implausibleClamped', rule: 'implausible high/low clamped to open/close', scope: 'kept' },
  { key: 'ohlcClamped', rule: 'inconsistent OHLC clamped', scope: 'kept' },
  { key: 'badVolume', rule: 'bad volumes set to 0', scope: 'kept' },
  { key: 'avgApproximated', rule: 'missing average prices approximated', scope: 'kept', avgColumnOnly: true },
  { key: 'avgClamped', rule: 'average prices clamped to [low, high]', scope: 'kept', avgColumnOnly: true },
  { key: 'zeroVolume', rule: 'zero-volume minutes kept', scope: 'kept' },
];

export const EXCLUSION_ORDER = [EXCLUDE.absent, EXCLUDE.suspended, EXCLUDE.missing, EXCLUDE.badPrices, EXCLUDE.volume, EXCLUDE.jump] as const;

/** Examples kept per exclusion reason or repair rule. */
const MAX_EXAMPLES = 5;

/** Where every input row went: read = used + the dropped counts. */
export interface RowAccounting {
  readonly read: number;
  readonly used: number;
  readonly dropped: {
    readonly auctionBar: number;
    readonly outsideSession: number;
    readonly duplicateTimestamp: number;
    readonly excludedInstrumentDay: number;
    /** Rows of trading days after --last-day (present only when it is given). */
    readonly afterLastDay?: number;
  };
}

export interface ImportResult {
  readonly meta: DatasetMeta;
  readonly dir: string;
  readonly files: readonly string[];
  readonly rows: RowAccounting;
  readonly seconds: number;
  /** Lines for the user: the input bar length and how it was found, temporaries of killed runs removed. */
  readonly notes: readonly string[];
}

const EXTENSIONS = /\.(csv|csv\.gz|parquet|pq)$/i;

/** Input files: files as given, directories expanded (recursively, sorted) to their *.csv, *.csv.gz and *.parquet files. */
export function resolveInputFiles(inputs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (EXTENSIONS.test(name)) out.push(p);
    }
  };
  for (const input of inputs) {
    if (!existsSync(input)) throw new ExecLabError(`input not found: ${input}`, 2);
    if (statSync(input).isDirectory()) {
      const before = out.length;
      walk(input);
      if (out.length === before) throw new ExecLabError(`no *.csv, *.csv.gz or *.parquet files in directory ${input}`, 2);
    } else {
      out.push(input);
    }
  }
  return out;
}

function formatOf(file: string, format: ImportSettings['format']): 'csv' | 'parquet' {
  if (format !== 'auto') return format;
  return /\.(parquet|pq)$/i.test(file) ? 'parquet' : 'csv';
}

/** Stable-sorts the rows of one day by instrument (universe index) into contiguous columns. */
function groupDay(collector: RowCollector, day: number, rank: Int32Array, n: number) {
  const d = { chunks: collector.chunksOf(day) };
  const count = collector.days[day].count;
  const start = new Int32Array(n + 1);
  for (const c of d.chunks) for (let k = 0; k < c.length; k++) start[rank[c.code[k]] + 1]++;
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const pos = start.slice(0, n);
  const sec = new Int32Array(count);
  const open = new Float64Array(count);
  const high = new Float64Array(count);
  const low = new Float64Array(count);
  const close = new Float64Array(count);
  const volume = new Float64Array(count);
  const aux = collector.withAux ? new Float64Array(count) : null;
  for (const c of d.chunks) {
    for (let k = 0; k < c.length; k++) {
      const j = pos[rank[c.code[k]]]++;
      sec[j] = c.sec[k];
      open[j] = c.open[k];
      high[j] = c.high[k];
      low[j] = c.low[k];
      close[j] = c.close[k];
      volume[j] = c.volume[k];
      if (aux && c.aux) aux[j] = c.aux[k];
    }
  }
  return { start, sec, open, high, low, close, volume, aux };
}

/**
 * Imports bar files into a dataset directory. See docs/DATA.md for inputs, cleaning rules and layout.
 * Reports progress as (done, total, status): bytes while reading, days while cleaning and writing.
 */
export async function importBars(options: ImportOptions, onProgress?: ProgressFn): Promise<ImportResult> {
  const t0 = performance.now();
  const s = validateSettings(ImportSettingsSchema, options, 'import settings');
  const session = SESSIONS[s.session];
  const out = s.out ?? defaultImportDir(s.session);
  const mapping = s.columns;
  const auxKind = mapping.avgPrice !== undefined ? 'avgPrice' : mapping.turnover !== undefined ? 'turnover' : null;
  const timezone = s.timezone ?? SESSION_TIMEZONES[s.session] ?? 'UTC';

  // Pass 1: read every file.
  const files = resolveInputFiles(s.inputs);
  const target = datasetTarget(out, { inputs: s.inputs, force: s.force });
  const notes: string[] = [];
  const cleanup = describeCleanup(removeStaleTemporaries(target, s.inputs));
  if (cleanup !== null) notes.push(cleanup);
  const sizes = files.map((f) => statSync(f).size);
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const collector = new RowCollector(auxKind !== null, `${target}.rows-tmp-${process.pid}`, s.maxRowsInMemory);
  // Every bad row and file is collected, so that one run lists every fix needed (up to a limit).
  const problems = new ProblemList();
  const badFiles = new Set<number>();
  const rowsPerFile: number[] = [];
  let bytesDone = 0;
  try {
    for (const [k, file] of files.entries()) {
      const status = `reading ${basename(file)} (${k + 1}/${files.length})`;
      onProgress?.(bytesDone, totalBytes, status);
      const before = { rows: collector.rows, problems: problems.count };
      const fileBytes = { done: 0 };
      const target: ReadTarget = {
        mapping,
        collector,
        problems,
        onBytes: (b) => {
          bytesDone += b;
          fileBytes.done += b;
          onProgress?.(bytesDone, totalBytes, status);
        },
      };
      try {
        if (formatOf(file, s.format) === 'parquet') await readParquetFile(file, target, timezone);
        else await readCsvFile(file, target);
      } catch (err) {
        if (!(err instanceof ExecLabError)) throw err;
        problems.add(err.message);
        // The rest of the file was not read: progress skips over it.
        bytesDone += Math.max(0, sizes[k] - fileBytes.done);
      }
      if (problems.count > before.problems) badFiles.add(k);
      rowsPerFile.push(collector.rows - before.rows);
    }
    if (problems.count > 0) {
      throw new ExecLabError(
        problems.text(
          `${problems.count} problem${problems.count === 1 ? '' : 's'} in ${badFiles.size} of ${files.length} input file${files.length === 1 ? '' : 's'}; ` +
            `nothing was written (an existing dataset at '${out}' is unchanged). Fix these and run the import again`,
        ),
      );
    }
    if (collector.rows === 0) throw new ExecLabError(`no bar rows in ${files.join(', ')} (every file has a header and no rows)`);
  } catch (err) {
    collector.dispose();
    throw err;
  }
  const filesWithoutRows = files.filter((_, k) => rowsPerFile[k] === 0);
  if (filesWithoutRows.length > 0) {
    const shown = filesWithoutRows.slice(0, 5).join(', ');
    const n = filesWithoutRows.length;
    notes.push(`${n} input file${n === 1 ? ' has' : 's have'} a header and no rows: ${shown}${n > 5 ? `, ... (${n - 5} more)` : ''}`);
  }

  // Bar lengths, dates, split and universe.
  const allDays = collector.dates.map((date, id) => ({ date, id })).sort((a, b) => (a.date < b.date ? -1 : 1));
  const lastDay = s.lastDay;
  const dayOrder = lastDay === undefined ? allDays : allDays.filter((d) => d.date <= lastDay);
  const laterDays = allDays.slice(dayOrder.length);
  let rowsAfterLastDay = 0;
  for (const d of laterDays) {
    rowsAfterLastDay += collector.days[d.id].count;
    collector.release(d.id);
  }
  if (lastDay !== undefined) {
    if (dayOrder.length === 0) {
      collector.dispose();
      throw new ExecLabError(`--last-day ${lastDay} is before the first trading day of the input (${allDays[0].date}); nothing was written`, 2);
    }
    if (laterDays.length > 0) {
      notes.push(
        `--last-day ${lastDay}: ${laterDays.length} later trading day${laterDays.length === 1 ? '' : 's'} (${laterDays[0].date} to ${laterDays[laterDays.length - 1].date}, ` +
          `${rowsAfterLastDay.toLocaleString('en-US')} rows) left out`,
      );
    }
  }
  const dates = dayOrder.map((d) => d.date);
  let split: ReturnType<typeof resolveSplit>['split'];
  let bars: BarLengths;
  try {
    bars = resolveBarLengths(detectBarLength(collector.gaps.counts, session), s);
    notes.unshift(bars.note);
    const resolved = resolveSplit(dates, s.validationDays, s.testDays);
    split = resolved.split;
    if (resolved.note !== null) notes.push(resolved.note);
  } catch (err) {
    collector.dispose();
    throw err;
  }
  const codeOrder = collector.codes.map((code, id) => ({ code, id })).sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const instruments = codeOrder.map((c) => c.code);
  const n = instruments.length;
  const rank = new Int32Array(collector.codes.length);
  codeOrder.forEach((c, i) => {
    rank[c.id] = i;
  });

  const minutesPerDay = barsPerDay(session, bars.barMinutes);
  const grid = sessionGrid(session, bars.inputMinutes, s.labels);
  const cleanSettings: CleanSettings = {
    grid,
    barMinutes: bars.barMinutes,
    volumeUnit: s.volumeUnit,
    auxKind,
    maxMissingShare: s.maxMissingShare,
    maxBadPriceBars: s.maxBadPriceBars,
    maxPriceRatio: s.maxPriceRatio,
    maxVolumeRatio: s.maxVolumeRatio,
  };
  const rules = REPAIR_RULES.filter((r) => auxKind !== null || !r.avgColumnOnly);
  const repairTotals = new Map<string, number>(rules.map((r) => [r.rule, 0]));
  const exclusionTotals = new Map<string, number>(EXCLUSION_ORDER.map((r) => [r, 0]));
  const examples: Record<string, string[]> = {};
  const example = (key: string, text: string): void => {
    const list = (examples[key] ??= []);
    if (list.length < MAX_EXAMPLES) list.push(text);
  };
  const dropped = { auctionBar: 0, outsideSession: 0, duplicateTimestamp: 0, excludedInstrumentDay: 0 };
  let used = 0;
  let kept = 0;
  let excluded = 0;
  const keptDates = new Set<string>();
  const lastClose = new Float64Array(n).fill(NaN);
  /** Median close of the instrument's previous trading day when that day was excluded as a jump, else NaN. */
  const jumpLevel = new Float64Array(n).fill(NaN);

  const provenance: Record<string, unknown> = {
    importer: 'execlab data import',
    inputs: files.map((f, k) => ({ path: f, format: formatOf(f, s.format), bytes: sizes[k], rows: rowsPerFile[k] })),
    columns: mapping,
    volumeUnit: s.volumeUnit,
    session: s.session,
    inputMinutes: bars.inputMinutes,
    inputMinutesFrom: bars.inputMinutesFrom,
    barMinutes: bars.barMinutes,
    labels: s.labels,
    maxMissingShare: s.maxMissingShare,
    maxBadPriceBars: s.maxBadPriceBars,
    maxPriceRatio: s.maxPriceRatio,
    maxVolumeRatio: s.maxVolumeRatio,
    maxDayJump: s.maxDayJump,
    timezone,
    ...(lastDay !== undefined ? { lastDay } : {}),
  };
  let writer: DatasetWriter;
  try {
    writer = new DatasetWriter(
      target,
      {
        name: s.name ?? basename(out.replace(/\/+$/, '')),
        source: 'import',
        provenance,
        session,
        barMinutes: bars.barMinutes,
        minutesPerDay,
        instruments,
        avgPriceSource: auxKind ? 'bar' : 'ohlc',
      },
      undefined,
      { inputs: s.inputs, force: s.force },
    );
  } catch (err) {
    collector.dispose();
    throw err;
  }

  // Pass 2: clean and write day by day.
  try {
    const M = minutesPerDay;
    for (const [di, { date, id }] of dayOrder.entries()) {
      onProgress?.(di, dayOrder.length, `cleaning and writing ${date}`);
      const gd = groupDay(collector, id, rank, n);
      collector.release(id);
      const panel: DayPanel = {
        date,
        minutes: M,
        instrumentCount: n,
        open: new Float64Array(n * M),
        high: new Float64Array(n * M),
        low: new Float64Array(n * M),
        close: new Float64Array(n * M),
        avgPrice: new Float64Array(n * M),
        volume: new Float64Array(n * M),
        valid: new Uint8Array(n),
      };
      for (let i = 0; i < n; i++) {
        const a = gd.start[i];
        const b = gd.start[i + 1];
        const base = i * M;
        if (a === b) {
          jumpLevel[i] = NaN;
          exclusionTotals.set(EXCLUDE.absent, (exclusionTotals.get(EXCLUDE.absent) ?? 0) + 1);
          example(EXCLUDE.absent, `${instruments[i]} ${date}`);
          excluded++;
          const p = lastClose[i];
          panel.open.fill(p, base, base + M);
          panel.high.fill(p, base, base + M);
          panel.low.fill(p, base, base + M);
          panel.close.fill(p, base, base + M);
          panel.avgPrice.fill(p, base, base + M);
          continue;
        }
        const cleaned = cleanInstrumentDay(
          {
            count: b - a,
            sec: gd.sec.subarray(a, b),
            open: gd.open.subarray(a, b),
            high: gd.high.subarray(a, b),
            low: gd.low.subarray(a, b),
            close: gd.close.subarray(a, b),
            volume: gd.volume.subarray(a, b),
            aux: gd.aux ? gd.aux.subarray(a, b) : null,
          },
          cleanSettings,
        );
        // Across days: a day an order of magnitude from the instrument's last kept close is a jump
        // (a unit or vendor error), excluded unless the day before already showed the new level.
        let res = cleaned;
        const level = cleaned.kept ? medianClose(cleaned.bars) : NaN;
        if (cleaned.kept && dayJump(level, lastClose[i], jumpLevel[i], s.maxDayJump)) {
          res = { kept: false, reason: EXCLUDE.jump, counts: cleaned.counts, fillPrice: lastClose[i] };
        }
        jumpLevel[i] = res.kept || !cleaned.kept ? NaN : level;
        const c = res.counts;
        dropped.auctionBar += c.auctionRows;
        dropped.outsideSession += c.outsideRows;
        dropped.duplicateTimestamp += c.duplicateRows;
        const tag = `${instruments[i]} ${date}`;
        for (const r of rules) {
          if (r.scope === 'kept' && !res.kept) continue;
          const v = c[r.key];
          if (v > 0) {
            repairTotals.set(r.rule, (repairTotals.get(r.rule) ?? 0) + v);
            example(r.rule, r.key === 'unsorted' ? tag : `${tag} (${v})`);
          }
        }
        if (res.kept) {
          kept++;
          keptDates.add(date);
          used += c.onGrid;
          panel.valid[i] = 1;
          panel.open.set(res.bars.open, base);
          panel.high.set(res.bars.high, base);
          panel.low.set(res.bars.low, base);
          panel.close.set(res.bars.close, base);
          panel.avgPrice.set(res.bars.avgPrice, base);
          panel.volume.set(res.bars.volume, base);
          lastClose[i] = res.bars.close[M - 1];
        } else {
          excluded++;
          dropped.excludedInstrumentDay += c.onGrid;
          exclusionTotals.set(res.reason, (exclusionTotals.get(res.reason) ?? 0) + 1);
          example(res.reason, tag);
          const p = Number.isFinite(res.fillPrice) ? res.fillPrice : lastClose[i];
          panel.open.fill(p, base, base + M);
          panel.high.fill(p, base, base + M);
          panel.low.fill(p, base, base + M);
          panel.close.fill(p, base, base + M);
          panel.avgPrice.fill(p, base, base + M);
        }
      }
      writer.addDay(panel);
    }
    onProgress?.(dayOrder.length, dayOrder.length, 'fitting feature statistics');
    const accounted = used + dropped.auctionBar + dropped.outsideSession + dropped.duplicateTimestamp + dropped.excludedInstrumentDay + rowsAfterLastDay;
    if (accounted !== collector.rows) {
      throw new Error(`row accounting mismatch: ${collector.rows} read, ${accounted} accounted for`);
    }
    const quality: QualityReport = {
      rowsRead: collector.rows,
      files: files.length,
      filesWithoutRows,
      repairs: [...repairTotals].map(([rule, count]) => ({ rule, count })),
      exclusions: [...exclusionTotals].map(([reason, count]) => ({ reason, count })),
      instrumentDaysKept: kept,
      instrumentDaysExcluded: excluded,
      examples,
    };
    const rows: RowAccounting = { read: collector.rows, used, dropped: lastDay === undefined ? dropped : { ...dropped, afterLastDay: rowsAfterLastDay } };
    // The row accounting travels in the provenance (QualityReport has no field for it).
    provenance.rows = rows;
    assertUsable(quality, split, keptDates, out);
    const meta = writer.finish(split, quality);
    return { meta, dir: out, files, rows, seconds: (performance.now() - t0) / 1000, notes };
  } catch (err) {
    writer.abort();
    throw err;
  } finally {
    collector.dispose();
  }
}

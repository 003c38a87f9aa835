/**
 * Parquet reader for bar files, built on hyparquet. Reads one row group at a time (bounded memory),
 * only the mapped columns. Codecs: uncompressed, Snappy (hyparquet), GZIP and Brotli (node:zlib);
 * others (ZSTD, LZ4) are reported as unsupported.
 *
 * Column types: the code may be text or an integer; prices and volume any numeric type (INT64 and
 * DECIMAL included); the time a string in one of the text formats (see timestamp.ts) or a Parquet
 * TIMESTAMP. A timestamp annotated as UTC-adjusted (isAdjustedToUTC, legacy TIMESTAMP_MILLIS/MICROS
 * and INT96) is converted to the exchange's local clock with `timezone`; a local (not adjusted)
 * timestamp is taken as the wall clock it stores.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, type Compressors, type FileMetaData, type SchemaElement } from 'hyparquet';
import { ExecLabError } from '../../errors.js';
import { resolveColumns } from './columns.js';
import type { ReadTarget } from './csv.js';
import { parseClockString, parseDateString, parseTimestampString } from './timestamp.js';
import { numberOfValue } from './values.js';

/** Time zone of each built-in session, used for UTC-adjusted Parquet timestamps. */
export const SESSION_TIMEZONES: Readonly<Record<string, string>> = { ashare: 'Asia/Shanghai', us: 'America/New_York' };

const COMPRESSORS: Compressors = {
  GZIP: (input) => new Uint8Array(gunzipSync(input)),
  BROTLI: (input) => new Uint8Array(brotliDecompressSync(input)),
};

/** Converts UTC milliseconds to wall-clock milliseconds of a time zone (offset cached per UTC hour). */
export class WallClock {
  private readonly fmt: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();

  constructor(readonly timeZone: string) {
    try {
      this.fmt = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new ExecLabError(`unknown time zone '${timeZone}' (expected an IANA name such as Asia/Shanghai)`, 2);
    }
  }

  wall(utcMs: number): number {
    const hour = Math.floor(utcMs / 3_600_000);
    let off = this.offsets.get(hour);
    if (off === undefined) {
      const parts: Record<string, number> = {};
      for (const p of this.fmt.formatToParts(new Date(hour * 3_600_000))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
      off = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - hour * 3_600_000;
      this.offsets.set(hour, off);
    }
    return utcMs + off;
  }
}

function isUtcAdjusted(el: SchemaElement | undefined): boolean {
  if (!el) return false;
  if (el.logical_type?.type === 'TIMESTAMP') return el.logical_type.isAdjustedToUTC;
  return el.converted_type === 'TIMESTAMP_MILLIS' || el.converted_type === 'TIMESTAMP_MICROS' || el.type === 'INT96';
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Streams one Parquet file into the collector. `timezone` applies to UTC-adjusted timestamps. */
export async function readParquetFile(path: string, target: ReadTarget, timezone: string): Promise<void> {
  let metadata: FileMetaData;
  const file = await asyncBufferFromFile(path);
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    throw new ExecLabError(`${path}: not a readable Parquet file: ${(err as Error).message}`);
  }
  // Top-level column names: walk the flattened schema, skipping the children of nested groups.
  const names: string[] = [];
  const elements = new Map<string, SchemaElement>();
  for (let i = 1; i < metadata.schema.length; ) {
    const el = metadata.schema[i];
    names.push(el.name);
    elements.set(el.name, el);
    let skip = 1;
    let pending = el.num_children ?? 0;
    while (pending > 0) {
      const child = metadata.schema[i + skip];
      pending += (child.num_children ?? 0) - 1;
      skip++;
    }
    i += skip;
  }
  const cols = resolveColumns(names, target.mapping, `${path}`);
  const wanted = [cols.code, cols.time, cols.open, cols.high, cols.low, cols.close, cols.volume];
  if (cols.date >= 0) wanted.push(cols.date);
  if (cols.aux >= 0) wanted.push(cols.aux);
  const columns = wanted.map((i) => names[i]);
  const timeUtc = isUtcAdjusted(elements.get(names[cols.time]));
  const dateUtc = cols.date >= 0 && isUtcAdjusted(elements.get(names[cols.date]));
  const clock = new WallClock(timezone);
  const collector = target.collector;
  const totalBytes = file.byteLength;
  let reportedBytes = 0;

  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: unknown[][] = [];
    try {
      await parquetRead({
        file,
        metadata,
        columns,
        rowStart,
        rowEnd,
        compressors: COMPRESSORS,
        onComplete: (r: unknown[][]) => {
          rows = r;
        },
      });
    } catch (err) {
      throw new ExecLabError(`${path}: cannot read rows ${rowStart + 1}-${rowEnd}: ${(err as Error).message}`);
    }
    const readRow = (k: number): void => {
      const r = rows[k];
      const where = `${path}:row ${rowStart + k + 1}`;
      const rawCode = r[0];
      const codeText = typeof rawCode === 'string' ? rawCode.trim() : typeof rawCode === 'number' || typeof rawCode === 'bigint' ? String(rawCode) : '';
      if (codeText === '') throw new ExecLabError(`${where}: empty instrument code`);
      const code = collector.codeId(codeText);

      let day: number;
      let sec: number;
      const t = r[1];
      if (cols.date < 0) {
        if (t instanceof Date) {
          const ms = timeUtc ? clock.wall(t.getTime()) : t.getTime();
          day = collector.dateId(isoDate(ms));
          sec = Math.floor((((ms % 86_400_000) + 86_400_000) % 86_400_000) / 1000);
        } else {
          const p = typeof t === 'string' ? parseTimestampString(t) : null;
          if (p === null) throw new ExecLabError(`${where}: bad timestamp ${JSON.stringify(String(t))} (expected YYYY-MM-DD HH:MM[:SS] or a Parquet TIMESTAMP)`);
          day = collector.dateId(p.date);
          sec = p.sec;
        }
      } else {
        const dv = r[7];
        const dateText = dv instanceof Date ? isoDate(dateUtc ? clock.wall(dv.getTime()) : dv.getTime()) : typeof dv === 'string' ? parseDateString(dv) : typeof dv === 'number' ? parseDateString(String(dv)) : null;
        day = dateText === null ? -1 : collector.dateId(dateText);
        if (day < 0) throw new ExecLabError(`${where}: bad date ${JSON.stringify(String(dv))}`);
        const c = typeof t === 'string' ? parseClockString(t) : typeof t === 'number' ? parseClockString(String(t)) : null;
        if (c === null) throw new ExecLabError(`${where}: bad time ${JSON.stringify(String(t))} (expected HH:MM[:SS] or HHMM[SS])`);
        sec = c;
      }
      if (day < 0) throw new ExecLabError(`${where}: bad timestamp ${JSON.stringify(String(t))}`);

      const v = (j: number, name: string): number => {
        const x = numberOfValue(r[j]);
        if (x === undefined) throw new ExecLabError(`${where}: unparsable number ${JSON.stringify(String(r[j]))} in column '${name}'`);
        return x;
      };
      const aux = cols.aux >= 0 ? v(wanted.length - 1, cols.auxKind as string) : NaN;
      collector.push(day, code, sec, v(2, 'open'), v(3, 'high'), v(4, 'low'), v(5, 'close'), v(6, 'volume'), aux);
    };
    for (let k = 0; k < rows.length; k++) {
      if (!target.problems) {
        readRow(k);
        continue;
      }
      try {
        readRow(k);
      } catch (err) {
        if (!(err instanceof ExecLabError)) throw err;
        target.problems.add(err.message);
      }
    }
    rowStart = rowEnd;
    if (target.onBytes) {
      const done = Math.round((totalBytes * rowEnd) / Math.max(1, Number(metadata.num_rows)));
      target.onBytes(done - reportedBytes);
      reportedBytes = done;
    }
  }
  if (target.onBytes && reportedBytes < totalBytes) target.onBytes(totalBytes - reportedBytes);
}

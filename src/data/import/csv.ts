/**
 * Streaming CSV reader for bar files, plain or gzip-compressed (detected by the gzip magic bytes,
 * not the file name).
 *
 * The hot loop scans raw bytes once per chunk: it records comma positions and line ends, and parses
 * numbers, codes and timestamps straight from the bytes (see docs/DATA.md, "Why a hand-written CSV
 * scanner"). A line that contains a double quote falls back to a full RFC 4180 field split for that
 * line, so quoted fields (with commas or doubled quotes inside) are read correctly. Quoted fields
 * that span several lines are not supported and are reported as malformed.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ExecLabError } from '../../errors.js';
import { resolveColumns, type ColumnIndex, type ColumnMapping } from './columns.js';
import type { RowCollector } from './rows.js';
import { parseClockString, parseTimestampString } from './timestamp.js';
import { parseNumberBytes } from './values.js';
import type { ProblemList } from '../../util/problems.js';

export interface ReadTarget {
  readonly mapping: ColumnMapping;
  readonly collector: RowCollector;
  /** Called with the number of (compressed) file bytes consumed since the last call. */
  readonly onBytes?: (bytes: number) => void;
  /**
   * Where a bad row is recorded (file:line: reason) before reading goes on with the next row, so one
   * run lists every bad line; without it the first bad row throws. Problems with the file as a whole
   * (a missing column, a corrupt gzip stream) always throw.
   */
  readonly problems?: ProblemList;
}

/** True when the file starts with the gzip magic bytes 1f 8b. */
export function isGzipFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(2);
    const n = readSync(fd, b, 0, 2, 0);
    return n === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** RFC 4180 field split of one line (no line breaks inside). Throws on an unterminated quote. */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quoted field (quoted fields spanning lines are not supported)');
        field += line.slice(i, q);
        if (line[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      // Text after the closing quote up to the next comma belongs to the field (lenient).
      const c = line.indexOf(',', i);
      field += line.slice(i, c < 0 ? n : c);
      i = c < 0 ? n + 1 : c + 1;
    } else {
      const c = line.indexOf(',', i);
      field = line.slice(i, c < 0 ? n : c);
      i = c < 0 ? n + 1 : c + 1;
    }
    out.push(field);
    if (i > n) return out;
  }
}

/** Parses one CSV stream (bytes) into the collector. Exposed for tests; use readCsvFile for files. */
export class CsvBarParser {
  private lineNo = 0;
  private cols: ColumnIndex | null = null;
  private starts = new Int32Array(1);
  private ends = new Int32Array(1);
  private tail: Buffer | null = null;
  // Caches of the previous row's code and date bytes: consecutive rows usually repeat them.
  private readonly lastCode = Buffer.alloc(256);
  private lastCodeLen = -1;
  private lastCodeId = -1;
  private readonly lastDate = Buffer.alloc(32);
  private lastDateLen = -1;
  private lastDateId = -1;

  constructor(
    private readonly file: string,
    private readonly target: ReadTarget,
  ) {}

  private fail(reason: string): ExecLabError {
    return new ExecLabError(`${this.file}:${this.lineNo}: ${reason}`);
  }

  /** Feeds the next chunk of bytes. */
  feed(chunk: Buffer): void {
    const buf = this.tail ? Buffer.concat([this.tail, chunk]) : chunk;
    const rest = this.scan(buf);
    this.tail = rest < buf.length ? Buffer.from(buf.subarray(rest)) : null;
  }

  /** Ends the stream: parses a last line without a newline; checks that a header was seen. */
  end(): void {
    if (this.tail) {
      const t = this.tail;
      this.tail = null;
      this.scan(Buffer.concat([t, Buffer.from('\n')]));
    }
    if (!this.cols) {
      this.lineNo = Math.max(this.lineNo, 1);
      throw this.fail('empty file: expected a header line');
    }
  }

  /** Processes every complete line of `buf`; returns the offset of the incomplete tail. */
  private scan(buf: Buffer): number {
    let st = this.starts;
    let en = this.ends;
    let maxF = st.length;
    let lineStart = 0;
    let fieldStart = 0;
    let n = 0;
    let quoted = false;
    const len = buf.length;
    for (let i = 0; i < len; i++) {
      const b = buf[i];
      if (b === 44) {
        if (n < maxF) {
          st[n] = fieldStart;
          en[n] = i;
        }
        n++;
        fieldStart = i + 1;
      } else if (b === 10) {
        this.lineNo++;
        let e = i;
        if (e > fieldStart && buf[e - 1] === 13) e--;
        if (this.cols === null) {
          this.header(buf.toString('utf8', lineStart, e));
          st = this.starts;
          en = this.ends;
          maxF = st.length;
        } else if (quoted) {
          try {
            this.quotedLine(buf.toString('utf8', lineStart, e));
          } catch (err) {
            this.recordProblem(err);
          }
        } else if (!(n === 0 && e === lineStart)) {
          if (n < maxF) {
            st[n] = fieldStart;
            en[n] = e;
          }
          if (this.target.problems === undefined) this.row(buf, n + 1);
          else {
            // No closure per row on this path: it runs for every row of a large import.
            try {
              this.row(buf, n + 1);
            } catch (err) {
              this.recordProblem(err);
            }
          }
        }
        lineStart = fieldStart = i + 1;
        n = 0;
        quoted = false;
      } else if (b === 34) {
        quoted = true;
      }
    }
    return lineStart;
  }

  /**
   * A bad row: recorded in the problem list when there is one (reading goes on with the next row),
   * thrown otherwise. A bad row may have interned its code or date before failing; the import fails
   * when any problem was recorded, so nothing of it is used.
   */
  private recordProblem(err: unknown): void {
    const problems = this.target.problems;
    if (!problems || !(err instanceof ExecLabError)) throw err;
    problems.add(err.message);
  }

  private header(text: string): void {
    const line = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    if (line.trim() === '') throw this.fail('empty header line');
    let names: string[];
    try {
      names = splitCsvLine(line).map((s) => s.trim());
    } catch (err) {
      throw this.fail((err as Error).message);
    }
    this.cols = resolveColumns(names, this.target.mapping, `${this.file}:${this.lineNo}`);
    this.starts = new Int32Array(names.length);
    this.ends = new Int32Array(names.length);
  }

  private quotedLine(text: string): void {
    if (text.trim() === '') return;
    let parts: string[];
    try {
      parts = splitCsvLine(text);
    } catch (err) {
      throw this.fail((err as Error).message);
    }
    const bytes = Buffer.from(parts.join(''), 'utf8');
    let off = 0;
    for (let k = 0; k < parts.length && k < this.starts.length; k++) {
      this.starts[k] = off;
      off += Buffer.byteLength(parts[k], 'utf8');
      this.ends[k] = off;
    }
    this.row(bytes, parts.length);
  }

  private field(buf: Buffer, k: number): string {
    return buf.toString('utf8', this.starts[k], this.ends[k]);
  }

  private num(buf: Buffer, k: number, name: string): number {
    const v = parseNumberBytes(buf, this.starts[k], this.ends[k]);
    if (v === undefined) throw this.fail(`unparsable number '${this.field(buf, k)}' in column '${name}'`);
    return v;
  }

  private row(buf: Buffer, n: number): void {
    const c = this.cols as ColumnIndex;
    if (n !== c.fieldCount) throw this.fail(`wrong field count: expected ${c.fieldCount} (as in the header), got ${n}`);
    const collector = this.target.collector;
    const st = this.starts;
    const en = this.ends;

    // Instrument code (cached: rows of one instrument usually come together).
    const cs = st[c.code];
    const cl = en[c.code] - cs;
    let code = this.lastCodeId;
    let same = cl === this.lastCodeLen;
    for (let k = 0; same && k < cl; k++) same = buf[cs + k] === this.lastCode[k];
    if (!same) {
      const text = this.field(buf, c.code).trim();
      if (text === '') throw this.fail('empty instrument code');
      code = collector.codeId(text);
      if (cl <= this.lastCode.length) {
        buf.copy(this.lastCode, 0, cs, cs + cl);
        this.lastCodeLen = cl;
        this.lastCodeId = code;
      } else {
        this.lastCodeLen = -1;
      }
    }

    // Date and clock.
    let day: number;
    let sec: number;
    const ts = st[c.time];
    const te = en[c.time];
    if (c.date < 0) {
      const L = te - ts;
      const fixed =
        (L === 19 || L === 16) && buf[ts + 4] === 45 && buf[ts + 7] === 45 && (buf[ts + 10] === 32 || buf[ts + 10] === 84) && buf[ts + 13] === 58 && (L === 16 || buf[ts + 16] === 58);
      if (fixed) {
        day = this.dateOf(buf, ts, ts + 10);
        const h = (buf[ts + 11] - 48) * 10 + (buf[ts + 12] - 48);
        const m = (buf[ts + 14] - 48) * 10 + (buf[ts + 15] - 48);
        const s = L === 19 ? (buf[ts + 17] - 48) * 10 + (buf[ts + 18] - 48) : 0;
        const digitsOk =
          isDigit(buf[ts + 11]) && isDigit(buf[ts + 12]) && isDigit(buf[ts + 14]) && isDigit(buf[ts + 15]) && (L === 16 || (isDigit(buf[ts + 17]) && isDigit(buf[ts + 18])));
        if (day < 0 || !digitsOk || h > 23 || m > 59 || s > 59) throw this.badTime(buf);
        sec = h * 3600 + m * 60 + s;
      } else {
        const p = parseTimestampString(this.field(buf, c.time));
        if (p === null) throw this.badTime(buf);
        day = collector.dateId(p.date);
        sec = p.sec;
      }
    } else {
      day = this.dateOf(buf, st[c.date], en[c.date]);
      if (day < 0) throw this.fail(`bad date '${this.field(buf, c.date)}' (expected YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD)`);
      const clock = parseClockString(this.field(buf, c.time));
      if (clock === null) throw this.fail(`bad time '${this.field(buf, c.time)}' (expected HH:MM[:SS] or HHMM[SS])`);
      sec = clock;
    }

    const open = this.num(buf, c.open, 'open');
    const high = this.num(buf, c.high, 'high');
    const low = this.num(buf, c.low, 'low');
    const close = this.num(buf, c.close, 'close');
    const volume = this.num(buf, c.volume, 'volume');
    const aux = c.aux >= 0 ? this.num(buf, c.aux, c.auxKind as string) : NaN;
    collector.push(day, code, sec, open, high, low, close, volume, aux);
  }

  private badTime(buf: Buffer): ExecLabError {
    return this.fail(`bad timestamp '${this.field(buf, (this.cols as ColumnIndex).time)}' (expected YYYY-MM-DD HH:MM[:SS])`);
  }

  /** Date id of bytes [s, e), cached on the previous row's bytes; -1 when invalid. */
  private dateOf(buf: Buffer, s: number, e: number): number {
    const L = e - s;
    let same = L === this.lastDateLen;
    for (let k = 0; same && k < L; k++) same = buf[s + k] === this.lastDate[k];
    if (same) return this.lastDateId;
    const id = this.target.collector.dateId(buf.toString('latin1', s, e).trim());
    if (id >= 0 && L <= this.lastDate.length) {
      buf.copy(this.lastDate, 0, s, e);
      this.lastDateLen = L;
      this.lastDateId = id;
    }
    return id;
  }
}

function isDigit(b: number): boolean {
  return b >= 48 && b <= 57;
}

/** Streams one CSV or gzipped CSV file into the collector. */
export async function readCsvFile(path: string, target: ReadTarget): Promise<void> {
  const gz = isGzipFile(path);
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const report = target.onBytes;
  // Progress counts file bytes: for gzip the compressed bytes as they enter the decompressor.
  if (gz && report) raw.on('data', (b) => report(b.length));
  const source: Readable = gz ? pipeline(raw, createGunzip({ chunkSize: 1 << 20 }), () => {}) : raw;
  const parser = new CsvBarParser(path, target);
  try {
    for await (const chunk of source) {
      if (!gz && report) report((chunk as Buffer).length);
      parser.feed(chunk as Buffer);
    }
  } catch (err) {
    raw.destroy();
    if (err instanceof ExecLabError) throw err;
    throw new ExecLabError(`${path}: cannot read${gz ? ' (gzip)' : ''}: ${(err as Error).message}`);
  }
  parser.end();
}

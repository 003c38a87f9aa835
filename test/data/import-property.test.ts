/**
 * Property test of the import (issues 4, 10, 11): random corruptions of a valid small file (bytes,
 * fields, values, rows, truncation, gzip) give either a clean import, every row accounted for and
 * every stored value plausible, or an ExecLabError naming the file and line (or the dataset-level
 * reason), never another error (the CLI's "unexpected error"), and never a changed existing dataset.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBars } from '../../src/data/import/importer.js';
import { DatasetStore } from '../../src/data/store.js';
import { ExecLabError } from '../../src/errors.js';
import { dayBars, DATES, toCsv } from '../fixtures/import/make.js';

const root = mkdtempSync(join(tmpdir(), 'execlab-import-property-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Cases per run: 30 (EXECLAB_PROPERTY_RUNS=300 for a longer search). */
const RUNS = Number(process.env.EXECLAB_PROPERTY_RUNS ?? 30);
const DAYS = DATES.slice(0, 3);
const BASE = toCsv(DAYS.flatMap((d) => [...dayBars('AAA.SH', d, 10), ...dayBars('BBB.SZ', d, 20, { volume: 400 })]));
const base = join(root, 'base');

/** Every file under `dir` with its bytes. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

type Corruption =
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'field'; row: number; column: number; text: string }
  | { kind: 'scale'; row: number; column: number; factor: number }
  | { kind: 'deleteRows'; row: number; count: number }
  | { kind: 'duplicateRow'; row: number; to: number }
  | { kind: 'insertLine'; row: number; text: string }
  | { kind: 'truncate'; at: number };

const FIELD_TEXTS = ['', 'NaN', 'null', '-1', '0', '1e300', '-1e300', '1e-300', 'Infinity', 'abc', '1O.1', '"', '"x', '1,5', '0x10', '  7  ', '99999999999999999999', '2024-13-45 09:31:00', '2024-01-02 25:61:00', '2024-01-09 10:00:00', '\u001b[2J', 'AAA.SH'];
const LINE_TEXTS = ['', ',,,,,,', 'garbage', 'AAA.SH,2024-01-02 09:31:00,1,2,3', 'CCC,2024-01-03 10:00:00,5,5,5,5,1e300', 'code,time,open,high,low,close,volume', '"unterminated,2024-01-02 09:31:00,1,1,1,1,1'];

const rowsOfBase = BASE.split('\n').length - 2;
const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(BASE.length - 1), value: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(10, 13, 34, 44, 0, 0x1b)) }),
  fc.record({ kind: fc.constant('field' as const), row: fc.integer({ min: 0, max: rowsOfBase }), column: fc.nat(6), text: fc.oneof(fc.constantFrom(...FIELD_TEXTS), fc.double({ noNaN: false }).map(String)) }),
  fc.record({ kind: fc.constant('scale' as const), row: fc.integer({ min: 1, max: rowsOfBase }), column: fc.integer({ min: 2, max: 6 }), factor: fc.constantFrom(1e-6, 1e-3, 0.1, 3, 10, 1000, 1e6, -1, 1e300) }),
  fc.record({ kind: fc.constant('deleteRows' as const), row: fc.integer({ min: 1, max: rowsOfBase }), count: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ kind: fc.constant('duplicateRow' as const), row: fc.integer({ min: 1, max: rowsOfBase }), to: fc.integer({ min: 1, max: rowsOfBase }) }),
  fc.record({ kind: fc.constant('insertLine' as const), row: fc.integer({ min: 1, max: rowsOfBase }), text: fc.constantFrom(...LINE_TEXTS) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(BASE.length) }),
);

/** Applies the corruptions in turn to the CSV text (as bytes for byte flips and truncation). */
function corrupt(text: string, list: readonly Corruption[]): Buffer {
  let buf = Buffer.from(text, 'utf8');
  for (const c of list) {
    if (c.kind === 'byte') {
      if (buf.length > 0) buf[c.at % buf.length] = c.value;
      continue;
    }
    if (c.kind === 'truncate') {
      buf = buf.subarray(0, Math.min(c.at, buf.length));
      continue;
    }
    const lines = buf.toString('utf8').split('\n');
    const at = (row: number): number => Math.min(row, Math.max(0, lines.length - 1));
    if (c.kind === 'field' || c.kind === 'scale') {
      const k = at(c.row);
      const fields = lines[k].split(',');
      if (c.column < fields.length) {
        if (c.kind === 'field') fields[c.column] = c.text;
        else {
          const x = Number(fields[c.column]);
          if (Number.isFinite(x)) fields[c.column] = String(x * c.factor);
        }
        lines[k] = fields.join(',');
      }
    } else if (c.kind === 'deleteRows') lines.splice(at(c.row), c.count);
    else if (c.kind === 'duplicateRow') lines.splice(at(c.to), 0, lines[at(c.row)]);
    else lines.splice(at(c.row), 0, c.text);
    buf = Buffer.from(lines.join('\n'), 'utf8');
  }
  return buf;
}

/** Errors about the dataset as a whole, not one place of a file. */
const DATASET_LEVEL = /the import kept 0 of|split \(.*\) has no kept instrument-day|cannot tell the bar length|cannot split \d+ trading days?|no bar rows in/;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Every value the store holds is plausible: kept rows consistent and near their own level, no 1e300 anywhere. */
function expectPlausibleStore(dir: string): void {
  const store = new DatasetStore(dir);
  const m = store.meta.minutesPerDay;
  for (const date of store.meta.dates) {
    const b = store.loadDay(date).bars;
    for (let i = 0; i < b.instrumentCount; i++) {
      const at = (k: number): number => i * m + k;
      if (!b.valid[i]) {
        for (let k = 0; k < m; k++) {
          for (const x of [b.open[at(k)], b.high[at(k)], b.low[at(k)], b.close[at(k)], b.avgPrice[at(k)]]) expect(Number.isNaN(x) || (x > 0 && x < 1e9)).toBe(true);
          expect(b.volume[at(k)]).toBe(0);
        }
        continue;
      }
      const level = median(Array.from(b.close.subarray(i * m, (i + 1) * m)));
      for (let k = 0; k < m; k++) {
        const [o, h, l, c, a, v] = [b.open[at(k)], b.high[at(k)], b.low[at(k)], b.close[at(k)], b.avgPrice[at(k)], b.volume[at(k)]];
        for (const x of [o, h, l, c, a]) {
          expect(Number.isFinite(x) && x > 0 && x < 1e9).toBe(true);
          expect(x / level).toBeGreaterThanOrEqual(0.25);
          expect(x / level).toBeLessThanOrEqual(4);
        }
        expect(h).toBeGreaterThanOrEqual(Math.max(o, c, l));
        expect(l).toBeLessThanOrEqual(Math.min(o, c, h));
        expect(a).toBeGreaterThanOrEqual(l * (1 - 1e-9));
        expect(a).toBeLessThanOrEqual(h * (1 + 1e-9));
        expect(Number.isFinite(v) && v >= 0 && v < 1e13).toBe(true);
      }
    }
  }
}

describe('import under random corruption', () => {
  beforeAll(async () => {
    const input = join(root, 'base-in');
    mkdirSync(input);
    writeFileSync(join(input, 'bars.csv'), BASE);
    await importBars({ inputs: [input], out: base });
  });

  it('gives a clean, plausible import or an error naming the file and line, and never changes an existing dataset', async () => {
    let seq = 0;
    const outcomes = { imported: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(corruption, { minLength: 1, maxLength: 4 }), fc.boolean(), async (list, gzip) => {
        const k = seq++;
        const input = join(root, `in-${k}`);
        mkdirSync(input);
        const bytes = gzip ? corruptGzip(list) : corrupt(BASE, list);
        const file = join(input, gzip ? 'bars.csv.gz' : 'bars.csv');
        writeFileSync(file, bytes);
        const out = join(root, `out-${k}`);
        cpSync(base, out, { recursive: true });
        const before = snapshot(out);
        let error: unknown = null;
        try {
          await importBars({ inputs: [input], out });
        } catch (err) {
          error = err;
        }
        if (error !== null) {
          outcomes.refused++;
          expect(error, String((error as Error).stack)).toBeInstanceOf(ExecLabError);
          const message = (error as Error).message;
          if (!DATASET_LEVEL.test(message)) expect(message).toMatch(/bars\.csv(\.gz)?(:\d+:| cannot read|: cannot read)/);
          expect(snapshot(out)).toEqual(before);
        } else {
          outcomes.imported++;
          expectPlausibleStore(out);
          const meta = new DatasetStore(out).meta;
          const rows = meta.provenance.rows as { read: number; used: number; dropped: Record<string, number> };
          expect(rows.used + Object.values(rows.dropped).reduce((x, y) => x + y, 0)).toBe(rows.read);
          if (!gzip) {
            const dataLines = bytes.toString('utf8').split(/\r?\n/).slice(1).filter((l) => l !== '').length;
            expect(meta.quality.rowsRead).toBe(dataLines);
          }
        }
        // No temporaries left next to the output.
        expect(readdirSync(root).filter((n) => n.startsWith(`out-${k}.`))).toEqual([]);
        rmSync(input, { recursive: true, force: true });
        if (existsSync(out)) rmSync(out, { recursive: true, force: true });
      }),
      { numRuns: RUNS },
    );
    expect(outcomes.imported + outcomes.refused).toBe(RUNS);
  });
});

/** A corrupted file, gzipped, then (for byte flips and truncation) corrupted again as gzip bytes. */
function corruptGzip(list: readonly Corruption[]): Buffer {
  const textual = list.filter((c) => c.kind !== 'byte' && c.kind !== 'truncate');
  let gz = gzipSync(corrupt(BASE, textual));
  for (const c of list) {
    if (c.kind === 'byte') gz[c.at % gz.length] = c.value;
    else if (c.kind === 'truncate') gz = gz.subarray(0, Math.min(c.at, gz.length));
  }
  return gz;
}

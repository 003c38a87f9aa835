import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { barLabel, US_SESSION } from '../../src/data/calendar.js';
import { aggregateBars } from '../../src/data/import/clean.js';
import { importBars, type ImportResult } from '../../src/data/import/importer.js';
import { formatDataInfo } from '../../src/data/import/info.js';
import type { DatasetMeta } from '../../src/data/types.js';
import { DatasetStore } from '../../src/data/store.js';
import { ExecLabError } from '../../src/errors.js';
import { dayBars, dayBarsOf, DATES, toCsv, type Bar } from '../fixtures/import/make.js';
import { tempDirs } from '../helpers/tmp.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'import');
const { root, tmp } = tempDirs('execlab-import-');

const [D1, D2, D3, D4] = DATES;

/** The scenario: four instruments over four days, each cleaning rule hit at least once. */
function scenario(): { files: Record<string, Bar[]>; all: Bar[] } {
  const aaa = (d: string) => dayBars('AAA.SH', d, 10);
  const bbb = (d: string) => dayBars('BBB.SZ', d, 20);
  const ccc = (d: string) => dayBars('CCC.SH', d, 5);
  const ddd = (d: string) => dayBars('DDD.SZ', d, 40);

  // Day 1: BBB unsorted, CCC two duplicated timestamps (the later row wins), DDD absent.
  const c1 = ccc(D1);
  c1.push({ ...c1[11], close: 5.04, high: 5.2, volume: 7 }, { ...c1[12], volume: 9 });
  const day1 = [...aaa(D1), ...bbb(D1).reverse(), ...c1];
  // Day 2: AAA misses minutes 50..52, BBB suspended, CCC one NaN close.
  const a2 = aaa(D2).filter((_, k) => k < 51 || k > 53);
  const b2 = bbb(D2).map((b) => ({ ...b, open: 20, high: 20, low: 20, close: 20, volume: 0 }));
  const c2 = ccc(D2);
  c2[31].close = 'NaN';
  const day2 = [...a2, ...b2, ...c2, ...ddd(D2)];
  // Day 3: AAA two zero-volume minutes, CCC too many missing minutes, DDD bad prices.
  const a3 = aaa(D3);
  a3[100].volume = 0;
  a3[101].volume = 0;
  const c3 = ccc(D3).slice(0, 101);
  const d3 = ddd(D3);
  for (let k = 10; k < 20; k++) d3[k].low = 0;
  const day3 = [...a3, ...bbb(D3), ...c3, ...d3];
  // Day 4 spread over two files, part of it in day 1's file.
  const files = {
    'd1.csv': [...day1, ...ddd(D4)],
    'd2.csv': day2,
    'd3.csv': day3,
    'd4a.csv': [...aaa(D4), ...bbb(D4)],
    'd4b.csv': ccc(D4),
  };
  return { files, all: Object.values(files).flat() };
}

function writeCsvFiles(dir: string, files: Record<string, Bar[]>, gzip = false): string {
  for (const [name, rows] of Object.entries(files)) {
    const text = toCsv(rows);
    if (gzip) writeFileSync(join(dir, `${name}.gz`), gzipSync(text));
    else writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('importBars on CSV', () => {
  const { files, all } = scenario();
  let result: ImportResult;
  let store: DatasetStore;
  let meta: DatasetMeta;
  let repairs: Record<string, number>;
  let exclusions: Record<string, number>;
  beforeAll(async () => {
    const input = writeCsvFiles(tmp('csv-in'), files);
    const out = join(tmp('csv-out'), 'ds');
    result = await importBars({ inputs: [input], out });
    store = new DatasetStore(out);
    meta = store.meta;
    repairs = Object.fromEntries(meta.quality.repairs.map((r) => [r.rule, r.count]));
    exclusions = Object.fromEntries(meta.quality.exclusions.map((e) => [e.reason, e.count]));
  });

  it('builds the sorted universe, the dates and the default split (last day test, the one before validation)', () => {
    expect(meta.instruments).toEqual(['AAA.SH', 'BBB.SZ', 'CCC.SH', 'DDD.SZ']);
    expect(meta.dates).toEqual(DATES);
    expect(meta.split).toEqual({ train: [D1, D2], validation: [D3], test: [D4] });
    expect(meta.minutesPerDay).toBe(240);
    expect(meta.avgPriceSource).toBe('ohlc');
    expect(meta.source).toBe('import');
    expect(meta.quality.files).toBe(5);
    expect(meta.featureStats.fittedOn).toEqual([D1, D2]);
  });

  it('accounts for every row: read = used + dropped by reason', () => {
    expect(meta.quality.rowsRead).toBe(all.length);
    const r = result.rows;
    expect(r.read).toBe(all.length);
    expect(r.used + r.dropped.auctionBar + r.dropped.outsideSession + r.dropped.duplicateTimestamp + r.dropped.excludedInstrumentDay).toBe(all.length);
    expect(r.dropped.auctionBar).toBe(all.filter((b) => b.time.endsWith('09:30:00')).length);
    expect(r.dropped.duplicateTimestamp).toBe(2);
    // Suspended BBB day 2 (240), CCC day 3 (100 continuous minutes), DDD day 3 (240).
    expect(r.dropped.excludedInstrumentDay).toBe(240 + 100 + 240);
    expect(meta.provenance.rows).toEqual(r);
  });

  it('counts instrument-days kept and excluded by reason, with examples', () => {
    expect(exclusions).toEqual({ absent: 1, suspended: 1, 'too many missing minutes': 1, 'bad prices': 1, 'implausible volume': 0, 'price jump': 0 });
    expect(meta.quality.instrumentDaysKept).toBe(12);
    expect(meta.quality.instrumentDaysExcluded).toBe(4);
    expect(meta.quality.examples?.absent).toEqual([`DDD.SZ ${D1}`]);
    expect(meta.quality.examples?.suspended).toEqual([`BBB.SZ ${D2}`]);
    expect(meta.quality.examples?.['too many missing minutes']).toEqual([`CCC.SH ${D3}`]);
    expect(meta.quality.examples?.['bad prices']).toEqual([`DDD.SZ ${D3}`]);
  });

  it('counts repairs by rule', () => {
    // BBB day 1 reversed; CCC day 1 has its duplicates appended after 15:00, so it is out of order too.
    expect(repairs['unsorted instrument-days sorted']).toBe(2);
    expect(repairs['duplicate timestamps dropped (kept last)']).toBe(2);
    expect(repairs['missing minutes forward-filled']).toBe(3);
    expect(repairs['bad-price bars forward-filled']).toBe(1);
    expect(repairs['zero-volume minutes kept']).toBe(2);
    expect(repairs['rows outside the session dropped']).toBe(0);
    expect(meta.quality.examples?.['unsorted instrument-days sorted']).toEqual([`BBB.SZ ${D1}`, `CCC.SH ${D1}`]);
  });

  it('writes valid flags and repaired bars', () => {
    const d1 = store.loadDay(D1).bars;
    expect(Array.from(d1.valid)).toEqual([1, 1, 1, 0]);
    const ccc1 = dayBars('CCC.SH', D1, 5);
    expect(d1.close[2 * 240 + 10]).toBe(5.04); // duplicate: the later row
    expect(d1.volume[2 * 240 + 11]).toBe(900);
    expect(d1.close[2 * 240 + 12]).toBe(Number(ccc1[13].close));
    const bbb1 = dayBars('BBB.SZ', D1, 20);
    expect(Array.from(d1.close.subarray(240, 480))).toEqual(bbb1.slice(1).map((b) => Number(b.close)));
    const d2 = store.loadDay(D2).bars;
    expect(Array.from(d2.valid)).toEqual([1, 0, 1, 1]);
    const prev = Number(dayBars('AAA.SH', D2, 10)[50].close);
    expect(Array.from(d2.close.subarray(50, 53))).toEqual([prev, prev, prev]);
    expect(Array.from(d2.volume.subarray(50, 53))).toEqual([0, 0, 0]);
    expect(d2.close[240]).toBe(20); // suspended row keeps its flat price, volume 0
    expect(d2.volume[240]).toBe(0);
    const d3 = store.loadDay(D3).bars;
    expect(Array.from(d3.valid)).toEqual([1, 1, 0, 0]);
    const d4 = store.loadDay(D4).bars;
    expect(Array.from(d4.valid)).toEqual([1, 1, 1, 1]);
  });
});

describe('implausible values (issue 4)', () => {
  it('clamps a high of 1e300, excludes an order-of-magnitude jump and an absurd volume, counts each; the store holds no absurd value', async () => {
    const dir = tmp('implausible-in');
    const days = [...DATES, '2024-01-08', '2024-01-09'];
    const rows: Bar[] = [];
    for (const [k, d] of days.entries()) {
      const a = dayBars('AAA.SH', d, 10);
      if (k === 0) a[5].high = 1e300; // the user's bar: kept, its high clamped
      // BBB: day 3 at 1000 times its level (a data error), day 4 back.
      const b = dayBars('BBB.SZ', d, k === 2 ? 20_000 : 20);
      // CCC: a 20:1 re-denomination from day 3 on: day 3 is a jump, day 4 confirms the level.
      const c = dayBars('CCC.SH', d, k >= 2 ? 100 : 5);
      const e = dayBars('EEE.SZ', d, 30);
      if (k === 1) e[100].volume = 1e300;
      rows.push(...a, ...b, ...c, ...e);
    }
    writeFileSync(join(dir, 'all.csv'), toCsv(rows));
    const out = join(tmp('implausible-out'), 'ds');
    const r = await importBars({ inputs: [dir], out });
    const repairs = Object.fromEntries(r.meta.quality.repairs.map((x) => [x.rule, x.count]));
    const exclusions = Object.fromEntries(r.meta.quality.exclusions.map((x) => [x.reason, x.count]));
    expect(repairs['implausible high/low clamped to open/close']).toBe(1);
    expect(r.meta.quality.examples?.['implausible high/low clamped to open/close']).toEqual([`AAA.SH ${D1} (1)`]);
    expect(exclusions['price jump']).toBe(2);
    expect(r.meta.quality.examples?.['price jump']).toEqual([`BBB.SZ ${D3}`, `CCC.SH ${D3}`]);
    expect(exclusions['implausible volume']).toBe(1);
    expect(r.meta.quality.examples?.['implausible volume']).toEqual([`EEE.SZ ${D2}`]);
    const store = new DatasetStore(out);
    for (const d of days) {
      const b = store.loadDay(d).bars;
      for (let i = 0; i < b.instrumentCount; i++) {
        for (let m = 0; m < 240; m++) {
          const j = i * 240 + m;
          for (const x of [b.open[j], b.high[j], b.low[j], b.close[j], b.avgPrice[j]]) expect(x).toBeLessThan(200);
          expect(b.volume[j]).toBeLessThan(1e7);
        }
      }
    }
    const d3 = store.loadDay(D3).bars;
    expect(Array.from(d3.valid)).toEqual([1, 0, 0, 1]);
    // The excluded jump day holds the last kept close, not the bad level.
    expect(d3.close[240]).toBe(store.loadDay(D2).bars.close[2 * 240 - 1]);
    expect(Array.from(store.loadDay(D4).bars.valid)).toEqual([1, 1, 1, 1]);
    const info = formatDataInfo(r.meta, out);
    expect(info).toMatch(/price jump\s+2\s+e\.g\. BBB\.SZ 2024-01-04, CCC\.SH 2024-01-04/);
    expect(info).toMatch(/implausible high\/low clamped to open\/close\s+1/);
  });
});

describe('input formats', () => {
  it('spills rows to disk past maxRowsInMemory and writes the same dataset (bounded memory at any size)', async () => {
    const { files } = scenario();
    const input = writeCsvFiles(tmp('spill-in'), files);
    const plain = join(tmp('nospill'), 'ds');
    const spilled = join(tmp('spill'), 'ds');
    await importBars({ inputs: [input], out: plain });
    await importBars({ inputs: [input], out: spilled, maxRowsInMemory: 7 });
    const a = new DatasetStore(plain);
    const b = new DatasetStore(spilled);
    expect(b.meta.quality).toEqual(a.meta.quality);
    for (const d of DATES) {
      for (const f of ['open', 'close', 'avgPrice', 'volume', 'valid'] as const) expect(Array.from(b.loadDay(d).bars[f])).toEqual(Array.from(a.loadDay(d).bars[f]));
    }
    expect(readdirSync(dirname(spilled)).filter((f) => f.includes('rows-tmp'))).toEqual([]);
  });

  it('reads gzipped CSV to the same dataset as plain CSV', async () => {
    const { files } = scenario();
    const plain = join(tmp('plain'), 'ds');
    const gz = join(tmp('gz'), 'ds');
    await importBars({ inputs: [writeCsvFiles(tmp('plain-in'), files)], out: plain });
    await importBars({ inputs: [writeCsvFiles(tmp('gz-in'), files, true)], out: gz });
    const a = new DatasetStore(plain);
    const b = new DatasetStore(gz);
    expect(b.meta.quality).toEqual(a.meta.quality);
    for (const d of DATES) {
      expect(Array.from(b.loadDay(d).bars.close)).toEqual(Array.from(a.loadDay(d).bars.close));
      expect(Array.from(b.loadDay(d).bars.volume)).toEqual(Array.from(a.loadDay(d).bars.volume));
    }
  });

  it('reads Parquet (text times and UTC timestamps) to the same bars as CSV', async () => {
    const rows = DATES.flatMap((d) => [...dayBars('AAA.SH', d, 10), ...dayBars('BBB.SZ', d, 20)]);
    const csvOut = join(tmp('pq-csv'), 'ds');
    const csvIn = tmp('pq-csv-in');
    writeFileSync(join(csvIn, 'all.csv'), toCsv(rows));
    await importBars({ inputs: [csvIn], out: csvOut });

    const num = (k: keyof Bar) => rows.map((r) => Number(r[k]));
    const columns = (time: { data: unknown[]; type: 'STRING' | 'TIMESTAMP' }) => [
      { name: 'symbol', data: rows.map((r) => r.code), type: 'STRING' as const },
      { name: 'time', ...time },
      { name: 'open', data: num('open'), type: 'DOUBLE' as const },
      { name: 'high', data: num('high'), type: 'DOUBLE' as const },
      { name: 'low', data: num('low'), type: 'DOUBLE' as const },
      { name: 'close', data: num('close'), type: 'DOUBLE' as const },
      { name: 'volume', data: num('volume'), type: 'DOUBLE' as const },
    ];
    const pqIn = tmp('pq-in');
    writeFileSync(join(pqIn, 'text.parquet'), new Uint8Array(parquetWriteBuffer({ columnData: columns({ data: rows.map((r) => r.time), type: 'STRING' }), rowGroupSize: 500 })));
    // UTC instants of the Shanghai wall-clock times (UTC+8).
    const utc = rows.map((r) => new Date(Date.parse(`${r.time.replace(' ', 'T')}+08:00`)));
    const pqUtcIn = tmp('pq-utc-in');
    writeFileSync(join(pqUtcIn, 'utc.parquet'), new Uint8Array(parquetWriteBuffer({ columnData: columns({ data: utc, type: 'TIMESTAMP' }) })));

    const ref = new DatasetStore(csvOut);
    for (const input of [pqIn, pqUtcIn]) {
      const out = join(tmp('pq-out'), 'ds');
      await importBars({ inputs: [input], out, columns: 'code=symbol' });
      const got = new DatasetStore(out);
      expect(got.meta.quality).toEqual(ref.meta.quality);
      expect(got.meta.instruments).toEqual(ref.meta.instruments);
      for (const d of DATES) {
        const a = ref.loadDay(d).bars;
        const b = got.loadDay(d).bars;
        expect(Array.from(b.close)).toEqual(Array.from(a.close));
        expect(Array.from(b.volume)).toEqual(Array.from(a.volume));
        expect(Array.from(b.avgPrice)).toEqual(Array.from(a.avgPrice));
      }
    }
  });

  it('falls back to a full CSV parse for quoted fields, reads CRLF and a last line without newline', async () => {
    const out = join(tmp('quoted'), 'ds');
    const r = await importBars({ inputs: [join(FIXTURES, 'quoted.csv')], out, maxMissingShare: 1 });
    expect(r.meta.instruments).toEqual(['AAA.SH', 'BB "B", X']);
    expect(r.rows.read).toBe(5);
    const d1 = new DatasetStore(out).loadDay('2024-01-02').bars;
    expect(d1.close[0]).toBe(10.05);
    expect(d1.close[240]).toBe(20.2);
    expect(d1.volume[1]).toBe(0); // NaN volume set to 0
    expect(r.meta.quality.repairs.find((x) => x.rule === 'bad volumes set to 0')?.count).toBe(1);
  });

  it('reads a separate date column and reports progress up to the total', async () => {
    const rows = DATES.slice(0, 3).flatMap((d) => dayBars('AAA.SH', d, 10));
    const dir = tmp('date-col-in');
    const text =
      'sym,day,clock,o,h,l,c,v\n' +
      rows.map((r) => `${r.code},${r.time.slice(0, 10).replace(/-/g, '')},${r.time.slice(11, 16).replace(':', '')},${r.open},${r.high},${r.low},${r.close},${r.volume}`).join('\n');
    writeFileSync(join(dir, 'a.csv'), text);
    const calls: Array<[number, number]> = [];
    const r = await importBars(
      { inputs: [dir], out: join(tmp('date-col-out'), 'ds'), columns: 'code=sym,date=day,time=clock,open=o,high=h,low=l,close=c,volume=v' },
      (done, total) => calls.push([done, total]),
    );
    expect(r.meta.dates).toEqual(DATES.slice(0, 3));
    expect(r.rows.dropped.auctionBar).toBe(3);
    expect(r.rows.used).toBe(3 * 240);
    const size = statSync(join(dir, 'a.csv')).size;
    expect(calls).toContainEqual([size, size]);
    expect(calls[calls.length - 1]).toEqual([3, 3]);
  });

  it('uses an avgPrice or turnover column when mapped (avgPriceSource bar)', async () => {
    const rows = DATES.slice(0, 3).flatMap((d) => dayBars('AAA.SH', d, 10));
    const dir = tmp('turnover-in');
    const text = `code,time,open,high,low,close,volume,amount\n${rows
      .map((r) => `${r.code},${r.time},${r.open},${r.high},${r.low},${r.close},${r.volume},${Number(r.volume) * 100 * Number(r.low)}`)
      .join('\n')}\n`;
    writeFileSync(join(dir, 'a.csv'), text);
    const out = join(tmp('turnover-out'), 'ds');
    const r = await importBars({ inputs: [dir], out, columns: { turnover: 'amount' } });
    expect(r.meta.avgPriceSource).toBe('bar');
    const b = new DatasetStore(out).loadDay(DATES[0]).bars;
    for (let m = 0; m < 240; m++) expect(b.avgPrice[m]).toBeCloseTo(b.low[m], 9);
  });
});

describe('bar length and sessions', () => {
  it('aggregates 1-minute input into 5-minute bars', async () => {
    const { files } = scenario();
    const input = writeCsvFiles(tmp('agg-in'), files);
    const one = join(tmp('agg-1'), 'ds');
    const five = join(tmp('agg-5'), 'ds');
    await importBars({ inputs: [input], out: one });
    const r = await importBars({ inputs: [input], out: five, barMinutes: 5 });
    expect(r.meta.minutesPerDay).toBe(48);
    expect(r.meta.barMinutes).toBe(5);
    const a = new DatasetStore(one);
    const b = new DatasetStore(five);
    for (const d of DATES) {
      const p1 = a.loadDay(d).bars;
      const p5 = b.loadDay(d).bars;
      expect(Array.from(p5.valid)).toEqual(Array.from(p1.valid));
      for (let i = 0; i < p1.instrumentCount; i++) {
        if (!p1.valid[i]) continue;
        const sl = (x: Float64Array) => x.slice(i * 240, (i + 1) * 240);
        const agg = aggregateBars({ open: sl(p1.open), high: sl(p1.high), low: sl(p1.low), close: sl(p1.close), avgPrice: sl(p1.avgPrice), volume: sl(p1.volume) }, 5);
        expect(Array.from(p5.close.subarray(i * 48, (i + 1) * 48))).toEqual(Array.from(agg.close));
        expect(Array.from(p5.volume.subarray(i * 48, (i + 1) * 48))).toEqual(Array.from(agg.volume));
        expect(Array.from(p5.high.subarray(i * 48, (i + 1) * 48))).toEqual(Array.from(agg.high));
      }
    }
  });

  it('imports US bars labelled by their start with the 16:00 closing print counted as auction', async () => {
    const rows: Bar[] = [];
    for (const d of DATES.slice(0, 3)) {
      for (let m = 0; m < 390; m++) {
        const time = m === 0 ? '09:30' : barLabel(US_SESSION, 1, m - 1); // start of minute m = end of minute m-1
        rows.push({ code: 'SPY', time: `${d} ${time}:00`, open: 500, high: 501, low: 499, close: 500.5, volume: 1000 });
      }
      rows.push({ code: 'SPY', time: `${d} 16:00:00`, open: 500.5, high: 500.5, low: 500.5, close: 500.5, volume: 99999 });
    }
    const dir = tmp('us-in');
    writeFileSync(join(dir, 'spy.csv'), toCsv(rows));
    const out = join(tmp('us-out'), 'ds');
    const r = await importBars({ inputs: [dir], out, session: 'us', labels: 'start', volumeUnit: 1 });
    expect(r.meta.minutesPerDay).toBe(390);
    expect(r.meta.session.name).toBe('us');
    expect(r.rows.dropped.auctionBar).toBe(3);
    expect(r.rows.used).toBe(3 * 390);
    expect(new DatasetStore(out).loadDay(DATES[0]).bars.volume[389]).toBe(1000);
  });
});

describe('malformed files', () => {
  const cases: Array<[string, RegExp]> = [
    ['bad-header.csv', /bad-header\.csv:1: missing column 'time' \(field time\)/],
    ['bad-number.csv', /bad-number\.csv:4: unparsable number '1O\.1' in column 'high'/],
    ['bad-fields.csv', /bad-fields\.csv:3: wrong field count: expected 7 \(as in the header\), got 6/],
    ['bad-time.csv', /bad-time\.csv:5: bad timestamp '2024-02-30 09:34:00'/],
  ];

  it.each(cases)('%s raises file:line: reason and leaves the existing dataset intact', async (name, pattern) => {
    const { files } = scenario();
    const input = writeCsvFiles(tmp('good-in'), files);
    const parent = tmp('intact');
    const out = join(parent, 'ds');
    await importBars({ inputs: [input], out });
    const before = readFileSync(join(out, 'meta.json'), 'utf8');
    const listing = readdirSync(join(out, 'bars'));
    const bad = importBars({ inputs: [input, join(FIXTURES, name)], out });
    await expect(bad).rejects.toThrow(ExecLabError);
    await expect(importBars({ inputs: [join(FIXTURES, name)], out })).rejects.toThrow(pattern);
    expect(readFileSync(join(out, 'meta.json'), 'utf8')).toBe(before);
    expect(readdirSync(join(out, 'bars'))).toEqual(listing);
    expect(readdirSync(parent)).toEqual(['ds']);
  });

  it('reports a gzipped file line by line too', async () => {
    const dir = tmp('bad-gz');
    writeFileSync(join(dir, 'x.csv.gz'), gzipSync(readFileSync(join(FIXTURES, 'bad-number.csv'))));
    await expect(importBars({ inputs: [dir], out: join(tmp('bad-gz-out'), 'ds') })).rejects.toThrow(/x\.csv\.gz:4: unparsable number/);
  });

  it('rejects more validation and test days than the dates allow, and bad settings, naming key and value', async () => {
    const dir = tmp('few');
    writeFileSync(join(dir, 'a.csv'), toCsv([...dayBars('AAA.SH', D1), ...dayBars('AAA.SH', D2), ...dayBars('AAA.SH', D3)]));
    const out = join(tmp('few-out'), 'ds');
    await expect(importBars({ inputs: [dir], out, validationDays: 2, testDays: 1 })).rejects.toThrow(
      /cannot split 3 trading days into train \/ 2 validation \/ 1 test days: need at least 4 .*--validation-days \/ --test-days/,
    );
    expect(existsSync(out)).toBe(false);
    await expect(importBars({ inputs: [dir], barMinutes: 7 })).rejects.toThrow(/barMinutes: got 7/);
    await expect(importBars({ inputs: [dir], session: 'lse' })).rejects.toThrow(/session: got "lse"; .*ashare/);
    await expect(importBars({ inputs: [dir], columns: 'code=symbol,bogus=x' })).rejects.toThrow(/unknown field 'bogus'/);
    await expect(importBars({ inputs: [join(dir, 'nope.csv')] })).rejects.toThrow(/input not found/);
    await expect(importBars({ inputs: [dir], validationDays: -1 })).rejects.toThrow(/validationDays: got -1/);
  });

  it('lists every malformed file (up to 20 problems) in one error, and writes nothing', async () => {
    const dir = tmp('several-bad');
    writeFileSync(join(dir, 'a-good.csv'), toCsv(dayBars('AAA.SH', D1)));
    for (const name of ['bad-fields.csv', 'bad-header.csv', 'bad-number.csv', 'bad-time.csv']) writeFileSync(join(dir, name), readFileSync(join(FIXTURES, name)));
    const parent = tmp('several-bad-out');
    const err = (await importBars({ inputs: [dir], out: join(parent, 'ds') }).catch((e: unknown) => e)) as ExecLabError;
    expect(err).toBeInstanceOf(ExecLabError);
    expect(err.message).toMatch(/4 problems in 4 of 5 input files/);
    expect(err.message).toMatch(/bad-fields\.csv:3: wrong field count/);
    expect(err.message).toMatch(/bad-header\.csv:1: missing column 'time'/);
    expect(err.message).toMatch(/bad-number\.csv:4: unparsable number/);
    expect(err.message).toMatch(/bad-time\.csv:5: bad timestamp/);
    expect(readdirSync(parent)).toEqual([]);
    // Many bad lines: the first 20 listed, the rest counted.
    const many = tmp('many-bad');
    const rows = dayBars('AAA.SH', D1).map((b, k) => (k % 2 ? { ...b, high: 'x1' } : b));
    writeFileSync(join(many, 'x.csv'), toCsv(rows));
    const e2 = (await importBars({ inputs: [many], out: join(parent, 'ds') }).catch((e: unknown) => e)) as ExecLabError;
    expect(e2.message).toMatch(/120 problems in 1 of 1 input file;/);
    expect(e2.message.split('\n').filter((l) => /x\.csv:\d+:/.test(l))).toHaveLength(20);
    expect(e2.message).toMatch(/\.\.\. and 100 more/);
  });

  it('counts and reports a file with a header and no rows', async () => {
    const dir = tmp('header-only');
    writeFileSync(join(dir, 'a.csv'), toCsv([...dayBars('AAA.SH', D1), ...dayBars('AAA.SH', D2), ...dayBars('AAA.SH', D3)]));
    writeFileSync(join(dir, 'b-empty.csv'), 'code,time,open,high,low,close,volume\n');
    const out = join(tmp('header-only-out'), 'ds');
    const r = await importBars({ inputs: [dir], out });
    expect(r.notes.join('\n')).toMatch(/1 input file has a header and no rows: .*b-empty\.csv/);
    expect(r.meta.quality.files).toBe(2);
    expect(r.meta.quality.filesWithoutRows).toEqual([join(dir, 'b-empty.csv')]);
    expect(formatDataInfo(r.meta, out)).toMatch(/Rows read\s+723 from 2 files \(1 with no rows: .*b-empty\.csv\)/);
  });
});

describe('datasets of one or two days (issue 11)', () => {
  it('imports one day as training only and two days as train and test, and says so', async () => {
    const one = tmp('one-day');
    writeFileSync(join(one, 'a.csv'), toCsv([...dayBars('AAA.SH', D1), ...dayBars('BBB.SZ', D1, 20)]));
    const r1 = await importBars({ inputs: [one], out: join(tmp('one-day-out'), 'ds') });
    expect(r1.meta.split).toEqual({ train: [D1], validation: [], test: [] });
    expect(r1.notes.join('\n')).toMatch(/split: 1 trading day is too few for the default 1 validation and 1 test day: train 1, validation 0, test 0 days/);
    const two = tmp('two-days');
    writeFileSync(join(two, 'a.csv'), toCsv([...dayBars('AAA.SH', D1), ...dayBars('AAA.SH', D2)]));
    const r2 = await importBars({ inputs: [two], out: join(tmp('two-days-out'), 'ds') });
    expect(r2.meta.split).toEqual({ train: [D1], validation: [], test: [D2] });
  });

  it('takes --validation-days 0 and --test-days 0 as given', async () => {
    const dir = writeCsvFiles(tmp('zero-split'), scenario().files);
    const r = await importBars({ inputs: [dir], out: join(tmp('zero-split-out'), 'ds'), validationDays: 0, testDays: 0 });
    expect(r.meta.split).toEqual({ train: DATES, validation: [], test: [] });
    const t = await importBars({ inputs: [dir], out: join(tmp('zero-val-out'), 'ds'), validationDays: 0, testDays: 2 });
    expect(t.meta.split).toEqual({ train: [D1, D2], validation: [], test: [D3, D4] });
    expect(t.notes.join('\n')).not.toMatch(/too few/);
  });
});

describe('--last-day: the days of a walk-forward fold', () => {
  it('keeps the days up to it with the same bars, splits them by the counts, and counts the later rows', async () => {
    const { files, all } = scenario();
    const dir = writeCsvFiles(tmp('last-day'), files);
    const full = new DatasetStore((await importBars({ inputs: [dir], out: join(tmp('last-day-full'), 'ds') })).dir);
    const r = await importBars({ inputs: [dir], out: join(tmp('last-day-out'), 'ds'), lastDay: D3, validationDays: 1, testDays: 1 });
    const cut = new DatasetStore(r.dir);
    expect(cut.meta.dates).toEqual([D1, D2, D3]);
    expect(cut.meta.split).toEqual({ train: [D1], validation: [D2], test: [D3] });
    expect(cut.meta.featureStats.fittedOn).toEqual([D1]);
    const later = all.filter((b) => b.time.startsWith(D4)).length;
    expect(later).toBeGreaterThan(0);
    expect(r.rows.dropped.afterLastDay).toBe(later);
    const d = r.rows.dropped;
    expect(r.rows.used + d.auctionBar + d.outsideSession + d.duplicateTimestamp + d.excludedInstrumentDay + later).toBe(all.length);
    expect(r.notes.join('\n')).toContain(`--last-day ${D3}: 1 later trading day (${D4} to ${D4}, ${later} rows) left out`);
    expect((cut.meta.provenance as Record<string, unknown>).lastDay).toBe(D3);
    for (const date of [D1, D2, D3]) {
      const a = cut.loadDay(date).bars;
      const b = full.loadDay(date).bars;
      expect(a.close).toEqual(b.close);
      expect(a.avgPrice).toEqual(b.avgPrice);
      expect(a.volume).toEqual(b.volume);
      expect(a.valid).toEqual(b.valid);
    }
    // Without the flag nothing about it is recorded.
    expect(full.meta.provenance).not.toHaveProperty('lastDay');
  });

  it('refuses a last day before the first date, and one that is not a date', async () => {
    const dir = writeCsvFiles(tmp('last-day-bad'), scenario().files);
    await expect(importBars({ inputs: [dir], out: join(tmp('last-day-bad-out'), 'ds'), lastDay: '2000-01-01' })).rejects.toThrow(
      new RegExp(`--last-day 2000-01-01 is before the first trading day of the input \\(${D1}\\); nothing was written`),
    );
    await expect(importBars({ inputs: [dir], out: join(tmp('last-day-bad-out2'), 'ds'), lastDay: '31.12.2025' })).rejects.toThrow(/lastDay.*must be a date YYYY-MM-DD/);
  });
});

describe('input bar length and usable output (issue 10)', () => {
  it('detects 5-minute input in any row order, notes it, records it and makes 5-minute bars', async () => {
    const dir = tmp('five-shuffled');
    const rows = DATES.flatMap((d) => [...dayBarsOf(5, 'AAA.SH', d, 10), ...dayBarsOf(5, 'BBB.SZ', d, 20)]);
    // Time-major and newest first: consecutive rows are of different instruments.
    rows.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : a.code < b.code ? -1 : 1));
    writeFileSync(join(dir, 'all.csv'), toCsv(rows));
    const r = await importBars({ inputs: [dir], out: join(tmp('five-out'), 'ds') });
    expect(r.notes[0]).toMatch(/^input bar length: 5 minutes, detected from the timestamps \(\d+\.\d% of [\d,]+ gaps/);
    expect(r.meta).toMatchObject({ barMinutes: 5, minutesPerDay: 48 });
    expect(r.meta.quality.instrumentDaysKept).toBe(8);
    expect(r.rows.used).toBe(rows.length);
    expect(r.meta.provenance).toMatchObject({ inputMinutes: 5, inputMinutesFrom: 'detected' });
  });

  it('refuses an output that is an input before reading anything', async () => {
    const dir = writeCsvFiles(tmp('self'), scenario().files);
    const before = readdirSync(dir);
    await expect(importBars({ inputs: [dir], out: dir })).rejects.toThrow(/refusing to write the dataset to '.*': it is the input/);
    expect(readdirSync(dir)).toEqual(before);
  });

  it('fails with the reasons when every instrument-day is excluded, and writes nothing', async () => {
    const dir = tmp('all-suspended');
    for (const d of DATES) writeFileSync(join(dir, `${d}.csv`), toCsv(dayBars('AAA.SH', d, 10).map((b) => ({ ...b, open: 10, high: 10, low: 10, close: 10, volume: 0 }))));
    const parent = tmp('all-suspended-out');
    const err = await importBars({ inputs: [dir], out: join(parent, 'ds') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecLabError);
    expect((err as ExecLabError).message).toMatch(/kept 0 of 4 instrument-days; excluded: suspended 4 \(e\.g\. AAA\.SH 2024-01-02, AAA\.SH 2024-01-03, AAA\.SH 2024-01-04\); nothing was written .*zero volume/);
    expect(readdirSync(parent)).toEqual([]);
  });
});

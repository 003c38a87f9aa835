import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatDataInfo, dataInfo } from '../../src/data/import/info.js';
import { DatasetStore } from '../../src/data/store.js';
import type { DatasetMeta } from '../../src/data/types.js';
import { dayBars, DATES, toCsv } from '../fixtures/import/make.js';
import { runCli as run } from '../cli/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'execlab-import-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));


function inputDir(): string {
  const dir = join(root, 'in');
  mkdirSync(dir, { recursive: true });
  for (const d of DATES) {
    const rows = [...dayBars('AAA.SH', d, 10), ...dayBars('BBB.SZ', d, 20)];
    if (d === DATES[1]) rows.splice(300, 40); // BBB misses 40 minutes: forward-filled
    writeFileSync(join(dir, `${d}.csv`), toCsv(rows));
  }
  return dir;
}

describe('execlab data import / data info', () => {
  const input = inputDir();
  const out = join(root, 'ds');

  it('imports with flags and prints a summary', async () => {
    const r = await run('data', 'import', input, '--out', out, '--quiet', '--validation-days', '1', '--test-days', '2');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('imported 4 days (2024-01-02 .. 2024-01-05), 2 instruments, 1-minute bars (240 per day)');
    expect(r.out).toContain('split: train 1, validation 1, test 2 days');
    const meta = new DatasetStore(out).meta;
    expect(meta.split.test).toEqual(DATES.slice(2));
  });

  it('prints the data-quality report', async () => {
    const r = await run('data', 'info', '--data', out);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Dates\s+4 days \(2024-01-02 \.\. 2024-01-05\)/);
    expect(r.out).toMatch(/Instrument-days\s+8: kept 8/);
    expect(r.out).toMatch(/missing minutes forward-filled\s+40\s+e\.g\. BBB\.SZ 2024-01-03 \(40\)/);
    expect(r.out).toMatch(/auction bars dropped\s+8/);
    expect(r.out).toContain('Feature stats (robust z-score, fitted on 1 day (2024-01-02))');
    expect(r.out).toMatch(/avgPrice\s+\d/);
  });

  it('prints JSON with --json', async () => {
    const r = await run('data', 'info', '--data', out, '--json');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out) as ReturnType<typeof dataInfo>;
    expect(info.dates).toEqual({ count: 4, first: '2024-01-02', last: '2024-01-05' });
    expect(info.instruments).toBe(2);
    expect(info.rowsRead).toBe(4 * 2 * 241 - 40);
    expect(info.rows).toMatchObject({ read: 4 * 2 * 241 - 40, used: 4 * 2 * 240 - 40 });
    expect(info.featureStats.map((f) => f.feature)).toEqual(['open', 'high', 'low', 'close', 'avgPrice', 'volume']);
  });

  it('reads settings from a config file; flags win', async () => {
    const cfg = join(root, 'import.yaml');
    const out2 = join(root, 'ds5');
    writeFileSync(cfg, `inputs: [${JSON.stringify(input)}]\nout: ${JSON.stringify(out2)}\nbarMinutes: 5\ntestDays: 2\n`);
    const r = await run('data', 'import', '--config', cfg, '--test-days', '1', '--quiet');
    expect(r.code).toBe(0);
    const meta = new DatasetStore(out2).meta;
    expect(meta.minutesPerDay).toBe(48);
    expect(meta.split.test).toEqual([DATES[3]]);
  });

  it('rejects a bad value naming the key, the value and what is allowed (exit code 2)', async () => {
    const r = await run('data', 'import', input, '--out', join(root, 'x'), '--session', 'tokyo', '--quiet');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/session: got "tokyo"; .*"ashare".*"us"/);
    const f = await run('data', 'import', input, '--out', join(root, 'x'), '--format', 'xls', '--quiet');
    expect(f.code).toBe(2);
    expect(f.err).toMatch(/format: got "xls"/);
  });

  it('asks for inputs when none are given', async () => {
    const r = await run('data', 'import', '--quiet');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no input: give bar files or directories/);
  });

  it('fails clearly when the dataset is missing', async () => {
    const r = await run('data', 'info', '--data', join(root, 'nothing'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no dataset at/);
  });

  it('documents the options in --help', async () => {
    const r = await run('data', 'import', '--help');
    expect(r.out).toContain('--volume-unit');
    expect(r.out).toContain('--bar-minutes');
    expect(r.out).toContain('docs/DATA.md');
  });
});

describe('formatDataInfo', () => {
  it('renders a synthetic dataset meta without import provenance', () => {
    const meta: DatasetMeta = {
      formatVersion: 1,
      name: 'synthetic',
      source: 'synthetic',
      provenance: { seed: 7, instruments: 2 },
      session: { name: 'ashare', segments: [{ start: '09:30', end: '11:30' }, { start: '13:00', end: '15:00' }] },
      barMinutes: 1,
      minutesPerDay: 240,
      dates: ['2024-01-02', '2024-01-03', '2024-01-04'],
      instruments: ['A', 'B'],
      split: { train: ['2024-01-02'], validation: ['2024-01-03'], test: ['2024-01-04'] },
      featureStats: { names: ['open'], median: [1], scale: [0.01], fittedOn: ['2024-01-02'] },
      quality: {
        rowsRead: 1440,
        files: 0,
        repairs: [],
        exclusions: [{ reason: 'suspended', count: 1 }],
        instrumentDaysKept: 5,
        instrumentDaysExcluded: 1,
        examples: { suspended: ['B 2024-01-03'] },
      },
      avgPriceSource: 'ohlc',
    };
    const text = formatDataInfo(meta, 'data/synthetic');
    expect(text).toContain('Dataset         synthetic (data/synthetic)');
    expect(text).toContain('Source          synthetic: {"seed":7,"instruments":2}');
    expect(text).toMatch(/Split\s+train 1 day \(2024-01-02\)/);
    expect(text).toMatch(/Instrument-days 6: kept 5 \(83\.3%\), excluded 1 \(16\.7%\)/);
    expect(text).toMatch(/ {2}suspended\s+1 {3}e\.g\. B 2024-01-03/);
    expect(text).toContain('(none recorded)');
    expect(text).toMatch(/open\s+1\.0000\s+0\.0100/);
    expect(dataInfo(meta).rows).toBeNull();
  });
});

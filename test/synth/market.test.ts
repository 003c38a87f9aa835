import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { DatasetStore } from '../../src/data/store.js';
import { generateSyntheticMarket } from '../../src/synth/market.js';
import { synthParams } from '../../src/synth/params.js';

const root = mkdtempSync(join(tmpdir(), 'execlab-synth-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the CLI, capturing what it prints. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await main(['node', 'execlab', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('generateSyntheticMarket', () => {
  it('writes a dataset with the synthetic header, the split and a quality report', () => {
    const dir = join(root, 'lib');
    const params = synthParams({ instruments: 4, days: 9, validationDays: 2, testDays: 3, seed: 3 });
    const progress: number[] = [];
    const meta = generateSyntheticMarket(params, dir, (done) => progress.push(done));
    expect(progress.at(-1)).toBe(9);
    const store = new DatasetStore(dir);
    expect(store.meta).toEqual(meta);
    expect(meta.name).toBe('synthetic');
    expect(meta.source).toBe('synthetic');
    expect(meta.avgPriceSource).toBe('bar');
    expect(meta.provenance).toMatchObject({ seed: 3, instruments: 4, predictability: 1, reversionPerMinute: params.reversionPerMinute });
    expect(meta.dates[0]).toBe('2023-01-02');
    expect(meta.split.train).toHaveLength(4);
    expect(meta.split.validation).toEqual(meta.dates.slice(4, 6));
    expect(meta.split.test).toEqual(meta.dates.slice(6));
    expect(meta.quality).toMatchObject({ rowsRead: 4 * 9 * 240, exclusions: [], instrumentDaysKept: 36, instrumentDaysExcluded: 0 });
    const day = store.loadDay(meta.dates[5]);
    expect(day.bars.minutes).toBe(240);
    expect(Array.from(day.bars.valid)).toEqual([1, 1, 1, 1]);
    expect(day.previous?.date).toBe(meta.dates[4]);
  });

  it('marks instrument-days without any trade invalid and counts them', () => {
    const dir = join(root, 'thin');
    // About 0.02 lots a minute: most instrument-days have no trade at all.
    const params = synthParams({ instruments: 6, days: 5, validationDays: 1, testDays: 1, volumeMedianShares: 2, volumeDispersion: 0 });
    const meta = generateSyntheticMarket(params, dir);
    const store = new DatasetStore(dir);
    let invalid = 0;
    for (const date of meta.dates) invalid += Array.from(store.loadDay(date).bars.valid).filter((v) => v === 0).length;
    expect(invalid).toBeGreaterThan(0);
    expect(meta.quality.exclusions).toEqual([{ reason: 'no trading', count: invalid }]);
    expect(meta.quality.instrumentDaysExcluded).toBe(invalid);
    expect(meta.quality.instrumentDaysKept + invalid).toBe(30);
    expect(meta.quality.examples?.['no trading']?.length).toBeGreaterThan(0);
  });
});

describe('execlab data synth', () => {
  it('generates a small dataset end to end and prints a summary', async () => {
    const out = join(root, 'cli');
    const r = await run(['data', 'synth', '--out', out, '--instruments', '5', '--days', '12', '--validation-days', '2', '--test-days', '3', '--seed', '4', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/5 instruments x 12 days \(7 train \/ 2 validation \/ 3 test\)/);
    const store = new DatasetStore(out);
    expect(store.meta.instruments).toEqual(['SYN0001', 'SYN0002', 'SYN0003', 'SYN0004', 'SYN0005']);
    expect(store.meta.dates).toHaveLength(12);
    expect(store.datesOf('train')).toHaveLength(7);
    expect(store.datesOf('validation')).toHaveLength(2);
    expect(store.datesOf('test')).toEqual(store.meta.dates.slice(9));
    expect(store.meta.minutesPerDay).toBe(240);
    expect(store.meta.featureStats.fittedOn.every((d) => store.datesOf('train').includes(d))).toBe(true);
    const day = store.loadDay(store.meta.dates[11]);
    expect(day.bars.open).toHaveLength(5 * 240);
    expect(day.context.prevClose).toHaveLength(5);
  });

  it('writes the same bars for the same seed, 5-minute bars on request, and settings from a config file', async () => {
    const a = join(root, 'a');
    const b = join(root, 'b');
    const config = join(root, 'synth.yaml');
    writeFileSync(config, 'instruments: 3\ndays: 6\nvalidationDays: 1\ntestDays: 1\nbarMinutes: 5\npredictability: 0\n');
    expect((await run(['data', 'synth', '--out', a, '--config', config, '--quiet'])).code).toBe(0);
    expect((await run(['data', 'synth', '--out', b, '--config', config, '--days', '7', '--quiet'])).code).toBe(0);
    const sa = new DatasetStore(a);
    const sb = new DatasetStore(b);
    expect(sa.meta.minutesPerDay).toBe(48);
    expect(sa.meta.barMinutes).toBe(5);
    expect(sa.meta.provenance).toMatchObject({ predictability: 0, instruments: 3 });
    expect(sb.meta.dates).toHaveLength(7); // the flag wins over the file
    const da = sa.loadDay(sa.meta.dates[2]).bars;
    const db = sb.loadDay(sb.meta.dates[2]).bars;
    expect(Array.from(db.avgPrice)).toEqual(Array.from(da.avgPrice));
  });

  it('rejects a bad value naming the setting, the value and what is allowed, and writes nothing', async () => {
    const out = join(root, 'bad');
    const r = await run(['data', 'synth', '--out', out, '--bar-minutes', '7', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/barMinutes: got 7; must divide the 240-minute 'ashare' session/);
    const r2 = await run(['data', 'synth', '--out', out, '--predictability', 'strong', '--quiet']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/--predictability: got 'strong', expected a number/);
    expect(existsSync(out)).toBe(false);
  });

  it('explains every option in --help', async () => {
    const r = await run(['data', 'synth', '--help']);
    for (const flag of ['--out', '--seed', '--instruments', '--days', '--predictability', '--validation-days', '--test-days', '--bar-minutes', '--config']) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toContain('data/synthetic');
  });
});

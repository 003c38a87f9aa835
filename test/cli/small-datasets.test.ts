/**
 * Datasets of one or two days (issue 11): they import, backtest on the split they have, and the
 * commands that need a split the dataset does not have say so.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetStore } from '../../src/data/store.js';
import { dayBars, DATES, toCsv } from '../fixtures/import/make.js';
import { runCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'execlab-small-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function input(name: string, dates: readonly string[]): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const d of dates) writeFileSync(join(dir, `${d}.csv`), toCsv([...dayBars('AAA', d, 10, { volume: 5000 }), ...dayBars('BBB', d, 20, { volume: 8000 })]));
  return dir;
}

describe('one trading day', () => {
  const ds = join(root, 'one');

  it('imports with the default split shrunk to training only, and says so', async () => {
    const r = await runCli('data', 'import', input('in-one', DATES.slice(0, 1)), '--out', ds, '--quiet');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/1 trading day is too few for the default 1 validation and 1 test day: train 1, validation 0, test 0 days; backtest it with --split train or all/);
    expect(r.out).toContain('split: train 1, validation 0, test 0 days');
  });

  it('backtests on --split all and --split train', async () => {
    for (const split of ['all', 'train']) {
      const b = await runCli('backtest', '--data', ds, '--split', split, '--strategy', 'twap,vwap', '--out', join(root, `bt-${split}`));
      expect(b.err).not.toMatch(/execlab:/);
      expect(b.code).toBe(0);
      expect(b.out).toMatch(/TWAP\s+2\s/);
    }
  });

  it('says what to do when the split asked for has no days', async () => {
    const b = await runCli('backtest', '--data', ds, '--strategy', 'twap', '--out', join(root, 'bt-test'));
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/the test split of the dataset .* has no days .*--split train or all/);
    const o = await runCli('orders', 'generate', '--data', ds, '--out', join(root, 'orders.csv'));
    expect(o.code).toBe(2);
    expect(o.err).toMatch(/the test split of the dataset .* has no days/);
  });

  it('training says it needs a validation split', async () => {
    const t = await runCli('train', '--algo', 'ppo', '--data', ds, '--out', join(root, 'ppo'), '--iterations', '1');
    expect(t.code).toBe(2);
    expect(t.err).toMatch(/training needs a validation split: the dataset .* has no validation days \(train 1, validation 0, test 0\).*--validation-days/);
    const r = await runCli('reproduce', '--data', ds, '--out', join(root, 'rep'), '--quick');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/reproduce needs validation and test splits/);
  });
});

describe('explicit empty splits', () => {
  it('takes --validation-days 0 --test-days 0 and refuses more days than there are', async () => {
    const dir = input('in-three', DATES.slice(0, 3));
    const out = join(root, 'three');
    const r = await runCli('data', 'import', dir, '--out', out, '--validation-days', '0', '--test-days', '0', '--quiet');
    expect(r.code).toBe(0);
    expect(new DatasetStore(out).meta.split).toEqual({ train: DATES.slice(0, 3), validation: [], test: [] });
    const bad = await runCli('data', 'import', dir, '--out', out, '--validation-days', '2', '--test-days', '2', '--quiet');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/cannot split 3 trading days into train \/ 2 validation \/ 2 test days: need at least 5/);
  });
});

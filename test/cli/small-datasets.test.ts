/**
 * Datasets of one or two days (issue 11): they import, backtest on the split they have, and the
 * commands that need a split the dataset does not have say so.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    expect(r.err).toMatch(/reproduce needs a validation split: the dataset .* has no validation days/);
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

describe('no test split: the run that makes the policy for the days after the data', () => {
  it('reproduce trains, chooses the policy to deploy on validation and says that nothing was tested', async () => {
    const ds = join(root, 'no-test');
    const imp = await runCli('data', 'import', input('in-four', DATES), '--out', ds, '--validation-days', '2', '--test-days', '0', '--quiet');
    expect(imp.code).toBe(0);
    const out = join(root, 'rep-no-test');
    const r = await runCli('reproduce', '--data', ds, '--out', out, '--seeds', '1', '--workers', '0', '--iterations', '2', '--episodes-per-iteration', '16', '--methods', 'OPD-S,PPO');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/2\/2\/0 train\/validation\/test days; no test split: the methods are trained and the policy to deploy is chosen on validation, nothing is evaluated out of sample/);
    expect(r.err).not.toMatch(/test evaluation/);
    expect(r.out).toMatch(/No test split \(the dataset was imported with --test-days 0\): every method was trained on the 2 training days \(2024-01-02 to 2024-01-03\) and the policy to deploy chosen on the 2 validation days \(2024-01-04 to 2024-01-05\)/);
    const choice = JSON.parse(readFileSync(join(out, 'deploy', 'choice.json'), 'utf8')) as { candidates: Array<{ method: string }>; chosen: { source: string } | null };
    expect(choice.candidates.map((c) => c.method).sort()).toEqual(['OPD-S', 'PPO']);
    expect(existsSync(join(out, 'deploy', 'policy.json'))).toBe(choice.chosen !== null);
    const md = readFileSync(join(out, 'report', 'report.md'), 'utf8');
    expect(md).toMatch(/^# ExecLab reproduction of Oracle Policy Distillation \(full run, no test split\)/);
    expect(md).toContain('## Results\n\nNo test split: nothing was evaluated out of sample.');
    expect(md).not.toContain('## PA per test day');
    expect(md).toContain('## The policy to deploy (chosen on validation)');
    expect(md).toMatch(/\| OPD-S \| \d+ \| -?\d+\.\d\d \[-?\d+\.\d\d, -?\d+\.\d\d\] \|/);
    const html = readFileSync(join(out, 'report', 'report.html'), 'utf8');
    expect(html).toContain('No test split: nothing was evaluated out of sample.');
    // Only the training is drawn; no empty figures or tables of the test split.
    expect(html).toContain('id="chart-training-figure"');
    for (const id of ['chart-by-day', 'chart-pa-dist', 'chart-trajectory', 'chart-example-day', 'chart-liquidity']) expect(html).not.toContain(`id="${id}-figure"`);
    expect(html).not.toContain('<section id="by-month">');
    const results = JSON.parse(readFileSync(join(out, 'report', 'results.json'), 'utf8')) as { strategies: unknown[]; dataset: { testDays: number } };
    expect(results.strategies).toEqual([]);
    expect(results.dataset.testDays).toBe(0);
  });
});

/**
 * A damaged dataset (issue 10): a corrupt meta.json, a truncated or missing .arrow file, a column of
 * the wrong length. Every error names the file and says what to do, never "unexpected error".
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetStore } from '../../src/data/store.js';
import { ExecLabError } from '../../src/errors.js';
import { runCli } from '../cli/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'execlab-store-errors-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const good = join(root, 'good');
let seq = 0;
let dates: readonly string[] = [];

/** A copy of the good dataset, damaged by `damage`. */
function damaged(damage: (dir: string) => void): string {
  const dir = join(root, `bad-${seq++}`);
  cpSync(good, dir, { recursive: true });
  damage(dir);
  return dir;
}

function errorOf(fn: () => unknown): ExecLabError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ExecLabError);
    return err as ExecLabError;
  }
  throw new Error('expected an error');
}

beforeAll(async () => {
  const r = await runCli('data', 'synth', '--out', good, '--instruments', '3', '--days', '5', '--validation-days', '1', '--test-days', '1', '--quiet');
  expect(r.code).toBe(0);
  dates = new DatasetStore(good).meta.dates;
});

describe('a damaged dataset names the file and says to re-create it', () => {
  it('meta.json that is not JSON', () => {
    const dir = damaged((d) => writeFileSync(join(d, 'meta.json'), '{"formatVersion": 1, "name": '));
    const e = errorOf(() => new DatasetStore(dir));
    expect(e.message).toContain(join(dir, 'meta.json'));
    expect(e.message).toMatch(/not valid JSON/);
    expect(e.message).toMatch(/execlab data synth/);
  });

  it('meta.json with a missing or wrong field', () => {
    const dir = damaged((d) => {
      const meta = JSON.parse(readFileSync(join(d, 'meta.json'), 'utf8')) as Record<string, unknown>;
      meta.minutesPerDay = 'many';
      delete meta.instruments;
      writeFileSync(join(d, 'meta.json'), JSON.stringify(meta));
    });
    const e = errorOf(() => new DatasetStore(dir));
    expect(e.message).toContain(join(dir, 'meta.json'));
    expect(e.message).toMatch(/minutesPerDay/);
    expect(e.message).toMatch(/instruments/);
  });

  it('meta.json whose split names a date the dataset does not have', () => {
    const dir = damaged((d) => {
      const meta = JSON.parse(readFileSync(join(d, 'meta.json'), 'utf8')) as { split: { test: string[] } };
      meta.split.test = ['2099-01-01'];
      writeFileSync(join(d, 'meta.json'), JSON.stringify(meta));
    });
    expect(errorOf(() => new DatasetStore(dir)).message).toMatch(/meta\.json.*split\.test.*2099-01-01/);
  });

  it('a truncated bars file', () => {
    const dir = damaged((d) => {
      const f = join(d, 'bars', `${dates[2]}.arrow`);
      truncateSync(f, Math.floor(statSync(f).size / 2));
    });
    const e = errorOf(() => new DatasetStore(dir).loadDay(dates[2]));
    expect(e.message).toContain(join(dir, 'bars', `${dates[2]}.arrow`));
    expect(e.message).toMatch(/damaged|unreadable/);
    expect(e.message).toMatch(/execlab data synth/);
  });

  it('a context file cut to its first bytes, and one holding garbage', () => {
    const dir = damaged((d) => {
      truncateSync(join(d, 'context', `${dates[1]}.arrow`), 10);
      writeFileSync(join(d, 'context', `${dates[3]}.profile.arrow`), 'not arrow at all');
    });
    expect(errorOf(() => new DatasetStore(dir).loadDay(dates[1])).message).toContain(join(dir, 'context', `${dates[1]}.arrow`));
    expect(errorOf(() => new DatasetStore(dir).loadDay(dates[3])).message).toContain(join(dir, 'context', `${dates[3]}.profile.arrow`));
  });

  it('a bars file of another day shape (wrong column length)', () => {
    const dir = damaged((d) => cpSync(join(d, 'context', `${dates[0]}.arrow`), join(d, 'bars', `${dates[0]}.arrow`)));
    const e = errorOf(() => new DatasetStore(dir).loadDay(dates[0]));
    expect(e.message).toContain(join(dir, 'bars', `${dates[0]}.arrow`));
  });

  it('a missing day file', () => {
    const dir = damaged((d) => rmSync(join(d, 'bars', `${dates[4]}.arrow`)));
    const e = errorOf(() => new DatasetStore(dir).loadDay(dates[4]));
    expect(e.message).toContain(join(dir, 'bars', `${dates[4]}.arrow`));
    expect(e.message).toMatch(/execlab data synth/);
  });

  it('the CLI reports it as an ExecLab error, not an unexpected one', async () => {
    const dir = damaged((d) => writeFileSync(join(d, 'meta.json'), '\u0000\u0001garbage'));
    const r = await runCli('backtest', '--data', dir, '--strategy', 'twap', '--out', join(root, 'bt'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('meta.json');
    expect(r.err).not.toMatch(/unexpected error/);
    const t = damaged((d) => truncateSync(join(d, 'bars', `${dates[4]}.arrow`), 100));
    const b = await runCli('backtest', '--data', t, '--strategy', 'twap', '--split', 'test', '--out', join(root, 'bt2'));
    expect(b.code).toBe(1);
    expect(b.err).toContain(`${dates[4]}.arrow`);
    expect(b.err).not.toMatch(/unexpected error/);
  });
});

import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetTarget, isDatasetDir } from '../../src/data/store.js';
import { ExecLabError } from '../../src/errors.js';
import { checkOutputDir, isWithin, realPathOf, swapIntoPlace } from '../../src/util/output-dir.js';

const root = realPathOf(mkdtempSync(join(tmpdir(), 'execlab-output-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;
const tmp = (name: string): string => {
  const d = join(root, `${seq++}-${name}`);
  mkdirSync(d, { recursive: true });
  return d;
};

const META = { formatVersion: 1, name: 'x', minutesPerDay: 240, dates: [], instruments: [], split: { train: [], validation: [], test: [] } };

function dataset(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(META));
  return dir;
}

function refusal(fn: () => unknown): ExecLabError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ExecLabError);
    return err as ExecLabError;
  }
  throw new Error('expected a refusal');
}

describe('paths', () => {
  it('resolves relative paths, symlinks and missing tails', () => {
    const d = tmp('paths');
    mkdirSync(join(d, 'real'));
    symlinkSync(join(d, 'real'), join(d, 'link'));
    expect(realPathOf(join(d, 'link', 'new', 'deeper'))).toBe(join(d, 'real', 'new', 'deeper'));
    expect(realPathOf(join(d, 'real', '..', 'link', '.'))).toBe(join(d, 'real'));
    expect(isWithin(join(d, 'a', 'b'), join(d, 'a'))).toBe(true);
    expect(isWithin(join(d, 'a'), join(d, 'a'))).toBe(true);
    expect(isWithin(join(d, 'ab'), join(d, 'a'))).toBe(false);
    expect(isWithin(join(d, 'a', '..b'), join(d, 'a'))).toBe(true);
    expect(isWithin(d, join(d, 'a'))).toBe(false);
  });
});

describe('datasetTarget', () => {
  it('recognises a dataset by its meta.json only', () => {
    const d = tmp('recognise');
    expect(isDatasetDir(dataset(join(d, 'ds')))).toBe(true);
    mkdirSync(join(d, 'other'));
    writeFileSync(join(d, 'other', 'meta.json'), '{"title":"notes"}');
    expect(isDatasetDir(join(d, 'other'))).toBe(false);
    writeFileSync(join(d, 'other', 'meta.json'), 'not json');
    expect(isDatasetDir(join(d, 'other'))).toBe(false);
    expect(isDatasetDir(join(d, 'missing'))).toBe(false);
  });

  it('allows a new path, an empty directory and a dataset; returns the resolved path', () => {
    const d = tmp('allow');
    expect(datasetTarget(join(d, 'new', 'ds'))).toBe(join(d, 'new', 'ds'));
    mkdirSync(join(d, 'empty'));
    expect(datasetTarget(join(d, 'empty'))).toBe(join(d, 'empty'));
    dataset(join(d, 'ds'));
    symlinkSync(join(d, 'ds'), join(d, 'ds-link'));
    expect(datasetTarget(join(d, 'ds-link'))).toBe(join(d, 'ds'));
  });

  it('refuses a directory that is not a dataset unless forced, and a file always', () => {
    const d = tmp('refuse');
    mkdirSync(join(d, 'notes'));
    writeFileSync(join(d, 'notes', 'a.md'), 'a');
    writeFileSync(join(d, 'notes', 'b.md'), 'b');
    const e = refusal(() => datasetTarget(join(d, 'notes')));
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/refusing to replace '.*notes': it is a directory with 2 entries that is not an ExecLab dataset \(no dataset meta\.json\); choose a new or empty directory for --out, or add --force/);
    expect(datasetTarget(join(d, 'notes'), { force: true })).toBe(join(d, 'notes'));
    writeFileSync(join(d, 'file'), 'x');
    expect(refusal(() => datasetTarget(join(d, 'file'), { force: true })).message).toMatch(/it is a file, not a directory/);
  });

  it('refuses an input, a directory holding one and a path inside one, even when forced', () => {
    const d = tmp('inputs');
    const input = join(d, 'raw', 'in');
    mkdirSync(input, { recursive: true });
    writeFileSync(join(input, 'a.csv'), 'x');
    const opts = { inputs: [input], force: true };
    expect(refusal(() => datasetTarget(input, opts)).message).toMatch(/it is the input/);
    expect(refusal(() => datasetTarget(join(d, 'raw'), opts)).message).toMatch(/it contains the input/);
    expect(refusal(() => datasetTarget(join(input, 'ds'), opts)).message).toMatch(/it is inside the input/);
    expect(refusal(() => datasetTarget(d, { inputs: [join(input, 'a.csv')] })).message).toMatch(/it contains the input/);
    symlinkSync(input, join(d, 'link'));
    expect(refusal(() => datasetTarget(join(d, 'raw'), { inputs: [join(d, 'link')] })).message).toMatch(/it contains the input/);
    expect(datasetTarget(join(d, 'elsewhere'), opts)).toBe(join(d, 'elsewhere'));
  });

  it('refuses the current directory and every parent of it, whatever the spelling', () => {
    const d = tmp('cwd');
    const before = process.cwd();
    process.chdir(d);
    try {
      for (const out of ['.', './', d, '..', '../..', '/']) {
        expect(refusal(() => checkOutputDir(out, { isOurs: () => true, force: true, what: 'the dataset', ours: 'x' })).message).toMatch(/current directory/);
      }
    } finally {
      process.chdir(before);
    }
  });
});

describe('swapIntoPlace', () => {
  it('replaces the target and leaves nothing behind', () => {
    const d = tmp('swap');
    dataset(join(d, 'ds'));
    mkdirSync(join(d, 'ds.tmp-1'));
    writeFileSync(join(d, 'ds.tmp-1', 'new'), 'n');
    swapIntoPlace(join(d, 'ds.tmp-1'), join(d, 'ds'));
    expect(readdirSync(d)).toEqual(['ds']);
    expect(readdirSync(join(d, 'ds'))).toEqual(['new']);
  });

  it('puts the old directory back when the new one cannot be moved in', () => {
    const d = tmp('swap-fail');
    dataset(join(d, 'ds'));
    expect(() => swapIntoPlace(join(d, 'missing'), join(d, 'ds'))).toThrow(/ENOENT/);
    expect(isDatasetDir(join(d, 'ds'))).toBe(true);
    expect(readdirSync(d)).toEqual(['ds']);
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetTarget, isDatasetDir } from '../../src/data/store.js';
import { ExecLabError } from '../../src/errors.js';
import { checkOutputDir, isWithin, realPathOf, swapIntoPlace } from '../../src/util/output-dir.js';
import { describeCleanup, pidAlive, removeStaleTemporaries } from '../../src/util/stale-temporaries.js';
import { tempDirs } from '../helpers/tmp.js';

const { root, tmp } = tempDirs('execlab-output-');

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

describe('removeStaleTemporaries', () => {
  const dead = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

  it('tells dead from live processes', () => {
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(process.ppid)).toBe(true);
    expect(pidAlive(dead())).toBe(false);
  });

  it('removes the temporaries of dead processes only, and counts their bytes', () => {
    const d = tmp('stale');
    const target = dataset(join(d, 'ds'));
    const pid = dead();
    for (const kind of ['tmp', 'rows-tmp', 'old']) {
      mkdirSync(join(d, `ds.${kind}-${pid}`, 'sub'), { recursive: true });
      writeFileSync(join(d, `ds.${kind}-${pid}`, 'sub', 'f'), Buffer.alloc(1000));
    }
    mkdirSync(join(d, `ds.tmp-${process.ppid}`));
    mkdirSync(join(d, `ds.tmp-${process.pid}`));
    mkdirSync(join(d, `ds2.tmp-${pid}`));
    mkdirSync(join(d, `ds.tmp-x${pid}`));
    const c = removeStaleTemporaries(target);
    expect(c.bytes).toBe(3000);
    expect(c.removed.map((p) => p.slice(d.length + 1))).toEqual([`ds.old-${pid}`, `ds.rows-tmp-${pid}`, `ds.tmp-${pid}`]);
    expect(c.restored).toBeNull();
    expect(readdirSync(d).sort()).toEqual(['ds', `ds.tmp-${process.pid}`, `ds.tmp-${process.ppid}`, `ds.tmp-x${pid}`, `ds2.tmp-${pid}`].sort());
    expect(describeCleanup(c)).toBe(`removed 3 temporaries of killed runs (0.0 MB): ds.old-${pid}, ds.rows-tmp-${pid}, ds.tmp-${pid}`);
    expect(describeCleanup(removeStaleTemporaries(target))).toBeNull();
  });

  it('puts back the previous output when a run died between the two renames of its swap', () => {
    const d = tmp('restore');
    const pid = dead();
    dataset(join(d, `ds.old-${pid}`));
    dataset(join(d, `ds.tmp-${pid}`));
    const c = removeStaleTemporaries(join(d, 'ds'));
    expect(c.restored).toBe(join(d, `ds.old-${pid}`));
    expect(readdirSync(d)).toEqual(['ds']);
    expect(isDatasetDir(join(d, 'ds'))).toBe(true);
    expect(describeCleanup(c)).toMatch(/^restored the previous output from ds\.old-\d+ .*; removed 1 temporary of killed runs/);
  });

  it('never touches an input', () => {
    const d = tmp('protect');
    const pid = dead();
    const input = join(d, `ds.tmp-${pid}`);
    mkdirSync(input);
    writeFileSync(join(input, 'bars.csv'), 'x');
    expect(removeStaleTemporaries(join(d, 'ds'), [join(input, 'bars.csv')]).removed).toEqual([]);
    expect(readFileSync(join(input, 'bars.csv'), 'utf8')).toBe('x');
    expect(existsSync(input)).toBe(true);
  });
});

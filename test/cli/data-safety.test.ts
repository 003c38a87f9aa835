/**
 * `execlab data import` and `execlab data synth` never lose data (issue 10): they replace only an
 * ExecLab dataset (or, with --force, a directory), never an input, the current directory or a parent
 * of it; the import detects the input bar length and never replaces a dataset with an empty one;
 * and they remove the temporaries that killed runs left behind. Every test works in its own
 * temporary directory (the current directory is changed only inside that directory, and restored).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetStore } from '../../src/data/store.js';
import { dayBars, dayBarsOf, DATES, toCsv } from '../fixtures/import/make.js';
import { runCli as run } from './run-cli.js';
import { tempDirs } from '../helpers/tmp.js';

const { root, tmp } = tempDirs('execlab-data-safety-');


/** Runs `fn` with `dir` as the current directory. */
async function inDir<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return await fn();
  } finally {
    process.chdir(before);
  }
}

/** Four days of two instruments, one CSV per day, bars of `minutes` minutes (1: with the auction bar). */
function inputDir(dir: string, minutes = 1): string {
  mkdirSync(dir, { recursive: true });
  for (const d of DATES) {
    const rows = minutes === 1 ? [...dayBars('AAA.SH', d, 10), ...dayBars('BBB.SZ', d, 20)] : [...dayBarsOf(minutes, 'AAA.SH', d, 10), ...dayBarsOf(minutes, 'BBB.SZ', d, 20)];
    writeFileSync(join(dir, `${d}.csv`), toCsv(rows));
  }
  return dir;
}

/** Every file under `dir` with its content, to compare before and after. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, name.name);
      if (name.isDirectory()) walk(p);
      else if (name.isSymbolicLink()) out[relative(dir, p)] = '(link)';
      else out[relative(dir, p)] = readFileSync(p, 'latin1');
    }
  };
  walk(dir);
  return out;
}

const SYNTH = ['--instruments', '3', '--days', '5', '--validation-days', '1', '--test-days', '1', '--quiet'];

describe('never replaces what is not a dataset (issue 10.1)', () => {
  it('refuses --out equal to the input directory and keeps the input files', async () => {
    const input = inputDir(join(tmp('same'), 'inputs'));
    const before = snapshot(input);
    const r = await run('data', 'import', input, '--out', input, '--quiet');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/refusing to write the dataset to '.*inputs': it is the input '.*inputs'/);
    expect(r.err).toMatch(/choose another --out/);
    expect(snapshot(input)).toEqual(before);
  });

  it('refuses --out inside or containing an input, also through a symlink or a relative path', async () => {
    const parent = tmp('nest');
    const input = inputDir(join(parent, 'raw', 'inputs'));
    const before = snapshot(parent);
    const inside = await run('data', 'import', input, '--out', join(input, 'ds'), '--quiet');
    expect(inside.code).toBe(2);
    expect(inside.err).toMatch(/is inside the input/);
    const contains = await run('data', 'import', input, '--out', join(parent, 'raw'), '--quiet', '--force');
    expect(contains.code).toBe(2);
    expect(contains.err).toMatch(/contains the input/);
    const file = await run('data', 'import', join(input, `${DATES[0]}.csv`), join(input, `${DATES[1]}.csv`), join(input, `${DATES[2]}.csv`), '--out', input, '--quiet');
    expect(file.code).toBe(2);
    expect(file.err).toMatch(/contains the input/);
    symlinkSync(input, join(parent, 'link'));
    const viaLink = await run('data', 'import', input, '--out', join(parent, 'link'), '--quiet');
    expect(viaLink.code).toBe(2);
    expect(viaLink.err).toMatch(/it is the input/);
    const rel = await inDir(join(parent, 'raw'), () => run('data', 'import', 'inputs', '--out', '../raw/./inputs/', '--quiet'));
    expect(rel.code).toBe(2);
    expect(rel.err).toMatch(/it is the input/);
    delete before.link;
    const after = snapshot(parent);
    delete after.link;
    expect(after).toEqual(before);
  });

  it('refuses the current directory and its parents, even with --force', async () => {
    const work = tmp('cwd');
    const input = inputDir(join(tmp('cwd-in'), 'inputs'));
    const sub = join(work, 'sub');
    mkdirSync(sub);
    writeFileSync(join(work, 'notes.txt'), 'keep me');
    const here = await inDir(work, () => run('data', 'import', input, '--out', '.', '--quiet', '--force'));
    expect(here.code).toBe(2);
    expect(here.err).toMatch(/refusing to write the dataset to '\.': it is the current directory/);
    expect(here.err).not.toMatch(/EBUSY|unexpected/);
    const up = await inDir(sub, () => run('data', 'import', input, '--out', '..', '--quiet', '--force'));
    expect(up.code).toBe(2);
    expect(up.err).toMatch(/contains the current directory/);
    const synth = await inDir(work, () => run('data', 'synth', '--out', '.', ...SYNTH));
    expect(synth.code).toBe(2);
    expect(synth.err).toMatch(/it is the current directory/);
    expect(readdirSync(work).sort()).toEqual(['notes.txt', 'sub']);
    expect(readFileSync(join(work, 'notes.txt'), 'utf8')).toBe('keep me');
  });

  it('refuses a directory that is not a dataset unless --force, and a file always', async () => {
    const input = inputDir(join(tmp('notes-in'), 'inputs'));
    const notes = join(tmp('notes'), 'notes');
    mkdirSync(notes);
    writeFileSync(join(notes, 'ideas.md'), '# ideas');
    for (const args of [
      ['data', 'import', input, '--out', notes, '--quiet'],
      ['data', 'synth', '--out', notes, ...SYNTH],
    ]) {
      const r = await run(...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/refusing to replace '.*notes': it is a directory with 1 entry that is not an ExecLab dataset \(no dataset meta\.json\)/);
      expect(r.err).toMatch(/--force/);
      expect(readFileSync(join(notes, 'ideas.md'), 'utf8')).toBe('# ideas');
    }
    // A meta.json that is not a dataset's does not count.
    writeFileSync(join(notes, 'meta.json'), '{"title": "my notes"}');
    expect((await run('data', 'synth', '--out', notes, ...SYNTH)).code).toBe(2);
    expect(existsSync(join(notes, 'ideas.md'))).toBe(true);

    const forced = await run('data', 'synth', '--out', notes, ...SYNTH, '--force');
    expect(forced.code).toBe(0);
    expect(existsSync(join(notes, 'ideas.md'))).toBe(false);
    expect(new DatasetStore(notes).meta.source).toBe('synthetic');

    const file = join(tmp('file'), 'bars.txt');
    writeFileSync(file, 'not a directory');
    for (const args of [
      ['data', 'import', input, '--out', file, '--quiet', '--force'],
      ['data', 'synth', '--out', file, ...SYNTH, '--force'],
    ]) {
      const r = await run(...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/refusing to replace '.*bars\.txt': it is a file, not a directory/);
      expect(readFileSync(file, 'utf8')).toBe('not a directory');
    }
  });

  it('writes a new or empty directory and replaces an existing dataset', async () => {
    const input = inputDir(join(tmp('ok-in'), 'inputs'));
    const empty = join(tmp('empty'), 'ds');
    mkdirSync(empty);
    expect((await run('data', 'import', input, '--out', empty, '--quiet')).code).toBe(0);
    expect(new DatasetStore(empty).meta.source).toBe('import');
    // A dataset is replaced by another one (synth over an import, import over a synth).
    expect((await run('data', 'synth', '--out', empty, ...SYNTH)).code).toBe(0);
    expect(new DatasetStore(empty).meta.source).toBe('synthetic');
    expect((await run('data', 'import', input, '--out', empty, '--quiet')).code).toBe(0);
    expect(new DatasetStore(empty).meta.source).toBe('import');
    expect(readdirSync(join(empty, '..'))).toEqual(['ds']);
  });
});

describe('the input bar length, and no empty dataset (issue 10.2)', () => {
  it('detects 5-minute input without --input-minutes and makes 5-minute bars by default', async () => {
    const input = inputDir(join(tmp('five-in'), 'inputs'), 5);
    const out = join(tmp('five'), 'ds');
    const r = await run('data', 'import', input, '--out', out, '--quiet');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/input bar length: 5 minutes, detected from the timestamps/);
    expect(r.out).toContain('5-minute bars (48 per day)');
    const meta = new DatasetStore(out).meta;
    expect(meta.barMinutes).toBe(5);
    expect(meta.quality.instrumentDaysKept).toBe(8);
    expect(meta.provenance).toMatchObject({ inputMinutes: 5, inputMinutesFrom: 'detected', barMinutes: 5 });
  });

  it('gives 15-minute bars for 15-minute input by default; a larger --bar-minutes aggregates', async () => {
    const input = inputDir(join(tmp('fifteen-in'), 'inputs'), 15);
    const out = join(tmp('fifteen'), 'ds');
    const r = await run('data', 'import', input, '--out', out, '--quiet');
    expect(r.code).toBe(0);
    expect(new DatasetStore(out).meta).toMatchObject({ barMinutes: 15, minutesPerDay: 16 });
    const r30 = await run('data', 'import', input, '--out', out, '--quiet', '--bar-minutes', '30');
    expect(r30.code).toBe(0);
    expect(new DatasetStore(out).meta).toMatchObject({ barMinutes: 30, minutesPerDay: 8 });
    const r5 = await run('data', 'import', input, '--out', out, '--quiet', '--bar-minutes', '5');
    expect(r5.code).toBe(2);
    expect(r5.err).toMatch(/--bar-minutes 5 is not a multiple of the input bar length \(15 minutes, detected/);
  });

  it('refuses an --input-minutes that contradicts the timestamps, naming the detected value', async () => {
    const five = inputDir(join(tmp('contra5-in'), 'inputs'), 5);
    const one = inputDir(join(tmp('contra1-in'), 'inputs'), 1);
    const out = join(tmp('contra'), 'ds');
    const a = await run('data', 'import', five, '--out', out, '--quiet', '--input-minutes', '1');
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/--input-minutes 1 contradicts the timestamps: .* 5 minutes apart.*use --input-minutes 5 or leave it out/);
    const b = await run('data', 'import', one, '--out', out, '--quiet', '--input-minutes', '5', '--bar-minutes', '5');
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/use --input-minutes 1/);
    expect(existsSync(out)).toBe(false);
    // Given and right: accepted as before.
    expect((await run('data', 'import', five, '--out', out, '--quiet', '--input-minutes', '5')).code).toBe(0);
  });

  it('fails when no instrument-day is kept, with the reasons, and leaves the existing dataset untouched', async () => {
    const good = inputDir(join(tmp('empty-good'), 'inputs'));
    const parent = tmp('empty-out');
    const out = join(parent, 'ds');
    expect((await run('data', 'import', good, '--out', out, '--quiet')).code).toBe(0);
    const before = snapshot(out);
    // Every instrument-day has 100 of 240 minutes.
    const partial = tmp('partial');
    for (const d of DATES) writeFileSync(join(partial, `${d}.csv`), toCsv([...dayBars('AAA.SH', d).slice(0, 101), ...dayBars('BBB.SZ', d).slice(0, 101)]));
    const r = await run('data', 'import', partial, '--out', out, '--quiet');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/kept 0 of 8 instrument-days; excluded: too many missing minutes 8 \(e\.g\. AAA\.SH 2024-01-02/);
    expect(r.err).toMatch(/nothing was written/);
    expect(snapshot(out)).toEqual(before);
    expect(readdirSync(parent)).toEqual(['ds']);
  });

  it('fails when a split would have no usable day', async () => {
    const dir = tmp('nosplit');
    for (const d of DATES) {
      const rows = [...dayBars('AAA.SH', d), ...dayBars('BBB.SZ', d)];
      writeFileSync(join(dir, `${d}.csv`), toCsv(d === DATES[3] ? rows.filter((_, k) => k % 3 === 0) : rows));
    }
    const out = join(tmp('nosplit-out'), 'ds');
    const r = await run('data', 'import', dir, '--out', out, '--quiet');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the test split \(2024-01-05\) has no kept instrument-day/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('temporaries of killed runs (issue 10.3)', () => {
  /** A pid that was alive a moment ago and is not any more. */
  function deadPid(): number {
    const child = spawnSync(process.execPath, ['-e', '0']);
    return child.pid!;
  }

  function plant(out: string, pid: number, kind: 'tmp' | 'rows-tmp', bytes: number): string {
    const dir = `${out}.${kind}-${pid}`;
    mkdirSync(join(dir, 'bars'), { recursive: true });
    writeFileSync(join(dir, 'bars', 'x.bin'), Buffer.alloc(bytes));
    return dir;
  }

  it.each([
    ['import', (out: string, input: string) => ['data', 'import', input, '--out', out, '--quiet']],
    ['synth', (out: string) => ['data', 'synth', '--out', out, ...SYNTH]],
  ] as const)('data %s removes those of dead processes, keeps a live one, and says how much', async (_name, args) => {
    const input = inputDir(join(tmp('stale-in'), 'inputs'));
    const out = join(tmp('stale'), 'ds');
    const dead = deadPid();
    const a = plant(out, dead, 'tmp', 300_000);
    const b = plant(out, dead, 'rows-tmp', 200_000);
    const live = plant(out, process.ppid, 'tmp', 1000);
    const r = await run(...args(out, input));
    expect(r.code).toBe(0);
    expect(existsSync(a)).toBe(false);
    expect(existsSync(b)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(r.out).toMatch(/removed 2 temporaries of killed runs \(0\.5 MB\)/);
    expect(r.out).toContain(`ds.tmp-${dead}`);
    expect(readdirSync(join(out, '..')).sort()).toEqual(['ds', `ds.tmp-${process.ppid}`]);
  });
});

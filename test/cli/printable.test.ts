/**
 * Control characters in user data (instrument codes, file headers, flag names) never reach the
 * terminal raw (issue 7): error messages and reports show them as escapes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nearestName, printable } from '../../src/util/text.js';
import { dayBars, DATES, toCsv } from '../fixtures/import/make.js';
import { runCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'execlab-printable-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Raw control characters other than line feed and tab. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

describe('printable', () => {
  it('shows control characters as escapes and keeps line feeds only in multi-line text', () => {
    expect(printable('\u001b[31mRED\u0000')).toBe('\\x1b[31mRED\\x00');
    expect(printable('a\nb\tc')).toBe('a\\x0ab\\x09c');
    expect(printable('a\nb\tc\r', true)).toBe('a\nb\tc\\x0d');
    expect(printable('abc\u202edef')).toBe('abc\\u202edef');
    expect(printable('600000.SH 平安')).toBe('600000.SH 平安');
  });

  it('finds the nearest valid name for a typo, and none for an unrelated word', () => {
    expect(nearestName('iteratons', ['iterations', 'epochs'])).toBe('iterations');
    expect(nearestName('learning-rate', ['learningRate', 'clip'])).toBe('learningRate');
    expect(nearestName('colour', ['iterations', 'epochs'])).toBeNull();
  });
});

describe('user data in terminal output', () => {
  const evil = 'EV\u001b[2JIL\u0007';
  const input = join(root, 'in');
  mkdirSync(input, { recursive: true });
  // The code is present on the first two days only: absent on the others (an example in the report).
  DATES.forEach((d, k) => writeFileSync(join(input, `${d}.csv`), toCsv([...dayBars('AAA', d, 10), ...(k < 2 ? dayBars(evil, d, 20) : [])])));
  const ds = join(root, 'ds');

  it('an import error quoting a header escapes its control characters', async () => {
    const bad = join(root, 'bad-header');
    mkdirSync(bad);
    writeFileSync(join(bad, 'x.csv'), 'code,time,open,high,low,close,vol\u001b[31mume\n');
    const r = await runCli('data', 'import', bad, '--out', join(root, 'x'), '--quiet');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('vol\\x1b[31mume');
    expect(r.err).not.toMatch(RAW_CONTROL);
  });

  it('data info shows a code with control characters escaped', async () => {
    const imp = await runCli('data', 'import', input, '--out', ds, '--quiet');
    expect(imp.code).toBe(0);
    const info = await runCli('data', 'info', '--data', ds);
    expect(info.code).toBe(0);
    expect(info.out).toContain('EV\\x1b[2JIL\\x07 2024-01-04');
    expect(info.out).not.toMatch(RAW_CONTROL);
  });

  it('an order file naming an unknown code with control characters gives an escaped error', async () => {
    const orders = join(root, 'orders.csv');
    writeFileSync(orders, `instrument,date,side,quantity\nZZ\u001b[0m,2024-01-05,sell,100\n`);
    const r = await runCli('backtest', '--data', ds, '--orders', orders, '--strategy', 'twap', '--out', join(root, 'bt'));
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('ZZ\\x1b[0m');
    expect(r.err).not.toMatch(RAW_CONTROL);
  });

  it('train prints a --name with control characters escaped', async () => {
    const r = await runCli('train', '--algo', 'ppo', '--data', ds, '--out', join(root, 'ppo'), '--name', 'N\u001b]0;pwned\u0007', '--iterations', '1', '--episodes-per-iteration', '4', '--validate-every', '1', '--hidden', '4');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('training N\\x1b]0;pwned\\x07 (ppo)');
    expect(r.out + r.err).not.toMatch(RAW_CONTROL);
  });

  it('an unknown flag with control characters is echoed escaped', async () => {
    const r = await runCli('backtest', '--data', ds, '--x\u001b[2J');
    expect(r.code).not.toBe(0);
    expect(r.err).not.toMatch(RAW_CONTROL);
  });
});

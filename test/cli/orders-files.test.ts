/**
 * Order files end to end (issues 4 and 7): the project's own orders file round-trips a code with a
 * comma and a quote, and an absurd quantity is refused with file:line instead of a PA of Infinity.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dayBars, DATES, type Bar } from '../fixtures/import/make.js';
import { runCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'execlab-orders-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CODES = ['A,B', 'Q"T'];

/** A bar file whose code column is quoted (RFC 4180), as a vendor would write such codes. */
function csv(rows: readonly Bar[]): string {
  const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;
  return `code,time,open,high,low,close,volume\n${rows.map((r) => [q(r.code), r.time, r.open, r.high, r.low, r.close, r.volume].join(',')).join('\n')}\n`;
}

describe('order files', () => {
  const input = join(root, 'in');
  const ds = join(root, 'ds');
  const orders = join(root, 'orders.csv');

  it('orders generate writes codes with commas and quotes that backtest --orders reads back', async () => {
    mkdirSync(input);
    for (const d of DATES) writeFileSync(join(input, `${d}.csv`), csv([...dayBars(CODES[0], d, 10), ...dayBars(CODES[1], d, 20)]));
    expect((await runCli('data', 'import', input, '--out', ds, '--quiet')).code).toBe(0);
    const g = await runCli('orders', 'generate', '--data', ds, '--out', orders);
    expect(g.code).toBe(0);
    expect(readFileSync(orders, 'utf8')).toContain('"A,B",2024-01-05,sell,');
    expect(readFileSync(orders, 'utf8')).toContain('"Q""T",2024-01-05,sell,');
    const b = await runCli('backtest', '--data', ds, '--orders', orders, '--strategy', 'twap', '--out', join(root, 'bt'));
    expect(b.err).not.toMatch(/execlab:/);
    expect(b.code).toBe(0);
    expect(b.out).toMatch(/TWAP\s+2\s/);
  });

  it('an absurd quantity is refused with file:line, not run', async () => {
    const bad = join(root, 'bad-orders.csv');
    writeFileSync(bad, `instrument,date,side,quantity\n"A,B",2024-01-05,sell,100\n"A,B",2024-01-05,sell,1e308\n`);
    const b = await runCli('backtest', '--data', ds, '--orders', bad, '--strategy', 'twap', '--out', join(root, 'bt-bad'));
    expect(b.code).toBe(1);
    expect(b.err).toMatch(/bad-orders\.csv:3: quantity 1e\+308 is more than 100 times the volume A,B traded on 2024-01-05/);
    expect(b.out).not.toMatch(/Infinity/);
  });
});

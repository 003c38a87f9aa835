/** Backtest output files: streamed per-order CSV and JSON, written atomically. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OrderIndex } from '../../src/eval/compare.js';
import { writeComparison } from '../../src/eval/outputs.js';
import type { StrategyRun } from '../../src/eval/run.js';
import { writeTextAtomic } from '../../src/util/files.js';

const index: OrderIndex = {
  count: 2,
  orders: [
    { instrument: 'A', date: '2024-03-01', side: 'sell', quantity: 100 },
    { instrument: 'B', date: '2024-03-01', side: 'buy', quantity: 300 },
  ],
  date: ['2024-03-01', '2024-03-01'],
  liquidity: Float64Array.of(1, 2),
};

function run(name: string, pa: number[]): StrategyRun {
  return {
    strategy: name,
    kind: 'rule',
    count: 2,
    paBps: Float64Array.from(pa),
    reward: Float64Array.of(-0.5, 0.25),
    executedQty: Float64Array.of(100, 0),
    quantity: Float64Array.of(100, 300),
    periodQty: new Float64Array(16),
    periods: 8,
    minuteFills: null,
  };
}

describe('writeComparison', () => {
  it('writes one row per strategy and order, PA empty (CSV) or null (JSON) when nothing filled', () => {
    const dir = mkdtempSync(join(tmpdir(), 'execlab-out-'));
    writeComparison(dir, [run('TWAP', [0, Number.NaN]), run('VWAP', [1.5, -2])], [], index, { note: 'x' });
    expect(readFileSync(join(dir, 'orders.csv'), 'utf8')).toBe(
      [
        'strategy,instrument,date,side,quantity,executedQty,paBps,reward',
        'TWAP,A,2024-03-01,sell,100,100,0,-0.5',
        'TWAP,B,2024-03-01,buy,300,0,,0.25',
        'VWAP,A,2024-03-01,sell,100,100,1.5,-0.5',
        'VWAP,B,2024-03-01,buy,300,0,-2,0.25',
        '',
      ].join('\n'),
    );
    const rows = JSON.parse(readFileSync(join(dir, 'orders.json'), 'utf8')) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(4);
    expect(rows[1]).toEqual({ strategy: 'TWAP', instrument: 'B', date: '2024-03-01', side: 'buy', quantity: 300, executedQty: 0, paBps: null, reward: 0.25 });
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))).toEqual({ note: 'x', strategies: [] });
  });
});

describe('writeTextAtomic', () => {
  it('leaves the old file and no temporary file when writing fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'execlab-out-'));
    const path = join(dir, 'f.txt');
    writeFileSync(path, 'old');
    expect(() =>
      writeTextAtomic(path, (w) => {
        w.write('x'.repeat(3 << 20)); // past the buffer: some of it reached the temporary file
        throw new Error('disk on fire');
      }),
    ).toThrow('disk on fire');
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['f.txt']);
    writeTextAtomic(path, (w) => ['a', 'b', 'c'].forEach((t) => w.write(t)));
    expect(readFileSync(path, 'utf8')).toBe('abc');
    expect(existsSync(`${path}.tmp-${process.pid}`)).toBe(false);
  });
});

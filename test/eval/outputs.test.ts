/** Backtest output files: streamed per-order CSV and JSON, written atomically. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OrderIndex } from '../../src/eval/compare.js';
import { csvField, writeComparison } from '../../src/eval/outputs.js';
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

/** Three periods. Order A (Q 100) fills 40 + 35 + 25; order B (Q 300) fills 60 + 0 + 15 = 75. */
function run(name: string, pa: number[], periodQty = [40, 35, 25, 60, 0, 15], quantity = [100, 300]): StrategyRun {
  return {
    strategy: name,
    kind: 'rule',
    count: 2,
    paBps: Float64Array.from(pa),
    reward: Float64Array.of(-0.5, 0.25),
    executedQty: Float64Array.of(100, 75),
    quantity: Float64Array.from(quantity),
    periodQty: Float64Array.from(periodQty),
    periods: 3,
    minuteFills: null,
  };
}

/** A minimal RFC 4180 reader: fields split on commas outside quotes, "" inside quotes is one quote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let k = 0; k < text.length; k++) {
    const c = text[k];
    if (quoted) {
      if (c === '"' && text[k + 1] === '"') {
        field += '"';
        k++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

describe('writeComparison', () => {
  it('writes one row per strategy and order, PA empty (CSV) or null (JSON) when nothing filled', () => {
    const dir = mkdtempSync(join(tmpdir(), 'execlab-out-'));
    writeComparison(dir, [run('TWAP', [0, Number.NaN]), run('VWAP', [1.5, -2])], [], index, { note: 'x' });
    // Shares by hand: A 40/100, 35/100, 25/100; B 60/300 = 0.2, 0/300 = 0, 15/300 = 0.05.
    expect(readFileSync(join(dir, 'orders.csv'), 'utf8')).toBe(
      [
        'strategy,instrument,date,side,quantity,executedQty,paBps,reward,share_1,share_2,share_3',
        'TWAP,A,2024-03-01,sell,100,100,0,-0.5,0.4,0.35,0.25',
        'TWAP,B,2024-03-01,buy,300,75,,0.25,0.2,0,0.05',
        'VWAP,A,2024-03-01,sell,100,100,1.5,-0.5,0.4,0.35,0.25',
        'VWAP,B,2024-03-01,buy,300,75,-2,0.25,0.2,0,0.05',
        '',
      ].join('\n'),
    );
    const rows = JSON.parse(readFileSync(join(dir, 'orders.json'), 'utf8')) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(4);
    expect(rows[1]).toEqual({
      strategy: 'TWAP', instrument: 'B', date: '2024-03-01', side: 'buy', quantity: 300, executedQty: 75, paBps: null, reward: 0.25,
      shares: [0.2, 0, 0.05],
    });
    expect(rows[2].shares).toEqual([0.4, 0.35, 0.25]);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))).toEqual({ note: 'x', strategies: [] });
  });

  it('leaves a share empty (CSV) or null (JSON) when the order quantity is not positive', () => {
    const dir = mkdtempSync(join(tmpdir(), 'execlab-out-'));
    writeComparison(dir, [run('TWAP', [0, Number.NaN], [40, 35, 25, 0, 0, 0], [100, 0])], [], index, {});
    const lines = readFileSync(join(dir, 'orders.csv'), 'utf8').split('\n');
    expect(lines[2]).toBe('TWAP,B,2024-03-01,buy,300,75,,0.25,,,');
    const rows = JSON.parse(readFileSync(join(dir, 'orders.json'), 'utf8')) as Array<Record<string, unknown>>;
    expect(rows[1].shares).toEqual([null, null, null]);
  });

  it('quotes fields with commas, quotes or line breaks, so the CSV parses back to the same values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'execlab-out-'));
    const odd: OrderIndex = {
      ...index,
      orders: [
        { instrument: 'X,"Y"', date: '2024-03-01', side: 'sell', quantity: 100 },
        { instrument: 'line\nbreak', date: '2024-03-01', side: 'buy', quantity: 300 },
      ],
    };
    writeComparison(dir, [run('AC, risk-averse', [1, 2])], [], odd, {});
    const text = readFileSync(join(dir, 'orders.csv'), 'utf8');
    expect(text.split('\n')[1]).toBe('"AC, risk-averse","X,""Y""",2024-03-01,sell,100,100,1,-0.5,0.4,0.35,0.25');
    const table = parseCsv(text);
    expect(table).toHaveLength(3);
    expect(table.every((cells) => cells.length === 11)).toBe(true);
    expect(table.map((cells) => cells[1])).toEqual(['instrument', 'X,"Y"', 'line\nbreak']);
    expect(table[1][0]).toBe('AC, risk-averse');
    const rows = JSON.parse(readFileSync(join(dir, 'orders.json'), 'utf8')) as Array<Record<string, unknown>>;
    expect(rows.map((row) => row.instrument)).toEqual(['X,"Y"', 'line\nbreak']);
  });

  it('formats single CSV fields', () => {
    expect(csvField(null)).toBe('');
    expect(csvField(-2.5)).toBe('-2.5');
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a"b')).toBe('"a""b"');
    expect(csvField('a\r\nb')).toBe('"a\r\nb"');
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

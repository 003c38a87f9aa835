/**
 * Order files (issues 4 and 7): the writer quotes fields (RFC 4180) so any instrument code reads back
 * the same; the reader refuses absurd quantities with file:line: reason, every bad line of a file in
 * one message.
 */
import { describe, expect, it } from 'vitest';
import { checkOrdersAgainst, formatOrdersCsv, parseOrdersCsv, type Order } from '../../src/data/orders.js';
import { storeFromPanels } from '../helpers/memory-store.js';
import type { DayPanel } from '../../src/data/types.js';

const CODES = ['A,B', 'say "hi"', 'two\nlines', 'crlf\r\nx', ' padded ', '600000.SH', '平安银行', 'tab\there', '"', ','];

describe('order CSV round trip', () => {
  it('reads back every code, side and quantity the writer wrote', () => {
    const orders: Order[] = CODES.map((instrument, k) => ({ instrument, date: '2024-01-02', side: k % 2 ? 'buy' : 'sell', quantity: 100 * (k + 1) + 0.5 }));
    const text = formatOrdersCsv(orders);
    expect(text.split('\n')[0]).toBe('instrument,date,side,quantity');
    expect(parseOrdersCsv(text, 'o.csv')).toEqual(orders);
  });

  it('reads hand-written files: spaces around unquoted fields, CRLF, column order, blank lines', () => {
    const text = 'Side , quantity,instrument,date\r\n sell , 200 , AAA ,2024-01-02\r\n\r\nbuy,5,"B,B",2024-01-03\r\n';
    expect(parseOrdersCsv(text, 'o.csv')).toEqual([
      { instrument: 'AAA', date: '2024-01-02', side: 'sell', quantity: 200 },
      { instrument: 'B,B', date: '2024-01-03', side: 'buy', quantity: 5 },
    ]);
  });

  it('counts lines across a quoted field with a line break', () => {
    const text = 'instrument,date,side,quantity\n"two\nlines",2024-01-02,sell,100\nC,2024-01-02,sell,abc\n';
    expect(() => parseOrdersCsv(text, 'o.csv')).toThrow(/o\.csv:4: quantity 'abc'/);
  });

  it('reports an unterminated quote at the line it starts on', () => {
    expect(() => parseOrdersCsv('instrument,date,side,quantity\nA,2024-01-02,sell,1\n"B,2024-01-02,sell,1\n', 'o.csv')).toThrow(/o\.csv:3: unterminated quoted field/);
  });
});

describe('absurd quantities are refused', () => {
  it.each([
    ['0', /must be a positive number/],
    ['-5', /must be a positive number/],
    ['NaN', /must be a positive number/],
    ['1e400', /must be a positive number/],
    ['Infinity', /must be a positive number/],
    ['abc', /must be a positive number/],
  ])('quantity %s: file:line: reason', (q, reason) => {
    expect(() => parseOrdersCsv(`instrument,date,side,quantity\nA,2024-01-02,sell,100\nA,2024-01-02,sell,${q}\n`, 'o.csv')).toThrow(new RegExp(`o\\.csv:3: quantity '${q}' ${reason.source}`));
  });

  it('lists every bad line of a file in one message (up to 20)', () => {
    const lines = ['instrument,date,side,quantity', 'A,2024-01-02,sell,0', 'A,2024-13-02,sell,1', 'A,2024-01-02,hold,1', 'A,2024-01-02,sell,1', 'A,2024-01-02,sell'];
    let message = '';
    try {
      parseOrdersCsv(`${lines.join('\n')}\n`, 'o.csv');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/4 bad lines/);
    for (const n of [2, 3, 4, 6]) expect(message).toContain(`o.csv:${n}:`);
    expect(message).not.toContain('o.csv:5:');
    const many = ['instrument,date,side,quantity', ...Array.from({ length: 30 }, () => 'A,2024-01-02,sell,-1')];
    expect(() => parseOrdersCsv(many.join('\n'), 'o.csv')).toThrow(/30 bad lines[^]*o\.csv:21:[^]*and 10 more/);
  });

  function panel(date: string, volumePerMinute: number): DayPanel {
    const n = 2;
    const m = 240;
    const price = new Float64Array(n * m).fill(10);
    return {
      date, minutes: m, instrumentCount: n,
      open: price, high: price, low: price, close: price, avgPrice: price,
      volume: new Float64Array(n * m).fill(volumePerMinute),
      valid: Uint8Array.of(1, 1),
    };
  }

  it('refuses a quantity above 100 times the instrument-day traded volume, naming file and line', () => {
    const store = storeFromPanels([panel('2024-01-02', 10), panel('2024-01-03', 10)], 1, 0);
    // 240 minutes x 10 shares = 2,400 shares traded: at most 240,000 may be ordered.
    const ok = parseOrdersCsv('instrument,date,side,quantity\nM0,2024-01-02,sell,240000\nM1,2024-01-03,buy,5\n', 'o.csv');
    expect(() => checkOrdersAgainst(store, ok, 'o.csv')).not.toThrow();
    const bad = parseOrdersCsv('instrument,date,side,quantity\nM0,2024-01-02,sell,100\nM1,2024-01-03,sell,1e308\nM9,2024-01-03,sell,1\n', 'o.csv');
    expect(() => checkOrdersAgainst(store, bad, 'o.csv')).toThrow(/o\.csv:3: quantity 1e\+308 is more than 100 times the volume M1 traded on 2024-01-03 \(2,400 shares\)[^]*o\.csv:4: instrument 'M9' is not in the dataset/);
  });
});

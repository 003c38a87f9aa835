/**
 * Orders (SPEC 1 and 9): (instrument, trading day, side, quantity). Generated with one random size
 * per order, or read from a CSV file `instrument,date,side,quantity`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { ExecLabError } from '../errors.js';
import { csvField } from '../eval/outputs.js';
import { ProblemList } from '../util/problems.js';
import { printable } from '../util/text.js';
import { Rng } from '../util/random.js';
import type { DatasetStore } from './store.js';
import type { ProgressFn } from '../util/progress.js';

export type Side = 'sell' | 'buy';

export interface Order {
  readonly instrument: string;
  readonly date: string;
  readonly side: Side;
  /** Shares to execute. */
  readonly quantity: number;
}

export const OrderSettingsSchema = z.object({
  /** Random seed of the order sizes and (for mixed) sides. */
  seed: z.number().int().min(0).max(4294967295).default(7).describe('random seed of the order sizes (and sides, for mixed)'),
  /** 'sell' (liquidation, the paper's setting), 'buy', or 'mixed' (each order's side drawn 50/50). */
  side: z.enum(['sell', 'buy', 'mixed']).default('sell').describe("side of the orders; 'mixed' draws each order's side 50/50"),
  /** log-mean of Q / (the day's mean minute volume): SPEC 9 / the released code, -3.28. */
  sizeLogMean: z.number().min(-20).max(5).default(-3.28).describe("log-mean of Q / the day's mean minute volume (SPEC 9)"),
  /** log-std of the same ratio: 1.14. */
  sizeLogStd: z.number().min(0).max(5).default(1.14).describe("log-std of Q / the day's mean minute volume"),
  /** Round Q up to whole lots of this many shares (1 = no rounding). */
  lotSize: z.number().int().positive().max(1_000_000).default(100).describe('round Q up to whole lots of this many shares (1 = no rounding)'),
  /** Orders per valid instrument-day. */
  perInstrumentDay: z.number().int().positive().max(1000).default(1).describe('orders per valid instrument-day'),
});
export type OrderSettings = z.infer<typeof OrderSettingsSchema>;

/**
 * One order per valid instrument-day of the given dates. Q is drawn per ORDER (the released code drew
 * once per instrument, SPEC 9) as lognormal times the day's mean minute volume of the instrument.
 */
export function generateOrders(
  store: DatasetStore,
  dates: readonly string[],
  settings: OrderSettings,
  onProgress?: ProgressFn,
): Order[] {
  const rng = new Rng(settings.seed);
  const out: Order[] = [];
  const codes = store.meta.instruments;
  for (const [k, date] of dates.entries()) {
    const dayRng = rng.fork(k);
    const { bars } = store.loadDay(date);
    const m = bars.minutes;
    for (let i = 0; i < bars.instrumentCount; i++) {
      if (!bars.valid[i]) continue;
      let vol = 0;
      for (let j = 0; j < m; j++) vol += bars.volume[i * m + j];
      const meanMinute = vol / m;
      for (let r = 0; r < settings.perInstrumentDay; r++) {
        const ratio = Math.exp(settings.sizeLogMean + settings.sizeLogStd * dayRng.normal());
        const side: Side = settings.side === 'mixed' ? (dayRng.uniform() < 0.5 ? 'sell' : 'buy') : settings.side;
        if (meanMinute <= 0) continue;
        const lots = Math.max(1, Math.ceil((ratio * meanMinute) / settings.lotSize));
        out.push({ instrument: codes[i], date, side, quantity: lots * settings.lotSize });
      }
    }
    onProgress?.(k + 1, dates.length);
  }
  return out;
}

const HEADER = 'instrument,date,side,quantity';
const COLUMNS = ['instrument', 'date', 'side', 'quantity'] as const;

/** An order may ask for at most this many times the shares its instrument traded that day. */
export const MAX_QUANTITY_TO_VOLUME = 100;

/** The line of the order file each parsed order came from (for file:line messages after parsing). */
const sourceLine = new WeakMap<Order, number>();

/**
 * One field of the order file: RFC 4180 quoting (csvField, shared with the backtest outputs), and
 * also quoted when it starts or ends with a space, which the reader trims from unquoted fields.
 */
function orderField(value: string | number): string {
  const text = csvField(value);
  return text === String(value) && /^\s|\s$/.test(text) ? `"${text}"` : text;
}

/** The order file's text: header `instrument,date,side,quantity`, one line per order, fields quoted as needed. */
export function formatOrdersCsv(orders: readonly Order[]): string {
  const lines = [HEADER];
  for (const o of orders) lines.push([o.instrument, o.date, o.side, o.quantity].map(orderField).join(','));
  return `${lines.join('\n')}\n`;
}

export function writeOrdersCsv(path: string, orders: readonly Order[]): void {
  writeFileSync(path, formatOrdersCsv(orders));
}

/** One record of a CSV text: its fields and the line it starts on (1-based). */
interface CsvRecord {
  readonly line: number;
  readonly fields: string[];
}

/**
 * Splits CSV text into records (RFC 4180): quoted fields may hold commas, doubled quotes and line
 * breaks; unquoted fields are trimmed; CR LF and LF both end a record; blank lines are skipped.
 * An unterminated quote is an error at the line where its record starts.
 */
function csvRecords(text: string, file: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let blank = true;
    for (;;) {
      // One field, then a comma (next field) or the end of the record.
      let j = i;
      while (j < n && (text[j] === ' ' || text[j] === '\t')) j++;
      let field: string;
      if (text[j] === '"') {
        let value = '';
        let k = j + 1;
        for (;;) {
          const q = text.indexOf('"', k);
          if (q < 0) throw new ExecLabError(`${file}:${start}: unterminated quoted field (a '"' without its closing quote)`);
          const piece = text.slice(k, q);
          value += piece;
          for (const c of piece) if (c === '\n') line++;
          if (text[q + 1] === '"') {
            value += '"';
            k = q + 2;
          } else {
            k = q + 1;
            break;
          }
        }
        // Spaces after the closing quote are allowed; anything else up to the separator is kept.
        let e = k;
        while (e < n && text[e] !== ',' && text[e] !== '\n' && text[e] !== '\r') e++;
        field = value + text.slice(k, e).trim();
        i = e;
        blank = false;
      } else {
        let e = j;
        while (e < n && text[e] !== ',' && text[e] !== '\n' && text[e] !== '\r') e++;
        field = text.slice(i, e).trim();
        if (field !== '') blank = false;
        i = e;
      }
      fields.push(field);
      if (text[i] === ',') {
        blank = false;
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      line++;
      break;
    }
    if (!blank) out.push({ line: start, fields });
  }
  return out;
}

/** Throws the problems as one error: the message itself when there is one, else the listing. */
function throwIfAny(problems: ProblemList, what: string): void {
  if (problems.count === 0) return;
  if (problems.count === 1) throw new ExecLabError(problems.listed()[0]);
  throw new ExecLabError(problems.text(`${problems.count} ${what}`));
}

/** Quantity text as a positive finite number, or null. Only plain decimal numbers (no hex, no 'Infinity'). */
function quantityOf(text: string): number | null {
  if (!/^[+]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) return null;
  const q = Number(text);
  return Number.isFinite(q) && q > 0 ? q : null;
}

/**
 * Parses an order file. Every bad line is an error naming the file, the line and the reason; all of
 * them (up to MAX_LISTED_PROBLEMS) are reported at once. Columns may come in any order, with others
 * beside them; names are matched without regard to case.
 */
export function parseOrdersCsv(text: string, file = '<orders>'): Order[] {
  const records = csvRecords(text, file);
  const shown = (s: string): string => `'${printable(s)}'`;
  const header = records[0]?.fields.map((h) => h.toLowerCase());
  if (!header || COLUMNS.some((c) => !header.includes(c))) {
    const first = text.split(/\r?\n/)[0] ?? '';
    throw new ExecLabError(`${file}:1: expected a header with columns ${COLUMNS.join(',')}, got ${shown(first)}`);
  }
  const at = COLUMNS.map((c) => header.indexOf(c));
  const errors = new ProblemList();
  const out: Order[] = [];
  for (const { line, fields: f } of records.slice(1)) {
    const where = `${file}:${line}`;
    if (f.length !== header.length) {
      errors.add(`${where}: expected ${header.length} fields (as in the header), got ${f.length}`, line);
      continue;
    }
    const [instrument, date, side, qty] = at.map((i) => f[i]);
    const quantity = quantityOf(qty);
    if (instrument === '') errors.add(`${where}: empty instrument`, line);
    else if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) {
      errors.add(`${where}: date ${shown(date)} is not a calendar date YYYY-MM-DD`, line);
    } else if (side !== 'sell' && side !== 'buy') errors.add(`${where}: side ${shown(side)} must be sell or buy`, line);
    else if (quantity === null) errors.add(`${where}: quantity ${shown(qty)} must be a positive number (shares)`, line);
    else {
      const order: Order = { instrument, date, side, quantity };
      sourceLine.set(order, line);
      out.push(order);
    }
  }
  throwIfAny(errors, 'bad lines');
  return out;
}

export function readOrdersCsv(path: string): Order[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ExecLabError(`cannot read order file ${path}: ${(err as Error).message}`);
  }
  return parseOrdersCsv(text, path);
}

/**
 * Checks every order against the dataset: a known instrument, a trading day of the dataset, and a
 * quantity of at most MAX_QUANTITY_TO_VOLUME times the shares the instrument traded that day (an order
 * larger than that is a unit or typing error, and would give meaningless results). Orders of an
 * instrument-day that is not valid pass here (the backtest skips and counts them). Every problem is
 * reported at once, with the file and line of the order.
 */
export function checkOrdersAgainst(store: DatasetStore, orders: readonly Order[], file = '<orders>'): void {
  const codes = new Map(store.meta.instruments.map((c, i) => [c, i]));
  const dates = new Set(store.meta.dates);
  const errors = new ProblemList();
  const where = (o: Order, k: number): string => (sourceLine.has(o) ? `${file}:${sourceLine.get(o)}` : `${file}: order ${k + 1}`);
  const byDate = new Map<string, number[]>();
  for (const [k, o] of orders.entries()) {
    if (!codes.has(o.instrument)) errors.add(`${where(o, k)}: instrument '${printable(o.instrument)}' is not in the dataset`, k);
    else if (!dates.has(o.date)) errors.add(`${where(o, k)}: date ${o.date} is not a trading day of the dataset`, k);
    else if (!(Number.isFinite(o.quantity) && o.quantity > 0)) errors.add(`${where(o, k)}: quantity ${o.quantity} must be a positive number (shares)`, k);
    else {
      let list = byDate.get(o.date);
      if (!list) byDate.set(o.date, (list = []));
      list.push(k);
    }
  }
  for (const date of store.meta.dates) {
    const list = byDate.get(date);
    if (!list) continue;
    const { bars } = store.loadDay(date);
    const m = bars.minutes;
    for (const k of list) {
      const o = orders[k];
      const i = codes.get(o.instrument) as number;
      if (!bars.valid[i]) continue;
      let traded = 0;
      for (let j = 0; j < m; j++) traded += bars.volume[i * m + j];
      if (o.quantity > MAX_QUANTITY_TO_VOLUME * traded) {
        errors.add(
          `${where(o, k)}: quantity ${o.quantity} is more than ${MAX_QUANTITY_TO_VOLUME} times the volume ${printable(o.instrument)} traded on ${date} ` +
            `(${traded.toLocaleString('en-US')} shares); check the unit (shares, not lots or currency)`,
          k,
        );
      }
    }
  }
  throwIfAny(errors, 'orders the dataset cannot run');
}

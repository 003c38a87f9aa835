/**
 * Orders (SPEC 1 and 9): (instrument, trading day, side, quantity). Generated with one random size
 * per order, or read from a CSV file `instrument,date,side,quantity`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { ExecLabError } from '../errors.js';
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
  seed: z.number().int().min(0).default(7),
  /** 'sell' (liquidation, the paper's setting), 'buy', or 'mixed' (each order's side drawn 50/50). */
  side: z.enum(['sell', 'buy', 'mixed']).default('sell'),
  /** log-mean of Q / (the day's mean minute volume): SPEC 9 / the released code, -3.28. */
  sizeLogMean: z.number().default(-3.28),
  /** log-std of the same ratio: 1.14. */
  sizeLogStd: z.number().min(0).default(1.14),
  /** Round Q up to whole lots of this many shares (1 = no rounding). */
  lotSize: z.number().int().positive().default(100),
  /** Orders per valid instrument-day. */
  perInstrumentDay: z.number().int().positive().default(1),
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

export function formatOrdersCsv(orders: readonly Order[]): string {
  const lines = [HEADER];
  for (const o of orders) lines.push(`${o.instrument},${o.date},${o.side},${o.quantity}`);
  return `${lines.join('\n')}\n`;
}

export function writeOrdersCsv(path: string, orders: readonly Order[]): void {
  writeFileSync(path, formatOrdersCsv(orders));
}

/** Parses an order file; every bad line is an error naming the file, the line and the reason. */
export function parseOrdersCsv(text: string, file = '<orders>'): Order[] {
  const lines = text.split(/\r?\n/);
  const header = lines[0]?.trim().toLowerCase().split(',').map((s) => s.trim());
  const cols = ['instrument', 'date', 'side', 'quantity'];
  if (!header || cols.some((c) => !header.includes(c))) {
    throw new ExecLabError(`${file}:1: expected a header with columns ${cols.join(',')}, got '${lines[0] ?? ''}'`);
  }
  const at = cols.map((c) => header.indexOf(c));
  const out: Order[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === '') continue;
    const f = line.split(',').map((s) => s.trim());
    if (f.length !== header.length) throw new ExecLabError(`${file}:${n + 1}: expected ${header.length} fields, got ${f.length}`);
    const [instrument, date, side, qty] = at.map((i) => f[i]);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new ExecLabError(`${file}:${n + 1}: date '${date}' is not YYYY-MM-DD`);
    if (side !== 'sell' && side !== 'buy') throw new ExecLabError(`${file}:${n + 1}: side '${side}' must be sell or buy`);
    const quantity = Number(qty);
    if (!Number.isFinite(quantity) || quantity <= 0) throw new ExecLabError(`${file}:${n + 1}: quantity '${qty}' must be a positive number`);
    if (instrument === '') throw new ExecLabError(`${file}:${n + 1}: empty instrument`);
    out.push({ instrument, date, side, quantity });
  }
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

/** Checks every order against the dataset: known instrument, a date of the dataset, valid that day. */
export function checkOrdersAgainst(store: DatasetStore, orders: readonly Order[], file = '<orders>'): void {
  const codes = new Set(store.meta.instruments);
  const dates = new Set(store.meta.dates);
  for (const [k, o] of orders.entries()) {
    if (!codes.has(o.instrument)) throw new ExecLabError(`${file}: order ${k + 1}: instrument '${o.instrument}' is not in the dataset`);
    if (!dates.has(o.date)) throw new ExecLabError(`${file}: order ${k + 1}: date ${o.date} is not a trading day of the dataset`);
  }
}

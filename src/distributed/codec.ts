/**
 * Per-order results as bytes for the artifact store: JSON with every Float64Array as base64 of its
 * little-endian bytes, so numbers come back bit for bit (NaN included).
 */
import type { OrdersRun } from '../eval/backtest.js';
import type { StrategyRun } from '../eval/run.js';

function f64ToBase64(a: Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function base64ToF64(s: string): Float64Array {
  const buf = Buffer.from(s, 'base64');
  const out = new Float64Array(buf.byteLength / 8);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

const ARRAYS = ['paBps', 'reward', 'executedQty', 'quantity', 'periodQty'] as const;

type EncodedRun = Omit<StrategyRun, (typeof ARRAYS)[number] | 'minuteFills'> & Record<(typeof ARRAYS)[number], string>;

function encodeRun(r: StrategyRun): EncodedRun {
  const out: Record<string, unknown> = { strategy: r.strategy, kind: r.kind, count: r.count, periods: r.periods };
  for (const k of ARRAYS) out[k] = f64ToBase64(r[k]);
  return out as EncodedRun;
}

function decodeRun(e: EncodedRun): StrategyRun {
  const arrays = Object.fromEntries(ARRAYS.map((k) => [k, base64ToF64(e[k])])) as Record<(typeof ARRAYS)[number], Float64Array>;
  return { strategy: e.strategy, kind: e.kind, count: e.count, periods: e.periods, ...arrays, minuteFills: null };
}

export function encodeOrdersRun(r: OrdersRun): Buffer {
  return Buffer.from(
    JSON.stringify({
      runs: r.runs.map(encodeRun),
      twap: r.twap ? encodeRun(r.twap) : null,
      ran: { orders: r.ran.orders, date: r.ran.date, liquidity: f64ToBase64(Float64Array.from(r.ran.liquidity)) },
      skipped: r.skipped,
      parts: r.parts,
    }),
  );
}

export function decodeOrdersRun(bytes: Buffer): OrdersRun {
  const d = JSON.parse(bytes.toString('utf8')) as {
    runs: EncodedRun[];
    twap: EncodedRun | null;
    ran: { orders: OrdersRun['ran']['orders']; date: string[]; liquidity: string };
    skipped: OrdersRun['skipped'];
    parts: number;
  };
  return {
    runs: d.runs.map(decodeRun),
    twap: d.twap ? decodeRun(d.twap) : null,
    ran: { orders: d.ran.orders, date: d.ran.date, liquidity: Array.from(base64ToF64(d.ran.liquidity)) },
    skipped: d.skipped,
    parts: d.parts,
  };
}

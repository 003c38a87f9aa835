/**
 * The methods of one backtest, each over its seeds. A method is a strategy name before " (": the
 * backtest labels the policies of one name by their directories ("OPD-S (OPD-S-s1-...)"), and the
 * seeds of a method are one method whose per-order PA is the mean over its seeds, as the reports of
 * `execlab reproduce` take it. For each method: its mean PA, the standard error of its day means,
 * its share of a reference strategy's PA, and paired tests on day means (SPEC 5) against TWAP and the
 * reference; plus any pairs of methods asked for.
 */
import { ExecLabError } from '../errors.js';
import { clusteredPairedTest, groupByDay, mean, standardError, type ClusteredTestResult } from './stats.js';

/** One order of one strategy, as a backtest's orders.json holds it (PA null or NaN: no fill). */
export interface OrderRow {
  readonly strategy: string;
  readonly instrument: string;
  readonly date: string;
  readonly side: string;
  readonly paBps: number | null;
}

export interface MethodRow {
  readonly method: string;
  /** The strategies (seeds) of the method, in the backtest's order. */
  readonly seeds: readonly string[];
  /** Each seed's mean PA over the compared orders (bps). */
  readonly seedPaBps: readonly number[];
  /** Mean over the orders of the seeds' mean PA (bps). */
  readonly paBps: number;
  /** Standard error of the day means of that PA. */
  readonly seByDay: number;
  /** paBps over the reference's, when a reference with a positive PA is given. */
  readonly shareOfReference: number | null;
  readonly vsTwap: ClusteredTestResult | null;
  readonly vsReference: ClusteredTestResult | null;
}

export interface MethodComparison {
  /** Orders every strategy ran with a PA (the compared set), and their days. */
  readonly orders: number;
  readonly days: number;
  /** Orders left out because some strategy has no PA for them (no fill). */
  readonly leftOut: number;
  readonly reference: string | null;
  readonly methods: readonly MethodRow[];
  readonly pairs: ReadonlyArray<{ readonly a: string; readonly b: string; readonly test: ClusteredTestResult }>;
}

/** The method of a strategy label: "OPD-S (OPD-S-s1-ab)" -> "OPD-S". */
export function methodOf(strategy: string): string {
  const k = strategy.indexOf(' (');
  return k > 0 ? strategy.slice(0, k) : strategy;
}

const orderKey = (r: OrderRow): string => `${r.instrument}\u0000${r.date}\u0000${r.side}`;
const hasPa = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

export function compareMethods(rows: readonly OrderRow[], options: { reference?: string | null; pairs?: ReadonlyArray<readonly [string, string]> } = {}): MethodComparison {
  // method -> seed label -> order key -> PA, in first-seen order
  const methods = new Map<string, Map<string, Map<string, number | null>>>();
  const dateOf = new Map<string, string>();
  for (const r of rows) {
    const m = methodOf(r.strategy);
    let seeds = methods.get(m);
    if (!seeds) methods.set(m, (seeds = new Map()));
    let pa = seeds.get(r.strategy);
    if (!pa) seeds.set(r.strategy, (pa = new Map()));
    const key = orderKey(r);
    if (pa.has(key)) throw new ExecLabError(`strategy ${r.strategy}: order ${r.instrument} ${r.date} ${r.side} appears twice`, 2);
    pa.set(key, r.paBps);
    dateOf.set(key, r.date);
  }
  if (methods.size === 0) throw new ExecLabError('no orders to compare', 2);
  const strategies = [...methods.values()].flatMap((seeds) => [...seeds.values()]);
  const allKeys = [...dateOf.keys()];
  const keys = allKeys.filter((k) => strategies.every((pa) => hasPa(pa.get(k))));
  if (keys.length === 0) throw new ExecLabError('no order has a PA in every strategy', 2);
  const dates = keys.map((k) => dateOf.get(k) as string);
  const perOrder = new Map<string, Float64Array>();
  for (const [m, seeds] of methods) {
    const all = [...seeds.values()];
    perOrder.set(
      m,
      Float64Array.from(keys, (k) => mean(all.map((pa) => pa.get(k) as number))),
    );
  }
  const need = (m: string): Float64Array => {
    const x = perOrder.get(m);
    if (!x) throw new ExecLabError(`no strategy ${m} in the backtest (there: ${[...perOrder.keys()].join(', ')})`, 2);
    return x;
  };
  const reference = options.reference ?? null;
  const refPa = reference === null ? null : mean(need(reference));
  const twap = perOrder.has('TWAP') ? need('TWAP') : null;
  const out: MethodRow[] = [...methods].map(([m, seeds]) => {
    const pa = need(m);
    const paBps = mean(pa);
    return {
      method: m,
      seeds: [...seeds.keys()],
      seedPaBps: [...seeds.values()].map((x) => mean(keys.map((k) => x.get(k) as number))),
      paBps,
      seByDay: standardError(groupByDay(pa, dates).means),
      shareOfReference: refPa !== null && refPa > 0 ? paBps / refPa : null,
      vsTwap: twap !== null && m !== 'TWAP' ? clusteredPairedTest(pa, twap, dates) : null,
      vsReference: reference !== null && m !== reference ? clusteredPairedTest(pa, need(reference), dates) : null,
    };
  });
  const pairs = (options.pairs ?? []).map(([a, b]) => ({ a, b, test: clusteredPairedTest(need(a), need(b), dates) }));
  return { orders: keys.length, days: new Set(dates).size, leftOut: allKeys.length - keys.length, reference, methods: out, pairs };
}

const num = (x: number | null, digits = 2): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));
const pValue = (p: number | null): string => (p === null || !Number.isFinite(p) ? 'p n/a' : p < 1e-4 ? 'p < 1e-4' : `p = ${p.toPrecision(2)}`);
const tested = (t: ClusteredTestResult | null): string => (t === null ? '' : `${t.meanDiff >= 0 ? '+' : ''}${num(t.meanDiff)}, ${pValue(t.pValue)}`);

/** The comparison as a Markdown table, then one line per pair. */
export function formatMethodComparison(c: MethodComparison): string {
  const ref = c.reference;
  const head = ['method', 'seeds', 'PA (bps)', 'SE by day', "seeds' PA", ...(ref ? [`share of ${ref}`] : []), 'vs TWAP (days)', ...(ref ? [`vs ${ref} (days)`] : [])];
  const align = ['---', '---:', '---:', '---:', '---', ...(ref ? ['---:'] : []), '---', ...(ref ? ['---'] : [])];
  const lines = [
    `${c.orders} orders on ${c.days} days${c.leftOut > 0 ? ` (${c.leftOut} left out: no PA in some strategy)` : ''}; a method's PA per order is the mean over its seeds; p on day means`,
    '',
    `| ${head.join(' | ')} |`,
    `| ${align.join(' | ')} |`,
  ];
  for (const m of c.methods) {
    const share = m.shareOfReference === null ? 'n/a' : `${(100 * m.shareOfReference).toFixed(0)}%`;
    const cells = [m.method, String(m.seeds.length), num(m.paBps), num(m.seByDay), m.seedPaBps.map((x) => num(x)).join(', '), ...(ref ? [share] : []), tested(m.vsTwap), ...(ref ? [tested(m.vsReference)] : [])];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  for (const p of c.pairs) lines.push('', `${p.a} against ${p.b}: ${tested(p.test)} (${p.test.days} days)`);
  return `${lines.join('\n')}\n`;
}

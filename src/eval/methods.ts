/**
 * The methods of one backtest, each over its seeds. A method is a strategy name before " (": the
 * backtest labels the policies of one name by their directories ("OPD-S (OPD-S-s1-...)"), and the
 * seeds of a method are one method whose per-order PA is the mean over its seeds, as the reports of
 * `execlab reproduce` take it. For each method: its mean PA, the standard error of its day means,
 * its share of a reference strategy's PA, and paired tests on day means (SPEC 5) against TWAP and the
 * reference; plus any pairs of methods asked for. Several backtests on disjoint days (the folds of a
 * walk-forward evaluation) can be compared as one: compareBacktests. With `eachStrategy` every
 * strategy label is a method of its own, so that two policy files of one name (two deployment
 * candidates, say) can be tested against each other.
 */
import { ExecLabError } from '../errors.js';
import { clusteredPairedTest, groupByDay, mean, standardError, testResolution, type ClusteredTestResult } from './stats.js';

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
  /** The strategies (seeds) of the method, in the backtest's order (of every backtest, when pooled). */
  readonly seeds: readonly string[];
  /** Each seed's mean PA over the compared orders (bps); pooled backtests: seed k is the k-th of each. */
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
  /** Pooled backtests only: each one's orders, days and mean PA per method (bps), in the methods' order. */
  readonly parts: ReadonlyArray<{ readonly name: string; readonly orders: number; readonly days: number; readonly paBps: readonly number[] }>;
  /** Orders every strategy ran with a PA (the compared set), and their days. */
  readonly orders: number;
  readonly days: number;
  /** Orders left out because some strategy has no PA for them (no fill). */
  readonly leftOut: number;
  readonly reference: string | null;
  /** Every strategy label was its own method (CompareOptions.eachStrategy). */
  readonly eachStrategy: boolean;
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

/** One backtest's orders as columns: the compared orders, their days, each method's seeds' PA per order. */
interface MethodColumns {
  readonly dates: string[];
  /** method -> its seeds' labels and, per seed, the PA of each compared order. */
  readonly methods: Map<string, { readonly seeds: string[]; readonly pa: Float64Array[] }>;
  readonly leftOut: number;
}

/** A method's PA per order: the mean over its seeds. */
function seedMeans(seeds: readonly Float64Array[], orders: number): Float64Array {
  return Float64Array.from({ length: orders }, (_, i) => mean(seeds.map((seed) => seed[i])));
}

function methodColumns(rows: readonly OrderRow[], where: string, eachStrategy: boolean): MethodColumns {
  // method -> seed label -> order key -> PA, in first-seen order
  const methods = new Map<string, Map<string, Map<string, number | null>>>();
  const dateOf = new Map<string, string>();
  for (const r of rows) {
    const m = eachStrategy ? r.strategy : methodOf(r.strategy);
    let seeds = methods.get(m);
    if (!seeds) methods.set(m, (seeds = new Map()));
    let pa = seeds.get(r.strategy);
    if (!pa) seeds.set(r.strategy, (pa = new Map()));
    const key = orderKey(r);
    if (pa.has(key)) throw new ExecLabError(`${where}strategy ${r.strategy}: order ${r.instrument} ${r.date} ${r.side} appears twice`, 2);
    pa.set(key, r.paBps);
    dateOf.set(key, r.date);
  }
  if (methods.size === 0) throw new ExecLabError(`${where}no orders to compare`, 2);
  const strategies = [...methods.values()].flatMap((seeds) => [...seeds.values()]);
  const allKeys = [...dateOf.keys()];
  const keys = allKeys.filter((k) => strategies.every((pa) => hasPa(pa.get(k))));
  if (keys.length === 0) throw new ExecLabError(`${where}no order has a PA in every strategy`, 2);
  const columns = new Map<string, { seeds: string[]; pa: Float64Array[] }>();
  for (const [m, seeds] of methods) {
    columns.set(m, { seeds: [...seeds.keys()], pa: [...seeds.values()].map((x) => Float64Array.from(keys, (k) => x.get(k) as number)) });
  }
  return { dates: keys.map((k) => dateOf.get(k) as string), methods: columns, leftOut: allKeys.length - keys.length };
}

/**
 * Several backtests' columns as one: the same methods with the same number of seeds in each, and no
 * day in two of them (a day counted twice would fake evidence). Seed k of a method is the k-th seed
 * of each backtest.
 */
function poolColumns(parts: readonly MethodColumns[], names: readonly string[]): MethodColumns {
  if (parts.length === 1) return parts[0];
  const first = parts[0];
  const owner = new Map<string, number>();
  parts.forEach((part, j) => {
    for (const d of new Set(part.dates)) {
      const before = owner.get(d);
      if (before !== undefined) throw new ExecLabError(`day ${d} is in two backtests (${names[before]} and ${names[j]}); pooled backtests must cover disjoint days`, 2);
      owner.set(d, j);
    }
    const shape = (c: MethodColumns): string => [...c.methods].map(([m, x]) => `${m} x ${x.seeds.length}`).join(', ');
    if (shape(part) !== shape(first)) {
      throw new ExecLabError(`${names[j]} has other methods or seed counts (${shape(part)}) than ${names[0]} (${shape(first)}); pooled backtests must run the same methods`, 2);
    }
  });
  const methods = new Map<string, { seeds: string[]; pa: Float64Array[] }>();
  for (const [m, x] of first.methods) {
    const pa = x.pa.map((_, k) => {
      const out = new Float64Array(parts.reduce((a, p) => a + p.dates.length, 0));
      let at = 0;
      for (const p of parts) {
        const col = p.methods.get(m)!.pa[k];
        out.set(col, at);
        at += col.length;
      }
      return out;
    });
    methods.set(m, { seeds: parts.flatMap((p) => p.methods.get(m)!.seeds), pa });
  }
  return { dates: parts.flatMap((p) => p.dates), methods, leftOut: parts.reduce((a, p) => a + p.leftOut, 0) };
}

export interface CompareOptions {
  readonly reference?: string | null;
  readonly pairs?: ReadonlyArray<readonly [string, string]>;
  /** Every strategy label its own method (one seed each), instead of a method per name before " (". */
  readonly eachStrategy?: boolean;
}

/** The comparison of one backtest's orders (see the module comment). */
export function compareMethods(rows: readonly OrderRow[], options: CompareOptions = {}): MethodComparison {
  return compareBacktests([{ name: '', rows }], options);
}

/**
 * The comparison of several backtests on disjoint days taken as one (the folds of a walk-forward
 * evaluation, each with its own trained policies): each order's PA is its own backtest's, the day
 * means and tests run over the days of all of them, and seed k is the k-th seed of each backtest.
 */
export function compareBacktests(backtests: ReadonlyArray<{ readonly name: string; readonly rows: readonly OrderRow[] }>, options: CompareOptions = {}): MethodComparison {
  if (backtests.length === 0) throw new ExecLabError('no backtests to compare', 2);
  const names = backtests.map((b) => b.name);
  const eachStrategy = options.eachStrategy ?? false;
  const parts = backtests.map((b) => methodColumns(b.rows, backtests.length > 1 ? `${b.name}: ` : '', eachStrategy));
  const pooled = poolColumns(parts, names);
  return compareColumns(pooled, parts.length === 1 ? null : parts.map((part, j) => ({ name: names[j], dates: part.dates })), options);
}

/** The comparison of (pooled) columns; `parts`: the pooled backtests' names and dates, in the columns' order. */
function compareColumns(c: MethodColumns, parts: ReadonlyArray<{ readonly name: string; readonly dates: readonly string[] }> | null, options: CompareOptions): MethodComparison {
  const { dates } = c;
  const perOrder = new Map<string, Float64Array>();
  for (const [m, x] of c.methods) perOrder.set(m, seedMeans(x.pa, dates.length));
  // Each backtest's rows are its slice of the pooled orders.
  let at = 0;
  const partRows = (parts ?? []).map((p) => {
    const from = at;
    at += p.dates.length;
    return { name: p.name, orders: p.dates.length, days: new Set(p.dates).size, paBps: [...perOrder.values()].map((x) => mean(x.subarray(from, at))) };
  });
  const need = (m: string): Float64Array => {
    const x = perOrder.get(m);
    if (!x) throw new ExecLabError(`no strategy ${m} in the backtest (there: ${[...perOrder.keys()].join(', ')})`, 2);
    return x;
  };
  const reference = options.reference ?? null;
  const refPa = reference === null ? null : mean(need(reference));
  const twap = perOrder.has('TWAP') ? need('TWAP') : null;
  const out: MethodRow[] = [...c.methods].map(([m, x]) => {
    const pa = need(m);
    const paBps = mean(pa);
    return {
      method: m,
      seeds: x.seeds,
      seedPaBps: x.pa.map((seed) => mean(seed)),
      paBps,
      seByDay: standardError(groupByDay(pa, dates).means),
      shareOfReference: refPa !== null && refPa > 0 ? paBps / refPa : null,
      vsTwap: twap !== null && m !== 'TWAP' ? clusteredPairedTest(pa, twap, dates) : null,
      vsReference: reference !== null && m !== reference ? clusteredPairedTest(pa, need(reference), dates) : null,
    };
  });
  const pairs = (options.pairs ?? []).map(([a, b]) => ({ a, b, test: clusteredPairedTest(need(a), need(b), dates) }));
  return { parts: partRows, orders: dates.length, days: new Set(dates).size, leftOut: c.leftOut, reference, eachStrategy: options.eachStrategy ?? false, methods: out, pairs };
}

const num = (x: number | null, digits = 2): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));
const pValue = (p: number | null): string => (p === null || !Number.isFinite(p) ? 'p n/a' : p < 1e-4 ? 'p < 1e-4' : `p = ${p.toPrecision(2)}`);
const tested = (t: ClusteredTestResult | null): string => (t === null ? '' : `${t.meanDiff >= 0 ? '+' : ''}${num(t.meanDiff)}, ${pValue(t.pValue)}`);

/**
 * What the day-level test can resolve at its spread: the difference it would call significant at
 * p < 0.05, and the days a test of this spread needs to find the observed difference with 80% power.
 */
function resolution(t: ClusteredTestResult): string {
  const { detectableBps, daysFor80 } = testResolution(t);
  if (detectableBps === null) return '';
  const need = daysFor80 !== null ? `about ${daysFor80.toLocaleString('en-US')} days` : 'no number of days';
  return `; at this spread p < 0.05 needs ±${num(detectableBps)} bps, and 80% power for this difference ${need}`;
}

/** The comparison as a Markdown table, then one line per pair. */
export function formatMethodComparison(c: MethodComparison): string {
  const ref = c.reference;
  const head = ['method', 'seeds', 'PA (bps)', 'SE by day', "seeds' PA", ...(ref ? [`share of ${ref}`] : []), 'vs TWAP (days)', ...(ref ? [`vs ${ref} (days)`] : [])];
  const align = ['---', '---:', '---:', '---:', '---', ...(ref ? ['---:'] : []), '---', ...(ref ? ['---'] : [])];
  const lines = [
    `${c.orders} orders on ${c.days} days${c.parts.length > 0 ? ` of ${c.parts.length} backtests` : ''}${c.leftOut > 0 ? ` (${c.leftOut} left out: no PA in some strategy)` : ''}; ` +
      (c.eachStrategy ? 'each strategy on its own' : `a method's PA per order is the mean over its seeds${c.parts.length > 0 ? " (seed k: each backtest's k-th)" : ''}`) +
      '; p on day means',
    '',
    `| ${head.join(' | ')} |`,
    `| ${align.join(' | ')} |`,
  ];
  for (const m of c.methods) {
    const share = m.shareOfReference === null ? 'n/a' : `${(100 * m.shareOfReference).toFixed(0)}%`;
    const cells = [m.method, String(m.seedPaBps.length), num(m.paBps), num(m.seByDay), m.seedPaBps.map((x) => num(x)).join(', '), ...(ref ? [share] : []), tested(m.vsTwap), ...(ref ? [tested(m.vsReference)] : [])];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  for (const p of c.pairs) lines.push('', `${p.a} against ${p.b}: ${tested(p.test)} (${p.test.days} days${resolution(p.test)})`);
  if (c.parts.length > 0) {
    lines.push('', 'PA (bps) of each backtest:', '', `| backtest | orders | days | ${c.methods.map((m) => m.method).join(' | ')} |`, `| --- | ---: | ---: | ${c.methods.map(() => '---:').join(' | ')} |`);
    for (const p of c.parts) lines.push(`| ${p.name} | ${p.orders} | ${p.days} | ${p.paBps.map((x) => num(x)).join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

// The methods of one backtest, each over its seeds: mean PA, its standard error by day, share of a
// reference strategy's PA, and paired tests on day means against TWAP and the reference, plus any
// pairs asked for. A method is a strategy name before " (": the seeds of OPD-S, which the backtest
// labels "OPD-S (OPD-S-s1-...)", "OPD-S (OPD-S-s2-...)", are one method whose per-order PA is the
// mean over its seeds (as reproduce's report takes it).
//
// Run after `npm run build`:
//   node scripts/compare-methods.mjs <backtest out dir> [--reference PLANNER] [--pair OPD,OPD-S]...
// Reads <dir>/orders.json; prints a Markdown table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusteredPairedTest, groupByDay, mean, standardError } from '../dist/eval/stats.js';

const args = process.argv.slice(2);
if (args.length === 0 || args[0].startsWith('--')) {
  console.error('usage: node scripts/compare-methods.mjs <backtest out dir> [--reference NAME] [--pair A,B]...');
  process.exit(2);
}
const dir = args[0];
let reference = null;
const pairs = [];
for (let i = 1; i < args.length; i += 2) {
  const value = args[i + 1];
  if (value === undefined) throw new Error(`${args[i]}: a value is missing`);
  if (args[i] === '--reference') reference = value;
  else if (args[i] === '--pair') {
    const [a, b] = value.split(',');
    if (!a || !b) throw new Error(`--pair ${value}: expected A,B`);
    pairs.push([a, b]);
  } else throw new Error(`unknown option ${args[i]}`);
}

const rows = JSON.parse(readFileSync(join(dir, 'orders.json'), 'utf8'));
const methodOf = (name) => (name.includes(' (') ? name.slice(0, name.indexOf(' (')) : name);
/** method -> seed label -> order key -> PA */
const byMethod = new Map();
for (const r of rows) {
  const m = methodOf(r.strategy);
  if (!byMethod.has(m)) byMethod.set(m, new Map());
  const seeds = byMethod.get(m);
  if (!seeds.has(r.strategy)) seeds.set(r.strategy, new Map());
  seeds.get(r.strategy).set(`${r.instrument}|${r.date}|${r.side}`, r.paBps);
}
// The orders every strategy ran (with a PA), in one order; their dates key the day means.
const keys = [...byMethod.values().next().value.values().next().value.keys()].filter((k) =>
  [...byMethod.values()].every((seeds) => [...seeds.values()].every((pa) => Number.isFinite(pa.get(k)))),
);
const dates = keys.map((k) => k.split('|')[1]);
const perOrder = new Map();
for (const [m, seeds] of byMethod) {
  const all = [...seeds.values()];
  perOrder.set(m, Float64Array.from(keys, (k) => mean(all.map((pa) => pa.get(k)))));
}
const need = (m) => {
  if (!perOrder.has(m)) throw new Error(`no strategy ${m} in ${dir}/orders.json (there: ${[...perOrder.keys()].join(', ')})`);
  return perOrder.get(m);
};
const fmt = (x, d = 2) => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));
const p = (x) => (x === null || !Number.isFinite(x) ? 'n/a' : x < 1e-4 ? '<1e-4' : x.toPrecision(2));
const test = (a, b) => {
  const t = clusteredPairedTest(need(a), need(b), dates);
  return `${t.meanDiff >= 0 ? '+' : ''}${fmt(t.meanDiff)}, p = ${p(t.pValue)}`;
};
const ref = reference === null ? null : mean(need(reference));
console.log(`${keys.length} orders on ${new Set(dates).size} days (${dir})\n`);
console.log(`| method | seeds | PA (bps) | SE by day | seeds' PA |${ref !== null ? ` share of ${reference} |` : ''} vs TWAP (days) |${reference ? ` vs ${reference} (days) |` : ''}`);
console.log(`| --- | ---: | ---: | ---: | --- |${ref !== null ? ' ---: |' : ''} --- |${reference ? ' --- |' : ''}`);
for (const [m, seeds] of byMethod) {
  const pa = perOrder.get(m);
  const seedPa = [...seeds.values()].map((x) => mean(keys.map((k) => x.get(k))));
  const cells = [m, seeds.size, fmt(mean(pa)), fmt(standardError(groupByDay(pa, dates).means)), seedPa.map((x) => fmt(x)).join(', ')];
  if (ref !== null) cells.push(ref > 0 ? `${((100 * mean(pa)) / ref).toFixed(0)}%` : 'n/a');
  cells.push(m === 'TWAP' ? '' : test(m, 'TWAP'));
  if (reference) cells.push(m === reference ? '' : test(m, reference));
  console.log(`| ${cells.join(' | ')} |`);
}
for (const [a, b] of pairs) console.log(`\n${a} against ${b} on day means: ${test(a, b)}`);

import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ExecLabError } from '../../errors.js';
import { compareBacktests, formatMethodComparison, type OrderRow } from '../../eval/methods.js';
import { printable } from '../../util/text.js';
import { validateSettings } from '../../config/validate.js';
import { userSettings } from '../options.js';
import { addSchemaOptions } from '../schema-options.js';

const RowsSchema = z.array(
  z.object({ strategy: z.string(), instrument: z.string(), date: z.string(), side: z.string(), paBps: z.number().nullable() }).passthrough(),
);

/** Reads a backtest's orders.json, naming the file in every error. */
function readOrders(dir: string): OrderRow[] {
  const path = join(dir, 'orders.json');
  if (!existsSync(path)) throw new ExecLabError(`${path}: no such file; give --backtest the --out directory of an execlab backtest`, 2);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ExecLabError(`${path}: not JSON (${(err as Error).message})`, 2);
  }
  const parsed = RowsSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ExecLabError(`${path}: not a backtest's per-order file (${issue.path.join('.') || '(document)'}: ${issue.message})`, 2);
  }
  return parsed.data;
}

/** `execlab compare` settings: its flags, their defaults and help, and its config file keys. */
export const CompareSchema = z
  .object({
    backtest: z
      .array(z.string().min(1))
      .min(1, 'give at least one backtest directory')
      .describe(
        'the --out directory of an execlab backtest (its orders.json is read); several, comma-separated, on disjoint days (walk-forward folds, each with its own policies) are compared as one',
      ),
    reference: z.string().min(1).nullable().default(null).describe('the method whose PA the shares and the second test are against (for example PLANNER)'),
    pairs: z
      .array(z.string().regex(/^[^:]+:[^:]+$/, 'expected a:b, two methods'))
      .default([])
      .describe('also test method a against method b on day means: a:b, comma-separated (for example OPD:OPD-S)'),
    eachStrategy: z
      .boolean()
      .default(false)
      .describe(
        'compare every strategy on its own, by its full label (as the backtest printed it), instead of merging the seeds of a method: for testing two policy files of one name against each other with --pairs',
      ),
    json: z.boolean().default(false).describe('print the comparison as JSON'),
  })
  .strict();

/** `execlab compare --backtest DIR [--reference NAME] [--pairs a:b,...] [--json]` */
export function registerCompareCommand(program: Command): void {
  const cmd = program
    .command('compare')
    .summary("compare a backtest's methods, each over its seeds")
    .description(
      "Read a backtest's orders.json and compare its methods: a method is a strategy name before \" (\", so the policy files of one method's seeds (labelled \"OPD-S (OPD-S-s1-...)\" by the backtest) are one method, whose PA per order is the mean over its seeds. Prints each method's mean PA, the standard error of its day means, each seed's PA, its share of --reference's PA, and paired tests on day means against TWAP and the reference, then the --pairs tests. Orders without a PA in some strategy (no fill) are left out of every number, and counted. Several backtests on disjoint days, such as the folds of a walk-forward evaluation (docs/RESULTS.md), are compared as one: each order keeps its own backtest's PA, the tests run over the days of all of them.",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  execlab compare --backtest runs/bt --reference PLANNER --pairs OPD:OPD-S\n  execlab compare --backtest runs/bt-f1,runs/bt-f2,runs/bt-f3 --pairs OPD-F:VWAP   # walk-forward folds as one\n  execlab compare --backtest runs/bt --each-strategy --pairs "OPD-F (runs/a/policy.json):OPD-F (runs/b/policy.json)"',
    )
    .option('--config <file>', 'YAML or JSON file with any of these settings, keys in camelCase (flags win)');
  addSchemaOptions(cmd, CompareSchema, { defaultHelp: { reference: '(default: none)', pairs: '(default: none)' } });
  cmd.action(function (this: Command) {
    const raw = userSettings(this);
    // A config file may name one backtest as a string, or several as one comma-separated string, as the flag takes them.
    if (typeof raw.backtest === 'string') raw.backtest = raw.backtest.split(',').map((x) => x.trim());
    const s = validateSettings(CompareSchema, raw, 'compare settings');
    const pairs = s.pairs.map((p): [string, string] => {
      const [a, b] = p.split(':');
      return [a.trim(), b.trim()];
    });
    const backtests = s.backtest.map((dir) => ({ name: dir, rows: readOrders(dir) }));
    const c = compareBacktests(backtests, { reference: s.reference, pairs, eachStrategy: s.eachStrategy });
    process.stdout.write(s.json ? `${JSON.stringify(c, null, 2)}\n` : printable(formatMethodComparison(c), true));
  });
}

import type { Command } from 'commander';
import { z } from 'zod';
import { validateSettings } from '../../config/validate.js';
import { OrderSettingsSchema } from '../../data/orders.js';
import { PeerGroupSizeSchema } from '../../data/peers.js';
import { openDataset } from '../../data/store.js';
import { DEFAULT_MAX_ORDERS_IN_MEMORY, runBacktest, sideBlindPolicies, type BacktestRequest } from '../../eval/backtest.js';
import { distributedBacktest } from '../../distributed/executor.js';
import { DistributedSchema, withCoordinator } from '../../distributed/settings.js';
import { writeComparison } from '../../eval/outputs.js';
import { resultsTable } from '../../report/console.js';
import { SimSettingsSchema } from '../../sim/settings.js';
import { DEFAULT_AC_SETTINGS } from '../../strategies/almgren-chriss.js';
import { runEnvironment } from '../../util/environment.js';
import { progressBoard } from '../../util/progress.js';
import { DEFAULT_DATA_DIR, requireSplitDays, userSettings } from '../options.js';
import { addSchemaOptions } from '../schema-options.js';
import { printable } from '../../util/text.js';

/** `execlab backtest` settings: its flags (one per key), their defaults and help, and its config file keys. */
export const BacktestSchema = z
  .object({
    strategy: z
      .string()
      .min(1)
      .default('twap,vwap,ac')
      .describe('comma-separated: twap, vwap, ac, static (the best static schedule fitted on the training split), forecast (the forecast planner: ridge forecasts fitted on the training split, chosen on validation), planner (the model-aware planner; synthetic datasets only) and/or policy files (several of one name, such as the seeds of a method, are told apart by their directory)'),
    data: z.string().min(1).default(DEFAULT_DATA_DIR).describe('dataset directory'),
    split: z.enum(['train', 'validation', 'test', 'all']).default('test').describe('the split whose valid instrument-days get one generated order each (ignored with --orders)'),
    orders: z.string().min(1).nullable().default(null).describe('order file (CSV: instrument,date,side,quantity)'),
    ordersSeed: z.number().int().min(0).max(4294967295).default(7).describe('seed of generated orders'),
    side: z.enum(['sell', 'buy', 'mixed']).default('sell').describe('side of generated orders'),
    participationCap: z.number().gt(0).max(1).nullable().default(null).describe("fill at most this share of each minute's market volume, in (0, 1]; the rest carries forward"),
    lotSize: z.number().int().positive().max(1_000_000).default(1).describe('round fills down to whole lots (A-shares: 100)'),
    noFillWithoutVolume: z.boolean().default(false).describe('no fills in zero-volume minutes (the quantity carries forward; by default every child order fills, SPEC 3)'),
    acRiskAversion: z.number().min(0).max(1e6).default(DEFAULT_AC_SETTINGS.riskAversion).describe('Almgren-Chriss risk aversion'),
    out: z.string().min(1).default('runs/backtest').describe('output directory'),
    threads: z.number().int().min(1).max(2).default(1).describe("learned policies: 2 splits the orders' inference over a worker thread (same numbers)"),
    maxOrdersInMemory: z
      .number()
      .int()
      .positive()
      .default(DEFAULT_MAX_ORDERS_IN_MEMORY)
      .describe('orders whose episodes are held at once (about 6.5 KB each); more run in parts of whole dates, same results'),
    policyMode: z
      .enum(['greedy', 'expected', 'sample'])
      .nullable()
      .default(null)
      .describe("policies: 'greedy' (the most likely action), 'expected' (the distribution's expected share of Q) or 'sample' (an action drawn from the distribution, as in training; seeded, repeatable)"),
    peerGroups: z
      .array(PeerGroupSizeSchema)
      .min(1)
      .nullable()
      .default(null)
      .describe("forecast: also try inputs against each instrument's peer group, its N most correlated instruments on the training split, for each N given (comma-separated; chosen on validation like the rest)"),
  })
  .extend(DistributedSchema.shape)
  .strict();

export function registerBacktestCommand(program: Command): void {
  const cmd = program
    .command('backtest')
    .summary('run strategies over the same orders and print the results table')
    .description(
      'Run strategies over the same orders with the one simulator and print the results table (reward x 10^-2, PA in bps with 95% CI and day-clustered standard error, GLR, share PA > 0, fill rate, paired test against TWAP per order and on day means). Writes <out>/orders.csv, <out>/orders.json (per order) and <out>/summary.json.',
    )
    .addHelpText('after', '\nExample:\n  execlab backtest --strategy twap,vwap,ac,runs/opd/policy.json --split test')
    .option('--config <file>', 'YAML or JSON file with any of these settings, keys in camelCase (flags win)');
  addSchemaOptions(cmd, BacktestSchema, {
    defaultHelp: {
      orders: '(default: one generated order per valid instrument-day of --split)',
      participationCap: '(default: no cap)',
      policyMode: '(default: the mode each policy file records, chosen on validation in training)',
      peerGroups: '(default: none)',
    },
  });
  cmd
    .action(async function (this: Command) {
      const s = validateSettings(BacktestSchema, userSettings(this), 'backtest settings');
      const store = openDataset(s.data);
      if (s.orders === null) requireSplitDays(store, s.split);
      const sim = SimSettingsSchema.parse({ fill: { participationCap: s.participationCap, lotSize: s.lotSize, noFillWithoutVolume: s.noFillWithoutVolume } });
      const board = progressBoard();
      const bar = board.bar('backtest data');
      const request: BacktestRequest = {
        strategies: s.strategy.split(',').map((x) => x.trim()).filter(Boolean),
        split: s.split,
        ordersFile: s.orders,
        orders: OrderSettingsSchema.parse({ seed: s.ordersSeed, side: s.side }),
        sim,
        ac: { ...DEFAULT_AC_SETTINGS, riskAversion: s.acRiskAversion },
        threads: s.threads,
        maxOrdersInMemory: s.maxOrdersInMemory,
        policyMode: s.policyMode,
        peerGroups: s.peerGroups,
      };
      const ui = { bar: board.bar, log: (line: string) => process.stderr.write(`${printable(line, true)}\n`) };
      const result = await (s.redis ? withCoordinator(s.redis, ui, (c) => distributedBacktest(c, store, request, s.shardDays)) : Promise.resolve().then(() => runBacktest(store, request, bar.update))).finally(() => {
        bar.stop();
        board.stop();
      });
      const { redis: _redis, shardDays: _shardDays, ...settings } = s;
      const files = writeComparison(s.out, result.runs, result.reports, result.ran, { settings, sim, dataset: store.meta.name, skipped: result.skipped.length, environment: runEnvironment() });
      const inParts = s.redis ? `, in jobs of ${s.shardDays} dates` : result.parts > 1 ? `, in ${result.parts} parts of at most ${s.maxOrdersInMemory} orders` : '';
      // Strategy names are file names and the skip reasons may name codes: printed without control characters.
      const print = (text: string): void => void process.stdout.write(printable(text, true));
      print(`${result.ran.count} orders on ${new Set(result.ran.date).size} days (${s.orders ?? `${s.split} split`}${inParts})\n\n`);
      print(`${resultsTable(result.reports)}\n\n`);
      if (result.skipped.length > 0) {
        const reasons = new Map<string, number>();
        for (const k of result.skipped) reasons.set(k.reason, (reasons.get(k.reason) ?? 0) + 1);
        print(`skipped ${result.skipped.length} orders: ${[...reasons].map(([r, n]) => `${n} ${r}`).join('; ')}\n`);
      }
      const buys = result.ran.orders.filter((o) => o.side === 'buy').length;
      const blind = buys > 0 ? sideBlindPolicies(request.strategies) : [];
      if (blind.length > 0) {
        print(`note: ${blind.join(', ')} ${blind.length > 1 ? 'were' : 'was'} trained on sell orders only and ${blind.length > 1 ? 'do' : 'does'} not read the side: ${buys} buy orders got the schedule a sell would (train with --side mixed for a policy of both sides)\n`);
      }
      print(`wrote ${files.join(', ')}\n`);
    });
}

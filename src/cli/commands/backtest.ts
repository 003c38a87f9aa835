import type { Command } from 'commander';
import { z } from 'zod';
import { validateSettings } from '../../config/validate.js';
import { OrderSettingsSchema } from '../../data/orders.js';
import { openDataset } from '../../data/store.js';
import { DEFAULT_MAX_ORDERS_IN_MEMORY, runBacktest } from '../../eval/backtest.js';
import { writeComparison } from '../../eval/outputs.js';
import { resultsTable } from '../../report/console.js';
import { SimSettingsSchema } from '../../sim/settings.js';
import { DEFAULT_AC_SETTINGS } from '../../strategies/almgren-chriss.js';
import { runEnvironment } from '../../util/environment.js';
import { progressBar } from '../../util/progress.js';
import { DEFAULT_DATA_DIR, requireSplitDays, toInt, toNumber, userSettings } from '../options.js';

const BacktestSchema = z.object({
  strategy: z.string().min(1).default('twap,vwap,ac'),
  data: z.string().default(DEFAULT_DATA_DIR),
  split: z.enum(['train', 'validation', 'test', 'all']).default('test'),
  orders: z.string().nullable().default(null),
  ordersSeed: z.number().int().min(0).default(7),
  side: z.enum(['sell', 'buy', 'mixed']).default('sell'),
  participationCap: z.number().gt(0).max(1).nullable().default(null),
  lotSize: z.number().int().positive().default(1),
  noFillWithoutVolume: z.boolean().default(false),
  acRiskAversion: z.number().min(0).default(DEFAULT_AC_SETTINGS.riskAversion),
  out: z.string().default('runs/backtest'),
  threads: z.number().int().min(1).max(2).default(1),
  maxOrdersInMemory: z.number().int().positive().default(DEFAULT_MAX_ORDERS_IN_MEMORY),
  policyMode: z.enum(['greedy', 'expected']).nullable().default(null),
});

export function registerBacktestCommand(program: Command): void {
  program
    .command('backtest')
    .summary('run strategies over the same orders and print the results table')
    .description(
      'Run strategies over the same orders with the one simulator and print the results table (reward x 10^-2, PA in bps with 95% CI and day-clustered standard error, GLR, share PA > 0, fill rate, paired test against TWAP per order and on day means). Writes <out>/orders.csv, <out>/orders.json (per order) and <out>/summary.json.',
    )
    .addHelpText('after', '\nExample:\n  execlab backtest --strategy twap,vwap,ac,runs/opd/policy.json --split test')
    .option('--strategy <list>', 'comma-separated: twap, vwap, ac, static (the best static schedule fitted on the training split), planner (synthetic data: the model-aware past-only planner) and/or policy files', 'twap,vwap,ac')
    .option('--data <dir>', 'dataset directory', DEFAULT_DATA_DIR)
    .option('--split <name>', 'train | validation | test | all (ignored with --orders)', 'test')
    .option('--orders <file>', 'order file (CSV: instrument,date,side,quantity); default: one generated order per instrument-day')
    .option('--orders-seed <n>', 'seed of generated orders', toInt('--orders-seed'), 7)
    .option('--side <side>', 'side of generated orders: sell | buy | mixed', 'sell')
    .option('--participation-cap <x>', 'fill at most this share of each minute\'s market volume (0-1); the rest carries forward', toNumber('--participation-cap'))
    .option('--lot-size <n>', 'round fills down to whole lots (A-shares: 100)', toInt('--lot-size'), 1)
    .option('--no-fill-without-volume', 'no fills in zero-volume minutes (quantity carries forward)')
    .option('--ac-risk-aversion <lambda>', 'Almgren-Chriss risk aversion', toNumber('--ac-risk-aversion'), DEFAULT_AC_SETTINGS.riskAversion)
    .option('--out <dir>', 'output directory', 'runs/backtest')
    .option('--threads <n>', 'learned policies: 2 splits the orders\' inference over a worker thread (same numbers)', toInt('--threads'), 1)
    .option(
      '--max-orders-in-memory <n>',
      `orders whose episodes are held at once (about 6.5 KB each); more run in parts of whole dates, same results (default ${DEFAULT_MAX_ORDERS_IN_MEMORY})`,
      toInt('--max-orders-in-memory'),
    )
    .option('--policy-mode <mode>', "policies: 'greedy' (the most likely action) or 'expected' (the distribution's expected share of Q); default: the mode each policy file records, chosen on validation in training")
    .option('--config <file>', 'YAML or JSON file with any of these settings (flags win)')
    .action(function (this: Command) {
      const loose = userSettings(this);
      // commander's --no-fill-without-volume sets fillWithoutVolume=false
      if (this.getOptionValueSource('fillWithoutVolume') === 'cli') {
        delete loose.fillWithoutVolume;
        loose.noFillWithoutVolume = true;
      }
      const s = validateSettings(BacktestSchema, loose, 'backtest settings');
      const store = openDataset(s.data);
      if (s.orders === null) requireSplitDays(store, s.split);
      const sim = SimSettingsSchema.parse({ fill: { participationCap: s.participationCap, lotSize: s.lotSize, noFillWithoutVolume: s.noFillWithoutVolume } });
      const bar = progressBar('backtest data');
      const result = runBacktest(
        store,
        {
          strategies: s.strategy.split(',').map((x) => x.trim()).filter(Boolean),
          split: s.split,
          ordersFile: s.orders,
          orders: OrderSettingsSchema.parse({ seed: s.ordersSeed, side: s.side }),
          sim,
          ac: { ...DEFAULT_AC_SETTINGS, riskAversion: s.acRiskAversion },
          threads: s.threads,
          maxOrdersInMemory: s.maxOrdersInMemory,
          policyMode: s.policyMode,
        },
        bar.update,
      );
      bar.stop();
      const files = writeComparison(s.out, result.runs, result.reports, result.ran, { settings: s, sim, dataset: store.meta.name, skipped: result.skipped.length, environment: runEnvironment() });
      const inParts = result.parts > 1 ? `, in ${result.parts} parts of at most ${s.maxOrdersInMemory} orders` : '';
      process.stdout.write(`${result.ran.count} orders on ${new Set(result.ran.date).size} days (${s.orders ?? `${s.split} split`}${inParts})\n\n`);
      process.stdout.write(`${resultsTable(result.reports)}\n\n`);
      if (result.skipped.length > 0) {
        const reasons = new Map<string, number>();
        for (const k of result.skipped) reasons.set(k.reason, (reasons.get(k.reason) ?? 0) + 1);
        process.stdout.write(`skipped ${result.skipped.length} orders: ${[...reasons].map(([r, n]) => `${n} ${r}`).join('; ')}\n`);
      }
      process.stdout.write(`wrote ${files.join(', ')}\n`);
    });
}

import type { Command } from 'commander';
import { z } from 'zod';
import { validateSettings } from '../../config/validate.js';
import { generateOrders, OrderSettingsSchema, writeOrdersCsv } from '../../data/orders.js';
import { openDataset } from '../../data/store.js';
import { progressBar } from '../../util/progress.js';
import { DEFAULT_DATA_DIR, requireSplitDays, toInt, toNumber, userSettings } from '../options.js';

const GenerateSchema = OrderSettingsSchema.extend({
  data: z.string().default(DEFAULT_DATA_DIR),
  split: z.enum(['train', 'validation', 'test', 'all']).default('test'),
  out: z.string().default('orders.csv'),
});

/** `execlab orders generate` */
export function registerOrdersCommands(program: Command): void {
  const orders = program.command('orders').description('generate order files');
  orders
    .command('generate')
    .description(
      'Draw one order per valid instrument-day of a split (SPEC 9): quantity = lognormal(-3.28, 1.14) x the day\'s mean minute volume, one draw per order, rounded up to whole lots. Writes CSV: instrument,date,side,quantity.',
    )
    .option('--data <dir>', 'dataset directory', DEFAULT_DATA_DIR)
    .option('--split <name>', 'train | validation | test | all', 'test')
    .option('--side <side>', 'sell | buy | mixed (50/50 per order)', 'sell')
    .option('--seed <n>', 'random seed', toInt('--seed'), 7)
    .option('--size-log-mean <x>', 'log-mean of Q / mean minute volume', toNumber('--size-log-mean'), -3.28)
    .option('--size-log-std <x>', 'log-std of Q / mean minute volume', toNumber('--size-log-std'), 1.14)
    .option('--lot-size <n>', 'round Q up to whole lots of this many shares', toInt('--lot-size'), 100)
    .option('--per-instrument-day <n>', 'orders per valid instrument-day', toInt('--per-instrument-day'), 1)
    .option('--out <file>', 'output CSV', 'orders.csv')
    .option('--config <file>', 'YAML or JSON file with any of these settings (flags win)')
    .action(function (this: Command) {
      const s = validateSettings(GenerateSchema, userSettings(this), 'orders settings');
      const store = openDataset(s.data);
      requireSplitDays(store, s.split);
      const bar = progressBar('orders');
      const list = generateOrders(store, store.datesOf(s.split), s, bar.update);
      bar.stop();
      writeOrdersCsv(s.out, list);
      process.stdout.write(`wrote ${list.length} ${s.side} orders over ${store.datesOf(s.split).length} ${s.split} days to ${s.out}\n`);
    });
}

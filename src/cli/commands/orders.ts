import type { Command } from 'commander';
import { z } from 'zod';
import { validateSettings } from '../../config/validate.js';
import { generateOrders, OrderSettingsSchema, writeOrdersCsv } from '../../data/orders.js';
import { openDataset } from '../../data/store.js';
import { progressBar } from '../../util/progress.js';
import { DEFAULT_DATA_DIR, requireSplitDays, userSettings } from '../options.js';
import { addSchemaOptions } from '../schema-options.js';
import { printable } from '../../util/text.js';

/** `execlab orders generate` settings: the order model plus where to read and write. */
export const GenerateSchema = OrderSettingsSchema.extend({
  data: z.string().min(1).default(DEFAULT_DATA_DIR).describe('dataset directory'),
  split: z.enum(['train', 'validation', 'test', 'all']).default('test').describe('the split whose valid instrument-days get orders'),
  out: z.string().min(1).default('orders.csv').describe('output CSV'),
}).strict();

/** `execlab orders generate` */
export function registerOrdersCommands(program: Command): void {
  const orders = program.command('orders').description('generate order files');
  const generate = orders
    .command('generate')
    .description(
      "Draw one order per valid instrument-day of a split (SPEC 9): quantity = lognormal(-3.28, 1.14) x the day's mean minute volume, one draw per order, rounded up to whole lots. Writes CSV: instrument,date,side,quantity (fields quoted as RFC 4180 needs).",
    )
    .option('--config <file>', 'YAML or JSON file with any of these settings, keys in camelCase (flags win)');
  addSchemaOptions(generate, GenerateSchema);
  generate.action(function (this: Command) {
    const s = validateSettings(GenerateSchema, userSettings(this), 'orders settings');
    const store = openDataset(s.data);
    requireSplitDays(store, s.split);
    const bar = progressBar('orders');
    const list = generateOrders(store, store.datesOf(s.split), s, bar.update);
    bar.stop();
    writeOrdersCsv(s.out, list);
    process.stdout.write(printable(`wrote ${list.length} ${s.side} orders over ${store.datesOf(s.split).length} ${s.split} days to ${s.out}\n`, true));
  });
}

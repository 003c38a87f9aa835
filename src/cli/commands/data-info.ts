import type { Command } from 'commander';
import { DatasetStore } from '../../data/store.js';
import { dataInfo, formatDataInfo } from '../../data/import/info.js';

/** Where `execlab data synth` writes by default, and so what `data info` reads by default. */
export const DEFAULT_INFO_DIR = 'data/synthetic';

/** `execlab data info [--data DIR] [--json]` */
export function registerDataInfo(data: Command): void {
  data
    .command('info')
    .summary("print a dataset's data-quality report")
    .description(
      'Print the data-quality report of a dataset: source, session, dates and split, instruments, instrument-days kept and excluded by reason (with examples), repairs by rule, rows read and the feature statistics.',
    )
    .option('--data <dir>', 'dataset directory', DEFAULT_INFO_DIR)
    .option('--json', 'print the report as JSON')
    .action((opts: { data: string; json?: boolean }) => {
      const store = new DatasetStore(opts.data);
      if (opts.json) process.stdout.write(`${JSON.stringify(dataInfo(store.meta, opts.data), null, 2)}\n`);
      else process.stdout.write(formatDataInfo(store.meta, opts.data));
    });
}

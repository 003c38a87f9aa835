import type { Command } from 'commander';
import { ExecLabError } from '../../errors.js';
import { DEFAULT_COLUMNS } from '../../data/import/columns.js';
import { importBars, type ImportOptions, type ImportResult } from '../../data/import/importer.js';
import { ImportSettingsSchema } from '../../data/import/settings.js';
import { userSettings } from '../options.js';
import { addSchemaOptions } from '../schema-options.js';
import { progressBar } from '../../util/progress.js';
import { printable } from '../../util/text.js';

const HELP_AFTER = `
Inputs: files or directories (searched recursively for *.csv, *.csv.gz and *.parquet). Rows may
come in any order and one day may be spread over several files; gzip is detected from the bytes.

Split: the last --test-days are the test split, the --validation-days before them validation, the
rest training (at least one day). 0 is allowed; with one or two days the default counts shrink so
that one training day is kept, and the import says so.

Columns: FIELD=COLUMN pairs over the defaults. Fields: code, time, open, high, low, close, volume,
optional date (separate date column; time then holds only the clock), avgPrice (the bar's average
traded price) or turnover (traded value: average price = turnover / shares). Without either the
average price is approximated as (open + 2 high + 2 low + close) / 6.

Config file (YAML or JSON): the same settings in camelCase (${Object.keys(ImportSettingsSchema.shape).join(', ')});
flags given on the command line win; an unknown key is refused.

Output: --out is replaced only when it is new, empty or an ExecLab dataset (a directory with a
dataset meta.json); --force also replaces another directory. Never a file, an input (or a directory
containing one, or inside one), the current directory or a parent of it. Temporaries that killed
runs left next to --out (<out>.tmp-<pid>, <out>.rows-tmp-<pid>) are removed.

Cleaning rules (implausible prices and volumes included) and the dataset layout: docs/DATA.md.
The import is atomic: on any error (every malformed file is listed), and when no instrument-day (or
none in one of the splits) is kept, an existing dataset at --out is left as it was and the exit
code is not 0.

Examples:
  execlab data import data/raw/ashare-1min --out data/ashare
  execlab data import bars/*.parquet --session us --volume-unit 1 --labels start --out data/us
  execlab data import day.csv.gz --columns code=symbol,time=datetime,turnover=amount --bar-minutes 5
  execlab data import bars-15min/ --columns code=symbol,time=datetime,turnover=amount --volume-unit 1
  execlab data import one-day.csv --out data/one-day     # one day: backtest it with --split all
`;

function summary(r: ImportResult): string {
  const m = r.meta;
  const q = m.quality;
  const int = (n: number): string => n.toLocaleString('en-US');
  const drops = Object.entries(r.rows.dropped)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k.replace(/([A-Z])/g, ' $1').toLowerCase()} ${int(v)}`);
  const excl = q.exclusions.filter((e) => e.count > 0).map((e) => `${e.reason} ${int(e.count)}`);
  const droppedTotal = r.rows.read - r.rows.used;
  return [
    `imported ${m.dates.length} days (${m.dates[0]} .. ${m.dates[m.dates.length - 1]}), ${int(m.instruments.length)} instruments, ${m.barMinutes}-minute bars (${m.minutesPerDay} per day) into ${r.dir} in ${r.seconds.toFixed(1)} s`,
    `rows: ${int(r.rows.read)} read from ${r.files.length} file${r.files.length === 1 ? '' : 's'}, ${int(r.rows.used)} used, ${int(droppedTotal)} dropped${drops.length ? ` (${drops.join(', ')})` : ''}`,
    `instrument-days: ${int(q.instrumentDaysKept)} kept, ${int(q.instrumentDaysExcluded)} excluded${excl.length ? ` (${excl.join(', ')})` : ''}`,
    `split: train ${m.split.train.length}, validation ${m.split.validation.length}, test ${m.split.test.length} days; average price: ${m.avgPriceSource === 'bar' ? 'from the data' : 'OHLC approximation'}`,
    `full report: execlab data info --data ${r.dir}`,
  ].join('\n');
}

/** The notes (input bar length, temporaries removed), then the summary. */
function report(r: ImportResult): string {
  return [...r.notes, summary(r)].join('\n');
}

/** `execlab data import <paths...>` */
export function registerDataImport(data: Command): void {
  const cmd = data
    .command('import')
    .summary('import minute bars (CSV, gzipped CSV, Parquet) into a dataset')
    .description('Import minute bars from CSV, gzipped CSV or Parquet files, clean them by documented, counted rules and write a dataset.')
    .argument('[paths...]', 'bar files or directories holding them')
    .option('--config <file>', 'YAML or JSON file with the same settings, keys in camelCase (flags win)')
    .option('--quiet', 'no progress output');
  addSchemaOptions(cmd, ImportSettingsSchema, {
    skip: ['inputs'],
    defaultHelp: {
      out: '(default data/<session>, e.g. data/ashare)',
      name: "(default: the output directory's name)",
      columns: `(default ${Object.entries(DEFAULT_COLUMNS).map(([k, v]) => `${k}=${v}`).join(',')})`,
      inputMinutes: '(default: detected from the timestamps; a value they contradict is refused)',
      barMinutes: '(default: the input bar length)',
      validationDays: '[default: 1]',
      testDays: '[default: 1]',
      timezone: '(default from the session: Asia/Shanghai, America/New_York)',
    },
  });
  cmd.addHelpText('after', HELP_AFTER).action(async (paths: string[], opts: Record<string, unknown>, command: Command) => {
    const settings = userSettings(command, ['config', 'quiet']);
    if (paths.length > 0) settings.inputs = paths;
    if (settings.inputs === undefined) {
      throw new ExecLabError('no input: give bar files or directories (execlab data import <paths...>) or `inputs` in --config', 2);
    }
    const bar = progressBar('importing', opts.quiet === true);
    let result: ImportResult;
    try {
      result = await importBars(settings as ImportOptions, bar.update);
    } finally {
      bar.stop();
    }
    process.stdout.write(`${printable(report(result), true)}\n`);
  });
}

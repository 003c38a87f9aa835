import type { Command } from 'commander';
import { mergeSettings, readConfigFile } from '../../config/validate.js';
import { ExecLabError } from '../../errors.js';
import { importBars, type ImportResult } from '../../data/import/importer.js';
import { progressBar } from '../../util/progress.js';
import { printable } from '../../util/text.js';

const HELP_AFTER = `
Inputs: files or directories (searched recursively for *.csv, *.csv.gz and *.parquet). Rows may
come in any order and one day may be spread over several files; gzip is detected from the bytes.

Defaults: --out data/<session> (data/ashare), --format auto (by extension), --columns
code=code,time=time,open=open,high=high,low=low,close=close,volume=volume, --volume-unit 100
(A-share lots -> shares), --session ashare, --input-minutes: detected from the timestamps (the
most common gap between consecutive bars of one instrument-day; a given value that the timestamps
contradict is refused), --bar-minutes: the input bar length, --labels end,
--validation-days 1, --test-days 1 (last day test, the day before validation, the rest train; 0 is
allowed, and with one or two days the defaults shrink so that one training day is kept),
--max-missing-share 0.2, --max-bad-price-bars 5, --max-price-ratio 2, --max-volume-ratio 10000,
--max-day-jump 10.

Columns: FIELD=COLUMN pairs over the defaults. Fields: code, time, open, high, low, close, volume,
optional date (separate date column; time then holds only the clock), avgPrice (the bar's average
traded price) or turnover (traded value: average price = turnover / shares). Without either the
average price is approximated as (open + 2 high + 2 low + close) / 6.

Config file (YAML or JSON): the same settings in camelCase (inputs, out, format, columns,
volumeUnit, session, barMinutes, inputMinutes, labels, validationDays, testDays, maxMissingShare,
maxBadPriceBars, maxPriceRatio, maxVolumeRatio, maxDayJump, maxRowsInMemory, timezone, name, force); flags given on the command line win.

Output: --out is replaced only when it is new, empty or an ExecLab dataset (a directory with a
dataset meta.json); --force also replaces another directory. Never a file, an input (or a directory
containing one, or inside one), the current directory or a parent of it. Temporaries that killed
runs left next to --out (<out>.tmp-<pid>, <out>.rows-tmp-<pid>) are removed.

Cleaning rules and the dataset layout: docs/DATA.md. The import is atomic: on any error, and when
no instrument-day (or none in one of the splits) is kept, an existing dataset at --out is left as
it was and the exit code is not 0.

Examples:
  execlab data import data/raw/ashare-1min --out data/ashare
  execlab data import bars/*.parquet --session us --volume-unit 1 --labels start --out data/us
  execlab data import day.csv.gz --columns code=symbol,time=datetime,turnover=amount --bar-minutes 5
  execlab data import bars-15min/ --columns code=symbol,time=datetime,turnover=amount --volume-unit 1
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
  data
    .command('import')
    .summary('import minute bars (CSV, gzipped CSV, Parquet) into a dataset')
    .description('Import minute bars from CSV, gzipped CSV or Parquet files, clean them by documented, counted rules and write a dataset.')
    .argument('[paths...]', 'bar files or directories holding them')
    .option('--out <dir>', 'output dataset directory (default data/<session>, e.g. data/ashare); replaced only if new, empty or a dataset')
    .option('--force', 'also replace an --out directory that is not a dataset (everything in it is deleted)')
    .option('--format <format>', 'input format: auto | csv | parquet (default auto)')
    .option('--columns <pairs>', 'column mapping FIELD=COLUMN,... e.g. code=symbol,time=datetime')
    .option('--volume-unit <shares>', 'shares per input volume unit (default 100: lots)')
    .option('--session <name>', 'trading session: ashare | us (default ashare)')
    .option('--bar-minutes <n>', 'dataset bar length: 1 | 5 | 10 | 15 | 30 (default the input bar length; larger aggregates)')
    .option('--input-minutes <n>', 'bar length of the input files (default: detected from the timestamps)')
    .option('--labels <end|start>', "bar time label is the bar's end (default) or start")
    .option('--validation-days <n>', 'validation days before the test days, 0 or more (default 1)')
    .option('--test-days <n>', 'last days used as test split, 0 or more (default 1)')
    .option('--max-missing-share <x>', 'exclude an instrument-day missing more than this share of minutes (default 0.2)')
    .option('--max-bad-price-bars <n>', 'exclude an instrument-day with more bad-price bars than this (default 5)')
    .option('--max-price-ratio <x>', "a price more than this factor from the instrument-day's median close is implausible (default 2)")
    .option('--max-volume-ratio <x>', "a bar volume more than this many times the day's median bar volume is absurd: the day is excluded (default 10000)")
    .option('--max-day-jump <x>', 'exclude an instrument-day whose median close is more than this factor from the last kept close (default 10)')
    .option('--max-rows-in-memory <n>', 'rows held in memory while reading; beyond, rows spill to temporary files per day (default 8000000)')
    .option('--timezone <iana>', 'time zone of UTC Parquet timestamps (default from the session)')
    .option('--name <name>', "dataset name (default the output directory's name)")
    .option('--config <file>', 'YAML or JSON file with the same settings')
    .option('--quiet', 'no progress output')
    .addHelpText('after', HELP_AFTER)
    .action(async (paths: string[], opts: Record<string, unknown>, cmd: Command) => {
      const file = typeof opts.config === 'string' ? readConfigFile(opts.config) : {};
      const flags: Record<string, unknown> = {};
      for (const key of Object.keys(opts)) {
        if (key === 'config' || key === 'quiet') continue;
        if (cmd.getOptionValueSource(key) === 'cli') flags[key] = opts[key];
      }
      if (paths.length > 0) flags.inputs = paths;
      const settings = mergeSettings(file, flags);
      if (settings.inputs === undefined) {
        throw new ExecLabError('no input: give bar files or directories (execlab data import <paths...>) or `inputs` in --config', 2);
      }
      const bar = progressBar('importing', opts.quiet === true);
      let result: ImportResult;
      try {
        result = await importBars(settings as never, bar.update);
      } finally {
        bar.stop();
      }
      process.stdout.write(`${printable(report(result), true)}\n`);
    });
}

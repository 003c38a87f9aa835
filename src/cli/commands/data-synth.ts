import type { Command } from 'commander';
import { mergeSettings, readConfigFile, validateSettings } from '../../config/validate.js';
import { progressBar } from '../../util/progress.js';
import { describeCleanup, removeStaleTemporaries } from '../../util/stale-temporaries.js';
import { datasetTarget } from '../../data/store.js';
import { DEFAULT_SYNTH_PARAMS, SynthParamsSchema } from '../../synth/params.js';
import { generateSyntheticMarket } from '../../synth/market.js';
import { DEFAULT_DATA_DIR } from '../options.js';

/** Flag name -> parameter key; the value is parsed as a number (zod reports anything that is not one). */
const NUMERIC_FLAGS = {
  seed: 'seed',
  instruments: 'instruments',
  days: 'days',
  predictability: 'predictability',
  validationDays: 'validationDays',
  testDays: 'testDays',
  barMinutes: 'barMinutes',
} as const;

function numeric(value: string): number | string {
  const x = Number(value);
  return value.trim() !== '' && Number.isFinite(x) ? x : value;
}

/** `execlab data synth`: generate the synthetic market (docs/SYNTHETIC_MARKET.md) as a dataset. */
export function registerDataSynth(data: Command): void {
  const d = DEFAULT_SYNTH_PARAMS;
  data
    .command('synth')
    .description('generate the synthetic minute-bar market (the project default dataset) and write it as a dataset')
    .option('--out <dir>', 'dataset directory to write (replaced only once the new dataset is complete, and only if new, empty or a dataset)', DEFAULT_DATA_DIR)
    .option('--force', 'also replace an --out directory that is not a dataset (everything in it is deleted)')
    .option('--seed <n>', `random seed; the same settings and seed give identical bars (default ${d.seed})`)
    .option('--instruments <n>', `number of instruments (default ${d.instruments})`)
    .option('--days <n>', `number of trading days, consecutive weekdays from ${d.startDate} (default ${d.days})`)
    .option('--predictability <x>', `strength of the past-only intraday signal; 0 = no past-only policy beats TWAP in expectation (default ${d.predictability})`)
    .option('--validation-days <n>', `days in the validation split, just before the test days (default ${d.validationDays})`)
    .option('--test-days <n>', `days in the test split, the last days (default ${d.testDays})`)
    .option('--bar-minutes <n>', `bar length in minutes: 1 (240 A-share bars a day) or 5 (48 bars) (default ${d.barMinutes})`)
    .option('--config <file>', 'YAML or JSON file with any generator setting (see docs/SYNTHETIC_MARKET.md); flags win over it')
    .option('--quiet', 'no progress bar')
    .addHelpText(
      'after',
      `
Every model parameter (volatility, tails, jumps, volume, intraday profiles, session 'ashare' | 'us',
tick size, ...) can be set in --config; the file may also name the output directory as 'out'.
--out is never a file, the current directory or a parent of it; a directory that is not a dataset
is replaced only with --force. Temporaries of killed runs next to it (<out>.tmp-<pid>) are removed.
Example:  execlab data synth --out data/synthetic --seed 7 --predictability 0`,
    )
    .action((opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const file = typeof opts.config === 'string' ? readConfigFile(opts.config) : {};
      const { out: fileOut, ...fileSettings } = file;
      const flags: Record<string, unknown> = {};
      for (const [flag, key] of Object.entries(NUMERIC_FLAGS)) {
        const v = opts[flag];
        if (typeof v === 'string') flags[key] = numeric(v);
      }
      const params = validateSettings(SynthParamsSchema, mergeSettings(fileSettings, flags), 'synthetic market settings');
      const outFromFlag = cmd.getOptionValueSource('out') === 'cli';
      const outDir = !outFromFlag && typeof fileOut === 'string' ? fileOut : String(opts.out);
      const force = opts.force === true;
      const cleanup = describeCleanup(removeStaleTemporaries(datasetTarget(outDir, { force })));
      if (cleanup !== null) process.stdout.write(`${cleanup}\n`);

      const bar = progressBar('synthetic market', opts.quiet === true);
      const t0 = Date.now();
      let meta;
      try {
        meta = generateSyntheticMarket(params, outDir, bar.update, { force });
      } finally {
        bar.stop();
      }
      const seconds = ((Date.now() - t0) / 1000).toFixed(1);
      const { split, quality } = meta;
      const excluded = quality.instrumentDaysExcluded > 0 ? `, ${quality.instrumentDaysExcluded} instrument-days without trades marked invalid` : '';
      process.stdout.write(
        `synthetic market: ${meta.instruments.length} instruments x ${meta.dates.length} days ` +
          `(${split.train.length} train / ${split.validation.length} validation / ${split.test.length} test), ` +
          `${meta.minutesPerDay} bars a day, ${quality.rowsRead.toLocaleString('en-US')} bars, ` +
          `predictability ${params.predictability}, seed ${params.seed}${excluded} -> ${outDir} (${seconds} s)\n`,
      );
    });
}

import type { Command } from 'commander';
import { printable } from '../../util/text.js';
import { mergeSettings, readConfigFile, validateSettings } from '../../config/validate.js';
import { progressBar } from '../../util/progress.js';
import { describeCleanup, removeStaleTemporaries } from '../../util/stale-temporaries.js';
import { datasetTarget } from '../../data/store.js';
import { DEFAULT_SYNTH_PARAMS, SynthParamsSchema } from '../../synth/params.js';
import { generateSyntheticMarket } from '../../synth/market.js';
import { DEFAULT_DATA_DIR, typedFlags } from '../options.js';
import { addSchemaOptions } from '../schema-options.js';

/** Help of the generator settings that have a flag (every other one can be set in --config). */
const FLAG_HELP: Readonly<Record<string, string>> = {
  seed: 'random seed; the same settings and seed give identical bars',
  instruments: 'number of instruments',
  days: `number of trading days, consecutive weekdays from ${DEFAULT_SYNTH_PARAMS.startDate}`,
  predictability: 'strength of the past-only intraday signal; 0 = no past-only policy beats TWAP in expectation',
  validationDays: 'days in the validation split, just before the test days',
  testDays: 'days in the test split, the last days',
  barMinutes: 'bar length in minutes: 1 (240 A-share bars a day) or 5 (48 bars)',
};

/** `execlab data synth`: generate the synthetic market (docs/SYNTHETIC_MARKET.md) as a dataset. */
export function registerDataSynth(data: Command): void {
  const cmd = data
    .command('synth')
    .description('generate the synthetic minute-bar market (the project default dataset) and write it as a dataset')
    .option('--out <dir>', 'dataset directory to write (replaced only once the new dataset is complete, and only if new, empty or a dataset)', DEFAULT_DATA_DIR)
    .option('--force', 'also replace an --out directory that is not a dataset (everything in it is deleted)')
    .option('--config <file>', 'YAML or JSON file with any generator setting, keys in camelCase (see docs/SYNTHETIC_MARKET.md); flags win over it')
    .option('--quiet', 'no progress bar');
  addSchemaOptions(cmd, SynthParamsSchema, { only: Object.keys(FLAG_HELP), help: FLAG_HELP });
  cmd
    .addHelpText(
      'after',
      `
Every model parameter (volatility, tails, jumps, volume, intraday profiles, session 'ashare' | 'us',
tick size, ...) can be set in --config; the file may also name the output directory as 'out'.
--out is never a file, the current directory or a parent of it; a directory that is not a dataset
is replaced only with --force. Temporaries of killed runs next to it (<out>.tmp-<pid>) are removed.
Example:  execlab data synth --out data/synthetic --seed 7 --predictability 0`,
    )
    .action((opts: Record<string, string | boolean | undefined>, command: Command) => {
      const path = typeof opts.config === 'string' ? opts.config : undefined;
      const file = path !== undefined ? readConfigFile(path) : {};
      // The config file may name the output directory too; the rest are generator parameters.
      const { out: fileOut, ...fileSettings } = file;
      const flags = typedFlags(command, ['config', 'out', 'force', 'quiet']);
      const params = validateSettings(SynthParamsSchema, mergeSettings(fileSettings, flags.values, { file: path, flags: flags.flagOf }), 'synthetic market settings');
      const outFromFlag = command.getOptionValueSource('out') === 'cli';
      const outDir = !outFromFlag && typeof fileOut === 'string' ? fileOut : String(opts.out);
      const force = opts.force === true;
      const cleanup = describeCleanup(removeStaleTemporaries(datasetTarget(outDir, { force })));
      if (cleanup !== null) process.stdout.write(`${printable(cleanup, true)}\n`);

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
          `predictability ${params.predictability}, seed ${params.seed}${excluded} -> ${printable(outDir)} (${seconds} s)\n`,
      );
    });
}

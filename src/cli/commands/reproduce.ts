import type { Command } from 'commander';
import { printable } from '../../util/text.js';
import { validateSettings } from '../../config/validate.js';
import { reproduce } from '../../reproduce/pipeline.js';
import { ReproduceSettingsSchema } from '../../reproduce/settings.js';
import { resultsTable } from '../../report/console.js';
import { progressBoard } from '../../util/progress.js';
import { distributedExecutor } from '../../distributed/executor.js';
import { DistributedSchema, withCoordinator } from '../../distributed/settings.js';
import { openDataset } from '../../data/store.js';
import { requireSplits, userSettings } from '../options.js';
import { addSchemaOptions, narrowNumbers } from '../schema-options.js';
import { MAX_EPISODES_IN_MEMORY } from '../../rl/train.js';

/**
 * `execlab reproduce` settings as the CLI accepts them: the pipeline's schema with ranges a
 * practitioner would use, and no unknown keys (a typo in a config file would silently run the default).
 */
export const ReproduceCliSchema = narrowNumbers(ReproduceSettingsSchema, {
  seeds: (n) => n.max(100),
  predictability: (n) => n.max(20),
  workers: (n) => n.max(256),
  learningRate: (n) => n.max(1),
  distillCoef: (n) => n.max(100),
  entropyCoef: (n) => n.max(1),
  iterations: (n) => n.max(1_000_000),
  episodesPerIteration: (n) => n.max(MAX_EPISODES_IN_MEMORY),
})
  .extend(DistributedSchema.shape)
  .strict();

export function registerReproduceCommand(program: Command): void {
  const cmd = program
    .command('reproduce')
    .summary('reproduce the paper end to end and write the report')
    .description(
      'Reproduce the paper end to end: dataset (the embedded synthetic market unless --data), orders, rule baselines (TWAP, VWAP, AC, the fitted static schedule, the forecast planner), every learned method (OPD-T, OPD-S, OPD, OPD-F: PPO distilled from the forecast planner, PPO, DDQN) trained with N seeds and evaluated once on the test split, then <out>/report/report.md and report.html, and <out>/deploy/: the policy to deploy, the student (method and seed) with the best validation score under --selection if it beats TWAP\'s (choice.json lists every candidate; policy.json is the chosen file, for backtest --strategy and serve --policy; the test split plays no part in the choice). On a dataset imported with --test-days 0 it trains every method on all the training days, chooses the policy to deploy on validation and evaluates nothing: the run that makes the policy for the days after the data. Re-running reuses finished trainings (cache keyed by data, settings and seed) and resumes killed ones.',
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  execlab reproduce --quick                      # a few minutes on 2 cores',
        '  execlab reproduce --seeds 3                    # the full run of docs/RESULTS.md',
        '  execlab reproduce --predictability 0 --quick   # the null market: nothing should beat TWAP',
        '  execlab reproduce --data data/ashare --quick   # on imported real data',
        '  execlab reproduce --data data/ashare-all --methods OPD-F   # a dataset imported with --test-days 0: the policy for the next days',
        '  execlab reproduce --data data/ashare --method-sweeps runs/sw-opds/sweep.json,runs/sw-ppo/sweep.json   # each learner with its own sweep\'s choice',
        '  execlab reproduce --quick --redis redis://10.0.0.5:6379   # trainings and evaluations on workers (execlab worker)',
      ].join('\n'),
    )
    .option('--config <file>', 'YAML or JSON file with any of these settings (flags win)');
  addSchemaOptions(cmd, ReproduceCliSchema);
  cmd.action(async function (this: Command) {
    const loose = userSettings(this);
    if (typeof loose.methods === 'string') loose.methods = loose.methods.split(',');
    const { redis, shardDays, ...s } = validateSettings(ReproduceCliSchema, loose, 'reproduce settings');
    // A dataset without a test split is the run for the days after it: trained, chosen on validation, not tested.
    if (s.data !== null) requireSplits(openDataset(s.data), 'reproduce', ['validation']);
    const board = progressBoard();
    const ui = { bar: board.bar, log: (line: string) => process.stderr.write(`${printable(line, true)}\n`) };
    const command = `execlab ${process.argv.slice(2).join(' ')}`;
    const out = await (redis ? withCoordinator(redis, ui, (c) => reproduce(s, ui, command, distributedExecutor(c, { shardDays }))) : reproduce(s, ui, command)).finally(() => board.stop());
    const table = out.report.strategies.length > 0 ? `${resultsTable(out.report.strategies)}\n\n` : '';
    process.stdout.write(printable(`\n${table}${out.report.notes.map((n) => `- ${n}`).join('\n')}\n\nreport: ${out.markdownPath}\n        ${out.htmlPath}\n`, true));
  });
}

import type { Command } from 'commander';
import { validateSettings } from '../../config/validate.js';
import { sweep, SweepSettingsSchema } from '../../reproduce/sweep.js';
import { progressBoard } from '../../util/progress.js';
import { printable } from '../../util/text.js';
import { distributedExecutor } from '../../distributed/executor.js';
import { DistributedSchema, withCoordinator } from '../../distributed/settings.js';
import { userSettings } from '../options.js';
import { addSchemaOptions } from '../schema-options.js';

export function registerSweepCommand(program: Command): void {
  const cmd = program
    .command('sweep')
    .summary('search learner settings on the validation split (several seeds per point)')
    .description(
      'Train one learned method for every combination of --grid values, with --seeds seeds each, and score each trial by the mean over its seeds of the validation mean PA (in the evaluation mode each policy chose on validation). The test split is never read. Writes <out>/sweep.json and sweep.md (every trial) and <out>/chosen.json, a reproduce --config file with the best trial\'s settings; then `execlab reproduce --config <out>/chosen.json --sweep <out>/sweep.json` evaluates the test split once and puts the sweep in the report. Trials are cached and resumable like reproduce\'s.',
    )
    .addHelpText(
      'after',
      [
        '',
        'Example:',
        "  execlab sweep --data data/ashare15 --method OPD-S --seeds 2 --quick \\",
        "    --grid 'learningRate=1e-3,3e-3;entropyCoef=0,0.01;marketContext=true,false' --initial-policy twap",
      ].join('\n'),
    )
    .option('--config <file>', 'YAML or JSON file with any of these settings (flags win)');
  const schema = SweepSettingsSchema.extend({ redis: DistributedSchema.shape.redis }).strict();
  addSchemaOptions(cmd, schema);
  cmd.action(async function (this: Command) {
    const { redis, ...s } = validateSettings(schema, userSettings(this), 'sweep settings');
    const board = progressBoard();
    const bar = board.bar('sweep');
    const ui = { bar: board.bar, log: (line: string) => process.stderr.write(`${printable(line, true)}\n`) };
    const r = await (redis ? withCoordinator(redis, ui, (c) => sweep(s, bar.update, distributedExecutor(c))) : sweep(s, bar.update)).finally(() => {
      bar.stop();
      board.stop();
    });
    const best = r.trials[r.chosen - 1];
    process.stdout.write(
      `${r.trials.length} trials x ${best.seeds.length} seeds; chosen trial ${r.chosen} ${JSON.stringify(best.point)}: validation PA ${best.meanValidPaBps.toFixed(2)} bps\nwrote ${s.out}/sweep.json, ${s.out}/sweep.md, ${s.out}/chosen.json\n`,
    );
  });
}

import type { Command } from 'commander';
import { join } from 'node:path';
import { validateSettings } from '../../config/validate.js';
import { OrderSettingsSchema } from '../../data/orders.js';
import { openDataset } from '../../data/store.js';
import { ExecLabError } from '../../errors.js';
import { loadPolicy } from '../../rl/common/policy-file.js';
import { DdqnSettingsSchema } from '../../rl/ddqn/settings.js';
import { PpoSettingsSchema } from '../../rl/ppo/settings.js';
import { MAX_EPISODES_IN_MEMORY, prepareTrainingData, trainPolicy, type TrainJob } from '../../rl/train.js';
import { SimSettingsSchema } from '../../sim/settings.js';
import { progressBar } from '../../util/progress.js';
import { DEFAULT_DATA_DIR, requireSplits, userSettings } from '../options.js';
import { addSchemaOptions } from '../schema-options.js';

/** `execlab train`: one policy, PPO (OPD-T, OPD-S, OPD, Lin-Beling PPO) or DDQN. */
export function registerTrainCommand(program: Command): void {
  const cmd = program
    .command('train')
    .summary('train a policy (PPO: OPD-T, OPD-S, OPD, Lin-Beling PPO; or DDQN)')
    .description(
      'Train a policy on the training split, validating on the validation split; the best checkpoint by validation PA is written to <out>/policy.json, with <out>/metrics.jsonl and <out>/checkpoint.json. PPO settings apply with --algo ppo, DDQN settings with --algo ddqn; --config file.yaml may hold any of them.',
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  execlab train --algo ppo --view teacher --out runs/opd-t          # OPD-T, the oracle teacher',
        '  execlab train --algo ppo --out runs/opd-s                         # OPD-S, the pure student',
        '  execlab train --algo ppo --teacher runs/opd-t/policy.json --out runs/opd   # OPD',
        '  execlab train --algo ppo --reward sparse --previous-action-in-state --out runs/ppo  # Lin & Beling',
        '  execlab train --algo ddqn --out runs/ddqn',
      ].join('\n'),
    )
    .requiredOption('--algo <algo>', 'ppo | ddqn')
    .option('--data <dir>', 'dataset directory', DEFAULT_DATA_DIR)
    .option('--out <dir>', 'output directory', 'runs/train')
    .option('--name <name>', 'display name of the method in reports (default from the settings)')
    .option('--teacher <policy.json>', 'distil from this trained teacher (OPD); PPO only')
    .option('--distill-mode <mode>', "query: ask the teacher on the student's state (the paper); replay: the teacher's own actions", 'query')
    .option('--distill-coef <mu>', 'weight mu of the distillation loss (SPEC 8: 0.01)', '0.01')
    .option('--resume', 'continue from <out>/checkpoint.json')
    .option('--threads <n>', 'threads to use. With 2 or more, rollouts and validation step the environments on 2 threads (same results as 1), and PPO computes each minibatch gradient on n network replicas (the same update up to float rounding; a PPO run resumes only with the same n)', '1')
    .option('--orders-seed <n>', 'seed of the training and validation orders', '7')
    .option('--config <file>', 'YAML or JSON file with settings (flags win)');
  addSchemaOptions(cmd, PpoSettingsSchema);
  const ddqnOnly = Object.keys(DdqnSettingsSchema.shape).filter((k) => !(k in PpoSettingsSchema.shape));
  addSchemaOptions(cmd, DdqnSettingsSchema.pick(Object.fromEntries(ddqnOnly.map((k) => [k, true])) as never));
  cmd.action(async function (this: Command) {
    const opts = this.opts() as Record<string, string | boolean | undefined>;
    const algo = opts.algo;
    if (algo !== 'ppo' && algo !== 'ddqn') throw new ExecLabError(`--algo '${String(algo)}': expected ppo or ddqn`, 2);
    const own = ['algo', 'data', 'out', 'name', 'teacher', 'distillMode', 'distillCoef', 'resume', 'ordersSeed', 'config', 'threads'];
    const threads = Number(opts.threads);
    if (!Number.isInteger(threads) || threads < 1) throw new ExecLabError(`--threads '${String(opts.threads)}': expected an integer >= 1`, 2);
    const loose = userSettings(this, own);
    const store = openDataset(String(opts.data));
    requireSplits(store, 'training', ['validation']);
    const sim = SimSettingsSchema.parse({});
    const orders = OrderSettingsSchema.parse({ seed: Number(opts.ordersSeed) });
    let job: TrainJob;
    if (algo === 'ppo') {
      const keys = Object.keys(PpoSettingsSchema.shape);
      const settings = validateSettings(PpoSettingsSchema, pick(loose, keys), 'PPO settings');
      const teacher = opts.teacher ? { policy: loadPolicy(String(opts.teacher)), mode: opts.distillMode as 'query' | 'replay', coef: Number(opts.distillCoef) } : undefined;
      if (teacher && teacher.mode !== 'query' && teacher.mode !== 'replay') throw new ExecLabError(`--distill-mode '${String(teacher.mode)}': expected query or replay`, 2);
      if (teacher && !(teacher.coef >= 0)) throw new ExecLabError(`--distill-coef '${String(opts.distillCoef)}': expected a number >= 0`, 2);
      const name = String(opts.name ?? (settings.view === 'teacher' ? 'OPD-T' : teacher ? 'OPD' : settings.reward === 'sparse' ? 'PPO' : 'OPD-S'));
      job = { algo, name, settings, teacher };
    } else {
      const keys = Object.keys(DdqnSettingsSchema.shape);
      const settings = validateSettings(DdqnSettingsSchema, pick(loose, keys), 'DDQN settings');
      job = { algo, name: String(opts.name ?? 'DDQN'), settings };
    }
    const prep = progressBar('episodes');
    const data = prepareTrainingData(store, sim, orders, prep.update);
    prep.stop();
    const sampled = data.available.train > data.train.count || data.available.validation > data.validation.count ? ` (a seeded sample of ${data.available.train} and ${data.available.validation}: at most ${MAX_EPISODES_IN_MEMORY} episodes are held in memory)` : '';
    process.stderr.write(`training ${job.name} (${algo}) on ${data.train.count} training orders, validating on ${data.validation.count}${sampled}\n`);
    const bar = progressBar(`train ${job.name}`);
    const out = String(opts.out);
    const { result } = await trainPolicy(data, sim, job, { outDir: out, resume: Boolean(opts.resume), onProgress: bar.update, threads });
    bar.stop();
    process.stdout.write(
      `best validation PA ${result.best.paBps.toFixed(2)} bps (reward ${(result.best.reward * 100).toFixed(2)} x 1e-2) at iteration ${result.best.iteration} of ${result.iterations}${result.stoppedEarly ? ' (stopped early)' : ''}\npolicy: ${join(out, 'policy.json')}\n`,
    );
  });
}

function pick(obj: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([k]) => keys.includes(k)));
}

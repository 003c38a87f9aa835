import type { Command } from 'commander';
import { printable } from '../../util/text.js';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { settingSources, validateSettings } from '../../config/validate.js';
import { OrderSettingsSchema } from '../../data/orders.js';
import { openDataset } from '../../data/store.js';
import { ExecLabError } from '../../errors.js';
import { loadPolicy } from '../../rl/common/policy-file.js';
import { FORECAST_STRATEGY } from '../../eval/backtest.js';
import { fitForecastOnStore } from '../../eval/forecast-fit.js';
import { peerGroupsOf } from '../../data/peers.js';
import { FORECAST_NAME } from '../../strategies/forecast-planner.js';
import { DdqnSettingsSchema } from '../../rl/ddqn/settings.js';
import { PpoSettingsSchema } from '../../rl/ppo/settings.js';
import { MAX_EPISODES_IN_MEMORY, prepareTrainingData, trainPolicy, type TrainJob } from '../../rl/train.js';
import type { ValidationPoint } from '../../rl/common/loop.js';
import { SimSettingsSchema } from '../../sim/settings.js';
import { progressBar } from '../../util/progress.js';
import { DEFAULT_DATA_DIR, requireSplits, userSettings } from '../options.js';
import { addSchemaOptions, fieldDefault, narrowNumbers } from '../schema-options.js';

/** More threads or replicas than this machine has cores only slow a run down (2 always works). */
export const MAX_TRAIN_THREADS = Math.max(2, availableParallelism());

/** The settings of `execlab train` itself (data, output, distillation, threads); the learner's come from its schema. */
export const TrainOwnSchema = z.object({
  algo: z.enum(['ppo', 'ddqn']).describe('learning algorithm: PPO (OPD-T, OPD-S, OPD, OPD-F, Lin-Beling PPO) or Double DQN'),
  data: z.string().min(1).default(DEFAULT_DATA_DIR).describe('dataset directory'),
  out: z.string().min(1).default('runs/train').describe('output directory'),
  name: z.string().min(1).nullable().default(null).describe('display name of the method in reports'),
  teacher: z
    .string()
    .min(1)
    .nullable()
    .default(null)
    .describe("distil from this trained teacher policy.json (OPD), or 'forecast': the forecast planner fitted on the dataset, a past-only teacher (OPD-F; reproduce uses --distill-coef 1); PPO only"),
  distillMode: z.enum(['query', 'replay']).default('query').describe("with --teacher: 'query' asks the teacher on the student's state (the paper), 'replay' replays the teacher's own actions"),
  distillCoef: z.number().min(0).max(100).default(0.01).describe('with --teacher: weight mu of the distillation loss, >= 0 (SPEC 8: 0.01)'),
  resume: z.boolean().default(false).describe('continue from <out>/checkpoint.json'),
  threads: z
    .number()
    .int()
    .min(1)
    .max(MAX_TRAIN_THREADS, `at most ${MAX_TRAIN_THREADS} (the cores of this machine)`)
    .default(1)
    .describe('threads for the rollouts: with 2 or more, collection and validation step the environments on 2 threads (the same numbers as 1)'),
  gradientReplicas: z
    .number()
    .int()
    .min(1)
    .max(MAX_TRAIN_THREADS, `at most ${MAX_TRAIN_THREADS} (the cores of this machine)`)
    .default(1)
    .describe(
      "PPO: compute each minibatch gradient on n network replicas in worker threads (faster on n cores, but the replicas' sums round differently from one's, so the run's numbers depend on n, and it resumes only with the same n)",
    ),
  ordersSeed: z.number().int().min(0).max(4294967295).default(7).describe('seed of the training and validation orders'),
  side: z.enum(['sell', 'buy', 'mixed']).default('sell').describe("side of the training and validation orders; 'mixed' draws each order's side 50/50, and the policy then reads the order's side as an input (a policy for buys and sells)"),
});

const hidden = (n: z.ZodNumber): z.ZodNumber => n.min(1).max(1024);
const rate = (n: z.ZodNumber): z.ZodNumber => n.max(1);
const count = (max: number) => (n: z.ZodNumber): z.ZodNumber => n.max(max);
const seed = (n: z.ZodNumber): z.ZodNumber => n.max(4294967295);

/**
 * The learners' settings as the CLI accepts them: the library schemas (src/rl) with ranges a
 * practitioner would use (a learning rate in (0, 1], a clip in (0, 1], a GRU of at most 1024 units,
 * at most MAX_EPISODES_IN_MEMORY episodes an iteration), so that a typo fails at once instead of
 * deep in a run (`--hidden 100000`: "Invalid typed array length").
 */
export const PpoCliSchema = narrowNumbers(PpoSettingsSchema, {
  iterations: count(1_000_000),
  episodesPerIteration: count(MAX_EPISODES_IN_MEMORY),
  epochs: count(100),
  minibatchTransitions: count(1_000_000),
  learningRate: rate,
  clip: rate,
  valueCoef: count(100),
  valueClip: count(100),
  entropyCoef: rate,
  maxGradNorm: count(1e6),
  klTarget: rate,
  sparseThresholdBps: count(10_000),
  hidden,
  validateEvery: count(1_000_000),
  patience: count(1_000_000),
  seed,
});
export const DdqnCliSchema = narrowNumbers(DdqnSettingsSchema, {
  iterations: count(1_000_000),
  episodesPerIteration: count(MAX_EPISODES_IN_MEMORY),
  updatesPerIteration: count(100_000),
  minibatchTransitions: count(1_000_000),
  bufferEpisodes: count(1_000_000),
  learningRate: rate,
  targetUpdateEvery: count(1_000_000),
  epsilonDecayIterations: count(1_000_000),
  huberDelta: count(1e6),
  maxGradNorm: count(1e6),
  sparseThresholdBps: count(10_000),
  hidden,
  validateEvery: count(1_000_000),
  patience: count(1_000_000),
  seed,
});

const PPO_KEYS = Object.keys(PpoCliSchema.shape);
const DDQN_KEYS = Object.keys(DdqnCliSchema.shape);

function schemaFor(algo: 'ppo' | 'ddqn') {
  const learner = algo === 'ppo' ? PpoCliSchema : DdqnCliSchema;
  return TrainOwnSchema.extend(learner.shape)
    .strict()
    .superRefine((s, ctx) => {
      if (algo === 'ddqn' && s.teacher !== null) {
        ctx.addIssue({ code: 'custom', path: ['teacher'], message: 'distillation is PPO only; --algo ddqn cannot use a teacher' });
      }
      if (s.mirrorBuys === true && s.side === 'sell') {
        ctx.addIssue({ code: 'custom', path: ['mirrorBuys'], message: 'mirroring needs buy orders: give --side mixed (or buy)' });
      }
      if (algo === 'ddqn' && s.gradientReplicas > 1) {
        ctx.addIssue({ code: 'custom', path: ['gradientReplicas'], message: 'gradient replicas are PPO only; --algo ddqn computes its gradients on one thread' });
      }
    });
}

/**
 * Checks what does not fit --algo before the schema does: a setting of the other learner, and
 * distillation settings without a teacher (both would be ignored silently).
 */
function checkCombinations(loose: Record<string, unknown>): void {
  const algo = loose.algo;
  if (algo !== 'ppo' && algo !== 'ddqn') return;
  const own = Object.keys(TrainOwnSchema.shape);
  const mine = algo === 'ppo' ? PPO_KEYS : DDQN_KEYS;
  const other = algo === 'ppo' ? DDQN_KEYS : PPO_KEYS;
  const sources = settingSources(loose);
  const lines: string[] = [];
  for (const key of Object.keys(loose)) {
    if (own.includes(key) || mine.includes(key) || !other.includes(key)) continue;
    lines.push(`  ${key}: a ${algo === 'ppo' ? 'DDQN' : 'PPO'} setting; it does not apply to --algo ${algo}${sources[key] ? ` (from ${sources[key]})` : ''}`);
  }
  if (loose.teacher === undefined || loose.teacher === null) {
    for (const key of ['distillMode', 'distillCoef']) {
      if (loose[key] !== undefined) lines.push(`  ${key}: got ${JSON.stringify(loose[key])}; it applies only with --teacher (distillation)${sources[key] ? ` (from ${sources[key]})` : ''}`);
    }
  }
  if (lines.length > 0) throw new ExecLabError(`invalid train settings:\n${lines.join('\n')}`, 2);
}

/** The help text's default of a setting both learners have, when their defaults differ. */
function sharedDefaults(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of PPO_KEYS.filter((k) => DDQN_KEYS.includes(k))) {
    const p = fieldDefault(PpoCliSchema.shape[key as keyof typeof PpoCliSchema.shape] as z.ZodType).value;
    const d = fieldDefault(DdqnCliSchema.shape[key as keyof typeof DdqnCliSchema.shape] as z.ZodType).value;
    if (JSON.stringify(p) !== JSON.stringify(d)) out[key] = `[default: ${JSON.stringify(p)}; with --algo ddqn: ${JSON.stringify(d)}]`;
  }
  return out;
}

/** `execlab train`: one policy, PPO (OPD-T, OPD-S, OPD, Lin-Beling PPO) or DDQN. */
export function registerTrainCommand(program: Command): void {
  const cmd = program
    .command('train')
    .summary('train a policy (PPO: OPD-T, OPD-S, OPD, OPD-F, Lin-Beling PPO; or DDQN)')
    .description(
      'Train a policy on the training split, validating on the validation split; the checkpoint and evaluation mode with the best validation score (--selection) are written to <out>/policy.json, with <out>/metrics.jsonl and <out>/checkpoint.json. PPO settings apply with --algo ppo, DDQN settings with --algo ddqn (another learner\'s setting is refused); --config file.yaml may hold any of them, keys in camelCase.',
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  execlab train --algo ppo --view teacher --out runs/opd-t          # OPD-T, the oracle teacher',
        '  execlab train --algo ppo --out runs/opd-s                         # OPD-S, the pure student',
        '  execlab train --algo ppo --teacher runs/opd-t/policy.json --out runs/opd   # OPD',
        '  execlab train --algo ppo --teacher forecast --distill-coef 1 --out runs/opd-f     # OPD-F',
        '  execlab train --algo ppo --reward sparse --previous-action-in-state --out runs/ppo  # Lin & Beling',
        '  execlab train --algo ddqn --out runs/ddqn',
      ].join('\n'),
    )
    .option('--config <file>', 'YAML or JSON file with settings, keys in camelCase (flags win)');
  addSchemaOptions(cmd, TrainOwnSchema, { defaultHelp: { name: '(default from the settings: OPD-T, OPD, PPO, OPD-S or DDQN)', teacher: '(default: none)' } });
  addSchemaOptions(cmd, PpoCliSchema, { defaultHelp: sharedDefaults() });
  addSchemaOptions(cmd, DdqnCliSchema, { only: DDQN_KEYS.filter((k) => !PPO_KEYS.includes(k)) });
  cmd.action(async function (this: Command) {
    const loose = userSettings(this);
    checkCombinations(loose);
    const algo = validateSettings(z.looseObject({ algo: TrainOwnSchema.shape.algo }), loose, 'train settings').algo;
    const s = validateSettings(schemaFor(algo), loose, algo === 'ppo' ? 'PPO train settings' : 'DDQN train settings');
    const store = openDataset(s.data);
    requireSplits(store, 'training', ['validation']);
    const sim = SimSettingsSchema.parse({});
    const orders = OrderSettingsSchema.parse({ seed: s.ordersSeed, side: s.side });
    // The peer context's groups (fitted on the training days), when the learner reads it.
    const size = s.peerGroups;
    let peers = null;
    if (size !== undefined) {
      const peerBar = progressBar('peer groups');
      peers = peerGroupsOf(store, size, peerBar.update);
      peerBar.stop();
    }
    let job: TrainJob;
    if (algo === 'ppo') {
      const settings = PpoSettingsSchema.parse(pick(s, PPO_KEYS));
      // `--teacher forecast`: the forecast planner fitted on this dataset teaches (OPD-F).
      const fromForecast = s.teacher !== null && s.teacher.toLowerCase() === FORECAST_STRATEGY;
      if (fromForecast && s.distillMode !== 'query') throw new ExecLabError("--teacher forecast: a rule is asked on the student's states; --distill-mode replay does not apply", 2);
      const teacher = s.teacher !== null && !fromForecast ? { policy: loadPolicy(s.teacher), mode: s.distillMode, coef: s.distillCoef } : undefined;
      let ruleTeacher;
      if (fromForecast) {
        const fcBar = progressBar('forecast planner');
        ruleTeacher = { strategy: fitForecastOnStore(store, sim, orders, fcBar.update, peers ? [peers] : []).strategy, name: FORECAST_NAME, coef: s.distillCoef };
        fcBar.stop();
      }
      const name = s.name ?? (settings.view === 'teacher' ? 'OPD-T' : teacher ? 'OPD' : ruleTeacher ? 'OPD-F' : settings.reward === 'sparse' ? 'PPO' : 'OPD-S');
      job = { algo, name, settings, teacher, ruleTeacher };
    } else {
      const settings = DdqnSettingsSchema.parse(pick(s, DDQN_KEYS));
      job = { algo, name: s.name ?? 'DDQN', settings };
    }
    const prep = progressBar('episodes');
    const data = prepareTrainingData(store, sim, orders, prep.update, undefined, peers);
    prep.stop();
    const sampled = data.available.train > data.train.count || data.available.validation > data.validation.count ? ` (a seeded sample of ${data.available.train} and ${data.available.validation}: at most ${MAX_EPISODES_IN_MEMORY} episodes are held in memory)` : '';
    process.stderr.write(printable(`training ${job.name} (${algo}) on ${data.train.count} training orders, validating on ${data.validation.count}${sampled}\n`, true));
    const bar = progressBar(`train ${job.name}`);
    const out = s.out;
    const { result } = await trainPolicy(data, sim, job, { outDir: out, resume: s.resume, onProgress: bar.update, threads: s.threads, replicas: s.gradientReplicas });
    bar.stop();
    process.stdout.write(
      printable(`${keptText(result.best)} at iteration ${result.best.iteration} of ${result.iterations}${result.stoppedEarly ? ' (stopped early)' : ''}\npolicy: ${join(out, 'policy.json')}\n`, true),
    );
  });
}

/** What the kept checkpoint scored on validation, as its selection rule chose it. */
function keptText(best: ValidationPoint): string {
  const pa = `validation PA ${best.paBps.toFixed(2)} bps`;
  const reward = `reward ${(best.reward * 100).toFixed(2)} x 1e-2`;
  if (best.score === undefined || best.rewardSeByDay === undefined) return `best ${pa} (${reward})`;
  return `best validation score ${(best.score * 100).toFixed(2)} x 1e-2 (${reward} less its SE by day ${(best.rewardSeByDay * 100).toFixed(2)}; ${pa}; ${best.mode ?? 'greedy'} mode)`;
}

function pick(obj: object, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([k]) => keys.includes(k)));
}

/**
 * `execlab sweep`: a search over learner settings, several seeds per point, scored on the VALIDATION
 * split only (each trained policy's validation mean PA in its recorded evaluation mode). The test
 * split is never read here; the chosen settings are written as a reproduce config, so that the test
 * split is evaluated once, by `execlab reproduce --config <out>/chosen.json --sweep <out>/sweep.json`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { SELECTION_RULES } from '../rl/common/selection.js';
import { OrderSettingsSchema } from '../data/orders.js';
import { openDataset } from '../data/store.js';
import { ExecLabError } from '../errors.js';
import { mean, sampleStd } from '../eval/stats.js';
import { loadPolicy } from '../rl/common/policy-file.js';
import type { SweepSection } from '../report/types.js';
import { DEFAULT_SIM_SETTINGS } from '../sim/settings.js';
import { writeFileAtomic } from '../util/files.js';
import { localExecutor, type Executor } from './executor.js';
import { applyMethodSettings, methodSettingKeys, type MethodBase, type MethodSettings } from './method-settings.js';
import { FULL_BUDGET, QUICK_BUDGET } from './settings.js';
import { methodTask, policyPath, type Method, type TrainTask } from './tasks.js';

/** The settings a sweep may vary, with how a grid value is read. */
export const SWEEP_KEYS = {
  learningRate: 'number',
  entropyCoef: 'number',
  distillCoef: 'number',
  hidden: 'integer',
  episodesPerIteration: 'integer',
  iterations: 'integer',
  marketContext: 'boolean',
  rewardBaseline: ['none', 'market'],
  initialPolicy: ['uniform', 'twap'],
} as const;
export type SweepKey = keyof typeof SWEEP_KEYS;
export type SweepPoint = Partial<Record<SweepKey, number | boolean | string>>;

export const SweepSettingsSchema = z.object({
  data: z.string().min(1).default('data/synthetic').describe('dataset directory (its validation split scores the trials; the test split is not read)'),
  out: z.string().default('runs/sweep').describe('output directory: sweep.json, sweep.md, chosen.json and the trained trials'),
  method: z.enum(['OPD-S', 'OPD', 'OPD-F', 'PPO', 'DDQN', 'OPD-T']).default('OPD-S').describe('the learned method whose settings are searched (OPD trains its teacher with the base settings first; OPD-F fits its forecast planner on the training split)'),
  grid: z
    .string()
    .default('')
    .describe(`the search: key=v1,v2;key=v1,v2 over ${Object.keys(SWEEP_KEYS).join(', ')}; every combination is a trial`),
  seeds: z.number().int().min(1).max(20).default(2).describe('training seeds per trial (the score is their mean)'),
  quick: z.boolean().default(false).describe("the reproduction's quick budget instead of the full one"),
  workers: z.number().int().min(0).nullable().default(null).describe('parallel training processes (default: CPU cores; 0 = in this process)'),
  ordersSeed: z.number().int().min(0).default(7).describe('seed of the training and validation orders (as in reproduce)'),
  side: z.enum(['sell', 'buy', 'mixed']).default('sell').describe("side of the training and validation orders (as in reproduce)"),
  learningRate: z.number().positive().max(1).default(3e-3).describe('base value where the grid does not set it'),
  entropyCoef: z.number().min(0).nullable().default(null).describe('base value (default SPEC 8: 0.01)'),
  distillCoef: z.number().min(0).default(0.01).describe('base value (OPD)'),
  hidden: z.number().int().min(1).max(1024).nullable().default(null).describe('base value (default 64)'),
  marketContext: z.boolean().default(false).describe('base value'),
  mirrorBuys: z.boolean().default(false).describe("with --side mixed or buy: the learners read a buy order's price features mirrored (as in reproduce)"),
  rewardBaseline: z.enum(['none', 'market']).default('none').describe('base value'),
  initialPolicy: z.enum(['uniform', 'twap']).default('uniform').describe('base value'),
  selection: z.enum(SELECTION_RULES).default('one-se').describe("how each trial's students keep a checkpoint and evaluation mode, and so how trials are compared (as in reproduce)"),
});
export type SweepSettings = z.infer<typeof SweepSettingsSchema>;

/** Parses `key=v1,v2;key=v1` into the values of each key, refusing unknown keys and bad values. */
export function parseGrid(grid: string): Array<[SweepKey, Array<number | boolean | string>]> {
  const out: Array<[SweepKey, Array<number | boolean | string>]> = [];
  for (const part of grid.split(';').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq < 1) throw new ExecLabError(`sweep grid '${part}': expected key=value1,value2`, 2);
    const key = part.slice(0, eq).trim();
    if (!(key in SWEEP_KEYS)) throw new ExecLabError(`sweep grid: unknown key '${key}'; expected one of ${Object.keys(SWEEP_KEYS).join(', ')}`, 2);
    const kind = SWEEP_KEYS[key as SweepKey];
    const values = part
      .slice(eq + 1)
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean)
      .map((raw) => {
        if (Array.isArray(kind)) {
          if (!kind.includes(raw)) throw new ExecLabError(`sweep grid: ${key} = '${raw}': expected one of ${kind.join(', ')}`, 2);
          return raw;
        }
        if (kind === 'boolean') {
          if (raw !== 'true' && raw !== 'false') throw new ExecLabError(`sweep grid: ${key} = '${raw}': expected true or false`, 2);
          return raw === 'true';
        }
        const x = Number(raw);
        if (!Number.isFinite(x) || x < 0 || (kind === 'integer' && (!Number.isInteger(x) || x < 1))) {
          throw new ExecLabError(`sweep grid: ${key} = '${raw}': expected a ${kind === 'integer' ? 'positive integer' : 'non-negative number'}`, 2);
        }
        return x;
      });
    if (values.length === 0) throw new ExecLabError(`sweep grid: ${key} has no values`, 2);
    if (out.some(([k]) => k === key)) throw new ExecLabError(`sweep grid: ${key} is given twice`, 2);
    out.push([key as SweepKey, values]);
  }
  if (out.length === 0) throw new ExecLabError("sweep grid is empty: give --grid 'key=v1,v2;key=v1,v2'", 2);
  return out;
}

/** Every combination of the grid's values, in a fixed order (the first key varies slowest). */
export function gridPoints(grid: Array<[SweepKey, Array<number | boolean | string>]>): SweepPoint[] {
  let points: SweepPoint[] = [{}];
  for (const [key, values] of grid) points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
  return points;
}

export interface TrialResult {
  readonly trial: number;
  readonly point: SweepPoint;
  readonly seeds: ReadonlyArray<{ seed: number; validPaBps: number; validScore?: number; evaluation: string; iterations: number; stoppedEarly: boolean; bestIteration: number }>;
  readonly meanValidPaBps: number;
  readonly sdValidPaBps: number;
  /** Under the one-SE rule: the seeds' mean score (reward less its SE by day, x 10^-2), what chooses. */
  readonly meanValidScore?: number;
}

export interface SweepResult {
  readonly method: Method;
  readonly dataset: string;
  /** SHA-256 of the dataset's meta.json (absent in sweeps written before it was recorded). */
  readonly fingerprint?: string;
  readonly budget: { iterations: number; episodesPerIteration: number; validateEvery: number; patience: number };
  readonly trials: readonly TrialResult[];
  readonly chosen: number;
  /** The reproduce settings of the chosen trial (base values and the trial's point). */
  readonly chosenSettings: Record<string, unknown>;
}

/** The validation PA of a trained policy in the evaluation mode it records (chosen on validation). */
function validationPa(task: TrainTask): { validPaBps: number; validScore?: number; evaluation: string; iterations: number; stoppedEarly: boolean; bestIteration: number } {
  const p = loadPolicy(policyPath(task));
  const byMode = p.training.validationPaByMode as Record<string, number> | undefined;
  const evaluation = p.evaluation ?? 'greedy';
  const best = p.training.best as { paBps: number; iteration: number; score?: number };
  return {
    validPaBps: byMode?.[evaluation] ?? best.paBps,
    ...(best.score !== undefined ? { validScore: best.score * 100 } : {}),
    evaluation,
    iterations: p.training.iterations as number,
    stoppedEarly: p.training.stoppedEarly as boolean,
    bestIteration: best.iteration,
  };
}

/** The sweep; `executor` is where its trainings run (default: this machine, `s.workers` threads). */
export async function sweep(s: SweepSettings, onProgress: (done: number, total: number, status: string) => void, executor?: Executor): Promise<SweepResult> {
  const store = openDataset(s.data);
  if (store.meta.split.validation.length === 0) throw new ExecLabError(`${s.data}: no validation split to score the trials on`, 2);
  if (s.mirrorBuys && s.side === 'sell') throw new ExecLabError('--mirror-buys needs buy orders to mirror: give --side mixed (or buy)', 2);
  const fingerprint = createHash('sha256').update(readFileSync(join(store.dir, 'meta.json'))).digest('hex');
  const grid = parseGrid(s.grid);
  // A key that does not reach the method's training would make trials that differ only in name.
  const reaching = methodSettingKeys(s.method);
  const idle = grid.map(([k]) => k).filter((k) => !reaching.includes(k));
  if (idle.length > 0) {
    throw new ExecLabError(`--grid ${idle.join(', ')}: ${s.method}'s training does not use ${idle.length > 1 ? 'these' : 'this'}, so its trials would be the same training; ${s.method} takes ${reaching.join(', ')}`, 2);
  }
  const points = gridPoints(grid);
  const base = s.quick ? QUICK_BUDGET : FULL_BUDGET;
  const orders = OrderSettingsSchema.parse({ seed: s.ordersSeed, side: s.side });
  const cacheDir = join(s.out, 'cache');
  const sim = DEFAULT_SIM_SETTINGS;
  const tasks: TrainTask[] = [];
  const trials: TrainTask[][] = [];
  // A trial is the sweep's own settings with its grid point applied, as a reproduction applies a
  // method's sweep (method-settings.ts); the grid's values were checked by parseGrid.
  const sweepBase: MethodBase = {
    budget: base,
    learningRate: s.learningRate,
    distillCoef: s.distillCoef,
    learner: {
      marketContext: s.marketContext,
      ...(s.mirrorBuys ? { mirrorBuys: true } : {}),
      rewardBaseline: s.rewardBaseline,
      initialPolicy: s.initialPolicy,
      entropyCoef: s.entropyCoef,
      hidden: s.hidden,
      selection: s.selection,
    },
  };
  const trialOf = (p: SweepPoint): MethodBase => applyMethodSettings(sweepBase, p as MethodSettings);
  const common = { dataDir: store.dir, sim, orders, cacheDir, fingerprint };
  if (s.method === 'OPD') {
    // The teacher of every trial: trained once per seed with the base settings.
    for (let seed = 1; seed <= s.seeds; seed++) tasks.push(methodTask('OPD-T', seed, base, s.learningRate, { ...common, learner: sweepBase.learner }));
  }
  points.forEach((p, k) => {
    const mine: TrainTask[] = [];
    const trial = trialOf(p);
    for (let seed = 1; seed <= s.seeds; seed++) {
      const t = methodTask(s.method, seed, trial.budget, trial.learningRate, {
        ...common,
        distill: { mode: 'query', coef: trial.distillCoef },
        learner: trial.learner,
        idSuffix: `-t${k + 1}`,
      });
      mine.push(t);
      tasks.push(t);
    }
    trials.push(mine);
  });
  const total = tasks.reduce((a, t) => a + t.iterations, 0);
  const progress = new Map<string, number>();
  const run = executor ?? localExecutor(s.workers ?? Math.max(1, Math.min(availableParallelism(), 8)));
  await run.train(tasks, (id, done, _n, status) => {
    progress.set(id, done);
    onProgress([...progress.values()].reduce((a, b) => a + b, 0), total, `${id} ${status}`);
  });
  const results: TrialResult[] = trials.map((mine, k) => {
    const seeds = mine.map((t) => ({ seed: t.seed, ...validationPa(t) }));
    const pa = seeds.map((x) => x.validPaBps);
    const scores = seeds.map((x) => x.validScore);
    const scored = s.selection === 'one-se' && scores.every((x) => x !== undefined);
    return { trial: k + 1, point: points[k], seeds, meanValidPaBps: mean(pa), sdValidPaBps: sampleStd(pa), ...(scored ? { meanValidScore: mean(scores as number[]) } : {}) };
  });
  // Trials are compared as their students chose their checkpoints: by mean PA, or by the one-SE score.
  const scoreOf = (t: TrialResult): number => t.meanValidScore ?? t.meanValidPaBps;
  let chosen = 0;
  for (let k = 1; k < results.length; k++) if (scoreOf(results[k]) > scoreOf(results[chosen])) chosen = k;
  const p = points[chosen];
  const { learningRate, distillCoef, learner } = trialOf(p);
  const chosenSettings: Record<string, unknown> = {
    data: s.data,
    learningRate,
    distillCoef,
    marketContext: learner.marketContext,
    rewardBaseline: learner.rewardBaseline,
    initialPolicy: learner.initialPolicy,
    ...(learner.entropyCoef != null ? { entropyCoef: learner.entropyCoef } : {}),
    ...(learner.hidden != null ? { hidden: learner.hidden } : {}),
    ...(p.iterations !== undefined ? { iterations: p.iterations } : {}),
    ...(p.episodesPerIteration !== undefined ? { episodesPerIteration: p.episodesPerIteration } : {}),
    ...(s.quick ? { quick: true } : {}),
    selection: s.selection,
    ordersSeed: s.ordersSeed,
    ...(s.side !== 'sell' ? { side: s.side } : {}),
    ...(s.mirrorBuys ? { mirrorBuys: true } : {}),
  };
  const result: SweepResult = { method: s.method, dataset: store.meta.name, fingerprint, budget: base, trials: results, chosen: chosen + 1, chosenSettings };
  writeFileAtomic(join(s.out, 'sweep.json'), JSON.stringify(result, null, 2));
  writeFileAtomic(join(s.out, 'chosen.json'), JSON.stringify(chosenSettings, null, 2));
  writeFileAtomic(join(s.out, 'sweep.md'), sweepMarkdown(result));
  return result;
}

/**
 * The sweep as the report shows it: every trial, its seeds' validation PA, the chosen one marked.
 * `scope` says what its choice set: every learner's settings (`--sweep`), or its own method's alone
 * (`--method-sweeps`).
 */
export function sweepSection(r: SweepResult, scope: 'all' | 'method' = 'all'): SweepSection {
  const keys = [...new Set(r.trials.flatMap((t) => Object.keys(t.point)))];
  const scored = r.trials.some((t) => t.meanValidScore !== undefined);
  const how = scored
    ? "by the one-standard-error rule: the seeds' mean of each policy's validation reward less one standard error of its day means (x 10^-2)"
    : "each policy's validation mean PA in its evaluation mode";
  return {
    intro: `${r.method}, scored on the validation split only (${how}); the test split was not read. Budget: ${r.budget.iterations} iterations of ${r.budget.episodesPerIteration} episodes, validation every ${r.budget.validateEvery}, patience ${r.budget.patience}. ${scope === 'all' ? "The chosen trial's settings are the ones this report ran with." : `The chosen trial's settings are the ones this report ran ${r.method} with; the other methods kept theirs.`}`,
    header: ['trial', ...keys, ...(scored ? ['score (mean of seeds)'] : []), 'validation PA (mean of seeds)', 'sd', 'per seed (mode, best iteration)'],
    rows: r.trials.map((t) => [
      `${t.trial}${t.trial === r.chosen ? ' (chosen)' : ''}`,
      ...keys.map((k) => String(t.point[k as SweepKey] ?? '')),
      ...(scored ? [fixed(t.meanValidScore, 3)] : []),
      fixed(t.meanValidPaBps, 2),
      fixed(t.sdValidPaBps, 2),
      t.seeds.map((x) => `${fixed(x.validPaBps, 2)} (${x.evaluation}, @${x.bestIteration})`).join('; '),
    ]),
  };
}

/**
 * A number with `digits` decimals, or n/a: a standard deviation of one seed is NaN, which sweep.json
 * holds as null (JSON has no NaN), so a sweep read back has null where the run had NaN.
 */
function fixed(x: number | null | undefined, digits: number): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

/** sweep.md: the same table as the report's. */
export function sweepMarkdown(r: SweepResult): string {
  const t = sweepSection(r);
  return [
    `# Settings sweep: ${r.method} on ${r.dataset}`,
    '',
    t.intro,
    '',
    `| ${t.header.join(' | ')} |`,
    `| ${t.header.map(() => '---').join(' | ')} |`,
    ...t.rows.map((row) => `| ${row.join(' | ')} |`),
    '',
    `Chosen: trial ${r.chosen}; its settings are in chosen.json (a reproduce --config file).`,
    '',
  ].join('\n');
}

/** Reads a sweep.json written by `sweep`. */
export function readSweep(path: string): SweepResult {
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as SweepResult;
    if (!Array.isArray(r.trials) || typeof r.chosen !== 'number') throw new Error('not a sweep result');
    return r;
  } catch (err) {
    throw new ExecLabError(`cannot read sweep file ${path}: ${(err as Error).message}`, 2);
  }
}

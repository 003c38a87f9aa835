/**
 * The training loop every learner shares: iterate, validate on the validation split every N
 * iterations, keep the best parameters by the validation score (selection.ts: the greedy mean PA, or
 * the one-standard-error rule over the evaluation modes), stop early when it stops improving, log
 * JSON lines, and checkpoint atomically so that a killed run resumes to the same result.
 */
import { existsSync, readFileSync, writeFileSync, appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ExecLabError } from '../../errors.js';
import type { EpisodeSet } from '../../sim/episodes.js';
import type { SimSettings } from '../../sim/settings.js';
import { writeFileAtomic } from '../../util/files.js';
import { base64ToF32, f32ToBase64 } from '../../util/encode.js';
import type { ActorCritic } from '../../nn/network.js';
import type { InferenceFactory } from './inference-pool.js';
import type { PolicySpec } from './policy.js';
import { scoreCheckpoint, SELECTED_MODES, type SelectedMode, type SelectionRule } from './selection.js';

/** One learning algorithm, seen from the loop. */
export interface Learner {
  /** The network that is validated and saved (the policy). */
  readonly net: ActorCritic;
  readonly spec: PolicySpec;
  /** One collection + update. Returns scalar metrics for the log. */
  iterate(iteration: number): Record<string, number> | Promise<Record<string, number>>;
  /** Everything needed to continue exactly: optimiser, random state, buffers. JSON-safe. */
  saveState(): unknown;
  loadState(state: unknown): void;
}

export interface LoopSettings {
  readonly iterations: number;
  readonly validateEvery: number;
  /** Stop after this many validations without a new best. */
  readonly patience: number;
  /** How a checkpoint is scored (default 'mean-pa': the greedy mean PA). */
  readonly selection?: SelectionRule;
}

export interface ValidationPoint {
  readonly iteration: number;
  /** Mean PA (bps) and mean reward in the point's evaluation mode. */
  readonly paBps: number;
  readonly reward: number;
  /** The evaluation mode scored (absent: greedy). */
  readonly mode?: SelectedMode;
  /** Standard error of the day means of the episode reward (absent in older checkpoints). */
  readonly rewardSeByDay?: number;
  /** What the loop maximised (absent: paBps, as the 'mean-pa' rule scores). */
  readonly score?: number;
}

/** A point's selection score: recorded, or its PA (the 'mean-pa' rule, and older checkpoints). */
export function pointScore(p: ValidationPoint): number {
  return p.score ?? p.paBps;
}

export interface LoopResult {
  readonly bestParams: Float32Array;
  readonly best: ValidationPoint;
  readonly history: readonly ValidationPoint[];
  readonly iterations: number;
  readonly stoppedEarly: boolean;
}

interface LoopState {
  iteration: number;
  best: ValidationPoint;
  bestParams: string;
  history: ValidationPoint[];
  sinceBest: number;
  learner: unknown;
  params: string;
  /** Network replicas per gradient (data-parallel PPO): a resumed run must use as many. */
  replicas?: number;
  /** The run's settings (LoopIo.settings); a resumed run must have the same. Absent in older checkpoints. */
  settings?: Record<string, unknown>;
}

/** A validation point as JSON wrote it (NaN and -Infinity become null). */
const PointSchema = z.object({
  iteration: z.number().int().min(0),
  paBps: z.number().nullable(),
  reward: z.number().nullable(),
  mode: z.enum(SELECTED_MODES).optional(),
  rewardSeByDay: z.number().nullable().optional(),
  score: z.number().nullable().optional(),
});
const LoopStateSchema = z.object({
  iteration: z.number().int().min(0),
  best: PointSchema,
  bestParams: z.string(),
  history: z.array(PointSchema),
  sinceBest: z.number().int().min(0),
  learner: z.unknown(),
  params: z.string(),
  replicas: z.number().int().positive().optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
});

export interface LoopIo {
  /** Directory for checkpoint.json and metrics.jsonl; null = in memory only. */
  readonly dir: string | null;
  readonly resume: boolean;
  readonly onProgress?: (iteration: number, total: number, status: string) => void;
  /** Stop after this iteration (tests simulate a killed run with it). */
  readonly haltAfter?: number;
  /** Where validation's inference runs (default: one thread). */
  readonly inference?: InferenceFactory | null;
  /**
   * Network replicas that compute each gradient (default 1). Their sum rounds differently from one
   * replica's, so a run resumes only with the replica count it was checkpointed with.
   */
  readonly replicas?: number;
  /**
   * The run's settings (JSON-safe: learner settings, simulator, ...), stored in the checkpoint; a
   * resume with any that differ is refused, each named (`key: checkpoint X, now Y`).
   */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Where resume notes go (default: a line on stderr). */
  readonly onNotice?: (message: string) => void;
  /**
   * Called after each checkpoint is written to `dir` (checkpoint.json and metrics.jsonl complete up
   * to it), before the next iteration: a distributed job copies them to its artifact store here.
   */
  readonly onCheckpoint?: () => Promise<void>;
}

/** Nested settings as dotted keys with JSON values: { sim: { alpha: 100 } } -> { 'sim.alpha': '100' }. */
function flatten(value: unknown, prefix = '', out: Map<string, string> = new Map()): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== undefined) out.set(prefix, JSON.stringify(value));
  return out;
}

/** `key: checkpoint X, now Y` for every setting that differs. */
export function settingsDiff(checkpoint: unknown, now: unknown): string[] {
  const a = flatten(checkpoint);
  const b = flatten(JSON.parse(JSON.stringify(now ?? {})));
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  return keys.filter((k) => a.get(k) !== b.get(k)).map((k) => `${k}: checkpoint ${a.get(k) ?? '(absent)'}, now ${b.get(k) ?? '(absent)'}`);
}

function decodeParams(b64: string, size: number, what: string): Float32Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) throw new Error(`${what}: not base64`);
  const bytes = Buffer.byteLength(b64, 'base64');
  if (bytes % 4 !== 0) throw new Error(`${what}: ${bytes} bytes, not a whole number of float32 values`);
  if (bytes !== size * 4) throw new Error(`${what}: ${bytes / 4} values; the network has ${size}`);
  return base64ToF32(b64);
}

/**
 * Reads the checkpoint to resume from: every failure is an ExecLabError naming the file and what to
 * do (delete the run directory or run without --resume).
 */
function cannotResume(ckpt: string, dir: string, why: string): ExecLabError {
  return new ExecLabError(`${ckpt}: cannot resume: ${why}; delete ${dir} to start over, or run without --resume`, 2);
}

function readCheckpoint(ckpt: string, dir: string): LoopState {
  const cannot = (why: string): ExecLabError => cannotResume(ckpt, dir, why);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(ckpt, 'utf8'));
  } catch (err) {
    throw cannot(`the checkpoint is truncated or damaged (${err instanceof SyntaxError ? 'not JSON: ' : ''}${(err as Error).message})`);
  }
  const parsed = LoopStateSchema.safeParse(doc);
  if (!parsed.success) {
    throw cannot(`the checkpoint is damaged (${parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`).join('; ')})`);
  }
  const state = parsed.data as LoopState;
  const best = state.best as { iteration: number; paBps: number | null; reward: number | null; score?: number | null };
  return {
    ...state,
    best: { ...state.best, paBps: best.paBps ?? -Infinity, reward: best.reward ?? -Infinity, ...(best.score !== undefined ? { score: best.score ?? -Infinity } : {}) },
  };
}

/**
 * The metrics log to continue: lines up to the checkpoint's iteration. A last line cut short (a
 * write interrupted by the kill) is dropped, and said; a damaged line before it is an error.
 */
function keptLogLines(log: string, iteration: number, notice: (m: string) => void): string[] {
  const lines = readFileSync(log, 'utf8').split('\n');
  const complete = lines.pop() === '';
  const kept: string[] = [];
  for (let k = 0; k < lines.length; k++) {
    let it: unknown;
    try {
      it = (JSON.parse(lines[k]) as { iteration?: unknown }).iteration;
    } catch {
      it = undefined;
    }
    if (typeof it !== 'number') {
      if (k === lines.length - 1 && !complete) break;
      throw new ExecLabError(`${log}:${k + 1}: not a JSON log line with an iteration; delete the run directory to start over, or run without --resume`, 2);
    }
    if (it <= iteration) kept.push(lines[k]);
  }
  if (!complete) notice(`${log}: dropped its incomplete last line (a write cut short); the resumed run writes it again`);
  return kept;
}

export async function runLoop(learner: Learner, validation: EpisodeSet, sim: SimSettings, settings: LoopSettings, io: LoopIo): Promise<LoopResult> {
  const { net } = learner;
  const initial: LoopState = {
    iteration: 0,
    best: { iteration: 0, paBps: -Infinity, reward: -Infinity },
    bestParams: f32ToBase64(net.params),
    history: [],
    sinceBest: 0,
    learner: null,
    params: '',
    replicas: io.replicas ?? 1,
    settings: io.settings === undefined ? undefined : (JSON.parse(JSON.stringify(io.settings)) as Record<string, unknown>),
  };
  let state = initial;
  const ckpt = io.dir ? join(io.dir, 'checkpoint.json') : null;
  const log = io.dir ? join(io.dir, 'metrics.jsonl') : null;
  if (io.dir) mkdirSync(io.dir, { recursive: true });
  if (io.resume && ckpt && existsSync(ckpt)) {
    state = readCheckpoint(ckpt, io.dir!);
    if (state.settings !== undefined && io.settings !== undefined) {
      const diff = settingsDiff(state.settings, io.settings);
      if (diff.length > 0) {
        throw new ExecLabError(
          `${ckpt}: this run was given other settings than it was checkpointed with: ${diff.join('; ')}. Resume with the checkpoint's settings, or start over in another --out directory (or without --resume)`,
          2,
        );
      }
    }
    const was = state.replicas ?? 1;
    const now = io.replicas ?? 1;
    if (was !== now) {
      throw new ExecLabError(
        `${ckpt}: this run computed its gradients on ${was} replica(s) and would continue on ${now}; resume with --gradient-replicas ${was} (the gradients' sums round differently, so the result would not be the uninterrupted run's)`,
        2,
      );
    }
    // Also what an older checkpoint (no settings recorded) of another network shape shows.
    try {
      net.params.set(decodeParams(state.params, net.params.length, 'params'));
      decodeParams(state.bestParams, net.params.length, 'bestParams');
    } catch (err) {
      throw cannotResume(ckpt, io.dir!, (err as Error).message);
    }
    state.settings = initial.settings ?? state.settings;
    try {
      learner.loadState(state.learner);
    } catch (err) {
      throw new ExecLabError(`${ckpt}: cannot resume: the learner's state in the checkpoint is damaged (${(err as Error).message}); delete ${io.dir} to start over, or run without --resume`, 2);
    }
    // Drop log lines written after the checkpoint: the resumed run writes them again, identically.
    if (log && existsSync(log)) {
      const kept = keptLogLines(log, state.iteration, io.onNotice ?? ((m) => process.stderr.write(`${m}\n`)));
      writeFileSync(log, kept.map((l) => `${l}\n`).join(''));
    }
  } else if (log) {
    writeFileSync(log, '');
  }
  let stoppedEarly = false;
  const t0 = Date.now();
  while (state.iteration < settings.iterations) {
    const it = state.iteration + 1;
    const tIt = Date.now();
    const metrics = await learner.iterate(it);
    const episodesPerSecond = (metrics.episodes ?? 0) / Math.max(1e-3, (Date.now() - tIt) / 1000);
    const line: Record<string, number | string> = { iteration: it, ...metrics, seconds: (Date.now() - t0) / 1000 };
    if (it % settings.validateEvery === 0 || it === settings.iterations) {
      const rule = settings.selection ?? 'mean-pa';
      const v = scoreCheckpoint(net, learner.spec, validation, sim, rule, io.inference ?? null);
      // The 'mean-pa' points keep their old shape (iteration, PA, reward), as older runs recorded them.
      const point: ValidationPoint =
        rule === 'mean-pa' ? { iteration: it, paBps: v.paBps, reward: v.reward } : { iteration: it, paBps: v.paBps, reward: v.reward, mode: v.mode, rewardSeByDay: v.rewardSeByDay, score: v.score };
      state.history.push(point);
      line.validPaBps = v.paBps;
      line.validReward = v.reward;
      if (rule !== 'mean-pa') {
        line.validRewardSeByDay = v.rewardSeByDay;
        line.validScore = v.score;
        line.validMode = v.mode;
      }
      if (pointScore(point) > pointScore(state.best)) {
        state.best = point;
        state.bestParams = f32ToBase64(net.params);
        state.sinceBest = 0;
      } else {
        state.sinceBest++;
      }
    }
    state.iteration = it;
    if (log) appendFileSync(log, `${JSON.stringify(line)}\n`);
    const losses = metrics.qLoss !== undefined ? `q-loss ${fmt(metrics.qLoss, 4)}` : `loss pi ${fmt(metrics.policyLoss, 4)} v ${fmt(metrics.valueLoss, 4)}`;
    const bestMode = state.best.mode && state.best.mode !== 'greedy' ? ` ${state.best.mode}` : '';
    const status = `${episodesPerSecond.toFixed(0)} ep/s | reward ${fmt(metrics.meanReward, 3)} PA ${fmt(metrics.meanPaBps)} | ${losses} | best valid PA ${fmt(state.best.paBps)}${bestMode} @${state.best.iteration}`;
    io.onProgress?.(it, settings.iterations, status);
    if (line.validPaBps !== undefined && ckpt) {
      state.learner = learner.saveState();
      state.params = f32ToBase64(net.params);
      writeFileAtomic(ckpt, JSON.stringify(state));
      await io.onCheckpoint?.();
    }
    if (state.sinceBest >= settings.patience) {
      stoppedEarly = true;
      break;
    }
    if (io.haltAfter !== undefined && it >= io.haltAfter) break;
  }
  return { bestParams: base64ToF32(state.bestParams), best: state.best, history: state.history, iterations: state.iteration, stoppedEarly };
}

function fmt(x: number | undefined, digits = 2): string {
  return x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits);
}

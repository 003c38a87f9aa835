/**
 * The training loop every learner shares: iterate, validate on the validation split every N
 * iterations, keep the best parameters by validation PA, stop early when it stops improving, log
 * JSON lines, and checkpoint atomically so that a killed run resumes to the same result.
 */
import { existsSync, readFileSync, writeFileSync, appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ExecLabError } from '../../errors.js';
import { ExecutionEnv } from '../../sim/env.js';
import type { EpisodeSet } from '../../sim/episodes.js';
import type { SimSettings } from '../../sim/settings.js';
import { writeFileAtomic } from '../../util/files.js';
import { base64ToF32, f32ToBase64 } from '../../util/encode.js';
import type { ActorCritic } from './net/network.js';
import type { InferenceFactory } from './inference-pool.js';
import { rollout, rolloutSummary, type PolicySpec } from './policy.js';

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
}

export interface ValidationPoint {
  readonly iteration: number;
  readonly paBps: number;
  readonly reward: number;
}

export interface LoopResult {
  readonly bestParams: Float32Array;
  readonly best: ValidationPoint;
  readonly history: readonly ValidationPoint[];
  readonly iterations: number;
  readonly stoppedEarly: boolean;
}

/** Greedy evaluation of a policy: mean PA (bps) and mean episode reward over the episodes. */
export function evaluateGreedy(
  net: ActorCritic,
  spec: PolicySpec,
  episodes: EpisodeSet,
  sim: SimSettings,
  inference: InferenceFactory | null = null,
): { paBps: number; reward: number } {
  const env = new ExecutionEnv(episodes, sim);
  const { meanPaBps, meanReward } = rolloutSummary(env, rollout(net, spec, env, 'greedy', null, { inference }));
  return { paBps: meanPaBps, reward: meanReward };
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
}

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
}

export async function runLoop(learner: Learner, validation: EpisodeSet, sim: SimSettings, settings: LoopSettings, io: LoopIo): Promise<LoopResult> {
  const { net } = learner;
  let state: LoopState = {
    iteration: 0,
    best: { iteration: 0, paBps: -Infinity, reward: -Infinity },
    bestParams: f32ToBase64(net.params),
    history: [],
    sinceBest: 0,
    learner: null,
    params: '',
    replicas: io.replicas ?? 1,
  };
  const ckpt = io.dir ? join(io.dir, 'checkpoint.json') : null;
  const log = io.dir ? join(io.dir, 'metrics.jsonl') : null;
  if (io.dir) mkdirSync(io.dir, { recursive: true });
  if (io.resume && ckpt && existsSync(ckpt)) {
    state = JSON.parse(readFileSync(ckpt, 'utf8')) as LoopState;
    const was = state.replicas ?? 1;
    const now = io.replicas ?? 1;
    if (was !== now) {
      throw new ExecLabError(
        `${ckpt}: this run computed its gradients on ${was} thread(s) and would continue on ${now}; resume with --threads ${was} (the gradients' sums round differently, so the result would not be the uninterrupted run's)`,
        2,
      );
    }
    state.best = { ...state.best, paBps: state.best.paBps ?? -Infinity };
    net.params.set(base64ToF32(state.params));
    learner.loadState(state.learner);
    // Drop log lines written after the checkpoint: the resumed run writes them again, identically.
    if (log && existsSync(log)) {
      const kept = readFileSync(log, 'utf8').split('\n').filter((l) => l && (JSON.parse(l) as { iteration: number }).iteration <= state.iteration);
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
      const v = evaluateGreedy(net, learner.spec, validation, sim, io.inference ?? null);
      state.history.push({ iteration: it, paBps: v.paBps, reward: v.reward });
      line.validPaBps = v.paBps;
      line.validReward = v.reward;
      if (v.paBps > state.best.paBps) {
        state.best = { iteration: it, paBps: v.paBps, reward: v.reward };
        state.bestParams = f32ToBase64(net.params);
        state.sinceBest = 0;
      } else {
        state.sinceBest++;
      }
    }
    state.iteration = it;
    if (log) appendFileSync(log, `${JSON.stringify(line)}\n`);
    const losses = metrics.qLoss !== undefined ? `q-loss ${fmt(metrics.qLoss, 4)}` : `loss pi ${fmt(metrics.policyLoss, 4)} v ${fmt(metrics.valueLoss, 4)}`;
    const status = `${episodesPerSecond.toFixed(0)} ep/s | reward ${fmt(metrics.meanReward, 3)} PA ${fmt(metrics.meanPaBps)} | ${losses} | best valid PA ${fmt(state.best.paBps)} @${state.best.iteration}`;
    io.onProgress?.(it, settings.iterations, status);
    if (line.validPaBps !== undefined && ckpt) {
      state.learner = learner.saveState();
      state.params = f32ToBase64(net.params);
      writeFileAtomic(ckpt, JSON.stringify(state));
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

/**
 * The policy file: one versioned JSON document holding the network weights and everything needed to
 * rebuild its observation (view, private features, action map, the MDP settings and the feature
 * normalisation it was trained with). `execlab backtest --strategy <file>` runs it. Files are
 * validated completely when loaded (and before they are saved) and carry an integrity hash
 * (src/rl/common/policy-validate.ts); loadPolicy is the one way any command reads them.
 */
import { readFileSync } from 'node:fs';
import type { FeatureStats } from '../../data/types.js';
import { ExecLabError } from '../../errors.js';
import type { SimSettings } from '../../sim/settings.js';
import type { ExecutionEnv } from '../../sim/env.js';
import type { Strategy } from '../../strategies/types.js';
import { writeFileAtomic } from '../../util/files.js';
import { ActorCritic, type NetJSON } from '../../nn/network.js';
import { argmax, expectedShare, sampleAction } from './losses.js';
import { Rng } from '../../util/random.js';
import { requirePeerContext, type PolicySpec } from './policy.js';
import { publicSequence, publicStepInput, privateStepInput, privateWidth } from './observe.js';
import { publicWidth } from '../../sim/observation.js';
import type { InferenceSession } from '../../nn/network.js';
import { ParallelInferenceSession } from '../../nn/parallel-inference.js';
import { POLICY_FORMAT, policyIntegrity, validatePolicyDocument } from './policy-validate.js';

export { POLICY_FORMAT };

export interface PolicyFile {
  readonly format: typeof POLICY_FORMAT;
  /** Display name of the method: OPD, OPD-S, OPD-T, PPO, DDQN. */
  readonly name: string;
  readonly algo: 'ppo' | 'ddqn';
  readonly spec: PolicySpec;
  readonly network: NetJSON;
  readonly sim: SimSettings;
  /** Feature normalisation the policy was trained with (applied to any data it runs on). */
  readonly featureStats: FeatureStats;
  /** The bars it was trained on; absent in files written before it was recorded (then 1-minute A-share bars). */
  readonly bars?: PolicyBars;
  /** How its decisions are taken from the action distribution (default greedy). */
  readonly evaluation?: EvaluationMode;
  readonly dataset: string;
  readonly training: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  /** `sha256:<hex>` of the rest of the document (canonical JSON); written by savePolicy, checked by loadPolicy. */
  readonly integrity?: string;
}

/** The bar grid of a policy's training data: the periods it knows are whole bars of this length. */
export interface PolicyBars {
  readonly barMinutes: number;
  readonly barsPerDay: number;
  readonly session: string;
}

/**
 * How a policy's decision comes from its action distribution: 'greedy' takes the most likely
 * action of the map; 'expected' trades the distribution's expected share of Q (sum p_a * share_a),
 * which may lie between the map's points (e.g. near TWAP's 1/8); 'sample' draws the action from the
 * distribution, the behaviour PPO collects with (seeded with SAMPLE_SEED at every run, so a backtest
 * repeats its numbers). Training chooses between the first two (EVALUATION_MODES).
 */
export type EvaluationMode = 'greedy' | 'expected' | 'sample';
export const EVALUATION_MODES: readonly EvaluationMode[] = ['greedy', 'expected'];
export const SAMPLE_SEED = 1;

/** The bars of a policy file (files without the record were trained on 1-minute A-share bars). */
export function policyBars(policy: PolicyFile): PolicyBars {
  return policy.bars ?? { barMinutes: 1, barsPerDay: 240, session: 'ashare' };
}

/** Refuses to run a policy on bars of another length or session than it was trained on. */
export function checkPolicyBars(policy: PolicyFile, data: PolicyBars, where: string): void {
  const own = policyBars(policy);
  if (own.barMinutes !== data.barMinutes || own.barsPerDay !== data.barsPerDay || own.session !== data.session) {
    throw new ExecLabError(
      `policy '${policy.name}' was trained on ${own.barMinutes}-minute bars (${own.barsPerDay} a day, session '${own.session}'); ${where} has ${data.barMinutes}-minute bars (${data.barsPerDay} a day, session '${data.session}'): its decision periods would not be the ones it learned. Train it on data of the same bar length and session.`,
      2,
    );
  }
}

/**
 * Writes a policy file with its integrity hash. The document is validated as loadPolicy would, so
 * no run writes a file it could not load back (e.g. weights that diverged to NaN).
 */
export function savePolicy(path: string, policy: PolicyFile): void {
  const { integrity: _old, ...rest } = policy;
  const doc = JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
  validatePolicyDocument(doc, `${path} (not written)`);
  writeFileAtomic(path, JSON.stringify({ ...doc, integrity: policyIntegrity(doc) }));
}

/**
 * Reads a policy file, validated completely (src/rl/common/policy-validate.ts): every refusal names
 * the file and the field. Used by backtest, serve, reproduce and distillation alike.
 */
export function loadPolicy(path: string): PolicyFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ExecLabError(`cannot read policy file ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ExecLabError(`${path}: not JSON (${(err as Error).message}); the policy file is truncated or damaged: restore it or train the policy again`);
  }
  return validatePolicyDocument(doc, path);
}

/**
 * A trained network as a Strategy: greedy actions, recurrent state carried across decisions. The
 * student's public input at decision t comes through publicStepInput, which refuses future steps.
 */
export function policyStrategy(net: ActorCritic, spec: PolicySpec, name: string, kind: Strategy['kind'], threads = 1, mode: EvaluationMode = 'greedy'): Strategy {
  let session: InferenceSession | ParallelInferenceSession | null = null;
  let pubStep = new Float32Array(0);
  let privStep = new Float32Array(0);
  let logits = new Float32Array(0);
  let prevShare: Float64Array | null = null;
  let rng = new Rng(SAMPLE_SEED);
  const A = spec.actionMap.length;
  const pw = publicWidth(spec);
  return {
    name,
    kind,
    begin(env: ExecutionEnv) {
      requirePeerContext(spec, env.episodes);
      // A run's session is released before the next is made (a backtest in parts makes one per part).
      session?.close();
      // With threads > 1 the environments are split over a worker thread (same numbers, tested).
      session = threads > 1 && env.n >= 2 ? new ParallelInferenceSession(net, env.n, env.episodes.steps) : net.inference(env.n);
      session.resetAll();
      pubStep = new Float32Array(env.n * pw);
      privStep = new Float32Array(env.n * privateWidth(spec));
      logits = new Float32Array(env.n * A);
      prevShare = spec.privateFeatures === 3 ? new Float64Array(env.n) : null;
      rng = new Rng(SAMPLE_SEED);
      if (spec.view === 'teacher') session.encodePublic(publicSequence(env.episodes, env.n, pw, spec), env.episodes.steps);
    },
    close() {
      session?.close();
      session = null;
      net.releaseInference();
    },
    decide(env: ExecutionEnv, out: Float64Array) {
      const s = session!;
      if (spec.view === 'student') {
        publicStepInput(env, 'student', env.t, pubStep, pw, spec);
        s.stepPublic(pubStep);
      }
      privateStepInput(env, spec, prevShare, privStep);
      s.stepPrivate(privStep);
      s.heads(logits, null);
      for (let i = 0; i < env.n; i++) {
        const o = i * A;
        out[i] = mode === 'expected' ? expectedShare(logits, o, spec.actionMap) : spec.actionMap[mode === 'sample' ? sampleAction(logits, o, A, rng) : argmax(logits, o, A)];
        if (prevShare) prevShare[i] = out[i];
      }
    },
  };
}

/** A policy file as a strategy; `mode` overrides the evaluation mode the file records. */
export function strategyFromPolicyFile(policy: PolicyFile, threads = 1, mode?: EvaluationMode): Strategy {
  const net = ActorCritic.fromJSON(policy.network);
  return policyStrategy(net, policy.spec, policy.name, policy.spec.view === 'teacher' ? 'oracle' : 'learned', threads, mode ?? policy.evaluation ?? 'greedy');
}

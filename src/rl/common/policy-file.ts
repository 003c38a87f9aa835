/**
 * The policy file: one versioned JSON document holding the network weights and everything needed to
 * rebuild its observation (view, private features, action map, the MDP settings and the feature
 * normalisation it was trained with). `execlab backtest --strategy <file>` runs it.
 */
import { readFileSync } from 'node:fs';
import type { FeatureStats } from '../../data/types.js';
import { ExecLabError } from '../../errors.js';
import type { SimSettings } from '../../sim/settings.js';
import type { ExecutionEnv } from '../../sim/env.js';
import type { Strategy } from '../../strategies/types.js';
import { writeFileAtomic } from '../../util/files.js';
import { ActorCritic, type NetJSON } from './net/network.js';
import { argmax } from './losses.js';
import type { PolicySpec } from './policy.js';
import { publicStepInput, privateStepInput } from './observe.js';
import { PUBLIC_FEATURES } from '../../sim/observation.js';
import type { InferenceSession } from './net/network.js';
import { ParallelInferenceSession } from './net/parallel-inference.js';

export const POLICY_FORMAT = 'execlab-policy/1';

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
  readonly dataset: string;
  readonly training: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
}

export function savePolicy(path: string, policy: PolicyFile): void {
  writeFileAtomic(path, JSON.stringify(policy));
}

export function loadPolicy(path: string): PolicyFile {
  let doc: PolicyFile;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as PolicyFile;
  } catch (err) {
    throw new ExecLabError(`cannot read policy file ${path}: ${(err as Error).message}`);
  }
  if (doc.format !== POLICY_FORMAT) throw new ExecLabError(`${path}: not an ExecLab policy file (format '${String(doc.format)}', expected '${POLICY_FORMAT}')`);
  return doc;
}

/**
 * A trained network as a Strategy: greedy actions, recurrent state carried across decisions. The
 * student's public input at decision t comes through publicStepInput, which refuses future steps.
 */
export function policyStrategy(net: ActorCritic, spec: PolicySpec, name: string, kind: Strategy['kind'], threads = 1): Strategy {
  let session: InferenceSession | ParallelInferenceSession | null = null;
  let pubStep = new Float32Array(0);
  let privStep = new Float32Array(0);
  let logits = new Float32Array(0);
  let prevShare: Float64Array | null = null;
  const A = spec.actionMap.length;
  return {
    name,
    kind,
    begin(env: ExecutionEnv) {
      if (session instanceof ParallelInferenceSession) session.close();
      // With threads > 1 the environments are split over a worker thread (same numbers, tested).
      session = threads > 1 && env.n >= 2 ? new ParallelInferenceSession(net, env.n, env.episodes.steps) : net.inference(env.n);
      session.resetAll();
      pubStep = new Float32Array(env.n * PUBLIC_FEATURES);
      privStep = new Float32Array(env.n * spec.privateFeatures);
      logits = new Float32Array(env.n * A);
      prevShare = spec.privateFeatures === 3 ? new Float64Array(env.n) : null;
      if (spec.view === 'teacher') session.encodePublic(env.episodes.pub, env.episodes.steps);
    },
    decide(env: ExecutionEnv, out: Float64Array) {
      const s = session!;
      if (spec.view === 'student') {
        publicStepInput(env, 'student', env.t, pubStep);
        s.stepPublic(pubStep);
      }
      privateStepInput(env, prevShare, privStep);
      s.stepPrivate(privStep);
      s.heads(logits, null);
      for (let i = 0; i < env.n; i++) {
        out[i] = spec.actionMap[argmax(logits, i * A, A)];
        if (prevShare) prevShare[i] = out[i];
      }
    },
  };
}

export function strategyFromPolicyFile(policy: PolicyFile, threads = 1): Strategy {
  const net = ActorCritic.fromJSON(policy.network);
  return policyStrategy(net, policy.spec, policy.name, policy.spec.view === 'teacher' ? 'oracle' : 'learned', threads);
}

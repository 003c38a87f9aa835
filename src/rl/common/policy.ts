/**
 * A policy = a network + how its observation is built. PolicyRunner drives a network through a
 * batched environment decision by decision, carrying the recurrent state (one GRU step per branch
 * per decision), and records what the learners need.
 */
import type { ExecutionEnv } from '../../sim/env.js';
import { requireEpisodePeers, type EpisodeSet } from '../../sim/episodes.js';
import type { PeerGroups } from '../../data/peers.js';
import { publicWidth, type ObservationView } from '../../sim/observation.js';
import { meanExecutedPaBps } from '../../sim/reward.js';
import type { Rng } from '../../util/random.js';
import type { ActorCritic } from '../../nn/network.js';
import type { InferenceFactory, StepInference } from './inference-pool.js';
import { publicSequence, publicStepInput, privateStepInput, privateWidth, type PrivateLayout, type PublicLayout } from './observe.js';
import { argmax, expectedShare, logProb, sampleAction } from './losses.js';

export interface PolicySpec extends PrivateLayout, PublicLayout {
  /** 'student' sees only the past; 'teacher' sees the whole day (training only). */
  readonly view: ObservationView;
  /** 2: (remaining / Q, elapsed / T); 3: plus the previous action's share (Lin and Beling). */
  readonly privateFeatures: 2 | 3;
  /**
   * Reads the order's side (+1 sell, -1 buy) as its last private input: policies trained on orders
   * of both sides. Absent = no (trained on one side; it executes the other side blind to it).
   */
  readonly side?: boolean;
  /** The action map: the share of Q of each action (SPEC 3). */
  readonly actionMap: readonly number[];
  /** Reads the market context (the cross-section's summaries) beside its own features; absent = no. */
  readonly market?: boolean;
  /**
   * Reads the peer context too (after the market context; needs `market`): the groups it was trained
   * with, which the episodes it runs on must carry. Absent = no.
   */
  readonly peers?: PeerGroups;
}

/**
 * The side part of a learner's policy spec: `{ side: true }` when its training orders include buys
 * (it then reads every order's side), plus `mirrorBuys: true` when asked (`mirror`: it reads a buy's
 * price features mirrored); `{}` for sell orders only, the paper's setting, whatever `mirror` says.
 */
export function sideSpec(train: EpisodeSet, mirror = false): { side?: true; mirrorBuys?: true } {
  if (!train.side.some((x) => x !== 1)) return {};
  return mirror ? { side: true, mirrorBuys: true } : { side: true };
}

/** Throws unless `episodes` carry the peer context a policy of `spec` reads (if it reads one). */
export function requirePeerContext(spec: PolicySpec, episodes: EpisodeSet): void {
  requireEpisodePeers(spec.peers, episodes, 'the policy');
}

/** What a rollout recorded, per episode e and period t at [e * T + t]. */
export interface RolloutRecord {
  readonly episodes: number;
  readonly periods: number;
  /** Public inputs per step of the policy (publicWidth of its spec). */
  readonly publicWidth: number;
  /** Public sequence as the policy's view saw it by its last decision: [e][S][publicWidth]. */
  readonly pub: Float32Array;
  /** Private inputs at each decision: [e][S][privateWidth(spec)] (step T unused, zero). */
  readonly priv: Float32Array;
  readonly actions: Int32Array;
  readonly logp: Float32Array;
  readonly values: Float32Array;
  readonly rewards: Float32Array;
}

/** 'expected' executes the distribution's expected share of Q and records the argmax action. */
export type ActionMode = 'greedy' | 'sample' | 'expected';

/**
 * Runs `net` over `env` from its reset state to the end of the episodes. With `mode` 'sample' actions
 * are drawn from the policy (training); 'greedy' takes the argmax and 'expected' executes the
 * softmax's expected share of Q (the two evaluation modes). `epsilon` > 0 makes
 * the choice epsilon-greedy over the logits read as Q-values (DDQN).
 */
export function rollout(
  net: ActorCritic,
  spec: PolicySpec,
  env: ExecutionEnv,
  mode: ActionMode,
  rng: Rng | null,
  options: {
    epsilon?: number;
    rewardOverride?: (env: ExecutionEnv, rec: RolloutRecord) => void;
    /** Where the inference runs (default: one thread); any choice gives the same record. */
    inference?: InferenceFactory | null;
  } = {},
): RolloutRecord {
  const n = env.n;
  const T = env.periods;
  const S = env.episodes.steps;
  const A = spec.actionMap.length;
  const pf = privateWidth(spec);
  const own = options.inference ? null : net.inference(n);
  const session: StepInference = own ?? options.inference!(n, S);
  requirePeerContext(spec, env.episodes);
  const pw = publicWidth(spec);
  const rec: RolloutRecord = {
    episodes: n,
    periods: T,
    publicWidth: pw,
    pub: new Float32Array(n * S * pw),
    priv: new Float32Array(n * S * pf),
    actions: new Int32Array(n * T),
    logp: new Float32Array(n * T),
    values: new Float32Array(n * T),
    rewards: new Float32Array(n * T),
  };
  const pubStep = new Float32Array(n * pw);
  const privStep = new Float32Array(n * pf);
  const logits = new Float32Array(n * A);
  const values = new Float32Array(n);
  const share = new Float64Array(n);
  const prevShare = spec.privateFeatures === 3 ? new Float64Array(n) : null;
  env.reset();
  session.resetAll();
  if (spec.view === 'teacher') {
    const seq = publicSequence(env.episodes, n, pw, spec);
    session.encodePublic(seq, S);
    rec.pub.set(seq);
  }
  const eps = options.epsilon ?? 0;
  while (!env.done) {
    const t = env.t;
    if (spec.view === 'student') {
      publicStepInput(env, 'student', t, pubStep, pw, spec);
      session.stepPublic(pubStep);
      for (let i = 0; i < n; i++) rec.pub.set(pubStep.subarray(i * pw, (i + 1) * pw), (i * S + t) * pw);
    }
    privateStepInput(env, spec, prevShare, privStep);
    session.stepPrivate(privStep);
    for (let i = 0; i < n; i++) rec.priv.set(privStep.subarray(i * pf, (i + 1) * pf), (i * S + t) * pf);
    session.heads(logits, values);
    for (let i = 0; i < n; i++) {
      let a: number;
      if (eps > 0 && rng && rng.uniform() < eps) a = rng.int(A);
      else if (mode === 'sample' && rng) a = sampleAction(logits, i * A, A, rng);
      else a = argmax(logits, i * A, A);
      rec.actions[i * T + t] = a;
      rec.logp[i * T + t] = logProb(logits, i * A, A, a);
      rec.values[i * T + t] = values[i];
      share[i] = mode === 'expected' ? expectedShare(logits, i * A, spec.actionMap) : spec.actionMap[a];
      if (prevShare) prevShare[i] = share[i];
    }
    const r = env.step(share);
    for (let i = 0; i < n; i++) rec.rewards[i * T + t] = r[i];
  }
  // This rollout's own hidden states go back to the kernel memory at once.
  own?.close();
  options.rewardOverride?.(env, rec);
  return rec;
}

/** A finished rollout's mean episode reward and mean executed PA (bps): what learners log and validation scores. */
export function rolloutSummary(env: ExecutionEnv, rec: RolloutRecord): { meanReward: number; meanPaBps: number } {
  let sum = 0;
  for (const r of rec.rewards) sum += r;
  return { meanReward: sum / rec.episodes, meanPaBps: meanExecutedPaBps(env) };
}

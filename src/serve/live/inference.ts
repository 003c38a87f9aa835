/**
 * Incremental inference: one decision period costs one recurrent step per branch, never a rebuild of
 * the day. The recurrent state after each decision is kept with the execution (and stored), and the
 * next decision continues from it with the summary of the period that just ended: the same inputs,
 * in the same order, as the backtest's rollout feeds its batched session, so the decisions are the
 * backtest's (test/serve/live/replay.test.ts compares every decision).
 */
import { normaliseFeatures, rawMinuteFeatures } from '../../data/features.js';
import { argmax } from '../../rl/common/losses.js';
import { expectedShare } from '../../rl/common/losses.js';
import { privateRow, privateWidth, readsMirrored } from '../../rl/common/observe.js';
import type { Side } from '../../data/orders.js';
import { mirrorPublicStep, PUBLIC_FEATURES, summariseMinutes } from '../../sim/observation.js';
import { oneInstrumentContext, oneInstrumentPanel, type BarArrays } from '../bars.js';
import type { PolicyRuntime } from '../decide.js';

/** The recurrent state of one execution between decisions: both GRU branches' hidden vectors. */
export interface RecurrentState {
  readonly hPub: Float32Array;
  readonly hPriv: Float32Array;
}

/** What the policy decided for a period, and the state to continue from. */
export interface StepDecision {
  readonly action: number;
  /** The policy's share of Q (its evaluation mode applied), before the cap by what is left. */
  readonly share: number;
  readonly logits: Float32Array;
  readonly state: RecurrentState;
}

/** The features a period's summary is normalised with: the execution's previous close and volume scale. */
export interface FeatureContext {
  readonly previousClose: number;
  readonly meanMinuteVolume: number;
}

/**
 * The public step summary (PUBLIC_FEATURES numbers) of bars [from, to): the normalised minute
 * features' mean, last value and standard deviation, as the episodes store them (SPEC 6).
 */
export function stepSummary(rt: PolicyRuntime, ctx: FeatureContext, bars: BarArrays, from: number, to: number): Float32Array {
  const n = to - from;
  const context = oneInstrumentContext(ctx.previousClose, ctx.meanMinuteVolume, n);
  const feats = normaliseFeatures(rawMinuteFeatures(oneInstrumentPanel(bars, from, n), context), rt.policy.featureStats);
  const out = new Float32Array(PUBLIC_FEATURES);
  summariseMinutes(feats, 0, 0, n, out, 0);
  return out;
}

/** The zero state of a new execution. */
export function initialState(rt: PolicyRuntime): RecurrentState {
  const H = rt.net.config.hidden;
  return { hPub: new Float32Array(H), hPriv: new Float32Array(H) };
}

/**
 * One policy, one reusable single-row session: each decision loads the execution's state into it,
 * takes one step per branch and the heads, and copies the new state out. Executions share nothing.
 */
export class IncrementalPolicy {
  private readonly session: ReturnType<PolicyRuntime['net']['inference']>;
  private readonly priv: Float32Array;
  private readonly logits: Float32Array;

  constructor(readonly rt: PolicyRuntime) {
    this.session = rt.net.inference(1);
    this.priv = new Float32Array(privateWidth(rt.policy.spec));
    this.logits = new Float32Array(rt.policy.spec.actionMap.length);
  }

  /**
   * Decision `period` from `state`: `publicStep` is the summary of the step the student now sees
   * (the previous day at period 0, else the period that just ended), `remainingShare` what is left
   * over Q, `previousShare` the share the policy asked for in the previous period (0 at period 0),
   * `side` the order's (read by policies trained on both sides).
   */
  decide(state: RecurrentState, publicStep: Float32Array, period: number, remainingShare: number, previousShare: number, side: Side): StepDecision {
    const { policy, grid } = this.rt;
    const s = this.session;
    s.hPub.set(state.hPub);
    s.hPriv.set(state.hPriv);
    const sideSign = side === 'sell' ? 1 : -1;
    if (readsMirrored(policy.spec, sideSign)) {
      const mirrored = Float32Array.from(publicStep);
      mirrorPublicStep(mirrored, 0, mirrored.length);
      s.stepPublic(mirrored);
    } else s.stepPublic(publicStep);
    privateRow(policy.spec, remainingShare, period / grid.periods, previousShare, sideSign, this.priv, 0);
    s.stepPrivate(this.priv);
    s.heads(this.logits, null);
    const actionMap = policy.spec.actionMap;
    const action = argmax(this.logits, 0, actionMap.length);
    const share = policy.evaluation === 'expected' ? expectedShare(this.logits, 0, actionMap) : actionMap[action];
    return { action, share, logits: Float32Array.from(this.logits), state: { hPub: Float32Array.from(s.hPub), hPriv: Float32Array.from(s.hPriv) } };
  }
}

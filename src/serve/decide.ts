/**
 * A trained student policy as a stateless decision function for live use: given the order's state and
 * the minute bars seen so far (strictly before the decision time), return the share of Q to trade in
 * the coming period. The observation is rebuilt exactly as in training and backtests (same features,
 * normalisation and per-period summaries), so a decision here equals the backtest's decision on the
 * same data (tested).
 */
import { z } from 'zod';
import { normaliseFeatures, rawMinuteFeatures } from '../data/features.js';
import type { DayPanel } from '../data/types.js';
import { ExecLabError } from '../errors.js';
import { argmax } from '../rl/common/losses.js';
import { ActorCritic } from '../nn/network.js';
import { checkPolicyBars, policyBars, type PolicyFile } from '../rl/common/policy-file.js';
import { expectedShare } from '../rl/common/losses.js';
import { privateRow, privateWidth, readsMirrored } from '../rl/common/observe.js';
import { mirrorPublicStep, PUBLIC_FEATURES, summariseMinutes } from '../sim/observation.js';
import { periodGrid, type PeriodGrid } from '../sim/settings.js';
import { barAveragePrice, barProblem, MEAN_MINUTE_VOLUME, oneInstrumentContext, oneInstrumentPanel, PRICE, SHARES } from './bars.js';

const Bars = z.strictObject({
  open: z.array(PRICE),
  high: z.array(PRICE),
  low: z.array(PRICE),
  close: z.array(PRICE),
  /** The minutes' average traded prices; (O + 2H + 2L + C) / 6 when absent (SPEC 2); clamped into [low, high] by the import's rule (src/data/average-price.ts). */
  avgPrice: z.array(PRICE).optional(),
  /** Shares. */
  volume: z.array(SHARES),
});

export const DecisionRequestSchema = z.strictObject({
  side: z.enum(['sell', 'buy']),
  /** Order quantity Q in shares. */
  quantity: SHARES.positive(),
  /** Shares executed in each period so far (its length is the index of the period to decide). */
  executed: z.array(SHARES).default([]),
  /** The shares of Q the policy asked for in the past periods (Lin and Beling's state; as many as executed); default executed / Q. */
  pastShares: z.array(z.number().min(0).max(1)).optional(),
  /** The previous trading day's close. */
  previousClose: PRICE,
  /** Mean minute volume (shares) over the previous trading days (SPEC 6: 30 days). */
  meanMinuteVolume: MEAN_MINUTE_VOLUME,
  /** The previous trading day's bars (every minute of the session); omit when unknown. */
  previousDay: Bars.optional(),
  /** Today's bars so far: exactly the minutes before the decision time. */
  today: Bars,
});
export type DecisionRequest = z.input<typeof DecisionRequestSchema>;

export interface Decision {
  /** The period decided (0-based). */
  readonly period: number;
  readonly action: number;
  /** Share of Q to trade in the period (the environment's cap by remaining inventory applied). */
  readonly share: number;
  /** Shares to trade in the period, spread equally over its minutes (all that is left in the last period). */
  readonly quantity: number;
  readonly logits: readonly number[];
}

export interface PolicyRuntime {
  readonly policy: PolicyFile;
  readonly net: ActorCritic;
  readonly grid: PeriodGrid;
  readonly minutesPerDay: number;
}

/**
 * The policy ready to decide. Bars per day and bar length default to the policy's own; given
 * values that differ are refused (the periods would not be the ones it learned).
 */
export function policyRuntime(policy: PolicyFile, minutesPerDay?: number, barMinutes?: number, options: { readonly marketFeed?: boolean } = {}): PolicyRuntime {
  for (const [what, v] of [['minutes per day', minutesPerDay], ['bar minutes', barMinutes]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new ExecLabError(`${what} ${v}: expected a positive integer`, 2);
  }
  if (policy.spec.view !== 'student') throw new ExecLabError(`policy '${policy.name}' sees the future (teacher view): it can be evaluated but not deployed`);
  if (policy.spec.market && !options.marketFeed) throw marketContextRefused(policy);
  const own = policyBars(policy);
  checkPolicyBars(policy, { barMinutes: barMinutes ?? own.barMinutes, barsPerDay: minutesPerDay ?? own.barsPerDay, session: own.session }, 'the server was asked for');
  return { policy, net: ActorCritic.fromJSON(policy.network), grid: periodGrid(policy.sim, own.barMinutes, own.barsPerDay), minutesPerDay: own.barsPerDay };
}

/** Why a policy that reads the market context cannot run on one instrument's bars. */
function marketContextRefused(policy: PolicyFile): ExecLabError {
  return new ExecLabError(
    `policy '${policy.name}' reads the market context (the cross-section of the day's instruments), which /decide cannot rebuild from one instrument's bars: serve it with execlab serve, whose market feed carries the cross-section, or run it with execlab backtest`,
    2,
  );
}

/**
 * Checks one set of bars: every array as long as open (and as `minutes` when given), high >= low,
 * open and close within [low, high].
 */
function checkBars(bars: z.infer<typeof Bars>, what: string, minutes?: number, needed?: string): void {
  const n = bars.open.length;
  for (const k of ['high', 'low', 'close', 'volume', 'avgPrice'] as const) {
    const a = bars[k];
    if (a && a.length !== n) throw new ExecLabError(`${what}.${k} has ${a.length} values, ${what}.open has ${n}`, 2);
  }
  if (minutes !== undefined && n !== minutes) throw new ExecLabError(`${what} has ${n} minutes; expected ${needed ?? minutes}`, 2);
  for (let m = 0; m < n; m++) {
    const problem = barProblem(bars.open[m], bars.high[m], bars.low[m], bars.close[m], (k) => `${what}.${k}[${m}]`);
    if (problem) throw new ExecLabError(problem, 2);
  }
}

/** A checked set of bars as a one-instrument panel of `minutes` minutes (the rest of the day zero). */
function panel(bars: z.infer<typeof Bars>, minutes: number): DayPanel {
  const n = bars.open.length;
  if (n > minutes) throw new ExecLabError(`${n} bars for a day of ${minutes} minutes`, 2);
  const avgPrice = bars.open.map((o, m) => barAveragePrice(o, bars.high[m], bars.low[m], bars.close[m], bars.avgPrice?.[m]));
  return oneInstrumentPanel({ ...bars, avgPrice }, 0, n, minutes);
}

/**
 * The decision for the next period. Throws ExecLabError (exit code 2) on invalid or inconsistent
 * input, checked in full before anything is computed; nothing is kept between calls.
 */
export function decide(rt: PolicyRuntime, input: DecisionRequest): Decision {
  const parsed = DecisionRequestSchema.safeParse(input);
  if (!parsed.success) throw new ExecLabError(`invalid request: ${parsed.error.issues.slice(0, 8).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`, 2);
  const req = parsed.data;
  const { grid, net, policy } = rt;
  if (policy.spec.market) throw marketContextRefused(policy);
  const M = rt.minutesPerDay;
  const T = grid.periods;
  const t = req.executed.length;
  if (t >= T) throw new ExecLabError(`executed has ${t} periods: the order's ${T} periods are over`, 2);
  if (req.pastShares && req.pastShares.length !== t) throw new ExecLabError(`pastShares has ${req.pastShares.length} values; executed has ${t} (one per past period)`, 2);
  const done = req.executed.reduce((a, b) => a + b, 0);
  if (done > req.quantity * (1 + 1e-9)) throw new ExecLabError(`executed sums to ${done}, more than the quantity ${req.quantity}`, 2);
  checkBars(req.today, 'today');
  if (req.today.open.length !== grid.start[t]) {
    throw new ExecLabError(`today has ${req.today.open.length} minutes; deciding period ${t} needs exactly the ${grid.start[t]} minutes before it`, 2);
  }
  if (req.previousDay) checkBars(req.previousDay, 'previousDay', M, `the policy's ${M} (every minute of the session)`);
  const ctx = oneInstrumentContext(req.previousClose, req.meanMinuteVolume, M);
  const S = T + 1;
  const pub = new Float32Array(S * PUBLIC_FEATURES);
  if (req.previousDay) {
    const prev = normaliseFeatures(rawMinuteFeatures(panel(req.previousDay, M), ctx), policy.featureStats);
    summariseMinutes(prev, 0, 0, M, pub, 0);
  }
  const today = normaliseFeatures(rawMinuteFeatures(panel(req.today, M), ctx), policy.featureStats);
  for (let k = 0; k < t; k++) summariseMinutes(today, 0, grid.start[k], grid.start[k + 1], pub, (k + 1) * PUBLIC_FEATURES);
  const sideSign = req.side === 'sell' ? 1 : -1;
  if (readsMirrored(policy.spec, sideSign)) for (let k = 0; k < S; k++) mirrorPublicStep(pub, k * PUBLIC_FEATURES, PUBLIC_FEATURES);
  const session = net.inference(1);
  const priv = new Float32Array(privateWidth(policy.spec));
  let remaining = req.quantity;
  const A = policy.spec.actionMap.length;
  const logits = new Float32Array(A);
  for (let k = 0; k <= t; k++) {
    session.stepPublic(pub.subarray(k * PUBLIC_FEATURES, (k + 1) * PUBLIC_FEATURES));
    if (k > 0) remaining -= req.executed[k - 1];
    const previousShare = k === 0 ? 0 : (req.pastShares?.[k - 1] ?? req.executed[k - 1] / req.quantity);
    privateRow(policy.spec, remaining / req.quantity, k / T, previousShare, sideSign, priv, 0);
    session.stepPrivate(priv);
  }
  session.heads(logits, null);
  // Cannot happen within the ranges above; a guard so that no answer carries NaN.
  if (!logits.every(Number.isFinite)) throw new ExecLabError('the request gives the network non-finite inputs: check its prices and volumes', 2);
  const action = argmax(logits, 0, A);
  // The policy's evaluation mode, as in backtests: the likeliest action's share or the expected share.
  const share = policy.evaluation === 'expected' ? expectedShare(logits, 0, policy.spec.actionMap) : policy.spec.actionMap[action];
  const quantity = t === T - 1 ? Math.max(0, remaining) : Math.min(share * req.quantity, Math.max(0, remaining));
  return { period: t, action, share, quantity, logits: Array.from(logits) };
}

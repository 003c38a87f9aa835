/**
 * A trained student policy as a stateless decision function for live use: given the order's state and
 * the minute bars seen so far (strictly before the decision time), return the share of Q to trade in
 * the coming period. The observation is rebuilt exactly as in training and backtests (same features,
 * normalisation and per-period summaries), so a decision here equals the backtest's decision on the
 * same data (tested).
 */
import { z } from 'zod';
import { normaliseFeatures, rawMinuteFeatures } from '../data/features.js';
import type { DayContext, DayPanel } from '../data/types.js';
import { ExecLabError } from '../errors.js';
import { argmax } from '../rl/common/losses.js';
import { ActorCritic } from '../rl/common/net/network.js';
import { checkPolicyBars, expectedShare, policyBars, type PolicyFile } from '../rl/common/policy-file.js';
import { PUBLIC_FEATURES, summariseMinutes } from '../sim/observation.js';
import { periodGrid, type PeriodGrid } from '../sim/settings.js';

const Bars = z.object({
  open: z.array(z.number().positive()),
  high: z.array(z.number().positive()),
  low: z.array(z.number().positive()),
  close: z.array(z.number().positive()),
  /** The minutes' average traded prices; (O + 2H + 2L + C) / 6 when absent (SPEC 2). */
  avgPrice: z.array(z.number().positive()).optional(),
  /** Shares. */
  volume: z.array(z.number().min(0)),
});

export const DecisionRequestSchema = z.object({
  side: z.enum(['sell', 'buy']),
  /** Order quantity Q in shares. */
  quantity: z.number().positive(),
  /** Shares executed in each period so far (its length is the index of the period to decide). */
  executed: z.array(z.number().min(0)).default([]),
  /** The shares of Q the policy asked for in the past periods (Lin and Beling's state); default executed / Q. */
  pastShares: z.array(z.number().min(0).max(1)).optional(),
  /** The previous trading day's close. */
  previousClose: z.number().positive(),
  /** Mean minute volume (shares) over the previous trading days (SPEC 6: 30 days). */
  meanMinuteVolume: z.number().positive(),
  /** The previous trading day's bars (all minutes of the session); omit when unknown. */
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
export function policyRuntime(policy: PolicyFile, minutesPerDay?: number, barMinutes?: number): PolicyRuntime {
  if (policy.spec.view !== 'student') throw new ExecLabError(`policy '${policy.name}' sees the future (teacher view): it can be evaluated but not deployed`);
  if (policy.spec.market) {
    throw new ExecLabError(`policy '${policy.name}' reads the market context (the cross-section of the day's instruments), which /decide cannot rebuild from one instrument's bars: run it with execlab backtest, or train without --market-context to serve it`, 2);
  }
  const own = policyBars(policy);
  checkPolicyBars(policy, { barMinutes: barMinutes ?? own.barMinutes, barsPerDay: minutesPerDay ?? own.barsPerDay, session: own.session }, 'the server was asked for');
  return { policy, net: ActorCritic.fromJSON(policy.network), grid: periodGrid(policy.sim, own.barMinutes, own.barsPerDay), minutesPerDay: own.barsPerDay };
}

function panel(bars: z.infer<typeof Bars>, minutes: number, what: string): DayPanel {
  const n = bars.open.length;
  for (const k of ['high', 'low', 'close', 'volume'] as const) {
    if (bars[k].length !== n) throw new ExecLabError(`${what}.${k} has ${bars[k].length} values, ${what}.open has ${n}`, 2);
  }
  const pad = (a: readonly number[]): Float64Array => {
    const out = new Float64Array(minutes);
    out.set(a.slice(0, minutes));
    return out;
  };
  const avg = bars.avgPrice ?? bars.open.map((o, m) => (o + 2 * bars.high[m] + 2 * bars.low[m] + bars.close[m]) / 6);
  return { date: '', minutes, instrumentCount: 1, open: pad(bars.open), high: pad(bars.high), low: pad(bars.low), close: pad(bars.close), avgPrice: pad(avg), volume: pad(bars.volume), valid: Uint8Array.of(1) };
}

/** The decision for the next period. Throws ExecLabError (exit code 2) on inconsistent input. */
export function decide(rt: PolicyRuntime, input: DecisionRequest): Decision {
  const parsed = DecisionRequestSchema.safeParse(input);
  if (!parsed.success) throw new ExecLabError(`invalid request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 2);
  const req = parsed.data;
  const { grid, net, policy } = rt;
  const M = rt.minutesPerDay;
  const T = grid.periods;
  const t = req.executed.length;
  if (t >= T) throw new ExecLabError(`executed has ${t} periods: the order's ${T} periods are over`, 2);
  if (req.today.open.length !== grid.start[t]) {
    throw new ExecLabError(`today has ${req.today.open.length} minutes; deciding period ${t} needs exactly the ${grid.start[t]} minutes before it`, 2);
  }
  const ctx: DayContext = {
    date: '',
    prevClose: Float64Array.of(req.previousClose),
    meanMinuteVolume: Float64Array.of(req.meanMinuteVolume),
    dailySigma: Float64Array.of(NaN),
    volumeProfile: new Float64Array(M),
    historyDays: Uint16Array.of(1),
  };
  const S = T + 1;
  const pub = new Float32Array(S * PUBLIC_FEATURES);
  if (req.previousDay) {
    const prev = normaliseFeatures(rawMinuteFeatures(panel(req.previousDay, M, 'previousDay'), ctx), policy.featureStats);
    summariseMinutes(prev, 0, 0, M, pub, 0);
  }
  const today = normaliseFeatures(rawMinuteFeatures(panel(req.today, M, 'today'), ctx), policy.featureStats);
  for (let k = 0; k < t; k++) summariseMinutes(today, 0, grid.start[k], grid.start[k + 1], pub, (k + 1) * PUBLIC_FEATURES);
  const pf = policy.spec.privateFeatures;
  const session = net.inference(1);
  const priv = new Float32Array(pf);
  let remaining = req.quantity;
  const A = policy.spec.actionMap.length;
  const logits = new Float32Array(A);
  for (let k = 0; k <= t; k++) {
    session.stepPublic(pub.subarray(k * PUBLIC_FEATURES, (k + 1) * PUBLIC_FEATURES));
    if (k > 0) remaining -= req.executed[k - 1];
    priv[0] = remaining / req.quantity;
    priv[1] = k / T;
    if (pf === 3) priv[2] = k === 0 ? 0 : (req.pastShares?.[k - 1] ?? req.executed[k - 1] / req.quantity);
    session.stepPrivate(priv);
  }
  if (remaining < -1e-9 * req.quantity) throw new ExecLabError(`executed sums to more than the quantity ${req.quantity}`, 2);
  session.heads(logits, null);
  const action = argmax(logits, 0, A);
  // The policy's evaluation mode, as in backtests: the likeliest action's share or the expected share.
  const share = policy.evaluation === 'expected' ? expectedShare(logits, 0, policy.spec.actionMap) : policy.spec.actionMap[action];
  const quantity = t === T - 1 ? Math.max(0, remaining) : Math.min(share * req.quantity, Math.max(0, remaining));
  return { period: t, action, share, quantity, logits: Array.from(logits) };
}

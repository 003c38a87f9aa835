/**
 * The batched execution environment (SPEC 3 and 4): every episode of an EpisodeSet is stepped
 * together, one decision period at a time. The same class serves training and backtests; the fill
 * options (participation cap, lots, no fills without volume) only change how a period's quantity is
 * filled, never the reward's definition.
 *
 * Two paths give identical numbers when no fill option is on (tested): a closed form per period for
 * speed (equal child orders at the minute average prices), and a minute-by-minute loop for the
 * options, custom minute weights (VWAP) and recorded per-minute fills.
 */
import type { EpisodeSet } from './episodes.js';
import { periodReward, signedPaBps } from './reward.js';
import type { SimSettings } from './settings.js';

export interface EnvOptions {
  /** Record each minute's fill (needed for charts); forces the minute loop. */
  readonly recordMinuteFills?: boolean;
  /**
   * Base schedule inside periods, [episode * horizon + minute]: positive weights, normalised per
   * period by the environment. null = equal shares per minute (the paper's base schedule).
   */
  readonly minuteWeights?: Float64Array | null;
}

export class ExecutionEnv {
  readonly n: number;
  readonly periods: number;
  readonly horizon: number;
  /** Index of the next period to decide. */
  t = 0;
  /** Shares not yet executed (includes quantity carried forward by the fill options). */
  readonly remaining: Float64Array;
  /** Quantity planned but not filled yet, carried to later minutes. */
  readonly carry: Float64Array;
  /** Executed shares per period [episode * T + t]. */
  readonly periodQty: Float64Array;
  /** Reward per period [episode * T + t]. */
  readonly reward: Float64Array;
  /** The share of Q each episode asked for in each period, before the inventory cap [episode * T + t]. */
  readonly requestedShare: Float64Array;
  readonly executedQty: Float64Array;
  readonly executedValue: Float64Array;
  /** Per-minute fills when recorded [episode * horizon + minute]. */
  readonly minuteFills: Float64Array | null;
  private readonly fast: boolean;
  private readonly weights: Float64Array | null;
  private readonly stepReward: Float64Array;

  constructor(
    readonly episodes: EpisodeSet,
    readonly settings: SimSettings,
    options: EnvOptions = {},
  ) {
    const n = episodes.count;
    this.n = n;
    this.periods = episodes.grid.periods;
    this.horizon = episodes.grid.horizon;
    this.remaining = new Float64Array(n);
    this.carry = new Float64Array(n);
    this.periodQty = new Float64Array(n * this.periods);
    this.reward = new Float64Array(n * this.periods);
    this.requestedShare = new Float64Array(n * this.periods);
    this.executedQty = new Float64Array(n);
    this.executedValue = new Float64Array(n);
    this.stepReward = new Float64Array(n);
    this.weights = options.minuteWeights ?? null;
    this.minuteFills = options.recordMinuteFills ? new Float64Array(n * this.horizon) : null;
    const f = settings.fill;
    this.fast = !options.recordMinuteFills && !this.weights && f.participationCap === null && f.lotSize <= 1 && !f.noFillWithoutVolume;
    this.reset();
  }

  reset(): void {
    this.t = 0;
    this.remaining.set(this.episodes.quantity);
    this.carry.fill(0);
    this.periodQty.fill(0);
    this.reward.fill(0);
    this.requestedShare.fill(0);
    this.executedQty.fill(0);
    this.executedValue.fill(0);
    this.minuteFills?.fill(0);
  }

  get done(): boolean {
    return this.t >= this.periods;
  }

  /**
   * Executes period t: episode i trades min(share[i] * Q, what is left) — in the last period all
   * that is left (forced completion, spread over the period's minutes; SPEC 3). Returns the period's
   * rewards (a view reused by the next call).
   */
  step(share: Float64Array): Float64Array {
    const t = this.t;
    if (t >= this.periods) throw new Error('episode is over: reset() first');
    const T = this.periods;
    const last = t === T - 1;
    const { quantity } = this.episodes;
    for (let i = 0; i < this.n; i++) {
      const Q = quantity[i];
      const s = share[i];
      this.requestedShare[i * T + t] = s;
      const free = this.remaining[i] - this.carry[i];
      const target = last ? free : Math.min(Math.max(s, 0) * Q, free);
      this.stepReward[i] = this.fast ? this.fillFast(i, t, target) : this.fillMinutes(i, t, target, last);
      this.reward[i * T + t] = this.stepReward[i];
    }
    this.t++;
    return this.stepReward;
  }

  /** Closed form: target/n shares in each of the period's n minutes, all filled. */
  private fillFast(i: number, t: number, target: number): number {
    const { grid, periodMeanPrice, benchmark, side, quantity } = this.episodes;
    const T = this.periods;
    const Q = quantity[i];
    const minutes = (grid.start[t + 1] - grid.start[t]) * grid.barMinutes;
    if (target <= 0) return 0;
    const p = periodMeanPrice[i * T + t];
    this.periodQty[i * T + t] = target;
    this.executedQty[i] += target;
    this.executedValue[i] += target * p;
    this.remaining[i] -= target;
    const share = target / Q;
    const pa = signedPaBps(p, benchmark[i], side[i]);
    return periodReward(share, pa, (share * share) / minutes, this.settings.alpha);
  }

  /** Minute loop: base weights, participation cap, lots, no fills without volume, carry-forward. */
  private fillMinutes(i: number, t: number, target: number, last: boolean): number {
    const { grid, price, volume, benchmark, side, quantity } = this.episodes;
    const H = this.horizon;
    const T = this.periods;
    const Q = quantity[i];
    const { participationCap: cap, lotSize: lot, noFillWithoutVolume } = this.settings.fill;
    // A bar's fill is spread equally over its minutes: it adds barMinutes * (s / barMinutes)^2.
    const perMinute = 1 / grid.barMinutes;
    const from = grid.start[t];
    const to = grid.start[t + 1];
    let wsum = 0;
    if (this.weights) for (let m = from; m < to; m++) wsum += this.weights[i * H + m];
    const useWeights = this.weights !== null && wsum > 0;
    let qty = 0;
    let value = 0;
    let sumSq = 0;
    let carry = this.carry[i];
    for (let m = from; m < to; m++) {
      const w = useWeights ? this.weights![i * H + m] / wsum : 1 / (to - from);
      let want = carry + target * w;
      // Forced completion: the last minute of the horizon asks for everything still open.
      if (last && m === to - 1) want = this.remaining[i] - qty;
      const vol = volume[i * H + m];
      let fill = want;
      if (noFillWithoutVolume && !(vol > 0)) fill = 0;
      if (cap !== null) fill = Math.min(fill, cap * vol);
      if (lot > 1) fill = Math.floor(fill / lot + 1e-9) * lot;
      if (fill < 0) fill = 0;
      carry = want - fill;
      if (carry < 1e-9 * Q) carry = 0;
      if (fill > 0) {
        const p = price[i * H + m];
        qty += fill;
        value += fill * p;
        const s = fill / Q;
        sumSq += s * s * perMinute;
        if (this.minuteFills) this.minuteFills[i * H + m] = fill;
      }
    }
    // What is still open at the horizon is reported as unfilled, never invented (SPEC 3).
    this.carry[i] = last ? 0 : carry;
    this.periodQty[i * T + t] = qty;
    this.executedQty[i] += qty;
    this.executedValue[i] += value;
    this.remaining[i] -= qty;
    if (qty <= 0) return periodReward(0, 0, sumSq, this.settings.alpha);
    const pa = signedPaBps(value / qty, benchmark[i], side[i]);
    return periodReward(qty / Q, pa, sumSq, this.settings.alpha);
  }

  /** Shares left unfilled at the horizon (0 without fill options). Valid once done. */
  unfilled(i: number): number {
    return this.remaining[i];
  }
}

/**
 * One execution's state in memory and the rules for changing it: which bars and fills may be added,
 * which periods are due for a decision, the plan of a period, and the view a client reads. Every
 * check runs before anything changes (a refused request leaves the state as it was); nothing here
 * does I/O: the service stores a change first and applies it here after.
 */
import { barLists, barProblem, pushBar, resolveBar, sameBarAt, type ResolvedBar } from '../bars.js';
import type { PolicyRuntime } from '../decide.js';
import { badRequest, conflict } from './errors.js';
import type { RecurrentState } from './inference.js';
import { serializeOnce } from './json.js';
import type { ExecutionView, FillInput, Plan } from './schemas.js';
import type { IndexedBarSchema } from './schemas.js';
import type { z } from 'zod';

export type Side = 'sell' | 'buy';

/** What an execution was opened with; fixed for its life. */
export interface ExecutionHeader {
  readonly id: string;
  readonly keyId: number;
  readonly policy: string;
  /** The policy file's integrity hash: a restart with another file under the same id is refused. */
  readonly policyIntegrity: string;
  readonly instrument: string;
  readonly side: Side;
  readonly quantity: number;
  readonly date: string;
  /** Scale of the price features: the previous close. */
  readonly previousClose: number;
  /** Scale of the volume feature: the trailing mean volume per bar. */
  readonly meanMinuteVolume: number;
  /** Public step 0: the summary of the previous day (zeros when it was not given). */
  readonly previousDaySummary: Float32Array;
  readonly createdAt: string;
}

/** A bar as stored: checked, its average price resolved. */
export type StoredBar = ResolvedBar;

export type StoredFill = FillInput;

/** A period's decision as stored: what the policy chose, the shares it planned and the state after it. */
export interface StoredDecision {
  readonly period: number;
  readonly action: number;
  readonly share: number;
  readonly quantity: number;
  readonly logits: Float32Array;
  readonly state: RecurrentState;
}

type IndexedBar = z.infer<typeof IndexedBarSchema>;

export class Execution {
  readonly bars = barLists();
  readonly fills: StoredFill[] = [];
  readonly decisions: StoredDecision[] = [];
  /** Each decided period's plan, as answered (frozen, its JSON remembered). */
  private readonly plans: Plan[] = [];
  private readonly fillById = new Map<string, StoredFill>();
  cancelledAt: string | null = null;

  constructor(
    readonly header: ExecutionHeader,
    readonly rt: PolicyRuntime,
  ) {}

  get barsReceived(): number {
    return this.bars.open.length;
  }

  get status(): 'open' | 'complete' | 'cancelled' {
    if (this.cancelledAt !== null) return 'cancelled';
    return this.barsReceived >= this.rt.grid.horizon ? 'complete' : 'open';
  }

  /** The period being traded now (its decision due), or null once the horizon is over. */
  currentPeriod(): number | null {
    const { start, periods, horizon } = this.rt.grid;
    const n = this.barsReceived;
    if (n >= horizon) return null;
    let t = 0;
    while (t + 1 < periods && start[t + 1] <= n) t++;
    return t;
  }

  /** Shares filled so far (summed in the order the fills were acknowledged). */
  filled(): number {
    let s = 0;
    for (const f of this.fills) s += f.quantity;
    return s;
  }

  /** Q minus the fills, subtracted one by one as the simulator does. */
  remaining(): number {
    let r = this.header.quantity;
    for (const f of this.fills) r -= f.quantity;
    return r;
  }

  /**
   * The new bars of a request (in order) and how many it repeats. A bar already stored with the
   * same values is a retry, counted once; with other values, a conflict. A gap, bars out of order,
   * a bar past the session's last or an inconsistent bar refuses the whole request.
   */
  checkBars(input: readonly IndexedBar[]): { fresh: StoredBar[]; duplicates: number } {
    if (this.cancelledAt !== null) throw conflict(`execution ${this.header.id} was cancelled at ${this.cancelledAt}: it takes no more bars`);
    const M = this.rt.minutesPerDay;
    const fresh: StoredBar[] = [];
    let duplicates = 0;
    let next = this.barsReceived;
    for (let k = 1; k < input.length; k++) {
      if (input[k].index <= input[k - 1].index) throw badRequest(`bars[${k}].index = ${input[k].index} after ${input[k - 1].index}: bars must be in time order, each once`);
    }
    for (const [k, b] of input.entries()) {
      const where = (f: string): string => `bars[${k}].${f}`;
      if (b.index >= M) throw badRequest(`${where('index')} = ${b.index}: the session has ${M} bars (0 to ${M - 1})`);
      const problem = barProblem(b.open, b.high, b.low, b.close, where);
      if (problem) throw badRequest(problem);
      const bar = resolveBar(b);
      if (b.index < this.barsReceived) {
        if (!sameBarAt(this.bars, b.index, bar)) throw conflict(`${where('index')} = ${b.index}: bar ${b.index} is already stored with other values`);
        duplicates++;
        continue;
      }
      if (b.index !== next) throw badRequest(`${where('index')} = ${b.index}: the next bar is ${next} (bars arrive in time order, without gaps)`);
      fresh.push(bar);
      next++;
    }
    return { fresh, duplicates };
  }

  /**
   * The new fills of a request and how many it repeats (by fillId). A fill must be in a period whose
   * plan was issued, in a bar that has begun (at most the bar in progress) within the horizon, and
   * the fills may not add up to more than Q.
   */
  checkFills(input: readonly FillInput[]): { fresh: StoredFill[]; duplicates: number } {
    const { start, horizon } = this.rt.grid;
    const fresh: StoredFill[] = [];
    const seen = new Set<string>();
    let duplicates = 0;
    let total = this.filled();
    for (const [k, f] of input.entries()) {
      const where = `fills[${k}]`;
      if (seen.has(f.fillId)) throw badRequest(`${where}.fillId '${f.fillId}' appears twice in the request`);
      seen.add(f.fillId);
      const old = this.fillById.get(f.fillId);
      if (old) {
        if (old.bar !== f.bar || old.quantity !== f.quantity || old.price !== f.price) throw conflict(`${where}.fillId '${f.fillId}' is already stored with other values`);
        duplicates++;
        continue;
      }
      if (f.bar >= horizon) throw badRequest(`${where}.bar = ${f.bar}: the horizon ends before bar ${horizon}`);
      if (f.bar > this.barsReceived) throw badRequest(`${where}.bar = ${f.bar} is in the future: ${this.barsReceived} bars received, so bar ${this.barsReceived} is the one in progress`);
      if (this.decisions.length === 0 || f.bar >= start[this.decisions.length]) {
        throw conflict(`${where}.bar = ${f.bar}: no plan was issued for its period yet (GET the plan first)`);
      }
      total += f.quantity;
      if (total > this.header.quantity * (1 + 1e-9)) throw badRequest(`${where}: the fills would add up to ${total} shares, more than the order's ${this.header.quantity}`);
      fresh.push(f);
    }
    return { fresh, duplicates };
  }

  addBars(bars: readonly StoredBar[]): void {
    for (const b of bars) pushBar(this.bars, b);
  }

  addFills(fills: readonly StoredFill[]): void {
    for (const f of fills) {
      this.fills.push(f);
      this.fillById.set(f.fillId, f);
    }
  }

  addDecision(d: StoredDecision): void {
    if (d.period !== this.decisions.length) throw new Error(`decision for period ${d.period} stored after ${this.decisions.length} decisions`);
    this.decisions.push(d);
  }

  /** Shares the period plans: share x Q capped by what is left, and all that is left in the last period. */
  plannedQuantity(period: number, share: number): number {
    const left = Math.max(0, this.remaining());
    return period === this.rt.grid.periods - 1 ? left : Math.min(share * this.header.quantity, left);
  }

  /** The plan of decision `d`: built and serialised once per period, then reused (it cannot change). */
  plan(d: StoredDecision): Plan {
    const known = this.plans[d.period];
    if (known !== undefined && this.decisions[d.period] === d) return known;
    const plan = serializeOnce(this.buildPlan(d));
    if (this.decisions[d.period] === d) this.plans[d.period] = plan;
    return plan;
  }

  private buildPlan(d: StoredDecision): Plan {
    const { start } = this.rt.grid;
    const from = start[d.period];
    const to = start[d.period + 1];
    const per = d.quantity / (to - from);
    return {
      executionId: this.header.id,
      period: d.period,
      fromBar: from,
      toBar: to,
      action: d.action,
      share: d.share,
      quantity: d.quantity,
      childOrders: Array.from({ length: to - from }, (_, k) => ({ bar: from + k, quantity: per })),
      logits: Array.from(d.logits),
    };
  }

  view(): ExecutionView {
    const h = this.header;
    const { start, horizon } = this.rt.grid;
    const filled = this.filled();
    let value = 0;
    for (const f of this.fills) value += f.quantity * f.price;
    const seen = Math.min(this.barsReceived, horizon);
    let sum = 0;
    for (let m = 0; m < seen; m++) sum += this.bars.avgPrice[m];
    const averageFillPrice = filled > 0 ? value / filled : null;
    const benchmarkPrice = seen > 0 ? sum / seen : null;
    const paBps = averageFillPrice !== null && benchmarkPrice !== null ? (h.side === 'sell' ? 1 : -1) * 1e4 * (averageFillPrice / benchmarkPrice - 1) : null;
    return {
      id: h.id,
      policy: h.policy,
      instrument: h.instrument,
      side: h.side,
      quantity: h.quantity,
      date: h.date,
      status: this.status,
      createdAt: h.createdAt,
      barsReceived: this.barsReceived,
      period: this.currentPeriod(),
      filled,
      remaining: this.remaining(),
      averageFillPrice,
      benchmarkPrice,
      paBps,
      fills: this.fills.slice(),
      decisions: this.decisions.map((d) => ({ period: d.period, fromBar: start[d.period], toBar: start[d.period + 1], action: d.action, share: d.share, quantity: d.quantity })),
    };
  }
}

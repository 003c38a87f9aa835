/**
 * One day of the market feed in memory: the cross-section of instruments whose bars the service
 * averages into the market context and the peer context (src/sim/episodes.ts: daySummaries,
 * peerContext) for the policies that read them. The day's universe is registered first (each
 * instrument with its feature scales and, optionally, its previous session), then fixed ("ready"),
 * then each instrument's bars arrive in order. A context step is computed once every instrument
 * has the bars it summarises, with the same arithmetic, in the same order (instruments by code, as
 * datasets order them), as the episodes: so a decision equals the backtest's on the same bars.
 * An instrument halted during the day takes no more bars and is not waited for; a step counts the
 * instruments that have its bars, which no halt changes once the step could be computed.
 * No I/O: the service stores each change first and applies it here.
 */
import { peerIndices } from '../../data/peers.js';
import { meanSummaries } from '../../sim/episodes.js';
import { PUBLIC_FEATURES } from '../../sim/observation.js';
import { barLists, barProblem, pushBar, resolveBar, sameBarAt, type BarLists } from '../bars.js';
import type { PolicyRuntime } from '../decide.js';
import { ApiError, badRequest, conflict } from './errors.js';
import type { StoredBar } from './execution.js';
import { stepSummary } from './inference.js';
import { featureScales, previousSession } from './scales.js';
import type { MarketBarInput, MarketInstrumentInput } from './schemas.js';

/** An instrument of the day's universe as registered. */
export interface FeedInstrument {
  readonly instrument: string;
  /** When it was halted (no more bars from it; later periods' context leaves it out), or null. */
  readonly haltedAt?: string | null;
  readonly previousClose: number;
  readonly meanMinuteVolume: number;
  /** The previous session's bars (average prices resolved), or null when not given. */
  readonly previousDay: StoredBar[] | null;
}

/** New feed bars of one instrument, from bar `from` on. */
export interface FeedBars {
  readonly instrument: string;
  readonly from: number;
  readonly bars: StoredBar[];
}

/** A policy's view of the day: every instrument's step summaries with its feature statistics, and the context steps done so far. */
interface PolicyContexts {
  /** [instrument][step][PUBLIC_FEATURES], filled step by step. */
  readonly own: Float32Array;
  /** [step][PUBLIC_FEATURES]. */
  readonly market: Float32Array;
  readonly done: Uint8Array;
  /** [step][instrument]: whether its summary is in `own` already (made when its bars arrived). */
  readonly summarised: Uint8Array;
  /** Each instrument's peers (indices into the day's instruments), or null for a policy without peer groups. */
  readonly peers: Int32Array[] | null;
}

export class FeedDay {
  readyAt: string | null = null;
  private readonly byCode = new Map<string, { meta: FeedInstrument; bars: BarLists }>();
  /** The universe in code order, once ready. */
  private codes: string[] = [];
  private readonly index = new Map<string, number>();
  /** 0 .. the universe's size - 1: every instrument, in code order. */
  private all = new Int32Array(0);
  private readonly contexts = new Map<PolicyRuntime, PolicyContexts>();

  constructor(
    readonly date: string,
    /** Bars per session of the policies that read the feed. */
    readonly minutesPerDay: number,
    /**
     * The policies that will read it: each instrument's summary of a period is made for them as
     * soon as its bars arrive, so that the first plan of a period only averages them.
     */
    private readonly readers: readonly PolicyRuntime[] = [],
  ) {}

  get instrumentCount(): number {
    return this.byCode.size;
  }

  get halted(): number {
    let n = 0;
    for (const { meta } of this.byCode.values()) if (meta.haltedAt) n++;
    return n;
  }

  get withPreviousDay(): number {
    let n = 0;
    for (const { meta } of this.byCode.values()) if (meta.previousDay) n++;
    return n;
  }

  /** The bars every instrument of the universe not halted has: the feed is complete up to this bar. */
  barsComplete(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const { meta, bars } of this.byCode.values()) if (!meta.haltedAt) min = Math.min(min, bars.open.length);
    return Number.isFinite(min) ? min : this.minutesPerDay;
  }

  /** Up to `limit` instruments not halted that have the fewest bars (fewest first, then by code): who the plans wait for. */
  lagging(limit: number): Array<{ instrument: string; bars: number }> {
    const out: Array<{ instrument: string; bars: number }> = [];
    for (const [instrument, { meta, bars }] of this.byCode) if (!meta.haltedAt) out.push({ instrument, bars: bars.open.length });
    out.sort((a, b) => a.bars - b.bars || (a.instrument < b.instrument ? -1 : a.instrument > b.instrument ? 1 : 0));
    return out.slice(0, limit);
  }

  /**
   * What taking `instrument` out does: before the universe is fixed it is removed ('removed'); after,
   * it is halted ('halted': it takes no more bars, and the context of the periods it has no bars for
   * leaves it out); 'already' for one halted before. Throws for an instrument not registered.
   */
  checkRemove(instrument: string): 'removed' | 'halted' | 'already' {
    const known = this.byCode.get(instrument);
    if (!known) throw new ApiError(404, `'${instrument}' is not registered in the market feed of ${this.date}`);
    if (this.readyAt === null) return 'removed';
    return known.meta.haltedAt ? 'already' : 'halted';
  }

  remove(instrument: string): void {
    this.byCode.delete(instrument);
  }

  halt(instrument: string, at: string): void {
    const known = this.byCode.get(instrument)!;
    known.meta = { ...known.meta, haltedAt: at };
  }

  /**
   * The instruments of a registration that are new, and how many repeat one already registered
   * with the same values (a retry); another registration of a known instrument is a conflict, and
   * none is taken once the universe is fixed.
   */
  checkInstruments(input: readonly MarketInstrumentInput[]): { fresh: FeedInstrument[]; duplicates: number } {
    if (this.readyAt !== null) throw conflict(`the market feed of ${this.date} has been ready since ${this.readyAt}: its universe is fixed`);
    const M = this.minutesPerDay;
    const fresh: FeedInstrument[] = [];
    const seen = new Set<string>();
    let duplicates = 0;
    for (const [k, x] of input.entries()) {
      const where = `instruments[${k}]`;
      if (seen.has(x.instrument)) throw badRequest(`${where}.instrument '${x.instrument}' appears twice in the request`);
      seen.add(x.instrument);
      const previousDay = x.previousDay ? previousSession(x.previousDay, M, where, `the feed's session has ${M}`) : null;
      const scales = featureScales(x.context, previousDay, where);
      const item: FeedInstrument = { instrument: x.instrument, previousClose: scales.previousClose, meanMinuteVolume: scales.meanMinuteVolume, previousDay };
      const old = this.byCode.get(x.instrument);
      if (old) {
        const same = old.meta.previousClose === item.previousClose && old.meta.meanMinuteVolume === item.meanMinuteVolume && JSON.stringify(old.meta.previousDay) === JSON.stringify(item.previousDay);
        if (!same) throw conflict(`${where}.instrument '${x.instrument}' is already registered for ${this.date} with other values`);
        duplicates++;
        continue;
      }
      fresh.push(item);
    }
    return { fresh, duplicates };
  }

  addInstruments(items: readonly FeedInstrument[]): void {
    for (const meta of items) this.byCode.set(meta.instrument, { meta, bars: barLists() });
  }

  /** Fixes the universe; refused for an empty one. Returns false when it already was. */
  checkReady(): boolean {
    if (this.readyAt !== null) return false;
    if (this.byCode.size === 0) throw conflict(`the market feed of ${this.date} has no instruments: register its universe first`);
    return true;
  }

  setReady(at: string): void {
    this.readyAt = at;
    this.codes = [...this.byCode.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.index.clear();
    this.codes.forEach((c, i) => this.index.set(c, i));
    this.all = Int32Array.from(this.codes, (_, i) => i);
    // The previous sessions' summaries, the context of every policy's first decision, made now.
    for (const rt of this.readers) {
      const c = this.contextsOf(rt);
      for (const [i, code] of this.codes.entries()) if (this.byCode.get(code)!.meta.previousDay) this.summarise(rt, c, i, 0);
    }
  }

  /**
   * The new bars of a request, per instrument in the request's order, and how many it repeats. Each
   * instrument's bars arrive in time order without gaps, as an execution's do; a bar already stored
   * with the same values is a retry, with others a conflict.
   */
  checkBars(input: readonly MarketBarInput[]): { fresh: FeedBars[]; duplicates: number } {
    if (this.readyAt === null) throw conflict(`the market feed of ${this.date} is not ready: register its universe and POST /market/${this.date}/ready first`);
    const M = this.minutesPerDay;
    const next = new Map<string, FeedBars>();
    let duplicates = 0;
    for (const [k, b] of input.entries()) {
      const where = (f: string): string => `bars[${k}].${f}`;
      const known = this.byCode.get(b.instrument);
      if (!known) throw badRequest(`${where('instrument')} '${b.instrument}' is not in the universe of ${this.date}`);
      if (known.meta.haltedAt) throw conflict(`${where('instrument')} '${b.instrument}' was halted at ${known.meta.haltedAt}: it takes no more bars`);
      if (b.index >= M) throw badRequest(`${where('index')} = ${b.index}: the session has ${M} bars (0 to ${M - 1})`);
      const problem = barProblem(b.open, b.high, b.low, b.close, where);
      if (problem) throw badRequest(problem);
      const bar = resolveBar(b);
      const stored = known.bars.open.length;
      if (b.index < stored) {
        if (!sameBarAt(known.bars, b.index, bar)) throw conflict(`${where('index')} = ${b.index}: bar ${b.index} of '${b.instrument}' is already stored with other values`);
        duplicates++;
        continue;
      }
      let run = next.get(b.instrument);
      if (!run) next.set(b.instrument, (run = { instrument: b.instrument, from: stored, bars: [] }));
      const expected = run.from + run.bars.length;
      if (b.index !== expected) throw badRequest(`${where('index')} = ${b.index}: the next bar of '${b.instrument}' is ${expected} (bars arrive in time order, without gaps)`);
      run.bars.push(bar);
    }
    return { fresh: [...next.values()], duplicates };
  }

  addBars(runs: readonly FeedBars[]): void {
    for (const r of runs) {
      const known = this.byCode.get(r.instrument)!;
      const c = known.bars;
      if (c.open.length !== r.from) throw new Error(`feed bars of ${r.instrument} from ${r.from} after ${c.open.length}`);
      for (const b of r.bars) pushBar(c, b);
      for (const rt of this.readers) {
        // The periods these bars complete, summarised now for each reader.
        const { start, periods: T } = rt.grid;
        for (let step = 1; step <= T; step++) if (start[step] > r.from && start[step] <= c.open.length) this.summarise(rt, this.contextsOf(rt), this.index.get(r.instrument)!, step);
      }
    }
  }

  /** Instrument `i`'s summary of step `step` for `rt`, into its contexts (once). */
  private summarise(rt: PolicyRuntime, c: PolicyContexts, i: number, step: number): void {
    const n = this.codes.length;
    if (c.summarised[step * n + i]) return;
    const { meta, bars } = this.byCode.get(this.codes[i])!;
    const summary = step === 0 ? stepSummary(rt, meta, barLists(meta.previousDay!), 0, this.minutesPerDay) : stepSummary(rt, meta, bars, rt.grid.start[step - 1], rt.grid.start[step]);
    c.own.set(summary, (i * (rt.grid.periods + 1) + step) * PUBLIC_FEATURES);
    c.summarised[step * n + i] = 1;
  }

  /**
   * Why the context step `step` (0: the previous day; s: period s-1, bars [start[s-1], start[s]))
   * cannot be given to `instrument` yet, or null when it can.
   */
  notReady(instrument: string, step: number, start: ArrayLike<number>): string | null {
    if (this.readyAt === null) return `the market feed of ${this.date} is not ready (its universe is not fixed yet)`;
    if (!this.byCode.has(instrument)) return `'${instrument}' is not in the market feed's universe of ${this.date}, which the context averages over`;
    if (step === 0) return null;
    const need = start[step];
    let missing = 0;
    let example = '';
    for (const [code, { meta, bars }] of this.byCode) {
      if (!meta.haltedAt && bars.open.length < need) {
        missing++;
        if (!example) example = `${code} has ${bars.open.length}`;
      }
    }
    const waited = this.byCode.size - this.halted;
    return missing === 0 ? null : `the market feed of ${this.date} has the bars up to bar ${need} from ${waited - missing} of ${waited} instruments (${example}): post theirs, then ask again`;
  }

  /**
   * The context blocks of public step `step` for `instrument` as policy `rt` reads them: the market
   * context, then the peer context when the policy has peer groups. Call only when notReady is null.
   */
  contextStep(rt: PolicyRuntime, instrument: string, step: number): Float32Array {
    const F = PUBLIC_FEATURES;
    const c = this.contextsOf(rt);
    this.fillStep(rt, c, step);
    const out = new Float32Array(c.peers ? 2 * F : F);
    out.set(c.market.subarray(step * F, (step + 1) * F), 0);
    if (c.peers) {
      // peerContext of src/sim/episodes.ts for one step: the peers that have it, else the market's.
      const counts = (j: number): boolean => this.counts(this.codes[j], step, rt.grid.start);
      meanSummaries(c.own, rt.grid.periods + 1, step, c.peers[this.index.get(instrument)!], counts, out, F, c.market, step * F);
    }
    return out;
  }

  private contextsOf(rt: PolicyRuntime): PolicyContexts {
    let c = this.contexts.get(rt);
    if (!c) {
      const S = rt.grid.periods + 1;
      const F = PUBLIC_FEATURES;
      const peers = rt.policy.spec.peers ? peerIndices(rt.policy.spec.peers, this.codes) : null;
      const n = this.codes.length;
      c = { own: new Float32Array(n * S * F), market: new Float32Array(S * F), done: new Uint8Array(S), summarised: new Uint8Array(S * n), peers };
      this.contexts.set(rt, c);
    }
    return c;
  }

  /**
   * Whether `code` counts in the context of step `step`: it has the step's bars (step 0: its previous
   * session). Once a step can be given (notReady null) this cannot change: every instrument not
   * halted has the bars, and a halted one takes no more.
   */
  private counts(code: string, step: number, start: ArrayLike<number>): boolean {
    const { meta, bars } = this.byCode.get(code)!;
    return step === 0 ? meta.previousDay !== null : bars.open.length >= start[step];
  }

  /** daySummaries of src/sim/episodes.ts for one step: every instrument's summary, and their mean. */
  private fillStep(rt: PolicyRuntime, c: PolicyContexts, step: number): void {
    if (c.done[step]) return;
    const counts = (i: number): boolean => this.counts(this.codes[i], step, rt.grid.start);
    for (let i = 0; i < this.codes.length; i++) if (counts(i)) this.summarise(rt, c, i, step);
    meanSummaries(c.own, rt.grid.periods + 1, step, this.all, counts, c.market, step * PUBLIC_FEATURES, null, 0);
    c.done[step] = 1;
  }
}

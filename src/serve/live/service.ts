/**
 * The execution service: opens executions, takes their bars and fills, decides their periods and
 * cancels them, for the key that owns each. Every operation checks the request in full against the
 * execution (src/serve/live/execution.ts), then commits the change to the store in one transaction,
 * then applies it in memory and answers: a refused request changes nothing, and an answer is only
 * sent for what is on disk (with the store's group commit, the server holds every answer until the
 * turn's commit: src/serve/live/app.ts). Executions are cached in memory (most recently used) and
 * rebuilt from the store after a restart, recurrent state included; if a group commit fails, the
 * cache is dropped, so that every execution is read back as the store has it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { PUBLIC_FEATURES } from '../../sim/observation.js';
import { barLists } from '../bars.js';
import { featureScales, previousSession } from './scales.js';
import type { PolicyRuntime } from '../decide.js';
import { ApiError, badRequest, conflict } from './errors.js';
import { Execution, type ExecutionHeader, type StoredDecision } from './execution.js';
import { IncrementalPolicy, initialState, stepSummary } from './inference.js';
import { FeedDay } from './market-feed.js';
import type { Ack, BarsBody, CreateExecution, ExecutionView, FillsBody, MarketAck, MarketBarsBody, MarketDayView, MarketInstrumentsBody, Plan } from './schemas.js';
import type { ApiKeyRecord, ServiceStore, StoredExecution } from './store.js';
import { ExecLabError } from '../../errors.js';

/** A policy the service runs, under the id clients name it by. */
export interface ServedPolicy {
  readonly id: string;
  readonly rt: PolicyRuntime;
}

export interface ServiceOptions {
  /** Executions kept in memory (most recently used); the rest are read back from the store when asked for. */
  readonly cachedExecutions?: number;
  /** Called with the policy id for each decision taken (metrics). */
  readonly onDecision?: (policy: string) => void;
  /** Called with the number of bars the market feed stored (metrics). */
  readonly onFeedBars?: (count: number) => void;
  /** Called with the policy id for each plan that waits for the market feed (metrics). */
  readonly onFeedWait?: (policy: string) => void;
  readonly now?: () => Date;
}

/** Days of the market feed kept in memory; older ones are read back from the store when asked for. */
const FEED_DAYS_IN_MEMORY = 4;

export class ExecutionService {
  private readonly policies = new Map<string, { served: ServedPolicy; incremental: IncrementalPolicy }>();
  private readonly cache = new Map<string, Execution>();
  private readonly maxCached: number;
  private readonly now: () => Date;
  /** Bars per session of the policies that read the market feed, or null when none does. */
  readonly feedMinutes: number | null;
  /** The served policies that read the feed. */
  private readonly feedReaders: readonly PolicyRuntime[];
  /** Days of the market feed in memory (read from the store on first use). */
  private readonly feedDays = new Map<string, FeedDay>();

  constructor(
    readonly store: ServiceStore,
    policies: readonly ServedPolicy[],
    private readonly options: ServiceOptions = {},
  ) {
    for (const p of policies) this.policies.set(p.id, { served: p, incremental: new IncrementalPolicy(p.rt) });
    this.maxCached = options.cachedExecutions ?? 10_000;
    this.now = options.now ?? (() => new Date());
    // One feed serves every policy that reads the context: they must agree on the session's bars.
    const readers = policies.filter((p) => p.rt.policy.spec.market);
    const sessions = new Set(readers.map((p) => p.rt.minutesPerDay));
    if (sessions.size > 1) throw new ExecLabError(`the policies that read the market context (${readers.map((p) => `${p.id}: ${p.rt.minutesPerDay} bars a day`).join(', ')}) need one market feed: serve them from servers of their own`, 2);
    this.feedMinutes = readers.length > 0 ? readers[0].rt.minutesPerDay : null;
    this.feedReaders = readers.map((p) => p.rt);
    store.onCommitFailure(() => {
      this.cache.clear();
      this.feedDays.clear();
      this.preload();
    });
    this.preload();
  }

  /**
   * Rebuilds the open executions the store holds (up to the cache's size, the latest opened) in one
   * pass over its bar log: at start, after a restart, and after a failed commit dropped the cache.
   * One whose policy this server does not serve is left to its first request, which says so.
   */
  private preload(): void {
    for (const stored of this.store.openStoredExecutions(this.maxCached)) {
      const exec = this.rebuild(stored);
      if (typeof exec !== 'string') this.remember(exec);
    }
  }

  /**
   * An execution as stored, in memory again; or why it cannot be: its policy is not served here, or
   * not with the file it was opened with.
   */
  private rebuild(stored: StoredExecution): Execution | string {
    const { id, policy: name, policyIntegrity } = stored.header;
    const policy = this.policies.get(name);
    if (!policy) return `execution ${id} runs policy '${name}', which this server was not started with`;
    if ((policy.served.rt.policy.integrity ?? '') !== policyIntegrity) return `execution ${id} was opened with another file of policy '${name}': restart the server with that file`;
    const exec = new Execution(stored.header, policy.served.rt);
    exec.addBars(stored.bars);
    exec.addFills(stored.fills);
    for (const d of stored.decisions) exec.addDecision(d);
    exec.cancelledAt = stored.cancelledAt;
    return exec;
  }

  policyIds(): string[] {
    return [...this.policies.keys()];
  }

  /**
   * Opens an execution (`created` true), or finds the one a retried request opened: the same key,
   * client order id and body (`created` false); the same id with another body is a conflict.
   */
  create(key: ApiKeyRecord, body: CreateExecution): { created: boolean; view: ExecutionView } {
    const requestHash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    if (body.clientOrderId !== undefined) {
      const old = this.store.executionByClientOrderId(key.id, body.clientOrderId);
      if (old && old.requestHash !== requestHash) throw conflict(`clientOrderId '${body.clientOrderId}' already opened execution ${old.id} with another request`);
      if (old) return { created: false, view: this.find(key, old.id).view() };
    }
    const policy = this.policies.get(body.policy);
    if (!policy) throw badRequest(`policy '${body.policy}' is not served here (served: ${this.policyIds().join(', ')})`);
    if (!key.policies.includes(body.policy)) throw new ApiError(403, `API key ${key.id} may not use policy '${body.policy}' (it may use: ${key.policies.join(', ')})`);
    const rt = policy.served.rt;
    const M = rt.minutesPerDay;
    const previous = body.previousDay ? previousSession(body.previousDay, M, '', `policy '${body.policy}' needs the whole session's ${M}`) : null;
    const ctx = featureScales(body.context, previous, '');
    const summary = previous ? stepSummary(rt, ctx, barLists(previous), 0, M) : new Float32Array(PUBLIC_FEATURES);
    const header: ExecutionHeader = {
      id: randomUUID(),
      keyId: key.id,
      policy: body.policy,
      policyIntegrity: rt.policy.integrity ?? '',
      instrument: body.instrument,
      side: body.side,
      quantity: body.quantity,
      date: body.date,
      previousClose: ctx.previousClose,
      meanMinuteVolume: ctx.meanMinuteVolume,
      previousDaySummary: summary,
      createdAt: this.now().toISOString(),
    };
    this.store.transaction(() => this.store.addExecution(header, rt.grid.horizon, body.clientOrderId ?? null, requestHash));
    const exec = new Execution(header, rt);
    this.remember(exec);
    return { created: true, view: exec.view() };
  }

  view(key: ApiKeyRecord, id: string): ExecutionView {
    return this.find(key, id).view();
  }

  addBars(key: ApiKeyRecord, id: string, body: BarsBody): Ack {
    const exec = this.find(key, id);
    const { fresh, duplicates } = exec.checkBars(body.bars);
    if (fresh.length > 0) this.store.transaction(() => this.store.addBars(id, exec.barsReceived, fresh, exec.rt.grid.horizon));
    exec.addBars(fresh);
    return ack(exec, fresh.length, duplicates);
  }

  addFills(key: ApiKeyRecord, id: string, body: FillsBody): Ack {
    const exec = this.find(key, id);
    const { fresh, duplicates } = exec.checkFills(body.fills);
    if (fresh.length > 0) this.store.transaction(() => this.store.addFills(id, exec.fills.length, fresh));
    exec.addFills(fresh);
    return ack(exec, fresh.length, duplicates);
  }

  /**
   * The current period's plan. Periods not decided yet are decided now, in order, each one
   * recurrent step from the last, with the fills known now; they are stored before the answer.
   */
  plan(key: ApiKeyRecord, id: string): Plan {
    const exec = this.find(key, id);
    if (exec.cancelledAt !== null) throw conflict(`execution ${id} was cancelled at ${exec.cancelledAt}`);
    const t = exec.currentPeriod();
    if (t === null) throw conflict(`execution ${id} is past its horizon (${exec.rt.grid.horizon} bars): GET /executions/${id} has its result`);
    const incremental = this.policies.get(exec.header.policy)!.incremental;
    const { start } = exec.rt.grid;
    const due: StoredDecision[] = [];
    const remaining = exec.remaining();
    // A policy that reads the context needs the feed's cross-section up to the period that just ended.
    const feed = exec.rt.policy.spec.market && exec.decisions.length <= t ? this.feedFor(exec, t) : null;
    for (let p = exec.decisions.length; p <= t; p++) {
      const last = due[due.length - 1] ?? exec.decisions[p - 1];
      const own = p === 0 ? exec.header.previousDaySummary : stepSummary(exec.rt, exec.header, exec.bars, start[p - 1], start[p]);
      const step = feed ? withContext(own, feed.contextStep(exec.rt, exec.header.instrument, p)) : own;
      const d = incremental.decide(last?.state ?? initialState(exec.rt), step, p, remaining / exec.header.quantity, last?.share ?? 0, exec.header.side);
      if (!d.logits.every(Number.isFinite)) throw badRequest(`the bars give policy '${exec.header.policy}' non-finite inputs at period ${p}: check their prices and volumes`);
      due.push({ period: p, action: d.action, share: d.share, quantity: exec.plannedQuantity(p, d.share), logits: d.logits, state: d.state });
    }
    if (due.length > 0) {
      this.store.transaction(() => {
        for (const d of due) this.store.addDecision(id, d);
      });
      for (const d of due) {
        exec.addDecision(d);
        this.options.onDecision?.(exec.header.policy);
      }
    }
    return exec.plan(exec.decisions[t]);
  }

  /** The feed of an execution's day, once it has the cross-section of step `t`; else a 409 saying what is missing. */
  private feedFor(exec: Execution, t: number): FeedDay {
    const { date, instrument, policy } = exec.header;
    const feed = this.feedDay(date, false);
    const why = feed ? feed.notReady(instrument, t, exec.rt.grid.start) : `the market feed has nothing for ${date}: policy '${policy}' reads the market context`;
    if (why === null) return feed!;
    this.options.onFeedWait?.(policy);
    throw conflict(`${why} (POST /market/${date}/...)`);
  }

  /** Registers instruments of the universe of `date`'s market feed (a key with the feed right). */
  addMarketInstruments(key: ApiKeyRecord, date: string, body: MarketInstrumentsBody): MarketAck {
    const day = this.feedDay(date, true, key)!;
    const { fresh, duplicates } = day.checkInstruments(body.instruments);
    const seq = this.store.nextMarketSeq(date);
    if (fresh.length > 0) this.store.transaction(() => this.store.addMarketInstruments(date, day.minutesPerDay, seq, fresh));
    day.addInstruments(fresh);
    if (fresh.length > 0) this.rememberFeedDay(day);
    return marketAck(day, fresh.length, duplicates);
  }

  /**
   * Takes an instrument out of `date`'s feed: removed from a universe not fixed yet, halted in a
   * fixed one (no more bars from it; the context of the periods it has no bars for leaves it out).
   */
  removeMarketInstrument(key: ApiKeyRecord, date: string, instrument: string): MarketDayView {
    const day = this.feedDay(date, false, key);
    if (!day) throw new ApiError(404, `the market feed has nothing for ${date}`);
    const what = day.checkRemove(instrument);
    if (what === 'removed') {
      this.store.transaction(() => this.store.removeMarketInstrument(date, instrument));
      day.remove(instrument);
    } else if (what === 'halted') {
      const at = this.now().toISOString();
      this.store.transaction(() => this.store.haltMarketInstrument(date, instrument, at));
      day.halt(instrument, at);
    }
    return marketView(day);
  }

  /** Fixes the universe of `date`'s market feed: from now on it takes bars and no more instruments. */
  marketReady(key: ApiKeyRecord, date: string): MarketDayView {
    const day = this.feedDay(date, true, key)!;
    if (day.checkReady()) {
      const at = this.now().toISOString();
      this.store.transaction(() => this.store.marketReady(date, at));
      day.setReady(at);
    }
    return marketView(day);
  }

  addMarketBars(key: ApiKeyRecord, date: string, body: MarketBarsBody): MarketAck {
    const day = this.feedDay(date, true, key)!;
    const { fresh, duplicates } = day.checkBars(body.bars);
    if (fresh.length > 0) this.store.transaction(() => this.store.addMarketBars(date, fresh));
    day.addBars(fresh);
    const accepted = fresh.reduce((n, r) => n + r.bars.length, 0);
    if (accepted > 0) this.options.onFeedBars?.(accepted);
    return marketAck(day, accepted, duplicates);
  }

  /** The state of `date`'s market feed (any key may read it). */
  marketView(date: string): MarketDayView {
    const day = this.feedDay(date, false);
    if (!day) throw new ApiError(404, `the market feed has nothing for ${date}`);
    return marketView(day);
  }

  /**
   * The feed of `date`: in memory, else as stored, else (with `create`) a new one. Writing it needs a
   * served policy that reads the context and, with `writer`, a key with the feed right.
   */
  private feedDay(date: string, create: boolean, writer?: ApiKeyRecord): FeedDay | null {
    if (writer && !writer.feed) throw new ApiError(403, `API key ${writer.id} may not write the market feed (execlab serve keys add --feed makes one that may)`);
    const M = this.feedMinutes;
    if (M === null) {
      if (create) throw conflict('no policy served here reads the market context: the market feed is not used');
      return null;
    }
    let day = this.feedDays.get(date);
    if (day) {
      this.rememberFeedDay(day);
      return day;
    }
    const stored = this.store.marketDay(date);
    if (stored && stored.minutes !== M) throw conflict(`the market feed of ${date} was stored for sessions of ${stored.minutes} bars; the policies served here have ${M}`);
    if (!stored && !create) return null;
    day = new FeedDay(date, M, this.feedReaders);
    if (stored) {
      day.addInstruments(stored.instruments);
      if (stored.readyAt !== null) day.setReady(stored.readyAt);
      day.addBars(stored.bars);
      this.rememberFeedDay(day);
    }
    return day;
  }

  /** Keeps a feed day in memory (a day no instrument was registered for is not kept), the latest few used. */
  private rememberFeedDay(day: FeedDay): void {
    this.feedDays.delete(day.date);
    this.feedDays.set(day.date, day);
    if (this.feedDays.size > FEED_DAYS_IN_MEMORY) this.feedDays.delete(this.feedDays.keys().next().value!);
  }

  cancel(key: ApiKeyRecord, id: string): ExecutionView {
    const exec = this.find(key, id);
    if (exec.cancelledAt === null) {
      const at = this.now().toISOString();
      this.store.transaction(() => this.store.cancel(id, at));
      exec.cancelledAt = at;
    }
    return exec.view();
  }

  /** The execution `id` if `key` opened it; otherwise 404, whether it exists or not. */
  private find(key: ApiKeyRecord, id: string): Execution {
    let exec = this.cache.get(id);
    if (exec) {
      this.cache.delete(id);
      this.cache.set(id, exec);
    } else {
      const stored = this.store.execution(id);
      if (stored && stored.header.keyId === key.id) {
        const rebuilt = this.rebuild(stored);
        if (typeof rebuilt === 'string') throw conflict(rebuilt);
        exec = rebuilt;
        this.remember(exec);
      }
    }
    if (!exec || exec.header.keyId !== key.id) throw new ApiError(404, `no execution ${id} for this API key`);
    return exec;
  }

  private remember(exec: Execution): void {
    this.cache.set(exec.header.id, exec);
    if (this.cache.size > this.maxCached) this.cache.delete(this.cache.keys().next().value!);
  }
}

/** A public step: the instrument's own summary, then the context blocks the policy reads. */
function withContext(own: Float32Array, context: Float32Array): Float32Array {
  const out = new Float32Array(own.length + context.length);
  out.set(own, 0);
  out.set(context, own.length);
  return out;
}

function marketView(day: FeedDay): MarketDayView {
  return { date: day.date, status: day.readyAt === null ? 'registering' : 'ready', readyAt: day.readyAt, instruments: day.instrumentCount, withPreviousDay: day.withPreviousDay, halted: day.halted, barsComplete: day.barsComplete(), lagging: day.lagging(20) };
}

function marketAck(day: FeedDay, accepted: number, duplicates: number): MarketAck {
  return { date: day.date, accepted, duplicates, instruments: day.instrumentCount, barsComplete: day.barsComplete() };
}

function ack(exec: Execution, accepted: number, duplicates: number): Ack {
  return { executionId: exec.header.id, accepted, duplicates, barsReceived: exec.barsReceived, filled: exec.filled(), period: exec.currentPeriod() };
}

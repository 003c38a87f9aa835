/**
 * The service's durable state in one SQLite file (better-sqlite3): API keys (hashed), executions,
 * their bars, fills and decisions with the recurrent state after each. WAL journal; every change a
 * client is told about is committed in one transaction before the answer is sent, so a kill -9 at
 * any moment loses nothing acknowledged. With group commit (the server's mode), the changes of all
 * the requests of one turn of the event loop go into one transaction, each in a savepoint of its
 * own, committed at the end of the turn; the answers wait for that commit (pending()).
 * `synchronous = NORMAL` (the default here) survives a crash of the process; `FULL` (`--sync full`)
 * also a crash of the machine, at the price of an fsync per commit.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ExecLabError } from '../../errors.js';
import type { ExecutionHeader, Side, StoredBar, StoredDecision, StoredFill } from './execution.js';
import type { FeedBars, FeedInstrument } from './market-feed.js';

/**
 * 2: executions carry `completed` (set once, by the bar that reaches the horizon), so that a bar
 * post writes no execution row; `bars_received`, which every bar post updated in schema 1, stays in
 * files migrated from it, unused.
 * 3: bars go to `bar_log`, appended in commit order (a rowid table with no other key), where schema
 * 2's `bars` was clustered by (execution, bar index): a commit then wrote one page of that table
 * per execution that posted a bar, now the log's last page or two. An execution records the log's
 * last rowid when it opens (`bars_after`; every bar of it comes later) and again when it completes
 * (`bars_until`), and its bars are read by a scan of the log between the two (to the end while it is
 * open), in rowid order, which is each execution's bar order. The service keeps an execution's bars
 * in memory and reads them only to rebuild it (after a restart, or when it left the cache).
 */
/*
 * 4: the market feed (`market_days`, `market_instruments`, `market_bars`) and the keys' `feed` right
 * to write it.
 */
const SCHEMA_VERSION = 4;

/** The bar log (schema 3), in the schema and in the migration from schema 2. */
const BAR_LOG = `CREATE TABLE IF NOT EXISTS bar_log (
  execution_id TEXT NOT NULL REFERENCES executions(id),
  idx INTEGER NOT NULL,
  open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL,
  avg_price REAL NOT NULL, volume REAL NOT NULL
);`;

/**
 * The market feed's tables (schema 4): a day, its universe, its bars. The bars are appended in
 * commit order (a rowid table, indexed by date only), as the executions' bar log is: a period's bars
 * arrive for every instrument at once, and a table clustered by instrument and bar would take them
 * as scattered writes. Each instrument's bars are in order in the log (they are checked in memory
 * before they are stored).
 */
const MARKET_FEED = `
CREATE TABLE IF NOT EXISTS market_days (
  date TEXT PRIMARY KEY,
  minutes INTEGER NOT NULL,
  ready_at TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS market_instruments (
  date TEXT NOT NULL REFERENCES market_days(date),
  instrument TEXT NOT NULL,
  seq INTEGER NOT NULL,
  previous_close REAL NOT NULL,
  mean_minute_volume REAL NOT NULL,
  previous_day BLOB,
  halted_at TEXT,
  PRIMARY KEY (date, instrument)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS market_bars (
  date TEXT NOT NULL,
  instrument TEXT NOT NULL,
  idx INTEGER NOT NULL,
  open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL,
  avg_price REAL NOT NULL, volume REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS market_bars_by_date ON market_bars (date);`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS api_keys (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  policies TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT,
  feed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS executions (
  id TEXT PRIMARY KEY,
  key_id INTEGER NOT NULL REFERENCES api_keys(id),
  policy TEXT NOT NULL,
  policy_integrity TEXT NOT NULL,
  instrument TEXT NOT NULL,
  side TEXT NOT NULL,
  quantity REAL NOT NULL,
  date TEXT NOT NULL,
  previous_close REAL NOT NULL,
  mean_minute_volume REAL NOT NULL,
  previous_day_summary BLOB NOT NULL,
  created_at TEXT NOT NULL,
  cancelled_at TEXT,
  horizon INTEGER NOT NULL,
  completed INTEGER NOT NULL DEFAULT 0,
  bars_after INTEGER NOT NULL DEFAULT 0,
  bars_until INTEGER,
  client_order_id TEXT,
  request_hash TEXT NOT NULL,
  UNIQUE (key_id, client_order_id)
);
${BAR_LOG}
CREATE TABLE IF NOT EXISTS fills (
  execution_id TEXT NOT NULL REFERENCES executions(id),
  seq INTEGER NOT NULL,
  fill_id TEXT NOT NULL,
  bar INTEGER NOT NULL,
  quantity REAL NOT NULL,
  price REAL NOT NULL,
  PRIMARY KEY (execution_id, seq),
  UNIQUE (execution_id, fill_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS decisions (
  execution_id TEXT NOT NULL REFERENCES executions(id),
  period INTEGER NOT NULL,
  action INTEGER NOT NULL,
  share REAL NOT NULL,
  quantity REAL NOT NULL,
  logits BLOB NOT NULL,
  h_pub BLOB NOT NULL,
  h_priv BLOB NOT NULL,
  PRIMARY KEY (execution_id, period)
) WITHOUT ROWID;
${MARKET_FEED}
`;

export interface ApiKeyRecord {
  readonly id: number;
  readonly name: string;
  readonly policies: readonly string[];
  /** Whether the key may write the market feed. */
  readonly feed: boolean;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** An execution as stored, ready to be rebuilt in memory. */
export interface StoredExecution {
  readonly header: ExecutionHeader;
  readonly cancelledAt: string | null;
  readonly bars: StoredBar[];
  readonly fills: StoredFill[];
  readonly decisions: StoredDecision[];
}

export type SyncMode = 'normal' | 'full';

export interface StoreOptions {
  /**
   * Commit the changes of one turn of the event loop together (see the file's comment). A change then
   * reaches the disk at the end of the turn, and pending() tells when.
   */
  readonly groupCommit?: boolean;
  /** Test hook: runs just before each group commit; a throw makes the commit fail. */
  readonly beforeCommit?: () => void;
  /**
   * Checkpoint the WAL from a worker thread (checkpointer.ts) every this many milliseconds instead
   * of in the commit that crosses SQLite's threshold; null or absent: SQLite's own. Needs the built
   * worker script; without it (running from the sources) SQLite's own stays.
   */
  readonly checkpointEveryMs?: number | null;
}

/**
 * How often the server's checkpointer runs: at the service's full rate (about 3,000 WAL pages a
 * second) about as many pages a time as SQLite's own threshold of 1,000.
 */
export const SERVER_CHECKPOINT_EVERY_MS = 200;

/** The checkpointer's script, beside this module once built. */
const CHECKPOINTER_URL = new URL('./checkpointer.js', import.meta.url);

/** One group commit: the transaction of the current turn, and the answers waiting for it. */
interface Batch {
  readonly done: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

const f32 = (b: Buffer): Float32Array => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
const blob = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

export class ServiceStore {
  private readonly db: Database.Database;
  private keyWriteCount = 0;
  private readonly q;
  /** One transaction wrapper for every call (better-sqlite3 prepares BEGIN and COMMIT per wrapper). */
  private readonly tx: (fn: () => unknown) => unknown;
  private batch: Batch | null = null;
  private readonly commitFailureListeners: ((err: Error) => void)[] = [];
  private checkpointer: Worker | null = null;

  constructor(
    readonly path: string,
    sync: SyncMode = 'normal',
    private readonly options: StoreOptions = {},
  ) {
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
      this.db.pragma('busy_timeout = 5000');
      this.db.pragma('foreign_keys = ON');
      const version = this.db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw new Error(`it was written by a newer ExecLab (schema ${version}, this one knows ${SCHEMA_VERSION})`);
      if (version === 1) this.db.transaction(() => migrateFrom1(this.db))();
      if (version === 1 || version === 2) this.db.transaction(() => migrateFrom2(this.db))();
      if (version >= 1 && version <= 3) this.db.transaction(() => migrateFrom3(this.db))();
      this.db.exec(SCHEMA);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    } catch (err) {
      throw new ExecLabError(`service database ${path}: ${(err as Error).message}`, 2);
    }
    const db = this.db;
    if (options.checkpointEveryMs != null && existsSync(fileURLToPath(CHECKPOINTER_URL))) this.startCheckpointer(options.checkpointEveryMs);
    this.tx = db.transaction((fn: () => unknown) => fn());
    this.q = {
      addKey: db.prepare('INSERT INTO api_keys (name, hash, policies, created_at, feed) VALUES (?, ?, ?, ?, ?)'),
      keys: db.prepare('SELECT id, name, policies, created_at, revoked_at, feed FROM api_keys ORDER BY id'),
      keyByHash: db.prepare('SELECT id, name, policies, created_at, revoked_at, feed FROM api_keys WHERE hash = ?'),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
      revokeKey: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
      keyExists: db.prepare('SELECT 1 FROM api_keys WHERE id = ?'),
      addExecution: db.prepare(
        'INSERT INTO executions (id, key_id, policy, policy_integrity, instrument, side, quantity, date, previous_close, mean_minute_volume, previous_day_summary, created_at, horizon, client_order_id, request_hash, bars_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(rowid), 0) FROM bar_log))',
      ),
      execution: db.prepare('SELECT * FROM executions WHERE id = ?'),
      byClientOrderId: db.prepare('SELECT id, request_hash FROM executions WHERE key_id = ? AND client_order_id = ?'),
      cancel: db.prepare('UPDATE executions SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL'),
      complete: db.prepare('UPDATE executions SET completed = 1, bars_until = (SELECT max(rowid) FROM bar_log) WHERE id = ?'),
      addBar: db.prepare('INSERT INTO bar_log (execution_id, idx, open, high, low, close, avg_price, volume) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      bars: db.prepare('SELECT idx, open, high, low, close, avg_price, volume FROM bar_log WHERE rowid > ? AND rowid <= ? AND execution_id = ? ORDER BY rowid'),
      barsFrom: db.prepare('SELECT execution_id, idx, open, high, low, close, avg_price, volume FROM bar_log WHERE rowid > ? ORDER BY rowid'),
      openRows: db.prepare('SELECT * FROM executions WHERE cancelled_at IS NULL AND completed = 0 ORDER BY rowid DESC LIMIT ?'),
      addFill: db.prepare('INSERT INTO fills (execution_id, seq, fill_id, bar, quantity, price) VALUES (?, ?, ?, ?, ?, ?)'),
      fills: db.prepare('SELECT fill_id, bar, quantity, price FROM fills WHERE execution_id = ? ORDER BY seq'),
      addDecision: db.prepare('INSERT INTO decisions (execution_id, period, action, share, quantity, logits, h_pub, h_priv) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      decisions: db.prepare('SELECT period, action, share, quantity, logits, h_pub, h_priv FROM decisions WHERE execution_id = ? ORDER BY period'),
      openCount: db.prepare('SELECT COUNT(*) AS n FROM executions WHERE cancelled_at IS NULL AND completed = 0'),
      addMarketDay: db.prepare('INSERT OR IGNORE INTO market_days (date, minutes) VALUES (?, ?)'),
      marketReady: db.prepare('UPDATE market_days SET ready_at = ? WHERE date = ? AND ready_at IS NULL'),
      addMarketInstrument: db.prepare('INSERT INTO market_instruments (date, instrument, seq, previous_close, mean_minute_volume, previous_day) VALUES (?, ?, ?, ?, ?, ?)'),
      nextMarketSeq: db.prepare('SELECT coalesce(max(seq), -1) + 1 FROM market_instruments WHERE date = ?').pluck(),
      addMarketBar: db.prepare('INSERT INTO market_bars (date, instrument, idx, open, high, low, close, avg_price, volume) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      marketDay: db.prepare('SELECT minutes, ready_at FROM market_days WHERE date = ?'),
      marketInstruments: db.prepare('SELECT instrument, previous_close, mean_minute_volume, previous_day, halted_at FROM market_instruments WHERE date = ? ORDER BY seq'),
      removeMarketInstrument: db.prepare('DELETE FROM market_instruments WHERE date = ? AND instrument = ?'),
      haltMarketInstrument: db.prepare('UPDATE market_instruments SET halted_at = ? WHERE date = ? AND instrument = ? AND halted_at IS NULL'),
      marketBars: db.prepare('SELECT instrument, idx, open, high, low, close, avg_price, volume FROM market_bars WHERE date = ? ORDER BY rowid'),
    };
  }

  close(): void {
    if (this.batch !== null) this.commitBatch();
    if (this.checkpointer !== null) {
      this.checkpointer.removeAllListeners('exit');
      this.checkpointer.postMessage('stop');
      this.checkpointer = null;
    }
    this.db.close();
  }

  /** Whether a worker thread checkpoints the WAL (checkpointEveryMs, with the built script). */
  get checkpointsInWorker(): boolean {
    return this.checkpointer !== null;
  }

  private startCheckpointer(intervalMs: number): void {
    this.db.pragma('wal_autocheckpoint = 0');
    const worker = new Worker(CHECKPOINTER_URL, { workerData: { path: this.path, intervalMs } });
    worker.unref();
    // A checkpointer that stops for any reason hands the checkpoints back to SQLite.
    const fallBack = (): void => {
      if (this.checkpointer !== worker) return;
      this.checkpointer = null;
      if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
    };
    worker.on('error', fallBack);
    worker.on('exit', fallBack);
    this.checkpointer = worker;
  }

  /**
   * Runs `fn` in one transaction (committed when it returns, rolled back when it throws). With group
   * commit, `fn` runs in a savepoint of the turn's transaction (a throw undoes `fn` alone), and the
   * transaction commits at the end of the turn.
   */
  transaction<T>(fn: () => T): T {
    if (this.options.groupCommit && this.batch === null) this.openBatch();
    return this.tx(fn) as T;
  }

  /**
   * Calls `listener` after a group commit failed and was rolled back: what the caller applied in
   * memory for this turn's changes is then ahead of the store, and must be dropped.
   */
  onCommitFailure(listener: (err: Error) => void): void {
    this.commitFailureListeners.push(listener);
  }

  /** The group commit the answers of this turn wait for, or null when nothing is waiting to commit. */
  pending(): Promise<void> | null {
    return this.batch?.done ?? null;
  }

  private openBatch(): void {
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    // An answer that waits on a failed commit gets its error; a batch nobody waits on must not
    // become an unhandled rejection.
    done.catch(() => undefined);
    this.db.exec('BEGIN');
    this.batch = { done, resolve, reject };
    setImmediate(() => this.commitBatch());
  }

  private commitBatch(): void {
    const batch = this.batch;
    if (batch === null) return;
    this.batch = null;
    try {
      this.options.beforeCommit?.();
      this.db.exec('COMMIT');
      batch.resolve();
    } catch (err) {
      try {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      } catch {
        // SQLite rolls a failed transaction back itself on some errors; either way it is not stored
      }
      const e = new ExecLabError(`service database ${this.path}: commit failed, nothing of this turn was stored: ${(err as Error).message}`);
      for (const listener of this.commitFailureListeners) listener(e);
      batch.reject(e);
    }
  }

  addKey(name: string, hash: string, policies: readonly string[], createdAt: string, feed = false): number {
    this.keyWriteCount++;
    return Number(this.q.addKey.run(name, hash, JSON.stringify(policies), createdAt, feed ? 1 : 0).lastInsertRowid);
  }

  keys(): ApiKeyRecord[] {
    return (this.q.keys.all() as KeyRow[]).map(keyRecord);
  }

  /**
   * SQLite's data_version: changes whenever another connection to the database committed (a `serve
   * keys` command in another process). With `keyWrites` it tells when cached key lookups may be stale.
   */
  dataVersion(): number {
    return this.q.dataVersion.get() as number;
  }

  /** Keys added or revoked through this store (data_version does not count a connection's own commits). */
  get keyWrites(): number {
    return this.keyWriteCount;
  }

  keyByHash(hash: string): ApiKeyRecord | null {
    const row = this.q.keyByHash.get(hash) as KeyRow | undefined;
    return row ? keyRecord(row) : null;
  }

  /** Revokes key `id`; false when it was already revoked. Throws when there is no such key. */
  revokeKey(id: number, at: string): boolean {
    if (!this.q.keyExists.get(id)) throw new ExecLabError(`no API key with id ${id} (execlab serve keys list shows them)`, 2);
    this.keyWriteCount++;
    return this.q.revokeKey.run(at, id).changes === 1;
  }

  /**
   * Stores a new execution; `horizon` (bars) tells when it is over, for the count of open ones; the
   * client's order id and the hash of the request that opened it make a retried request find it.
   */
  addExecution(h: ExecutionHeader, horizon: number, clientOrderId: string | null, requestHash: string): void {
    this.q.addExecution.run(h.id, h.keyId, h.policy, h.policyIntegrity, h.instrument, h.side, h.quantity, h.date, h.previousClose, h.meanMinuteVolume, blob(h.previousDaySummary), h.createdAt, horizon, clientOrderId, requestHash);
  }

  /** The execution key `keyId` opened with `clientOrderId`, and the hash of that request. */
  executionByClientOrderId(keyId: number, clientOrderId: string): { id: string; requestHash: string } | null {
    const row = this.q.byClientOrderId.get(keyId, clientOrderId) as { id: string; request_hash: string } | undefined;
    return row ? { id: row.id, requestHash: row.request_hash } : null;
  }

  cancel(id: string, at: string): void {
    this.q.cancel.run(at, id);
  }

  /**
   * Stores bars `from`, `from + 1`, ... of execution `id`, whose horizon is `horizon` bars: the post
   * that reaches it marks the execution complete, and no other writes the execution's row.
   */
  addBars(id: string, from: number, bars: readonly StoredBar[], horizon: number): void {
    for (const [k, b] of bars.entries()) this.q.addBar.run(id, from + k, b.open, b.high, b.low, b.close, b.avgPrice, b.volume);
    // The post that reaches the horizon completes the execution; it and any later one (the rest of
    // the session's bars) move the end of its bars in the log.
    if (from + bars.length >= horizon) this.q.complete.run(id);
  }

  addFills(id: string, from: number, fills: readonly StoredFill[]): void {
    for (const [k, f] of fills.entries()) this.q.addFill.run(id, from + k, f.fillId, f.bar, f.quantity, f.price);
  }

  addDecision(id: string, d: StoredDecision): void {
    this.q.addDecision.run(id, d.period, d.action, d.share, d.quantity, blob(d.logits), blob(d.state.hPub), blob(d.state.hPriv));
  }

  /**
   * Registers instruments of the market feed of `date` (a session of `minutes` bars), in the order
   * given, as its registrations `seq`, `seq + 1`, ... (the order it reads them back in).
   */
  addMarketInstruments(date: string, minutes: number, seq: number, items: readonly FeedInstrument[]): void {
    this.q.addMarketDay.run(date, minutes);
    for (const [k, x] of items.entries()) {
      const prev = x.previousDay ? Buffer.from(Float64Array.from(x.previousDay.flatMap((b) => [b.open, b.high, b.low, b.close, b.avgPrice, b.volume])).buffer) : null;
      this.q.addMarketInstrument.run(date, x.instrument, seq + k, x.previousClose, x.meanMinuteVolume, prev);
    }
  }

  /** Takes an instrument out of a universe not fixed yet. */
  removeMarketInstrument(date: string, instrument: string): void {
    this.q.removeMarketInstrument.run(date, instrument);
  }

  /** Marks an instrument of a fixed universe halted: it takes no more bars. */
  haltMarketInstrument(date: string, instrument: string, at: string): void {
    this.q.haltMarketInstrument.run(at, date, instrument);
  }

  /** The registration number the next instrument of `date`'s feed gets (one past the last, removals included). */
  nextMarketSeq(date: string): number {
    return this.q.nextMarketSeq.get(date) as number;
  }

  marketReady(date: string, at: string): void {
    this.q.marketReady.run(at, date);
  }

  addMarketBars(date: string, runs: readonly FeedBars[]): void {
    for (const r of runs) for (const [k, b] of r.bars.entries()) this.q.addMarketBar.run(date, r.instrument, r.from + k, b.open, b.high, b.low, b.close, b.avgPrice, b.volume);
  }

  /** The market feed of `date` as stored, or null when nothing was registered for it. */
  marketDay(date: string): StoredMarketDay | null {
    const day = this.q.marketDay.get(date) as { minutes: number; ready_at: string | null } | undefined;
    if (!day) return null;
    const instruments = (this.q.marketInstruments.all(date) as MarketInstrumentRow[]).map((r) => {
      let previousDay: StoredBar[] | null = null;
      if (r.previous_day) {
        const v = new Float64Array(r.previous_day.buffer.slice(r.previous_day.byteOffset, r.previous_day.byteOffset + r.previous_day.byteLength));
        previousDay = [];
        for (let m = 0; m + 6 <= v.length; m += 6) previousDay.push({ open: v[m], high: v[m + 1], low: v[m + 2], close: v[m + 3], avgPrice: v[m + 4], volume: v[m + 5] });
      }
      return { instrument: r.instrument, previousClose: r.previous_close, meanMinuteVolume: r.mean_minute_volume, previousDay, haltedAt: r.halted_at };
    });
    const runs = new Map<string, FeedBars>();
    for (const b of this.q.marketBars.iterate(date) as IterableIterator<BarRow & { instrument: string }>) {
      let run = runs.get(b.instrument);
      if (!run) runs.set(b.instrument, (run = { instrument: b.instrument, from: 0, bars: [] }));
      if (b.idx !== run.bars.length) throw new ExecLabError(`service database ${this.path}: the market feed of ${date} has bar ${b.idx} of ${b.instrument} after ${run.bars.length} bars`);
      run.bars.push({ open: b.open, high: b.high, low: b.low, close: b.close, avgPrice: b.avg_price, volume: b.volume });
    }
    return { minutes: day.minutes, readyAt: day.ready_at, instruments, bars: [...runs.values()] };
  }

  openExecutions(): number {
    return (this.q.openCount.get() as { n: number }).n;
  }

  /**
   * Everything stored about execution `id`, or null. Its bars come from a scan of the log between its
   * bounds: every bar posted, by any execution, while it was open.
   */
  execution(id: string): StoredExecution | null {
    const row = this.q.execution.get(id) as ExecutionRow | undefined;
    if (!row) return null;
    return this.stored(row, this.q.bars.all(row.bars_after, row.bars_until ?? Number.MAX_SAFE_INTEGER, id) as BarRow[]);
  }

  /**
   * The open executions (neither complete nor cancelled), the latest `limit` opened, with their bars
   * read in one pass over the log from the oldest one's start: what a restart rebuilds, without a
   * scan of the log per execution.
   */
  openStoredExecutions(limit: number): StoredExecution[] {
    const rows = (this.q.openRows.all(limit) as ExecutionRow[]).reverse();
    if (rows.length === 0) return [];
    const bars = new Map<string, BarRow[]>(rows.map((r) => [r.id, []]));
    const from = Math.min(...rows.map((r) => r.bars_after));
    for (const b of this.q.barsFrom.iterate(from) as IterableIterator<BarRow & { execution_id: string }>) bars.get(b.execution_id)?.push(b);
    return rows.map((r) => this.stored(r, bars.get(r.id)!));
  }

  private stored(row: ExecutionRow, barRows: readonly BarRow[]): StoredExecution {
    const id = row.id;
    const header: ExecutionHeader = {
      id,
      keyId: row.key_id,
      policy: row.policy,
      policyIntegrity: row.policy_integrity,
      instrument: row.instrument,
      side: row.side as Side,
      quantity: row.quantity,
      date: row.date,
      previousClose: row.previous_close,
      meanMinuteVolume: row.mean_minute_volume,
      previousDaySummary: f32(row.previous_day_summary),
      createdAt: row.created_at,
    };
    barRows.forEach((b, k) => {
      // Bars are appended in order and checked in memory before they are stored; anything else is damage.
      if (b.idx !== k) throw new ExecLabError(`service database ${this.path}: execution ${id}'s stored bars are not in order (bar ${k} has index ${b.idx})`);
    });
    const bars = barRows.map((b) => ({ open: b.open, high: b.high, low: b.low, close: b.close, avgPrice: b.avg_price, volume: b.volume }));
    const fills = (this.q.fills.all(id) as FillRow[]).map((f) => ({ fillId: f.fill_id, bar: f.bar, quantity: f.quantity, price: f.price }));
    const decisions = (this.q.decisions.all(id) as DecisionRow[]).map((d) => ({
      period: d.period,
      action: d.action,
      share: d.share,
      quantity: d.quantity,
      logits: f32(d.logits),
      state: { hPub: f32(d.h_pub), hPriv: f32(d.h_priv) },
    }));
    return { header, cancelledAt: row.cancelled_at, bars, fills, decisions };
  }
}

interface KeyRow {
  id: number;
  name: string;
  policies: string;
  created_at: string;
  revoked_at: string | null;
  feed: number;
}
interface MarketInstrumentRow {
  instrument: string;
  previous_close: number;
  mean_minute_volume: number;
  previous_day: Buffer | null;
  halted_at: string | null;
}

/** A day of the market feed as stored. */
export interface StoredMarketDay {
  readonly minutes: number;
  readonly readyAt: string | null;
  /** In the order registered. */
  readonly instruments: FeedInstrument[];
  /** Each instrument's bars from bar 0, in order. */
  readonly bars: FeedBars[];
}
interface ExecutionRow {
  id: string;
  key_id: number;
  policy: string;
  policy_integrity: string;
  instrument: string;
  side: string;
  quantity: number;
  date: string;
  previous_close: number;
  mean_minute_volume: number;
  previous_day_summary: Buffer;
  created_at: string;
  cancelled_at: string | null;
  bars_after: number;
  bars_until: number | null;
}
interface BarRow {
  idx: number;
  open: number;
  high: number;
  low: number;
  close: number;
  avg_price: number;
  volume: number;
}
interface FillRow {
  fill_id: string;
  bar: number;
  quantity: number;
  price: number;
}
interface DecisionRow {
  period: number;
  action: number;
  share: number;
  quantity: number;
  logits: Buffer;
  h_pub: Buffer;
  h_priv: Buffer;
}

/** Schema 1 to 2: the completion flag from the bars received (in the caller's transaction). */
function migrateFrom1(db: Database.Database): void {
  db.exec('ALTER TABLE executions ADD COLUMN completed INTEGER NOT NULL DEFAULT 0');
  db.exec('UPDATE executions SET completed = 1 WHERE bars_received >= horizon');
  db.pragma('user_version = 2');
}

/**
 * Schema 2 to 3: the bars into the log, each execution's contiguous (in execution and bar order), its
 * bounds set from them, the clustered table dropped. (A schema-1 file reaches here with no bars
 * table when it never stored a bar: the table is made empty first.)
 */
function migrateFrom2(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS bars (
      execution_id TEXT NOT NULL, idx INTEGER NOT NULL,
      open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL,
      avg_price REAL NOT NULL, volume REAL NOT NULL, PRIMARY KEY (execution_id, idx)) WITHOUT ROWID;
    ALTER TABLE executions ADD COLUMN bars_after INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE executions ADD COLUMN bars_until INTEGER;
    ${BAR_LOG}
    INSERT INTO bar_log (execution_id, idx, open, high, low, close, avg_price, volume)
      SELECT execution_id, idx, open, high, low, close, avg_price, volume FROM bars ORDER BY execution_id, idx;
    CREATE TEMP TABLE bar_bounds AS
      SELECT execution_id, min(rowid) - 1 AS after, max(rowid) AS until FROM bar_log GROUP BY execution_id;
    UPDATE executions SET
      bars_after = coalesce((SELECT after FROM bar_bounds WHERE bar_bounds.execution_id = executions.id), (SELECT coalesce(max(rowid), 0) FROM bar_log)),
      bars_until = CASE WHEN completed = 1 THEN (SELECT until FROM bar_bounds WHERE bar_bounds.execution_id = executions.id) END;
    DROP TABLE bar_bounds;
    DROP TABLE bars;
  `);
  db.pragma('user_version = 3');
}

/** Schema 3 to 4: the keys' feed right (the feed's tables are made with the schema). */
function migrateFrom3(db: Database.Database): void {
  db.exec('ALTER TABLE api_keys ADD COLUMN feed INTEGER NOT NULL DEFAULT 0');
  db.pragma('user_version = 4');
}

function keyRecord(r: KeyRow): ApiKeyRecord {
  return { id: r.id, name: r.name, policies: JSON.parse(r.policies) as string[], feed: r.feed === 1, createdAt: r.created_at, revokedAt: r.revoked_at };
}

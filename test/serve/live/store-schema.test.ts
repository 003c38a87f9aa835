/**
 * The store's schema: an execution counts as open until the bar that reaches its horizon, which is
 * the only bar post that writes the execution's row; bars are appended to one log and each
 * execution's are read back from it in order; files of schema 1 (which counted bars in the
 * execution's row on every post) and 2 (bars in a table clustered by execution) are migrated in
 * place, once.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExecutionHeader, StoredBar } from '../../../src/serve/live/execution.js';
import { ServiceStore } from '../../../src/serve/live/store.js';
import { tempDirs } from '../../helpers/tmp.js';

const { tmp } = tempDirs('execlab-live-schema-');
const bar: StoredBar = { open: 10, high: 10.2, low: 9.9, close: 10.1, avgPrice: 10.05, volume: 500 };

function header(id: string, keyId: number): ExecutionHeader {
  return { id, keyId, policy: 'p', policyIntegrity: 'i', instrument: 'X', side: 'sell', quantity: 100, date: '2025-01-02', previousClose: 10, meanMinuteVolume: 50, previousDaySummary: new Float32Array([1, 2]), createdAt: '2025-01-02T01:30:00.000Z' };
}

/** An execution's row as another connection to the file reads it (what is committed). */
function executionRow(path: string, id: string): Record<string, unknown> {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT * FROM executions WHERE id = ?').get(id) as Record<string, unknown>;
  } finally {
    db.close();
  }
}

/**
 * A service file as an older ExecLab wrote it, built by hand: its key table with key 1, executions
 * whose schema-specific column is `column` (schema 1: bars_received; 2: completed), and `tables`
 * beside them. `add(id, value)` inserts an execution of horizon `horizon` with that column's value.
 * The caller sets user_version and closes it.
 */
function legacyFile(path: string, column: 'bars_received' | 'completed', horizon: number, tables = ''): { db: Database.Database; add: (id: string, value: number) => void } {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(`
    CREATE TABLE api_keys (id INTEGER PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, policies TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT);
    CREATE TABLE executions (
      id TEXT PRIMARY KEY, key_id INTEGER NOT NULL REFERENCES api_keys(id), policy TEXT NOT NULL, policy_integrity TEXT NOT NULL,
      instrument TEXT NOT NULL, side TEXT NOT NULL, quantity REAL NOT NULL, date TEXT NOT NULL, previous_close REAL NOT NULL,
      mean_minute_volume REAL NOT NULL, previous_day_summary BLOB NOT NULL, created_at TEXT NOT NULL, cancelled_at TEXT,
      horizon INTEGER NOT NULL, ${column} INTEGER NOT NULL DEFAULT 0, client_order_id TEXT, request_hash TEXT NOT NULL,
      UNIQUE (key_id, client_order_id));
    ${tables}
    INSERT INTO api_keys VALUES (1, 'k', 'hash', '["p"]', '2025-01-01T00:00:00.000Z', NULL);
  `);
  const insert = db.prepare(
    `INSERT INTO executions (id, key_id, policy, policy_integrity, instrument, side, quantity, date, previous_close, mean_minute_volume, previous_day_summary, created_at, horizon, ${column}, request_hash) VALUES (?, 1, 'p', 'i', 'X', 'sell', 100, '2025-01-02', 10, 50, x'0000803f', '2025-01-02T01:30:00.000Z', ${horizon}, ?, 'h')`,
  );
  return { db, add: (id, value) => void insert.run(id, value) };
}

describe('the service store schema', () => {
  it('counts an execution open until the bar that reaches its horizon, across a restart', () => {
    const path = join(tmp('open'), 'service.db');
    const store = new ServiceStore(path);
    const keyId = store.addKey('k', 'hash', ['p'], '2025-01-01T00:00:00.000Z');
    store.transaction(() => store.addExecution(header('a', keyId), 3, null, 'h1'));
    store.transaction(() => store.addExecution(header('b', keyId), 3, null, 'h2'));
    expect(store.openExecutions()).toBe(2);
    store.transaction(() => store.addBars('a', 0, [bar, bar], 3));
    expect(store.openExecutions()).toBe(2);
    expect(executionRow(path, 'a').completed).toBe(0);
    store.transaction(() => store.addBars('a', 2, [bar], 3));
    expect(store.openExecutions()).toBe(1);
    expect(executionRow(path, 'a').completed).toBe(1);
    // Bars past the horizon (the rest of the session) keep it complete.
    store.transaction(() => store.addBars('a', 3, [bar], 3));
    expect(store.openExecutions()).toBe(1);
    store.transaction(() => store.cancel('b', '2025-01-02T02:00:00.000Z'));
    expect(store.openExecutions()).toBe(0);
    store.close();
    const again = new ServiceStore(path);
    expect(again.openExecutions()).toBe(0);
    expect(again.execution('a')!.bars).toHaveLength(4);
    again.close();
  });

  it('migrates a schema-1 file: the completion flag from its bar counts, once, and nothing else changes', () => {
    const path = join(tmp('v1'), 'service.db');
    const { db: v1, add } = legacyFile(path, 'bars_received', 3);
    add('done', 3);
    add('open', 1);
    add('past', 4);
    v1.pragma('user_version = 1');
    v1.close();
    const store = new ServiceStore(path);
    expect(store.openExecutions()).toBe(1);
    expect(executionRow(path, 'done')).toMatchObject({ completed: 1, bars_received: 3 });
    expect(executionRow(path, 'open')).toMatchObject({ completed: 0, bars_received: 1 });
    expect(executionRow(path, 'past').completed).toBe(1);
    // The migrated file takes the new bar posts: the open one completes at its horizon.
    store.transaction(() => store.addBars('open', 1, [bar, bar], 3));
    expect(store.openExecutions()).toBe(0);
    store.close();
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(4);
    check.close();
    // Opening it again does not migrate twice (adding the column again would throw).
    const again = new ServiceStore(path);
    expect(again.openExecutions()).toBe(0);
    again.close();
  });

  it("reads each execution's bars back in order from the shared log, across restarts, interleaved with others'", () => {
    const path = join(tmp('log'), 'service.db');
    let store = new ServiceStore(path);
    const keyId = store.addKey('k', 'hash', ['p'], '2025-01-01T00:00:00.000Z');
    const barOf = (x: number): StoredBar => ({ ...bar, open: x, close: x });
    store.transaction(() => store.addExecution(header('a', keyId), 4, null, 'h1'));
    store.transaction(() => store.addBars('a', 0, [barOf(1), barOf(2)], 4));
    // b opens after a's first bars: it reads none of them.
    store.transaction(() => store.addExecution(header('b', keyId), 2, null, 'h2'));
    store.transaction(() => {
      store.addBars('b', 0, [barOf(10)], 2);
      store.addBars('a', 2, [barOf(3)], 4);
    });
    store.transaction(() => store.addBars('b', 1, [barOf(11)], 2));
    store.transaction(() => store.addBars('a', 3, [barOf(4)], 4));
    store.close();
    store = new ServiceStore(path);
    const opens = (id: string): number[] => store.execution(id)!.bars.map((x) => x.open);
    expect(opens('a')).toEqual([1, 2, 3, 4]);
    expect(opens('b')).toEqual([10, 11]);
    // Both are complete; a's later bars (the rest of the session) are still its own.
    store.transaction(() => store.addExecution(header('c', keyId), 2, null, 'h3'));
    store.transaction(() => {
      store.addBars('c', 0, [barOf(20)], 2);
      store.addBars('a', 4, [barOf(5)], 4);
    });
    store.close();
    store = new ServiceStore(path);
    expect(opens('a')).toEqual([1, 2, 3, 4, 5]);
    expect(opens('b')).toEqual([10, 11]);
    expect(opens('c')).toEqual([20]);
    expect(store.openExecutions()).toBe(1);
    store.close();
  });

  it('rebuilds the open executions in one pass over the log: the latest opened, complete and cancelled ones left out', () => {
    const path = join(tmp('open-pass'), 'service.db');
    let store = new ServiceStore(path);
    const keyId = store.addKey('k', 'hash', ['p'], '2025-01-01T00:00:00.000Z');
    const barOf = (x: number): StoredBar => ({ ...bar, open: x });
    for (const id of ['a', 'b', 'c', 'd']) store.transaction(() => store.addExecution(header(id, keyId), 2, null, `h-${id}`));
    store.transaction(() => {
      store.addBars('b', 0, [barOf(20)], 2);
      store.addBars('a', 0, [barOf(10)], 2);
      store.addBars('d', 0, [barOf(40)], 2);
      store.addBars('c', 0, [barOf(30), barOf(31)], 2);
      store.addFills('d', 0, [{ fillId: 'f1', bar: 0, quantity: 5, price: 10 }]);
    });
    store.transaction(() => store.cancel('b', '2025-01-02T02:00:00.000Z'));
    store.transaction(() => store.addBars('a', 1, [barOf(11)], 2));
    store.transaction(() => store.addBars('d', 1, [barOf(41)], 5));
    store.close();
    store = new ServiceStore(path);
    // a and c are complete, b cancelled: d is the only open one.
    const open = store.openStoredExecutions(10);
    expect(open.map((e) => e.header.id)).toEqual(['d']);
    expect(open[0].bars.map((x) => x.open)).toEqual([40, 41]);
    expect(open[0].fills).toEqual([{ fillId: 'f1', bar: 0, quantity: 5, price: 10 }]);
    expect(open[0]).toEqual(store.execution('d'));
    store.transaction(() => store.addExecution(header('e', keyId), 2, null, 'h-e'));
    store.transaction(() => store.addBars('e', 0, [barOf(50)], 2));
    // The latest opened first when there are more than the limit; returned in opening order.
    expect(store.openStoredExecutions(1).map((e) => e.header.id)).toEqual(['e']);
    expect(store.openStoredExecutions(5).map((e) => e.header.id)).toEqual(['d', 'e']);
    store.close();
  });

  it('refuses bars stored out of order, naming the execution', () => {
    const path = join(tmp('damaged'), 'service.db');
    const store = new ServiceStore(path);
    const keyId = store.addKey('k', 'hash', ['p'], '2025-01-01T00:00:00.000Z');
    store.transaction(() => store.addExecution(header('a', keyId), 4, null, 'h1'));
    store.transaction(() => store.addBars('a', 0, [bar], 4));
    store.transaction(() => store.addBars('a', 2, [bar], 4));
    expect(() => store.execution('a')).toThrow(/execution a's stored bars are not in order \(bar 1 has index 2\)/);
    store.close();
  });

  it('migrates a schema-2 file: every bar into the log, each execution reading its own, once', () => {
    const path = join(tmp('v2'), 'service.db');
    const { db: v2, add } = legacyFile(
      path,
      'completed',
      2,
      `CREATE TABLE bars (
        execution_id TEXT NOT NULL REFERENCES executions(id), idx INTEGER NOT NULL,
        open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL,
        avg_price REAL NOT NULL, volume REAL NOT NULL, PRIMARY KEY (execution_id, idx)) WITHOUT ROWID;`,
    );
    add('done', 1);
    add('open', 0);
    add('none', 0);
    const addBar = v2.prepare('INSERT INTO bars VALUES (?, ?, ?, 1, 1, 1, 1, 5)');
    // Inserted interleaved, as a live server would have.
    addBar.run('open', 0, 100);
    addBar.run('done', 0, 1);
    addBar.run('done', 1, 2);
    v2.pragma('user_version = 2');
    v2.close();
    let store = new ServiceStore(path);
    const opens = (id: string): number[] => store.execution(id)!.bars.map((x) => x.open);
    expect(opens('done')).toEqual([1, 2]);
    expect(opens('open')).toEqual([100]);
    expect(opens('none')).toEqual([]);
    expect(store.openExecutions()).toBe(2);
    // The migrated file takes new bars after the copied ones.
    store.transaction(() => store.addBars('none', 0, [{ ...bar, open: 7 }], 2));
    store.transaction(() => store.addBars('open', 1, [{ ...bar, open: 101 }], 2));
    store.close();
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(4);
    expect(check.prepare("SELECT name FROM sqlite_master WHERE name = 'bars'").all()).toEqual([]);
    check.close();
    // Opening it again does not migrate twice.
    store = new ServiceStore(path);
    expect(opens('done')).toEqual([1, 2]);
    expect(opens('open')).toEqual([100, 101]);
    expect(opens('none')).toEqual([7]);
    expect(store.openExecutions()).toBe(1);
    store.close();
  });

  it('migrates a schema-3 file: its keys may not write the market feed, and new keys may be made that may', () => {
    const path = join(tmp('v3'), 'service.db');
    const v3 = new Database(path);
    v3.exec("CREATE TABLE api_keys (id INTEGER PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, policies TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT); INSERT INTO api_keys VALUES (1, 'k', 'hash', '[\"p\"]', '2025-01-01T00:00:00.000Z', NULL);");
    v3.pragma('user_version = 3');
    v3.close();
    const store = new ServiceStore(path);
    expect(store.keyByHash('hash')).toMatchObject({ id: 1, policies: ['p'], feed: false });
    store.addKey('writer', 'hash2', [], '2025-01-02T00:00:00.000Z', true);
    expect(store.keyByHash('hash2')).toMatchObject({ feed: true, policies: [] });
    expect(store.marketDay('2025-01-02')).toBeNull();
    store.close();
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(4);
    check.close();
  });

  it('refuses a file of a newer schema, naming both versions', () => {
    const path = join(tmp('v9'), 'service.db');
    const db = new Database(path);
    db.pragma('user_version = 9');
    db.close();
    expect(() => new ServiceStore(path)).toThrow(/written by a newer ExecLab \(schema 9, this one knows 4\)/);
  });
});

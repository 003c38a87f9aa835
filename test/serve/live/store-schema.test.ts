/**
 * The store's schema: an execution counts as open until the bar that reaches its horizon, which is
 * the only bar post that writes the execution's row; a file of schema 1 (which counted bars in that
 * row on every post) is migrated in place, once.
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
    const v1 = new Database(path);
    v1.pragma('journal_mode = WAL');
    v1.exec(`
      CREATE TABLE api_keys (id INTEGER PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, policies TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT);
      CREATE TABLE executions (
        id TEXT PRIMARY KEY, key_id INTEGER NOT NULL REFERENCES api_keys(id), policy TEXT NOT NULL, policy_integrity TEXT NOT NULL,
        instrument TEXT NOT NULL, side TEXT NOT NULL, quantity REAL NOT NULL, date TEXT NOT NULL, previous_close REAL NOT NULL,
        mean_minute_volume REAL NOT NULL, previous_day_summary BLOB NOT NULL, created_at TEXT NOT NULL, cancelled_at TEXT,
        horizon INTEGER NOT NULL, bars_received INTEGER NOT NULL DEFAULT 0, client_order_id TEXT, request_hash TEXT NOT NULL,
        UNIQUE (key_id, client_order_id));
      INSERT INTO api_keys VALUES (1, 'k', 'hash', '["p"]', '2025-01-01T00:00:00.000Z', NULL);
    `);
    const add = v1.prepare("INSERT INTO executions (id, key_id, policy, policy_integrity, instrument, side, quantity, date, previous_close, mean_minute_volume, previous_day_summary, created_at, horizon, bars_received, request_hash) VALUES (?, 1, 'p', 'i', 'X', 'sell', 100, '2025-01-02', 10, 50, x'0000803f', '2025-01-02T01:30:00.000Z', 3, ?, 'h')");
    add.run('done', 3);
    add.run('open', 1);
    add.run('past', 4);
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
    expect(check.pragma('user_version', { simple: true })).toBe(2);
    check.close();
    // Opening it again does not migrate twice (adding the column again would throw).
    const again = new ServiceStore(path);
    expect(again.openExecutions()).toBe(0);
    again.close();
  });

  it('refuses a file of a newer schema, naming both versions', () => {
    const path = join(tmp('v9'), 'service.db');
    const db = new Database(path);
    db.pragma('user_version = 9');
    db.close();
    expect(() => new ServiceStore(path)).toThrow(/written by a newer ExecLab \(schema 9, this one knows 2\)/);
  });
});

/**
 * The store's group commit: the changes of one turn of the event loop in one transaction, each in a
 * savepoint of its own, committed at the end of the turn; answers held until then; a failed commit
 * stores nothing of the turn, fails its answers, and the service reads its executions back as stored.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addApiKey } from '../../../src/serve/live/auth.js';
import { createApp } from '../../../src/serve/live/app.js';
import { ServiceStore } from '../../../src/serve/live/store.js';
import { tempDirs } from '../../helpers/tmp.js';
import { barsOf, call, createBody, market, served } from './fixture.js';

const { tmp } = tempDirs('execlab-live-group-');
const date = market.meta.dates[4];
const day = market.loadDay(date);

/** Key names another connection to the same file sees (what is committed). */
function committedKeyNames(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT name FROM api_keys ORDER BY id').all() as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
}

/** A group-commit store whose commits fail while `fail.now` is true (a full disk, say). */
function failingStore(path: string): { store: ServiceStore; fail: { now: boolean } } {
  const fail = { now: false };
  const store = new ServiceStore(path, 'normal', {
    groupCommit: true,
    beforeCommit: () => {
      if (fail.now) throw new Error('disk full');
    },
  });
  return { store, fail };
}

describe('group commit', () => {
  it('commits the transactions of one turn together at its end; a throwing one is undone alone', async () => {
    const path = join(tmp('turn'), 'service.db');
    const store = new ServiceStore(path, 'normal', { groupCommit: true });
    expect(store.pending()).toBeNull();
    store.transaction(() => store.addKey('a', 'hash-a', ['p2'], '2025-01-01T00:00:00.000Z'));
    expect(() =>
      store.transaction(() => {
        store.addKey('b', 'hash-b', ['p2'], '2025-01-01T00:00:00.000Z');
        throw new Error('refused');
      }),
    ).toThrow('refused');
    store.transaction(() => store.addKey('c', 'hash-c', ['p2'], '2025-01-01T00:00:00.000Z'));
    const pending = store.pending();
    expect(pending).not.toBeNull();
    // Not on disk yet for anyone else; this connection sees its own changes.
    expect(committedKeyNames(path)).toEqual([]);
    expect(store.keys().map((k) => k.name)).toEqual(['a', 'c']);
    await pending;
    expect(store.pending()).toBeNull();
    expect(committedKeyNames(path)).toEqual(['a', 'c']);
    store.close();
  });

  it('stores nothing of a turn whose commit fails, and fails what waits on it', async () => {
    const path = join(tmp('fail'), 'service.db');
    const { store, fail } = failingStore(path);
    fail.now = true;
    const failures: string[] = [];
    store.onCommitFailure((err) => failures.push(err.message));
    store.transaction(() => store.addKey('lost', 'hash-l', ['p2'], '2025-01-01T00:00:00.000Z'));
    await expect(store.pending()).rejects.toThrow(/commit failed, nothing of this turn was stored: disk full/);
    expect(failures).toHaveLength(1);
    expect(committedKeyNames(path)).toEqual([]);
    expect(store.keys()).toEqual([]);
    fail.now = false;
    store.transaction(() => store.addKey('kept', 'hash-k', ['p2'], '2025-01-01T00:00:00.000Z'));
    await store.pending();
    expect(committedKeyNames(path)).toEqual(['kept']);
    store.close();
  });

  it('holds an answer until its turn commits; after a failed commit the execution is read back as stored', async () => {
    const path = join(tmp('svc'), 'service.db');
    const { store, fail } = failingStore(path);
    const { key } = addApiKey(store, 'desk', ['p2']);
    const { app } = await createApp({ store, policies: served, logLevel: 'silent' });
    const svc = { app, key };
    try {
      const opened = await call(svc, 'POST', '/executions', createBody(date, 'M0', 'sell', 1000, 'p2'));
      expect(opened.status).toBe(201);
      const id = opened.json.id as string;
      // The answer came after the commit: another connection sees the execution.
      const db = new Database(path, { readonly: true });
      expect(db.prepare('SELECT COUNT(*) AS n FROM executions WHERE id = ?').get(id)).toEqual({ n: 1 });

      fail.now = true;
      const lost = await call(svc, 'POST', `/executions/${id}/bars`, { bars: barsOf(day.bars, 0, 0, 3) });
      expect(lost.status).toBe(503);
      expect(lost.json.error).toMatch(/the change was not stored \(the database commit failed\).*retry the request/);
      fail.now = false;
      expect(db.prepare('SELECT COUNT(*) AS n FROM bar_log WHERE execution_id = ?').get(id)).toEqual({ n: 0 });
      db.close();
      // The service dropped what it had applied in memory: the bars were not received, and posting
      // them again stores them once.
      expect((await call(svc, 'GET', `/executions/${id}`)).json.barsReceived).toBe(0);
      const again = await call(svc, 'POST', `/executions/${id}/bars`, { bars: barsOf(day.bars, 0, 0, 3) });
      expect(again.status).toBe(200);
      expect(again.json).toMatchObject({ accepted: 3, duplicates: 0, barsReceived: 3 });
    } finally {
      await app.close();
      store.close();
    }
  });
});

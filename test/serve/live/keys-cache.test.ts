import { describe, expect, it, vi } from 'vitest';
import { addApiKey, authenticate, KeyLookup } from '../../../src/serve/live/auth.js';
import { serializeOnce, toJson } from '../../../src/serve/live/json.js';
import { ServiceStore } from '../../../src/serve/live/store.js';
import { tempDirs } from '../../helpers/tmp.js';
import { call, createBody, market, openService } from './fixture.js';

const { tmp } = tempDirs('execlab-live-keys-');

describe('remembered key lookups', () => {
  it('answer a known key without a query, and see a revocation by another process from the next turn of the event loop', async () => {
    const dir = tmp('k');
    const store = new ServiceStore(`${dir}/service.db`);
    const { id, key } = addApiKey(store, 'desk', ['p']);
    const lookup = new KeyLookup(store);
    expect(lookup.find(key)?.id).toBe(id);
    const query = vi.spyOn(store, 'keyByHash');
    expect(lookup.find(key)?.revokedAt).toBeNull();
    expect(query).not.toHaveBeenCalled();
    // Another connection to the same file, as `execlab serve keys revoke` in another process.
    const other = new ServiceStore(`${dir}/service.db`);
    other.revokeKey(id, '2025-01-02T00:00:00.000Z');
    other.close();
    // The data_version is read once per turn: this turn still answers from the cache, with no query.
    const version = vi.spyOn(store, 'dataVersion');
    expect(lookup.find(key)?.revokedAt).toBeNull();
    expect(query).not.toHaveBeenCalled();
    expect(version).not.toHaveBeenCalled();
    await new Promise((next) => setImmediate(next));
    expect(authenticate(store, `Bearer ${key}`, lookup)).toBe(`API key ${id} was revoked at 2025-01-02T00:00:00.000Z`);
    expect(query).toHaveBeenCalledTimes(1);
    expect(version).toHaveBeenCalledTimes(1);
    expect(lookup.find(key)?.revokedAt).not.toBeNull();
    expect(version).toHaveBeenCalledTimes(1);
    store.close();
  });

  it('see keys added and revoked through the same store, and do not remember unknown keys', () => {
    const store = new ServiceStore(`${tmp('k2')}/service.db`);
    const lookup = new KeyLookup(store);
    expect(lookup.find('xlk_nothing')).toBeNull();
    const { id, key } = addApiKey(store, 'desk', ['p']);
    expect(lookup.find(key)?.id).toBe(id);
    store.revokeKey(id, '2025-01-03T00:00:00.000Z');
    expect(lookup.find(key)?.revokedAt).toBe('2025-01-03T00:00:00.000Z');
    const query = vi.spyOn(store, 'keyByHash');
    lookup.find('xlk_nothing');
    lookup.find('xlk_nothing');
    expect(query).toHaveBeenCalledTimes(2);
    store.close();
  });
});

describe('serialised plans', () => {
  it('remember their JSON, are frozen, and other answers are stringified as they are', () => {
    const plan = serializeOnce({ period: 1, childOrders: [{ bar: 30, quantity: 5 }], logits: [0.5] });
    expect(toJson(plan)).toBe(JSON.stringify({ period: 1, childOrders: [{ bar: 30, quantity: 5 }], logits: [0.5] }));
    expect(Object.isFrozen(plan.childOrders[0])).toBe(true);
    expect(toJson({ a: 1 })).toBe('{"a":1}');
    expect(toJson('x')).toBe('"x"');
  });

  it('a polled plan is the same answer each time, and the next period gets its own', async () => {
    const svc = await openService(tmp('svc'));
    const date = market.meta.dates[2];
    const open = await call(svc, 'POST', '/executions', createBody(date, market.meta.instruments[0], 'sell', 1000, 'p2'));
    const a = await svc.app.inject({ method: 'GET', url: `/executions/${open.json.id}/plan`, headers: { authorization: `Bearer ${svc.key}` } });
    const b = await svc.app.inject({ method: 'GET', url: `/executions/${open.json.id}/plan`, headers: { authorization: `Bearer ${svc.key}` } });
    expect(a.statusCode).toBe(200);
    expect(b.body).toBe(a.body);
    expect(JSON.parse(a.body).period).toBe(0);
    await svc.close();
  });
});

/**
 * Fuzzing every endpoint over HTTP with requests that must all be refused: malformed JSON, wrong
 * types, NaN and huge numbers, bars out of order or from the future, impossible fills, oversized and
 * deeply nested bodies, other content types, another key's execution, bad ids. Each gets a 4xx, the
 * server keeps answering, and the database holds exactly what it held before.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addApiKey } from '../../../src/serve/live/auth.js';
import { tempDirs } from '../../helpers/tmp.js';
import { barsOf, call, createBody, market, openService, type TestService } from './fixture.js';

const { tmp } = tempDirs('execlab-live-fuzz-');
const date = market.meta.dates[4];
const day = market.loadDay(date);
const MAX_BODY = 256 << 10;

let svc: TestService;
let port = 0;
let keyB = '';
let mine = '';
let theirs = '';
let db: Database.Database;

/** Every row of every table, in a fixed order: the whole durable state. */
function dump(): string {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
  return JSON.stringify(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM ${name} ORDER BY 1, 2`).all()]));
}

beforeAll(async () => {
  svc = await openService(tmp('svc'), { maxBodyBytes: MAX_BODY });
  keyB = addApiKey(svc.store, 'desk b', ['p2']).key;
  await svc.app.listen({ port: 0, host: '127.0.0.1' });
  port = (svc.app.server.address() as { port: number }).port;
  // Mine: 40 bars, two plans and a fill; theirs (key B): open, nothing yet.
  mine = (await call(svc, 'POST', '/executions', { ...createBody(date, 'M0', 'sell', 1000, 'p2'), clientOrderId: 'c1' })).json.id;
  await call(svc, 'GET', `/executions/${mine}/plan`);
  await call(svc, 'POST', `/executions/${mine}/fills`, { fills: [{ fillId: 'f0', bar: 0, quantity: 100, price: day.bars.avgPrice[0] }] });
  await call(svc, 'POST', `/executions/${mine}/bars`, { bars: barsOf(day.bars, 0, 0, 40) });
  await call(svc, 'GET', `/executions/${mine}/plan`);
  theirs = (await call(svc, 'POST', '/executions', createBody(date, 'M1', 'buy', 500, 'p2'), keyB)).json.id;
  db = new Database(svc.dbPath, { readonly: true });
});
afterAll(async () => {
  db.close();
  await svc.close();
});

interface BadRequest {
  readonly what: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly body?: string;
  readonly type?: string;
  readonly key?: 'mine' | 'theirs' | 'none' | 'garbage';
}

const validBar = (m: number) => barsOf(day.bars, 0, m, m + 1)[0];
const wrongForNumber = fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }));
const wrongForString = fc.oneof(fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.constant(''));
const notFinite = fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999', '-1e999', '1e16', '-5', '1e400');

const createText = () => JSON.stringify(createBody(date, 'M2', 'sell', 900, 'p2'));
const barsText = (from: number, to: number) => JSON.stringify({ bars: barsOf(day.bars, 0, from, to) });
const fillText = (f: Record<string, unknown>) => JSON.stringify({ fills: [{ fillId: 'fz', bar: 40, quantity: 10, price: 10, ...f }] });
const path = (kind: 'bars' | 'fills' | 'plan' | '') => `/executions/${mine}${kind ? `/${kind}` : ''}`;

const badRequests: fc.Arbitrary<BadRequest> = fc.oneof(
  // Malformed JSON: a valid body cut short.
  fc.tuple(fc.constantFrom('create', 'bars', 'fills'), fc.double({ min: 0.01, max: 0.99, noNaN: true })).map(([k, at]): BadRequest => {
    const text = k === 'create' ? createText() : k === 'bars' ? barsText(40, 43) : fillText({});
    return { what: 'truncated JSON', method: 'POST', path: k === 'create' ? '/executions' : path(k as 'bars' | 'fills'), body: text.slice(0, Math.floor(text.length * at)) };
  }),
  // Anything at all as a body.
  fc.tuple(fc.constantFrom('/executions', path('bars'), path('fills')), fc.string({ maxLength: 200 })).map(([p, body]): BadRequest => ({ what: 'random text', method: 'POST', path: p, body })),
  // Wrong types in the open request.
  fc.tuple(fc.constantFrom('quantity', 'context.previousClose', 'previousDay.3.volume'), wrongForNumber).map(([field, v]): BadRequest => {
    const b = JSON.parse(createText());
    const parts = field.split('.');
    let o = b;
    for (const p of parts.slice(0, -1)) o = o[p];
    o[parts[parts.length - 1]] = v;
    return { what: `wrong type at ${field}`, method: 'POST', path: '/executions', body: JSON.stringify(b) };
  }),
  fc.tuple(fc.constantFrom('instrument', 'side', 'date', 'policy'), wrongForString).map(([field, v]): BadRequest => ({ what: `wrong type at ${field}`, method: 'POST', path: '/executions', body: JSON.stringify({ ...JSON.parse(createText()), [field]: v }) })),
  fc.tuple(fc.constantFrom('open', 'high', 'low', 'close', 'volume', 'index'), wrongForNumber).map(([field, v]): BadRequest => ({ what: `wrong bar type at ${field}`, method: 'POST', path: path('bars'), body: JSON.stringify({ bars: [{ ...validBar(40), index: 40, [field]: v }] }) })),
  // NaN, infinities and numbers out of range, written into the JSON text.
  fc.tuple(fc.constantFrom('quantity', 'previousClose', 'meanMinuteVolume'), notFinite).map(([field, v]): BadRequest => {
    const text = createText().replace(new RegExp(`"${field}":[^,}]+`), `"${field}":${v}`);
    return { what: `${v} at ${field}`, method: 'POST', path: '/executions', body: text };
  }),
  fc.tuple(fc.constantFrom('open', 'high', 'volume', 'avgPrice'), notFinite).map(([field, v]): BadRequest => ({ what: `${v} in a bar's ${field}`, method: 'POST', path: path('bars'), body: barsText(40, 41).replace(new RegExp(`"${field}":[^,}]+`), `"${field}":${v === '1e16' && field !== 'volume' ? '1e10' : v}`) })),
  fc.tuple(fc.constantFrom('quantity', 'price', 'bar'), notFinite).map(([field, v]): BadRequest => ({ what: `${v} in a fill's ${field}`, method: 'POST', path: path('fills'), body: fillText({}).replace(new RegExp(`"${field}":[^,}]+`), `"${field}":${v}`) })),
  // Bars out of order, from the future (a gap), past the session, inconsistent, or another value for a stored bar.
  fc.integer({ min: 2, max: 6 }).map((n): BadRequest => ({ what: 'bars out of order', method: 'POST', path: path('bars'), body: JSON.stringify({ bars: barsOf(day.bars, 0, 40, 40 + n).reverse() }) })),
  fc.integer({ min: 41, max: 500 }).map((m): BadRequest => ({ what: `bar ${m} from the future`, method: 'POST', path: path('bars'), body: JSON.stringify({ bars: [{ ...validBar(Math.min(m, 239)), index: m }] }) })),
  fc.integer({ min: 0, max: 39 }).map((m): BadRequest => ({ what: `another value for stored bar ${m}`, method: 'POST', path: path('bars'), body: JSON.stringify({ bars: [{ ...validBar(m), index: m, volume: validBar(m).volume + 1 }] }) })),
  fc.double({ min: 1.01, max: 3, noNaN: true }).map((f): BadRequest => ({ what: 'high below low', method: 'POST', path: path('bars'), body: JSON.stringify({ bars: [{ ...validBar(40), index: 40, low: validBar(40).high * f }] }) })),
  // Fills that cannot have happened: after the horizon, in a bar not begun, in a period not planned, more than Q, a stored id with other values.
  fc.oneof(
    fc.integer({ min: 237, max: 5000 }).map((bar) => ({ bar })),
    fc.integer({ min: 41, max: 236 }).map((bar) => ({ bar })),
    fc.double({ min: 900.001, max: 1e12, noNaN: true }).map((quantity) => ({ quantity })),
    fc.constant({ fillId: 'f0', quantity: 99 }),
  ).map((f): BadRequest => ({ what: `impossible fill ${JSON.stringify(f)}`, method: 'POST', path: path('fills'), body: fillText(f) })),
  // Unknown fields.
  fc.constantFrom('/executions', 'bars', 'fills').map((k): BadRequest => {
    const b = k === '/executions' ? JSON.parse(createText()) : k === 'bars' ? JSON.parse(barsText(40, 41)) : JSON.parse(fillText({}));
    return { what: 'an unknown field', method: 'POST', path: k === '/executions' ? k : path(k), body: JSON.stringify({ ...b, extra: 1 }) };
  }),
  // Oversized and deeply nested bodies.
  fc.integer({ min: MAX_BODY + 1, max: 4 * MAX_BODY }).map((n): BadRequest => ({ what: `${n} bytes`, method: 'POST', path: path('bars'), body: `{"bars":"${'x'.repeat(n)}"}` })),
  fc.tuple(fc.integer({ min: 17, max: 100_000 }), fc.boolean()).map(([d, obj]): BadRequest => ({ what: `nested ${d} deep`, method: 'POST', path: '/executions', body: obj ? `${'{"a":'.repeat(d)}1${'}'.repeat(d)}` : `${'['.repeat(d)}${']'.repeat(d)}` })),
  // Other content types.
  fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16').map((type): BadRequest => ({ what: `content type ${type}`, method: 'POST', path: path('bars'), body: barsText(40, 41), type })),
  // Another key's execution, with a request that would be valid for its owner; no key; a garbage key.
  fc.constantFrom<[BadRequest['method'], string, string | undefined]>(
    ['GET', '', undefined],
    ['GET', '/plan', undefined],
    ['DELETE', '', undefined],
    ['POST', '/bars', JSON.stringify({ bars: [{ ...validBar(0), index: 0 }] })],
  ).map(([method, p, body]): BadRequest => ({ what: `another key's execution ${method} ${p}`, method, path: `/executions/${theirs}${p}`, body })),
  fc.tuple(fc.constantFrom<'none' | 'garbage'>('none', 'garbage'), fc.constantFrom(path(''), path('plan'))).map(([key, p]): BadRequest => ({ what: `key ${key}`, method: 'GET', path: p, key })),
  // Ids that are not, and routes that do not exist.
  fc.string({ minLength: 1, maxLength: 40 }).map((s): BadRequest => ({ what: `id '${s}'`, method: 'GET', path: `/executions/${encodeURIComponent(s)}` })),
  fc.constantFrom('/execution', '/executions/x/y/z', '/admin', `/executions/${mine}/bars/1`).map((p): BadRequest => ({ what: `route ${p}`, method: 'GET', path: p })),
);

describe('fuzzing every endpoint', () => {
  it('answers every bad request with a 4xx and its reason, stays up and changes nothing', async () => {
    const before = dump();
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(badRequests, async (r) => {
        const headers: Record<string, string> = {};
        const key = r.key ?? 'mine';
        if (key === 'mine') headers.authorization = `Bearer ${svc.key}`;
        if (key === 'garbage') headers.authorization = 'Bearer xlk_0000';
        if (r.body !== undefined) headers['content-type'] = r.type ?? 'application/json';
        const res = await fetch(`http://127.0.0.1:${port}${r.path}`, { method: r.method, headers, body: r.body });
        const text = await res.text();
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        expect(res.status, `${r.what}: ${text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${r.what}: ${text.slice(0, 200)}`).toBeLessThan(500);
        expect((JSON.parse(text) as { error: string }).error.length).toBeGreaterThan(0);
        expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      }),
      { numRuns: 400, seed: 13 },
    );
    expect(dump()).toBe(before);
    // The fuzz reached every kind of refusal.
    for (const status of [400, 401, 404, 409, 413, 415]) expect(seen.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0);
    // And the executions still work: the next bar is taken.
    expect((await call(svc, 'POST', `/executions/${mine}/bars`, { bars: barsOf(day.bars, 0, 40, 41) })).status).toBe(200);
  });
});

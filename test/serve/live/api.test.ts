/**
 * The live API's rules, request by request (through app.inject): keys and their scopes, one key's
 * executions hidden from another, retried bars, fills and opens counted once, conflicts, the order
 * of bars, fills that cannot have happened, cancel, the plan's child orders, the state's PA, and the
 * OpenAPI document and metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addApiKey } from '../../../src/serve/live/auth.js';
import { tempDirs } from '../../helpers/tmp.js';
import { barsOf, call, createBody, market, openService, type TestService } from './fixture.js';

const { tmp } = tempDirs('execlab-live-api-');
const date = market.meta.dates[4];
const day = market.loadDay(date);
const bars = (from: number, to: number) => barsOf(day.bars, 0, from, to);

let svc: TestService;
let other: string;
let p3only: string;
beforeAll(async () => {
  svc = await openService(tmp('svc'));
  other = addApiKey(svc.store, 'other desk', ['p2', 'p3']).key;
  p3only = addApiKey(svc.store, 'p3 desk', ['p3']).key;
});
afterAll(() => svc.close());

async function open(policy = 'p2', extra: Record<string, unknown> = {}): Promise<string> {
  const r = await call(svc, 'POST', '/executions', { ...createBody(date, 'M0', 'sell', 1000, policy), ...extra });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json.id as string;
}

describe('keys', () => {
  it('needs a key, refuses an unknown or revoked one (401) and a policy out of its scope (403)', async () => {
    const body = createBody(date, 'M0', 'sell', 1000, 'p2');
    const none = await svc.app.inject({ method: 'POST', url: '/executions', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    expect(none.statusCode).toBe(401);
    expect(none.json().error).toMatch(/no API key: send Authorization: Bearer/);
    expect((await call(svc, 'POST', '/executions', body, 'xlk_nothing')).json.error).toBe('unknown API key');
    const scoped = await call(svc, 'POST', '/executions', body, p3only);
    expect(scoped.status).toBe(403);
    expect(scoped.json.error).toMatch(/may not use policy 'p2' \(it may use: p3\)/);
    const { id, key } = addApiKey(svc.store, 'leaving', ['p2']);
    expect((await call(svc, 'POST', '/executions', body, key)).status).toBe(201);
    svc.store.revokeKey(id, '2025-01-02T00:00:00.000Z');
    const revoked = await call(svc, 'POST', '/executions', body, key);
    expect(revoked.status).toBe(401);
    expect(revoked.json.error).toMatch(/was revoked/);
  });

  it('shows an execution only to the key that opened it (404 to any other, as for none)', async () => {
    const id = await open();
    for (const [method, url, body] of [
      ['GET', `/executions/${id}`, undefined],
      ['GET', `/executions/${id}/plan`, undefined],
      ['POST', `/executions/${id}/bars`, { bars: bars(0, 1) }],
      ['DELETE', `/executions/${id}`, undefined],
    ] as const) {
      const r = await call(svc, method, url, body, other);
      expect(r.status, url).toBe(404);
      expect(r.json.error).toBe(`no execution ${id} for this API key`);
    }
    expect((await call(svc, 'GET', `/executions/${id}`)).json.barsReceived).toBe(0);
    expect((await call(svc, 'GET', '/executions/00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });
});

describe('bars, fills and plans', () => {
  it('counts a retried bar once, refuses gaps, disorder, another value for a stored bar and bars past the session', async () => {
    const id = await open();
    const first = await call(svc, 'POST', `/executions/${id}/bars`, { bars: bars(0, 5) });
    expect(first.json).toMatchObject({ executionId: id, accepted: 5, duplicates: 0, barsReceived: 5, period: 0 });
    const retry = await call(svc, 'POST', `/executions/${id}/bars`, { bars: bars(3, 8) });
    expect(retry.json).toMatchObject({ accepted: 3, duplicates: 2, barsReceived: 8 });
    const gap = await call(svc, 'POST', `/executions/${id}/bars`, { bars: bars(9, 10) });
    expect(gap.status).toBe(400);
    expect(gap.json.error).toMatch(/bars\[0\]\.index = 9: the next bar is 8/);
    const disorder = await call(svc, 'POST', `/executions/${id}/bars`, { bars: [...bars(9, 10), ...bars(8, 9)] });
    expect(disorder.json.error).toMatch(/bars\[1\]\.index = 8 after 9: bars must be in time order/);
    const changed = bars(2, 3);
    changed[0].volume += 1;
    const conflict = await call(svc, 'POST', `/executions/${id}/bars`, { bars: changed });
    expect(conflict.status).toBe(409);
    expect(conflict.json.error).toMatch(/bar 2 is already stored with other values/);
    const late = await call(svc, 'POST', `/executions/${id}/bars`, { bars: [{ ...bars(8, 9)[0], index: 240 }] });
    expect(late.json.error).toMatch(/index = 240: the session has 240 bars/);
    const bad = bars(8, 9);
    bad[0].close = bad[0].high * 2;
    expect((await call(svc, 'POST', `/executions/${id}/bars`, { bars: bad })).json.error).toMatch(/bars\[0\]\.close = .* is outside \[bars\[0\]\.low, bars\[0\]\.high\]/);
    expect((await call(svc, 'GET', `/executions/${id}`)).json.barsReceived).toBe(8);
  });

  it('plans equal child orders per bar, takes fills only for planned periods and bars that have begun, counts a retried fill once', async () => {
    const id = await open('p3');
    const early = await call(svc, 'POST', `/executions/${id}/fills`, { fills: [{ fillId: 'a', bar: 0, quantity: 10, price: 10 }] });
    expect(early.status).toBe(409);
    expect(early.json.error).toMatch(/no plan was issued for its period yet/);
    const plan = await call(svc, 'GET', `/executions/${id}/plan`);
    expect(plan.json).toMatchObject({ period: 0, fromBar: 0, toBar: 30 });
    expect(plan.json.childOrders).toHaveLength(30);
    expect(plan.json.childOrders[29]).toEqual({ bar: 29, quantity: plan.json.quantity / 30 });
    expect(plan.json.quantity).toBe(plan.json.share * 1000);
    expect((await call(svc, 'GET', `/executions/${id}/plan`)).json).toEqual(plan.json);
    const future = await call(svc, 'POST', `/executions/${id}/fills`, { fills: [{ fillId: 'a', bar: 3, quantity: 10, price: 10 }] });
    expect(future.json.error).toMatch(/bar = 3 is in the future: 0 bars received/);
    const fill = { fillId: 'a', bar: 0, quantity: 100, price: 10.5 };
    expect((await call(svc, 'POST', `/executions/${id}/fills`, { fills: [fill] })).json).toMatchObject({ accepted: 1, duplicates: 0, filled: 100 });
    expect((await call(svc, 'POST', `/executions/${id}/fills`, { fills: [fill] })).json).toMatchObject({ accepted: 0, duplicates: 1, filled: 100 });
    const changed = await call(svc, 'POST', `/executions/${id}/fills`, { fills: [{ ...fill, price: 11 }] });
    expect(changed.status).toBe(409);
    const twice = await call(svc, 'POST', `/executions/${id}/fills`, { fills: [{ ...fill, fillId: 'b' }, { ...fill, fillId: 'b' }] });
    expect(twice.json.error).toMatch(/fillId 'b' appears twice/);
    const over = await call(svc, 'POST', `/executions/${id}/fills`, { fills: [{ ...fill, fillId: 'c', quantity: 901 }] });
    expect(over.json.error).toMatch(/add up to 1001 shares, more than the order's 1000/);
    await call(svc, 'POST', `/executions/${id}/bars`, { bars: bars(0, 10) });
    const state = (await call(svc, 'GET', `/executions/${id}`)).json;
    // PA against the running benchmark: the mean average price of the 10 bars received.
    let sum = 0;
    for (let m = 0; m < 10; m++) sum += day.bars.avgPrice[m];
    expect(state.benchmarkPrice).toBeCloseTo(sum / 10, 12);
    expect(state.paBps).toBeCloseTo(1e4 * (10.5 / (sum / 10) - 1), 9);
    expect(state).toMatchObject({ filled: 100, remaining: 900, averageFillPrice: 10.5, status: 'open', period: 0 });
  });

  it('decides the periods skipped by a batch of bars in order, and refuses a plan past the horizon', async () => {
    const id = await open();
    await call(svc, 'POST', `/executions/${id}/bars`, { bars: bars(0, 95) });
    const plan = await call(svc, 'GET', `/executions/${id}/plan`);
    expect(plan.json.period).toBe(3);
    expect((await call(svc, 'GET', `/executions/${id}`)).json.decisions.map((d: { period: number }) => d.period)).toEqual([0, 1, 2, 3]);
    await call(svc, 'POST', `/executions/${id}/bars`, { bars: bars(95, 237) });
    const over = await call(svc, 'GET', `/executions/${id}/plan`);
    expect(over.status).toBe(409);
    expect(over.json.error).toMatch(/past its horizon \(237 bars\)/);
    expect((await call(svc, 'GET', `/executions/${id}`)).json.status).toBe('complete');
  });

  it('cancels once; a cancelled execution takes no bars or plans', async () => {
    const id = await open();
    const first = await call(svc, 'DELETE', `/executions/${id}`);
    expect(first.json.status).toBe('cancelled');
    expect((await call(svc, 'DELETE', `/executions/${id}`)).json).toEqual(first.json);
    expect((await call(svc, 'POST', `/executions/${id}/bars`, { bars: bars(0, 1) })).status).toBe(409);
    expect((await call(svc, 'GET', `/executions/${id}/plan`)).json.error).toMatch(/was cancelled at/);
  });

  it('opens one execution for a retried request with the same clientOrderId, refuses the id with another body', async () => {
    const body = { ...createBody(date, 'M1', 'buy', 700, 'p2'), clientOrderId: 'order-17' };
    const a = await call(svc, 'POST', '/executions', body);
    const b = await call(svc, 'POST', '/executions', body);
    expect([a.status, b.status]).toEqual([201, 200]);
    expect(b.json.id).toBe(a.json.id);
    const c = await call(svc, 'POST', '/executions', { ...body, quantity: 701 });
    expect(c.status).toBe(409);
    expect(c.json.error).toMatch(/clientOrderId 'order-17' already opened execution/);
    // Another key's order ids are its own.
    expect((await call(svc, 'POST', '/executions', body, other)).status).toBe(201);
  });

  it('refuses an open request without context or previous day, a previous day of another length, an unknown policy', async () => {
    const body = createBody(date, 'M0', 'sell', 1000, 'p2');
    const { context: _c, previousDay: _p, ...bare } = body;
    expect((await call(svc, 'POST', '/executions', bare)).json.error).toMatch(/give context \(previousClose, meanMinuteVolume\) or previousDay/);
    expect((await call(svc, 'POST', '/executions', { ...body, previousDay: (body.previousDay as unknown[]).slice(1) })).json.error).toMatch(/previousDay has 239 bars; policy 'p2' needs the whole session's 240/);
    expect((await call(svc, 'POST', '/executions', { ...body, policy: 'nope' })).json.error).toMatch(/policy 'nope' is not served here \(served: p2, p3, ps, pm\)/);
    expect((await call(svc, 'POST', '/executions', { ...body, date: '2025-02-30' })).json.error).toMatch(/date: not a calendar date/);
    const derived = await call(svc, 'POST', '/executions', { ...bare, previousDay: body.previousDay });
    expect(derived.status).toBe(201);
  });
});

describe('documents', () => {
  it('serves an OpenAPI document of every route, generated from the request schemas', async () => {
    const doc = (await svc.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual(['/executions', '/executions/{id}', '/executions/{id}/bars', '/executions/{id}/fills', '/executions/{id}/plan', '/market/{date}', '/market/{date}/bars', '/market/{date}/instruments', '/market/{date}/instruments/{instrument}', '/market/{date}/ready']);
    expect(Object.keys(doc.paths['/executions/{id}']).sort()).toEqual(['delete', 'get']);
    expect(JSON.stringify(doc.paths['/executions'].post.requestBody)).toContain('#/components/schemas/CreateExecution');
    const create = JSON.stringify(doc.components.schemas.CreateExecution);
    for (const field of ['instrument', 'side', 'quantity', 'previousDay', 'context', 'clientOrderId']) expect(create).toContain(field);
    expect(JSON.stringify(doc.components.schemas.Bar)).toContain('"minimum":0.000001');
  });

  it('exposes Prometheus metrics: requests, latency, executions open, decisions', async () => {
    const text = (await svc.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/execlab_http_requests_total\{method="POST",route="\/executions\/:id\/bars",status="200"\} \d+/);
    expect(text).toMatch(/execlab_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/executions\/:id\/plan"\} \d+/);
    expect(text).toMatch(/execlab_executions_open \d+/);
    expect(text).toMatch(/execlab_decisions_total\{policy="p3"\} [1-9]/);
  });
});

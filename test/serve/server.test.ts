/**
 * The HTTP server against bad clients and bad requests: body limit (413 before the rest is read),
 * slow bodies and headers (408), content type (415), deep JSON, strict request validation (400) that
 * leaves nothing changed, and clean errors for a busy or an invalid port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import type { Server } from 'node:http';
import { buildEpisodes } from '../../src/sim/episodes.js';
import { PUBLIC_FEATURES } from '../../src/sim/observation.js';
import { DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';
import { ActorCritic } from '../../src/nn/network.js';
import type { PolicyFile } from '../../src/rl/common/policy-file.js';
import { decide, policyRuntime, type DecisionRequest } from '../../src/serve/decide.js';
import { createPolicyServer, listenPolicyServer, parsePort } from '../../src/serve/server.js';
import { Rng } from '../../src/util/random.js';
import { memoryStore } from '../helpers/memory-store.js';
import { studentPolicyFile } from '../helpers/policies.js';

const store = memoryStore({ instruments: 3, days: 5, seed: 12, validationDays: 1, testDays: 1 }, 3, 1);
const date = store.meta.dates[4];
const orders = store.meta.instruments.map((instrument) => ({ instrument, date, side: 'sell' as const, quantity: 1000 }));
const episodes = buildEpisodes(store, orders, DEFAULT_SIM_SETTINGS).episodes;
const net = ActorCritic.create({ pubIn: PUBLIC_FEATURES, privIn: 3, hidden: 8, mlp: [8], actions: 5 }, new Rng(3));
const policy: PolicyFile = studentPolicyFile(net, store.meta.featureStats, 'student', 3);
const rt = policyRuntime(policy);

function request(t: number): DecisionRequest {
  const day = store.loadDay(date);
  const M = day.bars.minutes;
  const cut = (a: Float64Array, to: number): number[] => Array.from(a.subarray(0, to));
  const bars = (p: typeof day.bars, to: number) => ({ open: cut(p.open, to), high: cut(p.high, to), low: cut(p.low, to), close: cut(p.close, to), avgPrice: cut(p.avgPrice, to), volume: cut(p.volume, to) });
  return {
    side: 'sell',
    quantity: 1000,
    executed: Array.from({ length: t }, () => 100),
    pastShares: Array.from({ length: t }, () => 0.1),
    previousClose: day.context.prevClose[0],
    meanMinuteVolume: day.context.meanMinuteVolume[0],
    previousDay: bars(day.previous!, M),
    today: bars(day.bars, episodes.grid.start[t]),
  };
}

/** A request with one change; `edit` mutates a deep copy. */
function bad(edit: (r: any) => void, t = 2): DecisionRequest {
  const r = structuredClone(request(t)) as any;
  edit(r);
  return r as DecisionRequest;
}

describe('decide: strict validation of the request', () => {
  const cases: Array<[string, DecisionRequest, RegExp]> = [
    ['a mean minute volume that underflows', bad((r) => (r.meanMinuteVolume = 5e-324)), /meanMinuteVolume/],
    ['an avgPrice shorter than the bars', bad((r) => r.today.avgPrice.pop()), /today\.avgPrice has 59 values, today\.open has 60/],
    ['a previous day of another length', bad((r) => r.previousDay.open.splice(10)), /previousDay/],
    ['a previous day of another length (all arrays)', bad((r) => { for (const k of Object.keys(r.previousDay)) r.previousDay[k] = r.previousDay[k].slice(0, 100); }), /previousDay has 100 minutes; expected the policy's 240/],
    ['a previous day that is too long', bad((r) => { for (const k of Object.keys(r.previousDay)) r.previousDay[k] = [...r.previousDay[k], ...r.previousDay[k]]; }), /previousDay has 480 minutes; expected the policy's 240/],
    ['high below low', bad((r) => ((r.today.high[5] = r.today.low[5] * 0.9), (r.today.open[5] = r.today.low[5]), (r.today.close[5] = r.today.low[5]))), /today\.high\[5\].*below today\.low\[5\]/],
    ['a close above the high', bad((r) => (r.today.close[7] = r.today.high[7] * 1.1)), /today\.close\[7\]/],
    ['a zero price', bad((r) => (r.today.low[3] = 0)), /today\.low\.3/],
    ['a negative previous close', bad((r) => (r.previousClose = -1)), /previousClose/],
    ['a huge quantity', bad((r) => (r.quantity = 1e300)), /quantity/],
    ['a negative volume', bad((r) => (r.today.volume[2] = -5)), /today\.volume\.2/],
    ['a past share outside [0, 1]', bad((r) => (r.pastShares[0] = 2)), /pastShares\.0/],
    ['past shares of another length than executed', bad((r) => r.pastShares.pop()), /pastShares has 1 values; executed has 2/],
    ['executed above the quantity', bad((r) => (r.executed = [600, 600])), /executed sums to 1200, more than the quantity 1000/],
    ['an unknown field', bad((r) => (r.avgprice = [])), /avgprice/],
    ['a string number', bad((r) => (r.quantity = '1000')), /quantity/],
    ['today of the wrong length', bad((r) => { for (const k of Object.keys(r.today)) r.today[k].pop(); }), /needs exactly the 60 minutes/],
  ];
  for (const [what, req, message] of cases) {
    it(`refuses ${what}`, () => {
      expect(() => decide(rt, req)).toThrow(message);
    });
  }

  it('answers the same good request the same way before and after every bad one', () => {
    const before = decide(rt, request(2));
    for (const [, req] of cases) expect(() => decide(rt, req)).toThrow();
    expect(decide(rt, request(2))).toEqual(before);
    expect(before.logits.every(Number.isFinite)).toBe(true);
  });

  it('refuses --minutes-per-day that is not a positive integer, and keeps refusing another bar count', () => {
    expect(() => policyRuntime(policy, 0)).toThrow(/minutes per day 0: expected a positive integer/);
    expect(() => policyRuntime(policy, -240)).toThrow(/positive integer/);
    expect(() => policyRuntime(policy, 2.5)).toThrow(/positive integer/);
    expect(() => policyRuntime(policy, 48)).toThrow(/trained on 1-minute bars/);
    expect(policyRuntime(policy, 240).minutesPerDay).toBe(240);
  });
});

/** One raw HTTP exchange over a socket: writes `head`, then `body` pieces with `gapMs` between, returns what came back. */
function raw(port: number, head: string, body: string[] = [], gapMs = 0, waitMs = 5000): Promise<{ text: string; ms: number; closed: boolean }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = connect(port, '127.0.0.1');
    let text = '';
    let closed = false;
    const finish = (): void => resolve({ text, ms: Date.now() - t0, closed });
    const timer = setTimeout(() => (s.destroy(), finish()), waitMs);
    s.on('data', (d) => (text += d.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => {
      closed = true;
      clearTimeout(timer);
      finish();
    });
    s.write(head);
    let k = 0;
    const next = (): void => {
      if (k >= body.length || s.destroyed) return;
      s.write(body[k++]);
      setTimeout(next, gapMs);
    };
    next();
  });
}

describe('the HTTP server', () => {
  let server: Server;
  let port = 0;
  const url = (p: string): string => `http://127.0.0.1:${port}${p}`;
  const post = (body: string | Uint8Array<ArrayBuffer>, type = 'application/json') => fetch(url('/decide'), { method: 'POST', body, headers: { 'content-type': type } });

  beforeAll(async () => {
    server = createPolicyServer(rt, { maxBodyBytes: 1 << 20, bodyTimeoutMs: 400, headersTimeoutMs: 400 });
    await listenPolicyServer(server, 0, '127.0.0.1');
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('answers a good request, and 400 with the reason for a bad one', async () => {
    const ok = await post(JSON.stringify(request(1)));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { period: number }).period).toBe(1);
    const r = await post(JSON.stringify(bad((x) => (x.meanMinuteVolume = 5e-324))));
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/meanMinuteVolume/);
  });

  it('answers 413 with a JSON reason to a 50 MB body, not a reset', async () => {
    const big = Buffer.alloc(50 << 20, 32);
    const t0 = Date.now();
    const r = await post(big);
    expect(r.status).toBe(413);
    expect(((await r.json()) as { error: string }).error).toMatch(/request body over 1048576 bytes/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('answers 413 as soon as Content-Length announces too much, before any body is sent', async () => {
    const r = await raw(port, `POST /decide HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${50 << 20}\r\n\r\n`, [], 0, 2000);
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.text).toMatch(/"error":"request body over 1048576 bytes/);
  });

  it('answers 413 to a chunked body that grows past the limit', async () => {
    let sent = 0;
    const body = new ReadableStream({
      pull(c) {
        if (sent > 20 << 20) c.close();
        else (sent += 1 << 16), c.enqueue(new Uint8Array(1 << 16).fill(32));
      },
    });
    const r = await fetch(url('/decide'), { method: 'POST', body, duplex: 'half', headers: { 'content-type': 'application/json' } } as RequestInit);
    expect(r.status).toBe(413);
    expect(sent).toBeLessThan(20 << 20);
  });

  it('answers 408 to a body that does not arrive in time, and closes the connection', async () => {
    const r = await raw(port, 'POST /decide HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n', ['{"side":'], 0, 5000);
    expect(r.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(r.text).toMatch(/"error":"request body not received within 0\.4 s/);
    expect(r.closed).toBe(true);
    expect(r.ms).toBeLessThan(3000);
  });

  it('closes a connection whose headers do not arrive in time', async () => {
    const r = await raw(port, 'POST /decide HTTP/1.1\r\nHost: x\r\n', ['Content-Type: app', 'lication/json\r\n'], 300, 8000);
    expect(r.closed).toBe(true);
    expect(r.ms).toBeLessThan(4000);
  });

  it('answers 415 to another content type, before reading the body', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']) {
      const r = await post(JSON.stringify(request(0)), type);
      expect(r.status, type).toBe(415);
      expect(((await r.json()) as { error: string }).error).toMatch(/content type .* expected application\/json/);
    }
    const plain = await fetch(url('/decide'), { method: 'POST', body: new Uint8Array(Buffer.from(JSON.stringify(request(0)))) });
    expect(plain.status).toBe(415);
    expect((await post(JSON.stringify(request(0)), 'application/json; charset=utf-8')).status).toBe(200);
  });

  it('refuses deeply nested JSON quickly', async () => {
    const depth = 400_000;
    const t0 = Date.now();
    const r = await post(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/nested deeper than 16/);
    expect(Date.now() - t0).toBeLessThan(500);
    const s = await post('{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}');
    expect(((await s.json()) as { error: string }).error).not.toMatch(/nested/);
  });

  it('answers 400 to a body that is not JSON, 404 and 405 to other routes', async () => {
    const r = await post('{"side": "sell",');
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/not JSON/);
    expect((await fetch(url('/nothing'))).status).toBe(404);
    const m = await fetch(url('/decide'));
    expect(m.status).toBe(405);
    expect(m.headers.get('allow')).toBe('POST');
  });

  it('keeps answering good requests the same after bad clients', async () => {
    const first = (await (await post(JSON.stringify(request(2)))).json()) as unknown;
    await post('[1,');
    await post(Buffer.alloc(2 << 20, 32));
    await post(JSON.stringify(bad((x) => (x.today.high[0] = 0.0001))));
    const again = (await (await post(JSON.stringify(request(2)))).json()) as unknown;
    expect(again).toEqual(first);
  });
});

describe('listening', () => {
  it('refuses a busy port with one clean line', async () => {
    const a = createPolicyServer(rt);
    await listenPolicyServer(a, 0, '127.0.0.1');
    const busy = (a.address() as { port: number }).port;
    const b = createPolicyServer(rt);
    try {
      await expect(listenPolicyServer(b, busy, '127.0.0.1')).rejects.toThrow(new RegExp(`^port ${busy} on 127\\.0\\.0\\.1 is already in use`));
    } finally {
      a.close();
      b.close();
    }
  });

  it('refuses a port outside 0..65535 or not a number', () => {
    expect(() => parsePort('70000')).toThrow(/--port 70000: expected an integer from 0 to 65535/);
    expect(() => parsePort('-1')).toThrow(/expected an integer from 0 to 65535/);
    expect(() => parsePort('80a')).toThrow(/expected an integer/);
    expect(parsePort('8080')).toBe(8080);
    expect(parsePort('0')).toBe(0);
  });
});

/**
 * The service against bad clients on a real socket: body limit (413 before the rest is read), slow
 * requests (408) and headers, content type (415), deep and broken JSON (400), the connection cap,
 * and good requests answered the same after all of them.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../helpers/tmp.js';
import { barsOf, createBody, market, openService, type TestService } from './fixture.js';

const { tmp } = tempDirs('execlab-live-http-');
const date = market.meta.dates[4];

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

let svc: TestService;
let port = 0;
let id = '';
const url = (p: string): string => `http://127.0.0.1:${port}${p}`;
const auth = (): Record<string, string> => ({ authorization: `Bearer ${svc.key}` });
const post = (path: string, body: string | Uint8Array<ArrayBuffer>, type = 'application/json') => fetch(url(path), { method: 'POST', body, headers: { ...auth(), 'content-type': type } });

beforeAll(async () => {
  svc = await openService(tmp('svc'), { maxBodyBytes: 1 << 20, requestTimeoutMs: 400, headersTimeoutMs: 400, maxConnections: 4 });
  await svc.app.listen({ port: 0, host: '127.0.0.1' });
  port = (svc.app.server.address() as { port: number }).port;
  const r = await post('/executions', JSON.stringify(createBody(date, 'M0', 'sell', 1000, 'p2')));
  id = ((await r.json()) as { id: string }).id;
});
afterAll(() => svc.close());

describe('the service on a socket', () => {
  it('answers 413 with a JSON reason to a 50 MB body, not a reset', async () => {
    const t0 = Date.now();
    const r = await post(`/executions/${id}/bars`, Buffer.alloc(50 << 20, 32));
    expect(r.status).toBe(413);
    expect(((await r.json()) as { error: string }).error).toBe('request body over 1048576 bytes');
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('answers 413 as soon as Content-Length announces too much, before any body is sent', async () => {
    const r = await raw(port, `POST /executions/${id}/bars HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${svc.key}\r\nContent-Type: application/json\r\nContent-Length: ${50 << 20}\r\n\r\n`, [], 0, 2000);
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.text).toContain('"error":"request body over 1048576 bytes"');
  });

  it('answers 413 to a chunked body that grows past the limit', async () => {
    let sent = 0;
    const body = new ReadableStream({
      pull(c) {
        if (sent > 20 << 20) c.close();
        else (sent += 1 << 16), c.enqueue(new Uint8Array(1 << 16).fill(32));
      },
    });
    const r = await fetch(url(`/executions/${id}/bars`), { method: 'POST', body, duplex: 'half', headers: { ...auth(), 'content-type': 'application/json' } } as RequestInit);
    expect(r.status).toBe(413);
    expect(sent).toBeLessThan(20 << 20);
  });

  it('answers 408 to a body that does not arrive in time, and closes the connection', async () => {
    const r = await raw(port, `POST /executions/${id}/bars HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${svc.key}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`, ['{"bars":'], 0, 5000);
    expect(r.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(r.text).toContain('"error":"request not received within 0.4 s"');
    expect(r.closed).toBe(true);
    expect(r.ms).toBeLessThan(3000);
  });

  it('closes a connection whose headers do not arrive in time', async () => {
    const r = await raw(port, 'GET /health HTTP/1.1\r\nHost: x\r\n', ['Accept: app', 'lication/json\r\n'], 300, 8000);
    expect(r.closed).toBe(true);
    expect(r.ms).toBeLessThan(4000);
  });

  it('answers 415 to another content type than UTF-8 JSON', async () => {
    const body = JSON.stringify({ bars: barsOf(market.loadDay(date).bars, 0, 0, 1) });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']) {
      const r = await post(`/executions/${id}/bars`, body, type);
      expect(r.status, type).toBe(415);
      expect(((await r.json()) as { error: string }).error).toMatch(/expected (application\/json|UTF-8 JSON)/);
    }
    const untyped = await fetch(url(`/executions/${id}/bars`), { method: 'POST', body: new Uint8Array(Buffer.from(body)), headers: auth() });
    expect(untyped.status).toBe(415);
    expect((await post(`/executions/${id}/bars`, body, 'application/json; charset=utf-8')).status).toBe(200);
  });

  it('refuses deeply nested JSON quickly, and JSON that is not', async () => {
    const depth = 400_000;
    const t0 = Date.now();
    const r = await post(`/executions/${id}/bars`, `${'['.repeat(depth)}${']'.repeat(depth)}`);
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/nested deeper than 16/);
    expect(Date.now() - t0).toBeLessThan(1000);
    const broken = await post(`/executions/${id}/bars`, '{"bars": [');
    expect(broken.status).toBe(400);
    const proto = await post(`/executions/${id}/bars`, '{"bars": [], "__proto__": {"x": 1}}');
    expect(proto.status).toBe(400);
  });

  it('refuses connections past the cap, and serves again once they close', async () => {
    const sockets: Socket[] = [];
    for (let k = 0; k < 4; k++) {
      const s = connect(port, '127.0.0.1');
      await new Promise((r) => s.once('connect', r));
      sockets.push(s);
    }
    const extra = await raw(port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n', [], 0, 2000);
    expect(extra.closed).toBe(true);
    expect(extra.text).toBe('');
    for (const s of sockets) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await fetch(url('/health'))).status).toBe(200);
  });

  it('answers a good request the same after bad clients', async () => {
    const first = await (await fetch(url(`/executions/${id}`), { headers: auth() })).json();
    await post(`/executions/${id}/bars`, '[1,');
    await post(`/executions/${id}/bars`, Buffer.alloc(2 << 20, 32));
    await post(`/executions/${id}/fills`, '{"fills":[{"fillId":"x","bar":0,"quantity":1e999,"price":1}]}');
    expect(await (await fetch(url(`/executions/${id}`), { headers: auth() })).json()).toEqual(first);
  });
});

/**
 * `execlab serve`: a trained student policy behind a small HTTP API (Node's own http module).
 *   GET  /health   -> { status, policy, view, actionMap, periods }
 *   POST /decide   -> Decision for a DecisionRequest (JSON)
 *
 * Bad clients get an answer with a JSON { error } and cannot hold the server: a body over the limit
 * is answered 413 as soon as it is known (from Content-Length, or once the bytes pass the limit),
 * another content type than application/json 415, a body that does not arrive in time 408 (headers
 * that do not arrive in time close the connection), JSON nested deeper than the request's shape 400
 * before it is parsed, and every invalid request 400 with the reason. Requests share no state.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ExecLabError } from '../errors.js';
import { decide, type PolicyRuntime } from './decide.js';

export interface ServerLimits {
  /** Largest request body (default 1 MB; a request with a whole day of bars is about 60 KB). */
  readonly maxBodyBytes?: number;
  /** Time for the body to arrive once the headers have (default 5 s). */
  readonly bodyTimeoutMs?: number;
  /** Time for the request headers to arrive (default 5 s). */
  readonly headersTimeoutMs?: number;
}

/** Deepest JSON nesting accepted (a request is 3 deep). */
const MAX_JSON_DEPTH = 16;

/** An answer other than 400 for a bad request. */
class HttpError extends ExecLabError {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message, 2);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** application/json, with no charset or utf-8. */
function checkContentType(req: IncomingMessage): void {
  const header = req.headers['content-type'] ?? '';
  const [type, ...params] = header.split(';').map((p) => p.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (type !== 'application/json' || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    throw new HttpError(415, `content type '${header || 'none'}': expected application/json (UTF-8)`);
  }
}

/**
 * The body, or a 413 as soon as it is over `max` bytes (announced or received), or a 408 when it
 * has not arrived within `timeoutMs`. On 413 and 408 the connection is closed after the answer, so
 * the rest is never read.
 */
function readBody(req: IncomingMessage, max: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const announced = Number(req.headers['content-length']);
    const tooLarge = (): HttpError => new HttpError(413, `request body over ${max} bytes`, { connection: 'close' });
    if (Number.isFinite(announced) && announced > max) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err: Error | null, value = ''): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.removeListener('data', onData);
      if (err) {
        req.pause();
        reject(err);
      } else resolve(value);
    };
    const timer = setTimeout(() => finish(new HttpError(408, `request body not received within ${timeoutMs / 1000} s`, { connection: 'close' })), timeoutMs);
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > max) finish(tooLarge());
      else chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => finish(null, Buffer.concat(chunks).toString('utf8')));
    req.on('error', (err) => finish(err));
  });
}

/** Refuses JSON nested deeper than `max`, in one pass over the text (before JSON.parse walks it). */
export function checkJsonDepth(text: string, max: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) throw new ExecLabError(`request body is JSON nested deeper than ${max} levels (a request has 3)`, 2);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

export function createPolicyServer(rt: PolicyRuntime, limits: ServerLimits = {}): Server {
  const maxBody = limits.maxBodyBytes ?? 1 << 20;
  const bodyTimeout = limits.bodyTimeoutMs ?? 5000;
  const headersTimeout = limits.headersTimeoutMs ?? 5000;
  const server = createServer(
    {
      headersTimeout,
      // A backstop over the whole request (headers and body); the body's own timer answers first.
      requestTimeout: headersTimeout + bodyTimeout + 1000,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, headersTimeout / 4)),
    },
    (req, res) => {
      void (async () => {
        try {
          const route = (req.url ?? '').split('?')[0];
          if (route === '/health') {
            if (req.method !== 'GET') throw new HttpError(405, `${req.method ?? ''} /health: use GET`, { allow: 'GET' });
            return send(res, 200, { status: 'ok', policy: rt.policy.name, view: rt.policy.spec.view, actionMap: rt.policy.spec.actionMap, periods: rt.grid.periods });
          }
          if (route === '/decide') {
            if (req.method !== 'POST') throw new HttpError(405, `${req.method ?? ''} /decide: use POST`, { allow: 'POST' });
            checkContentType(req);
            const text = await readBody(req, maxBody, bodyTimeout);
            checkJsonDepth(text, MAX_JSON_DEPTH);
            let body: unknown;
            try {
              body = JSON.parse(text);
            } catch (err) {
              throw new ExecLabError(`request body is not JSON: ${(err as Error).message}`, 2);
            }
            return send(res, 200, decide(rt, body as never));
          }
          throw new HttpError(404, `no route ${req.method ?? ''} ${req.url ?? ''}; use GET /health or POST /decide`);
        } catch (err) {
          if (err instanceof HttpError) send(res, err.status, { error: err.message }, err.headers);
          else if (err instanceof ExecLabError) send(res, 400, { error: err.message });
          else send(res, 500, { error: `internal error: ${(err as Error).message}` });
        }
      })();
    },
  );
  return server;
}

/** The --port value: an integer from 0 (any free port) to 65535. */
export function parsePort(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new ExecLabError(`--port ${value}: expected an integer from 0 to 65535 (0 = any free port)`, 2);
  }
  return n;
}

/**
 * Starts listening; a port in use, a port not permitted or a host that cannot be listened on is an
 * ExecLabError with one line. Errors after start are written to stderr, one line each.
 */
export function listenPolicyServer(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const where = `port ${port} on ${host}`;
      const message =
        err.code === 'EADDRINUSE'
          ? `${where} is already in use: stop what listens there or choose another --port (0 = any free port)`
          : err.code === 'EACCES'
            ? `no permission to listen on ${where} (ports below 1024 need privileges): choose another --port`
            : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
              ? `cannot listen on host ${host} (${err.code}): give --host an address of this machine, e.g. 127.0.0.1`
              : `cannot listen on ${where}: ${err.message}`;
      reject(new ExecLabError(message, 2));
    };
    server.once('error', onError);
    try {
      server.listen(port, host, () => {
        server.removeListener('error', onError);
        server.on('error', (err) => process.stderr.write(`execlab serve: ${err.message}\n`));
        resolve();
      });
    } catch (err) {
      server.removeListener('error', onError);
      reject(new ExecLabError(`cannot listen on port ${port} on ${host}: ${(err as Error).message}`, 2));
    }
  });
}

/**
 * `execlab serve`: a trained student policy behind a small HTTP API (Node's own http module).
 *   GET  /health   -> { status, policy, view, actionMap, periods }
 *   POST /decide   -> Decision for a DecisionRequest (JSON); 400 with { error } on bad input
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ExecLabError } from '../errors.js';
import { decide, type PolicyRuntime } from './decide.js';

const MAX_BODY_BYTES = 4 << 20;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ExecLabError(`request body over ${MAX_BODY_BYTES} bytes`, 2));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function createPolicyServer(rt: PolicyRuntime): Server {
  return createServer((req, res) => {
    void (async () => {
      try {
        if (req.method === 'GET' && req.url === '/health') {
          return send(res, 200, { status: 'ok', policy: rt.policy.name, view: rt.policy.spec.view, actionMap: rt.policy.spec.actionMap, periods: rt.grid.periods });
        }
        if (req.method === 'POST' && req.url === '/decide') {
          let body: unknown;
          try {
            body = JSON.parse(await readBody(req));
          } catch (err) {
            if (err instanceof ExecLabError) throw err;
            throw new ExecLabError(`request body is not JSON: ${(err as Error).message}`, 2);
          }
          return send(res, 200, decide(rt, body as never));
        }
        send(res, 404, { error: `no route ${req.method ?? ''} ${req.url ?? ''}; use GET /health or POST /decide` });
      } catch (err) {
        if (err instanceof ExecLabError) send(res, 400, { error: err.message });
        else send(res, 500, { error: (err as Error).message });
      }
    })();
  });
}

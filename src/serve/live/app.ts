/**
 * The live execution API on Fastify with the zod type provider: the schemas of
 * src/serve/live/schemas.ts validate every request and generate /openapi.json.
 *
 *   POST   /executions             open an execution (201; 200 for a retry with the same clientOrderId)
 *   POST   /executions/:id/bars    new bars, in time order (a retried bar is counted once)
 *   POST   /executions/:id/fills   the broker's fills (a retried fill id is counted once)
 *   GET    /executions/:id/plan    the current period's child orders
 *   GET    /executions/:id         state, fills, decisions, PA against the running benchmark
 *   DELETE /executions/:id         cancel
 *   POST   /market/:date/instruments   the market feed: register the day's universe (a key with the feed right)
 *   DELETE /market/:date/instruments/:instrument   remove it (before ready) or halt it (after)
 *   POST   /market/:date/ready         fix the universe
 *   POST   /market/:date/bars          the universe's bars, each instrument's in time order
 *   GET    /market/:date               the feed's state
 *   GET    /health, /metrics, /openapi.json   (no key needed)
 *
 * The /executions routes need `Authorization: Bearer <key>`; an execution is visible only to the key
 * that opened it (404 for any other). Bad requests get a 4xx with `{ error }` and change nothing:
 * 413 for a body over the limit, 415 for another content type than JSON (UTF-8), 408 for a request
 * that does not arrive in time, 400 for invalid or too deeply nested JSON and invalid fields.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import fastifySwagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, jsonSchemaTransformObject, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { checkJsonDepth } from '../http-limits.js';
import { authenticate, KeyLookup } from './auth.js';
import { toJson } from './json.js';
import { ApiError } from './errors.js';
import { createMetrics } from './metrics.js';
import {
  AckSchema,
  BarsSchema,
  CreateExecutionSchema,
  ErrorSchema,
  ExecutionParams,
  ExecutionViewSchema,
  FillsSchema,
  MarketAckSchema,
  MarketBarsSchema,
  MarketDaySchema,
  MarketInstrumentParams,
  MarketInstrumentsSchema,
  MarketParams,
  PlanSchema,
} from './schemas.js';
import { ExecutionService, type ServedPolicy } from './service.js';
import type { ApiKeyRecord, ServiceStore } from './store.js';

export interface AppLimits {
  /** Largest request body (default 1 MB; a day of bars is about 30 KB). */
  readonly maxBodyBytes?: number;
  /** Time for a whole request (headers and body) to arrive (default 10 s); 408 after it. */
  readonly requestTimeoutMs?: number;
  /** Time for the headers to arrive (default 5 s, at most the request timeout). */
  readonly headersTimeoutMs?: number;
  /** Open connections at most (default 1024); more are refused when they connect. */
  readonly maxConnections?: number;
  /** Idle time of a kept-alive connection (default 72 s, as Fastify). */
  readonly keepAliveTimeoutMs?: number;
}

/** Which answered requests the service logs a line for (AppOptions.accessLog). */
export const ACCESS_LOGS = ['all', 'refused', 'none'] as const;
export type AccessLog = (typeof ACCESS_LOGS)[number];

export interface AppOptions extends AppLimits {
  readonly store: ServiceStore;
  readonly policies: readonly ServedPolicy[];
  /** pino level ('info' logs the access lines of `accessLog`), or 'silent'. */
  readonly logLevel?: string;
  /**
   * Which answered requests get an access line (at info): 'all', 'refused' (status 400 and above:
   * the default) or 'none'. Every request is counted and timed in /metrics whatever this is.
   */
  readonly accessLog?: AccessLog;
  /** Where the JSON log lines go (default stdout). */
  readonly logStream?: { write(line: string): void };
  readonly cachedExecutions?: number;
}

/** Deepest JSON nesting accepted (a request is 3 deep). */
const MAX_JSON_DEPTH = 16;

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 413: ErrorSchema, 415: ErrorSchema };

export async function createApp(options: AppOptions): Promise<{ app: FastifyInstance; service: ExecutionService }> {
  const requestTimeout = options.requestTimeoutMs ?? 10_000;
  const headersTimeout = Math.min(options.headersTimeoutMs ?? 5000, requestTimeout);
  const level = options.logLevel ?? 'info';
  // A line per answered request costs about 3.5 us of the event loop's time (pino's serialisation
  // and the buffered write), enough at 10,000 requests/s on two cores to move the p99 at 200
  // connections from under 10 ms to about 50 (docs/PERFORMANCE.md): so by default only refused
  // requests get one, and /metrics counts and times them all.
  const accessLog = options.accessLog ?? 'refused';
  const app = Fastify({
    bodyLimit: options.maxBodyBytes ?? 1 << 20,
    requestTimeout,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 72_000,
    http: { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.max(50, Math.min(1000, headersTimeout / 4)) },
    logger: level === 'silent' ? false : { level, ...(options.logStream ? { stream: options.logStream } : {}) },
    // One line per answered request instead of Fastify's two (see the onResponse hook).
    logController: new LogController({ disableRequestLogging: true }),
    clientErrorHandler: (err: Error & { code?: string }, socket: Socket) => clientError(err, socket, requestTimeout),
  });
  app.server.maxConnections = options.maxConnections ?? 1024;
  const metrics = createMetrics(() => options.store.openExecutions());
  const service = new ExecutionService(options.store, options.policies, {
    cachedExecutions: options.cachedExecutions,
    onDecision: (p) => metrics.decisions.inc({ policy: p }),
    onFeedBars: (n) => metrics.feedBars.inc(n),
    onFeedWait: (p) => metrics.feedWaits.inc({ policy: p }),
  });

  app.setValidatorCompiler(validatorCompiler);
  // Answers are built by the service from typed values (the type provider checks the handlers'
  // return types against the response schemas at compile time); re-validating each one with zod
  // cost about 35 us a plan, a third of the request's CPU time, so they are written as plain JSON.
  // The response schemas still document every answer in /openapi.json.
  // A decided plan's JSON is made once and reused (json.ts).
  app.setSerializerCompiler(() => toJson);
  // Only JSON bodies: any other type is a 415. The depth check runs before the (prototype-poisoning safe) default parser.
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1].toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return done(new ApiError(415, `content type charset '${charset}': expected UTF-8 JSON`), undefined);
    try {
      checkJsonDepth(body as string, MAX_JSON_DEPTH);
    } catch (err) {
      return done(new ApiError(400, (err as Error).message), undefined);
    }
    parseJson(req, body as string, done);
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof ApiError) return reply.code(err.statusCode).send({ error: err.message });
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.slice(0, 8).map((i) => `${i.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(whole)'}: ${i.message}`);
      return reply.code(400).send({ error: `invalid ${err.validationContext ?? 'request'}: ${issues.join('; ')}` });
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      const message = status === 413 ? `request body over ${options.maxBodyBytes ?? 1 << 20} bytes` : status === 415 ? `content type '${req.headers['content-type'] ?? 'none'}': expected application/json` : (err as Error).message;
      return reply.code(status).send({ error: message });
    }
    req.log.error({ err }, 'internal error');
    return reply.code(500).send({ error: 'internal error' });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}` }));

  // With the store's group commit, every answer waits until the changes of its turn are on disk:
  // its own, and those of any other request whose state it may show (a plan decided from a bar posted
  // in the same turn). A failed commit turns the answer into a 503: nothing of the turn was kept, and
  // the request may be retried.
  app.addHook('onSend', (req, _reply, payload, done) => {
    const pending = options.store.pending();
    if (pending === null) return done(null, payload);
    pending.then(
      () => done(null, payload),
      (err: Error) => {
        req.log.error({ err }, 'commit failed');
        done(new ApiError(503, 'the change was not stored (the database commit failed), nor anything else of this moment: retry the request'));
      },
    );
  });

  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    if (accessLog === 'all' || (accessLog === 'refused' && reply.statusCode >= 400)) {
      req.log.info({ method: req.method, route, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 1000) / 1000, key: keys.get(req)?.id }, 'answered');
    }
    done();
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'ExecLab live execution API', version: '1' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });

  const keys = new WeakMap<FastifyRequest, ApiKeyRecord>();
  const keyLookup = new KeyLookup(options.store);
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const keyOf = (req: FastifyRequest): ApiKeyRecord => keys.get(req)!;

  typed.get('/health', { schema: { hide: true } }, () => ({ status: 'ok', policies: service.policyIds() }));
  typed.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  typed.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  await app.register(async (api) => {
    // Authentication before the body is read: an unknown or revoked key learns nothing more.
    api.addHook('onRequest', (req, reply, done) => {
      const key = authenticate(options.store, req.headers.authorization, keyLookup);
      if (typeof key === 'string') return done(new ApiError(401, key));
      keys.set(req, key);
      done();
    });
    const r = api.withTypeProvider<ZodTypeProvider>();
    const security = [{ apiKey: [] }];
    r.post('/executions', { schema: { summary: 'Open an execution', security, body: CreateExecutionSchema, response: { 200: ExecutionViewSchema, 201: ExecutionViewSchema, ...errors } } }, (req, reply) => {
      const { created, view } = service.create(keyOf(req), req.body);
      reply.code(created ? 201 : 200);
      return view;
    });
    r.post('/executions/:id/bars', { schema: { summary: 'Post new bars, in time order', security, params: ExecutionParams, body: BarsSchema, response: { 200: AckSchema, ...errors } } }, (req) =>
      service.addBars(keyOf(req), req.params.id, req.body),
    );
    r.post('/executions/:id/fills', { schema: { summary: 'Report the broker\'s fills', security, params: ExecutionParams, body: FillsSchema, response: { 200: AckSchema, ...errors } } }, (req) =>
      service.addFills(keyOf(req), req.params.id, req.body),
    );
    r.get('/executions/:id/plan', { schema: { summary: 'The current period\'s child orders', security, params: ExecutionParams, response: { 200: PlanSchema, ...errors } } }, (req) =>
      service.plan(keyOf(req), req.params.id),
    );
    r.get('/executions/:id', { schema: { summary: 'State, fills, decisions and PA so far', security, params: ExecutionParams, response: { 200: ExecutionViewSchema, ...errors } } }, (req) =>
      service.view(keyOf(req), req.params.id),
    );
    r.delete('/executions/:id', { schema: { summary: 'Cancel an execution', security, params: ExecutionParams, response: { 200: ExecutionViewSchema, ...errors } } }, (req) =>
      service.cancel(keyOf(req), req.params.id),
    );
    r.post('/market/:date/instruments', { schema: { summary: 'Register instruments of the day\'s universe for the market feed', security, params: MarketParams, body: MarketInstrumentsSchema, response: { 200: MarketAckSchema, ...errors } } }, (req) =>
      service.addMarketInstruments(keyOf(req), req.params.date, req.body),
    );
    r.delete('/market/:date/instruments/:instrument', { schema: { summary: 'Take an instrument out: removed before the universe is fixed, halted after (no more bars; not waited for)', security, params: MarketInstrumentParams, response: { 200: MarketDaySchema, ...errors } } }, (req) =>
      service.removeMarketInstrument(keyOf(req), req.params.date, req.params.instrument),
    );
    r.post('/market/:date/ready', { schema: { summary: 'Fix the day\'s universe: the feed then takes bars', security, params: MarketParams, response: { 200: MarketDaySchema, ...errors } } }, (req) =>
      service.marketReady(keyOf(req), req.params.date),
    );
    r.post('/market/:date/bars', { schema: { summary: 'Post bars of the universe, each instrument\'s in time order', security, params: MarketParams, body: MarketBarsSchema, response: { 200: MarketAckSchema, ...errors } } }, (req) =>
      service.addMarketBars(keyOf(req), req.params.date, req.body),
    );
    r.get('/market/:date', { schema: { summary: 'The market feed\'s state for a day', security, params: MarketParams, response: { 200: MarketDaySchema, ...errors } } }, (req) => service.marketView(req.params.date));
  });
  await app.ready();
  return { app, service };
}

/** Answers what Node's HTTP parser refused (a request not in time, headers too large, malformed) with JSON, then closes. */
function clientError(err: Error & { code?: string }, socket: Socket, requestTimeoutMs: number): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, `request not received within ${requestTimeoutMs / 1000} s`]
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'request headers too large']
        : [400, `malformed HTTP request (${err.code ?? err.message})`];
  const body = JSON.stringify({ error: message });
  if (socket.writable) socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  socket.destroy();
}


/**
 * `execlab serve`: the live execution service (src/serve/live), and `execlab serve keys add|list|revoke`
 * for its API keys. Both read one SQLite file (--db), which the server keeps open; keys added or
 * revoked while it runs take effect at the next request.
 */
import type { Command } from 'commander';
import pino from 'pino';
import { z } from 'zod';
import { validateSettings } from '../../config/validate.js';
import { ExecLabError } from '../../errors.js';
import { loadPolicy } from '../../rl/common/policy-file.js';
import { policyRuntime } from '../../serve/decide.js';
import { listenError } from '../../serve/http-limits.js';
import { ACCESS_LOGS, createApp } from '../../serve/live/app.js';
import { addApiKey } from '../../serve/live/auth.js';
import type { ServedPolicy } from '../../serve/live/service.js';
import { SERVER_CHECKPOINT_EVERY_MS, ServiceStore } from '../../serve/live/store.js';
import { printable } from '../../util/text.js';
import { typedFlags, userSettings } from '../options.js';
import { addSchemaOptions } from '../schema-options.js';

const Db = z.string().min(1).default('execlab-serve.db').describe('the service database (SQLite; created when missing)');

export const ServeSchema = z
  .object({
    policy: z.array(z.string().min(1)).min(1).describe('policy files to serve, comma-separated, each FILE or ID=FILE (default id: the policy\'s name)'),
    db: Db,
    host: z.string().min(1).default('127.0.0.1').describe('interface to listen on (0.0.0.0 = every interface)'),
    port: z.int().min(0).max(65535).default(8080).describe('port (0 = any free port)'),
    minutesPerDay: z.int().positive().optional().describe('bars per trading day of the live data; default: each policy\'s own (another value is refused)'),
    maxBodyBytes: z.int().min(1024).max(64 << 20).default(1 << 20).describe('largest request body; 413 above it'),
    requestTimeoutMs: z.int().min(100).max(600_000).default(10_000).describe('time for a whole request to arrive; 408 after it'),
    headersTimeoutMs: z.int().min(100).max(600_000).default(5000).describe('time for the request headers to arrive'),
    maxConnections: z.int().min(1).max(1_000_000).default(1024).describe('open connections at most; more are refused'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('JSON log lines on stdout (info: the access lines of --access-log, errors and the service\'s notices)'),
    accessLog: z.enum(ACCESS_LOGS).default('refused').describe('which answered requests get a log line: all, refused (status 400 and above) or none; /metrics counts and times every request either way, and a line per request costs latency under load (docs/PERFORMANCE.md)'),
    sync: z.enum(['normal', 'full']).default('normal').describe('SQLite synchronous mode: normal survives a crash of the process, full also of the machine'),
  })
  .strict();

const KeysAddSchema = z
  .object({
    db: Db,
    policy: z.array(z.string().min(1)).default([]).describe('policy ids the key may run, comma-separated'),
    feed: z.boolean().default(false).describe('the key may also write the market feed (POST /market/...), which policies that read the market context need'),
    name: z.string().min(1).max(100).default('key').describe('a label for the key (who holds it)'),
  })
  .strict()
  .refine((s) => s.policy.length > 0 || s.feed, { message: 'give at least one --policy, or --feed', path: ['policy'] });
const KeysDbSchema = z.object({ db: Db }).strict();

/**
 * The settings of a `serve keys` subcommand. Its --db and --policy share their names with serve's, and
 * commander gives a parent the options it knows wherever they stand: take them back from there.
 */
function keysSettings(cmd: Command, schema: z.ZodObject): Record<string, unknown> {
  const serve = cmd.parent!.parent!;
  const inherited = Object.fromEntries(Object.entries(typedFlags(serve).values).filter(([k]) => k in schema.shape));
  return { ...inherited, ...userSettings(cmd) };
}

/** `FILE` or `ID=FILE` -> the served policy under its id. */
function servedPolicies(specs: readonly string[], minutesPerDay: number | undefined): ServedPolicy[] {
  const out = new Map<string, ServedPolicy>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const file = eq > 0 ? spec.slice(eq + 1) : spec;
    // Policies that read the market context take it from the server's market feed (POST /market/...).
    const rt = policyRuntime(loadPolicy(file), minutesPerDay, undefined, { marketFeed: true });
    const id = eq > 0 ? spec.slice(0, eq) : rt.policy.name;
    if (out.has(id)) throw new ExecLabError(`--policy: two policies with the id '${id}': name them ID=FILE`, 2);
    out.set(id, { id, rt });
  }
  return [...out.values()];
}

export function registerServeCommand(program: Command): void {
  const serve = program
    .command('serve')
    .summary('serve trained student policies as a live execution service')
    .description(
      'The live execution service over HTTP (JSON): open an execution for an order, post bars and fills as they arrive, GET the current period\'s child orders; state in a SQLite file that survives a crash. Policies that read the market (or peer) context get the day\'s cross-section from the service\'s market feed (POST /market/:date/...), written with a key made by execlab serve keys add --feed. Requests need an API key (execlab serve keys add). GET /openapi.json describes the API; GET /metrics has Prometheus metrics. See README "Deploying a policy" and docs/SERVE.md.',
    )
    .option('--config <file>', 'YAML or JSON file with any of these settings, keys in camelCase (flags win)');
  addSchemaOptions(serve, ServeSchema);
  serve.action(async function (this: Command) {
    const s = validateSettings(ServeSchema, userSettings(this), 'serve settings');
    const policies = servedPolicies(s.policy, s.minutesPerDay);
    // Group commit: the changes of one turn of the event loop in one transaction, every answer held
    // until it commits (src/serve/live/store.ts).
    const store = new ServiceStore(s.db, s.sync, { groupCommit: true, checkpointEveryMs: SERVER_CHECKPOINT_EVERY_MS });
    // Log lines are buffered and written asynchronously, 4 KB or more at a time: one write system
    // call per request cost about a tenth of a request's time. What is acknowledged is in SQLite
    // first; a kill -9 may lose the last few log lines, never state. Flushed when the server stops.
    const logStream = s.logLevel === 'silent' ? undefined : pino.destination({ dest: 1, sync: false, minLength: 4096 });
    const { app } = await createApp({ store, policies, logLevel: s.logLevel, accessLog: s.accessLog, logStream, maxBodyBytes: s.maxBodyBytes, requestTimeoutMs: s.requestTimeoutMs, headersTimeoutMs: s.headersTimeoutMs, maxConnections: s.maxConnections });
    try {
      await app.listen({ port: s.port, host: s.host });
    } catch (err) {
      await app.close();
      store.close();
      throw listenError(err as NodeJS.ErrnoException, s.port, s.host);
    }
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : s.port;
    process.stderr.write(printable(`serving ${policies.map((p) => p.id).join(', ')} on http://${s.host}:${port} (state in ${s.db}); Ctrl-C to stop\n`, true));
    await new Promise<void>((resolve) => {
      const stop = (): void => void app.close().then(() => (store.close(), logStream?.flushSync(), resolve()));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  });

  const keys = serve.command('keys').description('API keys of the service: add, list, revoke (stored hashed in --db)');
  const add = keys.command('add').description('Make an API key for some policies and/or (--feed) for writing the market feed; prints it once (only its hash is stored).').option('--config <file>', 'YAML or JSON settings file');
  addSchemaOptions(add, KeysAddSchema);
  add.action(function (this: Command) {
    const s = validateSettings(KeysAddSchema, keysSettings(this, KeysAddSchema), 'keys add settings');
    const store = new ServiceStore(s.db);
    try {
      const { id, key } = addApiKey(store, s.name, s.policy, new Date(), s.feed);
      const may = [...s.policy, ...(s.feed ? ['the market feed'] : [])].join(', ');
      process.stdout.write(printable(`key ${id} (${s.name}) for ${may}:\n${key}\n`, true));
      process.stderr.write('store it now: it is not shown again\n');
    } finally {
      store.close();
    }
  });
  const list = keys.command('list').description('List the keys (id, name, policies, created, revoked); never the keys themselves.').option('--config <file>', 'YAML or JSON settings file');
  addSchemaOptions(list, KeysDbSchema);
  list.action(function (this: Command) {
    const s = validateSettings(KeysDbSchema, keysSettings(this, KeysDbSchema), 'keys list settings');
    const store = new ServiceStore(s.db);
    try {
      const rows = store.keys();
      if (rows.length === 0) process.stdout.write(`no keys in ${s.db}\n`);
      for (const k of rows) process.stdout.write(printable(`${k.id}\t${k.name}\t${[...k.policies, ...(k.feed ? ['(feed)'] : [])].join(',')}\tcreated ${k.createdAt}\t${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}\n`, true));
    } finally {
      store.close();
    }
  });
  const revoke = keys.command('revoke').description('Revoke a key by its id: its requests get 401 from now on.').argument('<id>', 'the key\'s id (execlab serve keys list)').option('--config <file>', 'YAML or JSON settings file');
  addSchemaOptions(revoke, KeysDbSchema);
  revoke.action(function (this: Command, idText: string) {
    const s = validateSettings(KeysDbSchema, keysSettings(this, KeysDbSchema), 'keys revoke settings');
    const id = Number(idText);
    if (!Number.isInteger(id) || id < 1) throw new ExecLabError(`key id '${idText}': expected a positive integer (execlab serve keys list shows the ids)`, 2);
    const store = new ServiceStore(s.db);
    try {
      const changed = store.revokeKey(id, new Date().toISOString());
      process.stdout.write(changed ? `revoked key ${id}\n` : `key ${id} was already revoked\n`);
    } finally {
      store.close();
    }
  });
}

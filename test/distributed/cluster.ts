/**
 * The Redis and the worker processes the distributed tests run against. EXECLAB_TEST_REDIS names a
 * Redis (redis://127.0.0.1:6390; .ci/run starts one); without it the tests are skipped, except under
 * CI=true, where a missing Redis fails them. Each test file takes its own database number, so that
 * files running at once never share a queue.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, expect } from 'vitest';

export const REDIS = process.env.EXECLAB_TEST_REDIS ?? '';
export const SKIP = REDIS === '' && process.env.CI !== 'true';

/** The test Redis's URL for database `db`, emptied first; fails when there is no Redis under CI. */
export async function redisDb(db: number): Promise<string> {
  expect(REDIS, 'EXECLAB_TEST_REDIS must name the test Redis (CI=true: the distributed tests may not be skipped)').not.toBe('');
  const url = `${REDIS.replace(/\/\d+$/, '')}/${db}`;
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  await r.flushdb();
  r.disconnect();
  return url;
}

const BIN = fileURLToPath(new URL('../../bin/execlab.js', import.meta.url));

export interface WorkerProcess {
  readonly child: ChildProcess;
  log(): string;
  /** Resolves when the log matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

const started: ChildProcess[] = [];
afterAll(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** `execlab worker` as its own process (the built CLI), its output collected. */
export function spawnWorker(url: string, dataRoot: string, lockSeconds = 5): WorkerProcess {
  const child = spawn(process.execPath, [BIN, 'worker', '--redis', url, '--data-root', dataRoot, '--lock-seconds', String(lockSeconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let text = '';
  child.stdout!.on('data', (b: Buffer) => (text += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (text += b.toString()));
  const w: WorkerProcess = {
    child,
    log: () => text,
    waitFor: (pattern, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const t0 = Date.now();
        const poll = (): void => {
          if (pattern.test(text)) return resolve();
          if (Date.now() - t0 > timeoutMs) return reject(new Error(`worker log never matched ${pattern}:\n${text}`));
          setTimeout(poll, 50);
        };
        poll();
      }),
  };
  return w;
}

/** Stops workers with SIGTERM and waits for them to exit. */
export async function stopWorkers(workers: readonly WorkerProcess[]): Promise<void> {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
          w.child.once('exit', () => resolve());
          w.child.kill('SIGTERM');
        }),
    ),
  );
}

/** A report's numbers: results.json without what names the run (time, command, output directory, executor). */
export function reportNumbers(results: Record<string, unknown>): Record<string, unknown> {
  const { generatedAt: _g, command: _c, settings, ...rest } = results as { generatedAt: unknown; command: unknown; settings: Record<string, unknown> } & Record<string, unknown>;
  const { reproduce, environment: _e, ...otherSettings } = settings as { reproduce: Record<string, unknown>; environment: unknown };
  const { out: _o, workers: _w, ...reproduceSettings } = reproduce;
  return { ...rest, settings: { ...otherSettings, reproduce: reproduceSettings } };
}

export interface RedisProcess {
  readonly url: string;
  /** SHUTDOWN (the append-only file is flushed), a pause, and the same server started again. */
  restart(pauseMs?: number): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A private redis-server on loopback with append-only persistence in `dir`. */
export async function spawnRedis(dir: string): Promise<RedisProcess> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess;
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir], { stdio: 'ignore' });
    started.push(child);
    for (let k = 0; k < 100; k++) {
      const r = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
      r.on('error', () => {});
      try {
        await r.connect();
        await r.ping();
        return;
      } catch {
        await new Promise((res) => setTimeout(res, 50));
      } finally {
        r.disconnect();
      }
    }
    throw new Error(`redis-server on port ${port} did not start`);
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise((res) => child.once('exit', res));
    child.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url,
    stop,
    async restart(pauseMs = 1500) {
      await stop();
      await new Promise((res) => setTimeout(res, pauseMs));
      await start();
    },
  };
}

/**
 * The Redis connection every distributed part shares: one validated URL, a client that reconnects
 * forever (a restarted Redis is waited for, not an error), and the BullMQ queue's name.
 */
import { Redis } from 'ioredis';
import { ExecLabError } from '../errors.js';

/** The one queue every job goes through; workers take any kind of job from it. */
export const QUEUE_NAME = 'execlab';

/** Checks a `redis://host:port[/db]` (or `rediss://`) URL once, at the boundary. */
export function checkRedisUrl(url: string, where = '--redis'): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ExecLabError(`${where}: got '${url}', expected a URL like redis://host:6379`, 2);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ExecLabError(`${where}: got '${url}', expected the redis:// or rediss:// scheme`, 2);
  }
  return url;
}

/**
 * A client for the artifact store and the coordinator's polling. Commands issued while Redis is away
 * wait in the offline queue until it is back (retried every second at most), so a restarted Redis
 * delays the run instead of failing it.
 */
export function redisClient(url: string, log: (line: string) => void = () => {}): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(1000, 50 * times),
  });
  client.on('error', onlyEvery(5000, (err: Error) => log(`redis ${url}: ${err.message} (retrying)`)));
  return client;
}

/** `f`, called at most once per `ms` (the same connection error repeats while Redis is away). */
export function onlyEvery<A extends unknown[]>(ms: number, f: (...args: A) => void): (...args: A) => void {
  let last = -Infinity;
  return (...args) => {
    const now = Date.now();
    if (now - last < ms) return;
    last = now;
    f(...args);
  };
}

/** BullMQ's connection options for the same URL (its classes create their own connections). */
export function bullConnection(url: string): { url: string; maxRetriesPerRequest: null; retryStrategy: (times: number) => number } {
  return { url, maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(1000, 50 * times) };
}

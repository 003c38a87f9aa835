/**
 * API keys. A key is 32 random bytes shown once when it is made; the store keeps only its SHA-256
 * (a key has 256 bits of entropy, so a fast hash is enough: nobody can guess one to test against the
 * hash, and the lookup per request stays in microseconds). Each key names the policies it may run,
 * and whether it may write the market feed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ExecLabError } from '../../errors.js';
import type { ApiKeyRecord, ServiceStore } from './store.js';

const PREFIX = 'xlk_';

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * Makes a key for `policies` and, with `feed`, the right to write the market feed (at least one of
 * the two), and stores its hash; returns the key, shown only now.
 */
export function addApiKey(store: ServiceStore, name: string, policies: readonly string[], now: Date = new Date(), feed = false): { id: number; key: string } {
  if (policies.length === 0 && !feed) throw new ExecLabError('a key needs at least one --policy it may use, or --feed', 2);
  const key = PREFIX + randomBytes(32).toString('base64url');
  const id = store.addKey(name, hashKey(key), [...new Set(policies)], now.toISOString(), feed);
  return { id, key };
}

/** The active key an Authorization header (`Bearer <key>`) names, or why there is none. */
export function authenticate(store: ServiceStore, header: string | undefined, keys: KeyLookup | null = null): ApiKeyRecord | string {
  if (!header) return 'no API key: send Authorization: Bearer <key> (execlab serve keys add makes one)';
  const m = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(header);
  if (!m) return 'Authorization must be "Bearer <key>"';
  const key = keys ? keys.find(m[1]) : store.keyByHash(hashKey(m[1]));
  if (!key) return 'unknown API key';
  if (key.revokedAt !== null) return `API key ${key.id} was revoked at ${key.revokedAt}`;
  return key;
}

/**
 * Key lookups remembered between requests: a known key costs a comparison of the store's keys
 * version instead of a hash and a query. Any change to the keys empties the cache before the next
 * lookup: a key added or revoked through the same store at once, and another process's commit (a
 * `serve keys revoke`, seen through SQLite's data_version) from the next turn of the event loop on.
 * The data_version is read once per turn, not per request (2.4 us a read, and 6 to 8% of the server's
 * profile samples under load); the requests of one turn arrived together. Unknown keys are not remembered;
 * at most `capacity` known ones are.
 */
export class KeyLookup {
  private readonly cache = new Map<string, ApiKeyRecord>();
  private version: string;
  /** The data_version read in this turn of the event loop, or null before the turn's first lookup. */
  private turnDataVersion: number | null = null;

  constructor(
    private readonly store: ServiceStore,
    private readonly capacity = 10_000,
  ) {
    this.version = this.currentVersion();
  }

  find(key: string): ApiKeyRecord | null {
    const now = this.currentVersion();
    if (now !== this.version) {
      this.cache.clear();
      this.version = now;
    }
    const cached = this.cache.get(key);
    if (cached) return cached;
    const found = this.store.keyByHash(hashKey(key));
    if (found) {
      if (this.cache.size >= this.capacity) this.cache.clear();
      this.cache.set(key, found);
    }
    return found;
  }

  private currentVersion(): string {
    if (this.turnDataVersion === null) {
      this.turnDataVersion = this.store.dataVersion();
      setImmediate(() => {
        this.turnDataVersion = null;
      }).unref();
    }
    return `${this.turnDataVersion}:${this.store.keyWrites}`;
  }
}

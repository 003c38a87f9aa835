/**
 * The artifact store: policy files, checkpoints, metrics logs and per-order results kept in Redis,
 * so that workers need no shared file system. Keys are named by what determines the content (a
 * training's cache key, a file's sha256), so the same artifact written twice is the same value.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

const PREFIX = 'execlab:artifact:';

/** Artifacts expire a month after they were last written (a finished run has copied what it needs). */
const TTL_SECONDS = 30 * 24 * 3600;

export class ArtifactStore {
  constructor(private readonly redis: Redis) {}

  async get(key: string): Promise<Buffer | null> {
    return this.redis.getBuffer(PREFIX + key);
  }

  async has(key: string): Promise<boolean> {
    return (await this.redis.exists(PREFIX + key)) === 1;
  }

  /** Writes several artifacts at once: a reader sees all of them or none (MULTI). */
  async put(entries: ReadonlyArray<readonly [string, Buffer | string]>): Promise<void> {
    const tx = this.redis.multi();
    for (const [key, value] of entries) tx.set(PREFIX + key, value, 'EX', TTL_SECONDS);
    const results = await tx.exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw new Error(`artifact store: writing ${entries.map(([k]) => k).join(', ')} failed: ${failed?.[0]?.message ?? 'transaction aborted'}`);
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.redis.del(...keys.map((k) => PREFIX + k));
  }

  /** Stores a file's content under its sha256 (once) and returns the key. */
  async putContent(kind: string, content: Buffer): Promise<string> {
    const key = `${kind}/${createHash('sha256').update(content).digest('hex')}`;
    if (!(await this.has(key))) await this.put([[key, content]]);
    return key;
  }
}

/** The artifact keys of one training: its cache key names them (src/reproduce/tasks.ts). */
export function trainingKeys(cacheKey: string): { policy: string; checkpoint: string; metrics: string } {
  return { policy: `train/${cacheKey}/policy.json`, checkpoint: `train/${cacheKey}/checkpoint.json`, metrics: `train/${cacheKey}/metrics.jsonl` };
}

/**
 * Temporaries that a killed run left next to its output: `<out>.tmp-<pid>` (the output being
 * written), `<out>.rows-tmp-<pid>` (rows spilled by an import) and `<out>.old-<pid>` (the previous
 * output, renamed aside while the new one is swapped in). A later run to the same output removes
 * those whose process is gone; those of a live process (another run writing the same output) are
 * left alone.
 */
import { existsSync, lstatSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isWithin, realPathOf } from './output-dir.js';

const TEMPORARY = /^\.(tmp|rows-tmp|old)-(\d+)$/;

/** Whether process `pid` exists (signal 0: ESRCH means there is none; EPERM means it exists but is not ours). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Bytes of the files under `path` (symlinks not followed). */
export function sizeOf(path: string): number {
  const st = lstatSync(path);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const name of readdirSync(path)) total += sizeOf(join(path, name));
  return total;
}

export interface StaleCleanup {
  /** Paths removed. */
  readonly removed: readonly string[];
  /** Bytes they held. */
  readonly bytes: number;
  /** The previous output put back from `<out>.old-<pid>` (a run killed between the two renames of its swap), or null. */
  readonly restored: string | null;
}

/**
 * Removes the temporaries of dead processes next to `target` (an absolute, resolved output path).
 * Paths that are, contain or lie inside one of `protect` (the inputs) are never touched. When
 * `target` does not exist but a dead run's `<target>.old-<pid>` does, that is the previous output:
 * it is renamed back instead of removed.
 */
export function removeStaleTemporaries(target: string, protect: readonly string[] = []): StaleCleanup {
  const dir = dirname(target);
  const base = basename(target);
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return { removed: [], bytes: 0, restored: null };
  }
  const kept = protect.map(realPathOf);
  const removed: string[] = [];
  let bytes = 0;
  let restored: string | null = null;
  for (const name of names) {
    if (!name.startsWith(base)) continue;
    const m = TEMPORARY.exec(name.slice(base.length));
    if (!m || pidAlive(Number(m[2]))) continue;
    const path = join(dir, name);
    if (kept.some((p) => isWithin(p, path) || isWithin(path, p))) continue;
    if (m[1] === 'old' && restored === null && !existsSync(target)) {
      renameSync(path, target);
      restored = path;
      continue;
    }
    bytes += sizeOf(path);
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  }
  return { removed, bytes, restored };
}

/** One line for the user, or null when nothing was done. */
export function describeCleanup(c: StaleCleanup): string | null {
  const parts: string[] = [];
  if (c.restored !== null) parts.push(`restored the previous output from ${basename(c.restored)} (a run was killed while replacing it)`);
  if (c.removed.length > 0) {
    const n = c.removed.length;
    parts.push(`removed ${n} ${n === 1 ? 'temporary' : 'temporaries'} of killed runs (${(c.bytes / 1e6).toFixed(1)} MB): ${c.removed.map((p) => basename(p)).join(', ')}`);
  }
  return parts.length > 0 ? parts.join('; ') : null;
}

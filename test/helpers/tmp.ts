/** A temporary root for one test file, removed after its tests, and numbered subdirectories of it. */
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export function tempDirs(prefix: string): { root: string; tmp: (name: string) => string } {
  // The real path: some tests compare paths after resolving symlinks (a tmpdir may be one).
  const root = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let seq = 0;
  const tmp = (name: string): string => {
    const d = join(root, `${seq++}-${name}`);
    mkdirSync(d, { recursive: true });
    return d;
  };
  return { root, tmp };
}

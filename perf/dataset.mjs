/** The dataset a benchmark runs on: the given directory, else a synthetic market in a temp dir. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary directory removed when the process exits. */
export function benchTempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'execlab-bench-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function benchDataset(repo, dir) {
  if (dir && existsSync(join(dir, 'meta.json'))) return dir;
  const { generateSyntheticMarket } = await import(join(repo, 'dist', 'synth', 'market.js'));
  const { synthParams } = await import(join(repo, 'dist', 'synth', 'params.js'));
  const out = join(benchTempDir(), 'synthetic');
  generateSyntheticMarket(synthParams({}), out);
  return out;
}

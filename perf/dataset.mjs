/** The dataset a benchmark runs on: the given directory, else a synthetic market in a temp dir. */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function benchDataset(repo, dir) {
  if (dir && existsSync(join(dir, 'meta.json'))) return dir;
  const { generateSyntheticMarket } = await import(join(repo, 'dist', 'synth', 'market.js'));
  const { synthParams } = await import(join(repo, 'dist', 'synth', 'params.js'));
  const out = join(mkdtempSync(join(tmpdir(), 'execlab-bench-')), 'synthetic');
  generateSyntheticMarket(synthParams({}), out);
  return out;
}

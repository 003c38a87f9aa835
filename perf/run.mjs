#!/usr/bin/env node
/**
 * `npm run bench`: runs every benchmark in its own process and prints one summary of the BENCH lines.
 * The A-share numbers need data/raw/ashare-1min in the repository (gitignored) (or EXECLAB_IMPORT_DATA);
 * without it those benchmarks fall back to the synthetic market or report that they were skipped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDataset, benchTempDir } from './dataset.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const ashare = resolve(process.env.EXECLAB_IMPORT_DATA ?? join(repo, 'data', 'raw', 'ashare-1min'));

function run(script, args = [], env = {}) {
  process.stderr.write(`\n== ${script} ${args.join(' ')} ${JSON.stringify(env)}\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, script), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20, env: { ...process.env, ...env } });
  process.stderr.write(r.stdout);
  const line = r.stdout.split('\n').reverse().find((l) => l.startsWith('BENCH '));
  return line ? JSON.parse(line.slice(6)) : { name: script, failed: true, status: r.status };
}

const results = [];
results.push(run('import.bench.mjs'));
// The dataset of the simulator and training benchmarks: the processed A-share sample, else the
// synthetic market; in a temporary directory removed when this process exits.
let dataset;
if (existsSync(ashare)) {
  dataset = join(benchTempDir(), 'ashare');
  const { importBars } = await import(join(repo, 'dist', 'data', 'import', 'importer.js'));
  await importBars({ inputs: [ashare], out: dataset });
} else {
  dataset = await benchDataset(repo, null);
}
const TRAIN_ITERATIONS = '10';
results.push(run('sim.bench.mjs', [dataset]));
results.push(run('net.bench.mjs'));
// The episode-shared step against another build in the same process (perf/step-ab.mjs), when
// EXECLAB_BENCH_BEFORE names that build's dist/ (with ':old' for one from before src/nn).
if (process.env.EXECLAB_BENCH_BEFORE) results.push(run('step-ab.mjs', [`before=${process.env.EXECLAB_BENCH_BEFORE}`, `after=${join(repo, 'dist')}`]));
results.push(run('inference.bench.mjs'));
results.push(run('train.bench.mjs', [dataset, TRAIN_ITERATIONS]));
results.push(run('train.bench.mjs', [dataset, TRAIN_ITERATIONS], { EXECLAB_BENCH_THREADS: '2' }));
// The live execution service under load (autocannon; about 70 s): `node perf/serve.bench.mjs [seconds]` alone.
results.push(run('serve.bench.mjs'));
console.log('\nSUMMARY');
for (const r of results) console.log(JSON.stringify(r));

#!/usr/bin/env node
/**
 * Wall time of one sweep with 1, 2 and 3 local workers (`execlab worker`, one job at a time each) on
 * a Redis given by EXECLAB_BENCH_REDIS (redis://127.0.0.1:6390; database 3 is emptied), against the
 * same sweep in one process. Prints per-job times from the workers' logs and the coordinator's
 * overhead (wall time with one worker minus the sum of its jobs' times), from which the wall time on
 * more machines is computed. Not part of `npm run bench` (it needs a Redis); run after `npm run build`:
 *   EXECLAB_BENCH_REDIS=redis://127.0.0.1:6390 node perf/distributed-scaling.mjs [workers...]
 */
import { spawn, spawnSync } from 'node:child_process';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchTempDir } from './dataset.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(here, '..', 'bin', 'execlab.js');
const base = process.env.EXECLAB_BENCH_REDIS;
if (!base) throw new Error('set EXECLAB_BENCH_REDIS=redis://host:port');
const url = `${base.replace(/\/\d+$/, '')}/3`;
const counts = process.argv.slice(2).map(Number);
const dir = benchTempDir();
const data = join(dir, 'data', 'bench');
const cli = (...args) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`execlab ${args.join(' ')}: ${r.stderr}`);
  return r;
};
cli('data', 'synth', '--out', data, '--instruments', '20', '--days', '40', '--validation-days', '5', '--test-days', '5', '--quiet');
spawnSync('redis-cli', ['-u', url, 'flushdb']);
const sweep = ['sweep', '--data', data, '--method', 'OPD-S', '--seeds', '2', '--grid', 'learningRate=1e-3,3e-3;entropyCoef=0,0.01', '--quick', '--hidden', '32'];

function timed(args) {
  const t0 = Date.now();
  cli(...args);
  return (Date.now() - t0) / 1000;
}

const rows = [];
const local = timed([...sweep, '--out', join(dir, 'local'), '--workers', '1']);
rows.push({ run: 'one process, 1 training thread', seconds: local });
for (const n of counts.length ? counts : [1, 2, 3]) {
  spawnSync('redis-cli', ['-u', url, 'flushdb']);
  const logs = [];
  const workers = Array.from({ length: n }, (_, k) => {
    const w = spawn(process.execPath, [bin, 'worker', '--redis', url, '--data-root', join(dir, 'data')], { stdio: ['ignore', 'ignore', 'pipe'] });
    logs[k] = '';
    w.stderr.on('data', (b) => (logs[k] += b.toString()));
    return w;
  });
  await new Promise((r) => setTimeout(r, 1500));
  const seconds = timed([...sweep, '--out', join(dir, `w${n}`), '--redis', url]);
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
  // Per-job times: from 'started' to 'finished' lines of each job.
  const jobs = [];
  for (const log of logs) {
    const started = new Map();
    for (const line of log.split('\n')) {
      const m = /^(\S+) worker \S+: (started|finished) (\S+)/.exec(line);
      if (!m) continue;
      if (m[2] === 'started') started.set(m[3], Date.parse(m[1]));
      else jobs.push((Date.parse(m[1]) - started.get(m[3])) / 1000);
    }
  }
  const busy = jobs.reduce((a, b) => a + b, 0);
  rows.push({ run: `${n} worker(s)`, seconds, jobs: jobs.length, jobSecondsSum: busy, jobSecondsMax: Math.max(...jobs), overhead: n === 1 ? seconds - busy : undefined });
}
process.stdout.write(`BENCH ${JSON.stringify({ name: 'distributed sweep', rows })}\n`);

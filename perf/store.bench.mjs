#!/usr/bin/env node
/**
 * The live service's store alone: the bar posts of whole executions through `ServiceStore` with
 * group commit (one bar per request, K requests per commit, over 4,000 open executions; 240,000
 * requests), in microseconds per request. Compares store versions: point it at another build's root
 * (a git worktree with `npx tsc -p tsconfig.build.json` run in it).
 *
 *   npm run build && node perf/store.bench.mjs [root of a build, default this repository]
 *   K=1 node perf/store.bench.mjs   # requests per commit (default 12)
 *
 * Then it reopens the file and reads 200 of the executions back one by one, and (schema 3) every
 * open one in one pass over the bar log, as a restart rebuilds them.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
const { ServiceStore } = await import(join(root, 'dist', 'serve', 'live', 'store.js'));
const EXECUTIONS = 4000;
const HORIZON = 240;
const K = Number(process.env.K ?? 12);
const TURNS = Math.round(240_000 / K);
const dir = mkdtempSync(join(tmpdir(), 'execlab-store-bench-'));
try {
  const store = new ServiceStore(join(dir, 'service.db'), 'normal', { groupCommit: true });
  const keyId = store.addKey('bench', 'hash', ['p'], new Date(0).toISOString());
  const ids = [];
  for (let e = 0; e < EXECUTIONS; e++) {
    const id = `exec-${e.toString(36).padStart(4, '0')}-${'x'.repeat(26)}`;
    const header = { id, keyId, policy: 'p', policyIntegrity: 'i'.repeat(64), instrument: 'I', side: 'sell', quantity: 1000, date: '2025-01-02', previousClose: 10, meanMinuteVolume: 100, previousDaySummary: new Float32Array(16), createdAt: new Date(0).toISOString() };
    store.transaction(() => store.addExecution(header, HORIZON, null, 'h'.repeat(64)));
    ids.push(id);
  }
  await store.pending();
  const next = new Int32Array(EXECUTIONS);
  let seed = 1;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
  const bar = { open: 10, high: 10.1, low: 9.9, close: 10, avgPrice: 10, volume: 100 };
  let requests = 0;
  const t0 = process.hrtime.bigint();
  for (let t = 0; t < TURNS; t++) {
    for (let j = 0; j < K; j++) {
      const e = Math.floor(random() * EXECUTIONS);
      if (next[e] >= HORIZON) continue;
      // A schema-1 store ignores the horizon argument.
      store.transaction(() => store.addBars(ids[e], next[e], [bar], HORIZON));
      next[e]++;
      requests++;
    }
    await store.pending();
  }
  const us = Number(process.hrtime.bigint() - t0) / 1000 / requests;
  store.close();
  // What a restart pays: rebuilding executions from the file (every one of them was open, and the
  // bars of all 4,000 interleave), READS of them, reopened store.
  const again = new ServiceStore(join(dir, 'service.db'), 'normal', { groupCommit: true });
  const READS = 200;
  let bars = 0;
  const r0 = process.hrtime.bigint();
  for (let k = 0; k < READS; k++) bars += again.execution(ids[(k * 7919) % EXECUTIONS]).bars.length;
  const readMs = Number(process.hrtime.bigint() - r0) / 1e6 / READS;
  // ... and all the open ones in one pass, as a restart does (a schema-2 store has no such pass).
  let passMs = null;
  if (typeof again.openStoredExecutions === 'function') {
    const p0 = process.hrtime.bigint();
    const open = again.openStoredExecutions(10_000).length;
    passMs = `${(Number(process.hrtime.bigint() - p0) / 1e6).toFixed(0)} ms for all ${open} open ones`;
  }
  again.close();
  console.log(
    `store ${root}: ${us.toFixed(2)} us per bar post (${requests} posts, ${K} per commit; database ${(statSync(join(dir, 'service.db')).size / 1e6).toFixed(1)} MB); ` +
      `reading an execution back: ${readMs.toFixed(3)} ms (${READS} reads, ${(bars / READS).toFixed(0)} bars each)${passMs ? `; in one pass: ${passMs}` : ''}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

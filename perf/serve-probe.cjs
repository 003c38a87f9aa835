// Loaded into the server by perf/serve.bench.mjs when EXECLAB_BENCH_SERVE_PROBE=1 (node --require):
// times every SQLite COMMIT (the group commits) and every garbage-collection pause, samples the
// event loop's delay, and prints a summary on stderr when the server exits (lines starting PROBE).
const { monitorEventLoopDelay, PerformanceObserver, performance } = require('node:perf_hooks');
const Database = require('better-sqlite3');

const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
let commits = 0;
let commitMs = 0;
const slowCommits = [];
const slowGc = [];
const exec = Database.prototype.exec;
Database.prototype.exec = function (sql) {
  const t = performance.now();
  try {
    return exec.call(this, sql);
  } finally {
    if (sql === 'COMMIT') {
      const d = performance.now() - t;
      commits++;
      commitMs += d;
      if (d > 2) slowCommits.push(d);
    }
  }
};
// Stalls of the event loop over 50 ms, with when they happened (ms since the epoch), so that they can
// be set beside the bench's phases (it prints them with the probe on).
const stalls = [];
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  if (now - last > 50) stalls.push(`${Date.now()}:${(now - last).toFixed(0)}`);
  last = now;
}, 5).unref();
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.duration > 2) slowGc.push(e.duration);
}).observe({ entryTypes: ['gc'] });
process.on('exit', () => {
  loop.disable();
  const ms = (ns) => (ns / 1e6).toFixed(2);
  const top = (xs) => xs.sort((a, b) => b - a).slice(0, 5).map((x) => x.toFixed(1)).join(', ');
  process.stderr.write(`PROBE commits ${commits}, mean ${(commitMs / Math.max(1, commits)).toFixed(3)} ms, ${slowCommits.length} over 2 ms (longest ${top(slowCommits)})\n`);
  process.stderr.write(`PROBE garbage-collection pauses over 2 ms: ${slowGc.length} (longest ${top(slowGc)})\n`);
  process.stderr.write(`PROBE event-loop stalls over 50 ms (epoch ms:ms): ${stalls.join(' ') || 'none'}\n`);
  process.stderr.write(`PROBE event-loop delay p50 ${ms(loop.percentile(50))}, p99 ${ms(loop.percentile(99))}, max ${ms(loop.max)} ms\n`);
});

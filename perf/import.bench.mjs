#!/usr/bin/env node
/**
 * Benchmark of `execlab data import` on the A-share sample minute bars (7 gzipped CSV days,
 * ~5.2 million rows): import time, rows per second, peak resident memory, and the time to load the
 * processed dataset back (open + loadDay for every day).
 *
 *   npm run build && node perf/import.bench.mjs [DATA_DIR]
 *
 * DATA_DIR defaults to $EXECLAB_IMPORT_DATA, else data/raw/ashare-1min in the repository (gitignored).
 * The last line printed is `BENCH {json}` for perf/run.mjs to collect.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(process.argv[2] ?? process.env.EXECLAB_IMPORT_DATA ?? join(repo, 'data', 'raw', 'ashare-1min'));
const dist = join(repo, 'dist');

function bench(result) {
  process.stdout.write(`BENCH ${JSON.stringify({ name: 'data-import', ...result })}\n`);
}

if (!existsSync(join(dist, 'data', 'import', 'importer.js'))) {
  process.stderr.write('dist/ is missing: run `npm run build` first\n');
  process.exitCode = 1;
} else if (!existsSync(dataDir)) {
  process.stdout.write(`skipped: no data at ${dataDir}\n`);
  bench({ skipped: true, reason: `no data at ${dataDir}` });
} else {
  const { importBars } = await import(join(dist, 'data', 'import', 'importer.js'));
  const { DatasetStore } = await import(join(dist, 'data', 'store.js'));
  const out = join(mkdtempSync(join(tmpdir(), 'execlab-import-bench-')), 'ashare');
  try {
    const t0 = performance.now();
    const r = await importBars({ inputs: [dataDir], out });
    const seconds = (performance.now() - t0) / 1000;
    const peakRssMB = process.resourceUsage().maxRSS / 1024; // maxRSS is in kilobytes

    const t1 = performance.now();
    const store = new DatasetStore(out);
    let bars = 0;
    for (const date of store.meta.dates) bars += store.loadDay(date).bars.close.length;
    const loadSeconds = (performance.now() - t1) / 1000;

    const result = {
      files: r.files.length,
      rows: r.rows.read,
      days: r.meta.dates.length,
      instruments: r.meta.instruments.length,
      seconds: Number(seconds.toFixed(3)),
      rowsPerSecond: Math.round(r.rows.read / seconds),
      peakRssMB: Math.round(peakRssMB),
      loadSeconds: Number(loadSeconds.toFixed(3)),
      loadedBars: bars,
      cores: cpus().length,
      node: process.version,
    };
    process.stdout.write(
      `import: ${result.files} files, ${result.rows.toLocaleString('en-US')} rows in ${seconds.toFixed(2)} s ` +
        `(${(result.rowsPerSecond / 1e6).toFixed(2)} M rows/s), peak RSS ${result.peakRssMB} MB\n` +
        `load:   open + loadDay for ${result.days} days (${result.instruments} instruments) in ${loadSeconds.toFixed(3)} s\n`,
    );
    bench(result);
  } finally {
    rmSync(dirname(out), { recursive: true, force: true });
  }
}

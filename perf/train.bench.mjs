#!/usr/bin/env node
/**
 * A short PPO training run on a whole dataset: wall time per iteration and the process's peak memory.
 *
 *   npm run build && node perf/train.bench.mjs [DATASET_DIR] [ITERATIONS (default 10)]
 *
 * EXECLAB_BENCH_THREADS=2 steps the rollouts on 2 threads and computes each minibatch gradient on 2
 * network replicas (worker threads): execlab train --threads 2 --gradient-replicas 2.
 * DATASET_DIR defaults to $EXECLAB_BENCH_DATASET, else a synthetic market generated into a temp dir.
 * The last line printed is `BENCH {json}`.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDataset } from './dataset.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const d = (p) => import(join(repo, 'dist', p));
const { openDataset } = await d('data/store.js');
const { OrderSettingsSchema } = await d('data/orders.js');
const { DEFAULT_SIM_SETTINGS } = await d('sim/settings.js');
const { prepareTrainingData, trainPolicy } = await d('rl/train.js');
const { PpoSettingsSchema } = await d('rl/ppo/settings.js');

const iterations = Number(process.argv[3] ?? 10);
const dir = await benchDataset(repo, process.argv[2] ?? process.env.EXECLAB_BENCH_DATASET);
const store = openDataset(dir);
const t0 = performance.now();
const data = prepareTrainingData(store, DEFAULT_SIM_SETTINGS, OrderSettingsSchema.parse({}));
const prepSeconds = (performance.now() - t0) / 1000;
const settings = PpoSettingsSchema.parse({ iterations, episodesPerIteration: 1024, validateEvery: iterations, patience: 100 });
const t1 = performance.now();
const threads = Number(process.env.EXECLAB_BENCH_THREADS ?? 1);
await trainPolicy(data, DEFAULT_SIM_SETTINGS, { algo: 'ppo', name: 'bench', settings }, { outDir: null, threads, replicas: threads });
const trainSeconds = (performance.now() - t1) / 1000;
const T = data.train.grid.periods;
const result = {
  name: 'training',
  threads,
  dataset: store.meta.name,
  trainOrders: data.train.count,
  validationOrders: data.validation.count,
  prepareSeconds: +prepSeconds.toFixed(2),
  secondsPerIteration: +(trainSeconds / iterations).toFixed(2),
  // transitions through forward+backward+Adam per second (epochs x episodes x periods), collection included
  updateTransitionsPerSecond: Math.round((settings.epochs * settings.episodesPerIteration * T * iterations) / trainSeconds),
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
};
console.log(`${result.trainOrders} training orders (${result.dataset}); ${result.secondsPerIteration} s per iteration of 1024 episodes x ${settings.epochs} epochs; peak RSS ${result.peakRssMB} MB`);
console.log(`BENCH ${JSON.stringify(result)}`);

#!/usr/bin/env node
/**
 * Simulator and backtest speed, after the dataset is loaded:
 *  - a TWAP backtest of one order per instrument-day of a dataset (orders per second), and
 *  - the batched environment alone stepping random actions (order-periods per second, one core).
 *
 *   npm run build && node perf/sim.bench.mjs [DATASET_DIR]
 *
 * DATASET_DIR defaults to $EXECLAB_BENCH_DATASET, else a synthetic market generated into a temp dir.
 * The last line printed is `BENCH {json}`.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDataset } from './dataset.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const d = (p) => import(join(repo, 'dist', p));
const { openDataset } = await d('data/store.js');
const { generateOrders, OrderSettingsSchema } = await d('data/orders.js');
const { buildEpisodes } = await d('sim/episodes.js');
const { ExecutionEnv } = await d('sim/env.js');
const { DEFAULT_SIM_SETTINGS } = await d('sim/settings.js');
const { runStrategy } = await d('eval/run.js');
const { createTwap } = await d('strategies/twap.js');
const { Rng } = await d('util/random.js');

const dir = await benchDataset(repo, process.argv[2] ?? process.env.EXECLAB_BENCH_DATASET);
const store = openDataset(dir);
const sim = DEFAULT_SIM_SETTINGS;
const orders = generateOrders(store, store.datesOf('all'), OrderSettingsSchema.parse({}));
const t0 = performance.now();
const { episodes } = buildEpisodes(store, orders, sim);
const buildSeconds = (performance.now() - t0) / 1000;

function best(fn, rounds = 7) {
  let b = Infinity;
  for (let r = 0; r < rounds; r++) {
    const s = performance.now();
    fn();
    b = Math.min(b, (performance.now() - s) / 1000);
  }
  return b;
}

const twapSeconds = best(() => runStrategy(createTwap(), episodes, sim));
const env = new ExecutionEnv(episodes, sim);
const rng = new Rng(1);
const map = sim.actionMap;
const choices = Array.from({ length: 64 }, () => Float64Array.from({ length: env.n }, () => map[rng.int(map.length)]));
let k = 0;
const stepSeconds = best(() => {
  env.reset();
  while (!env.done) env.step(choices[k++ % choices.length]);
});
const result = {
  name: 'simulator',
  dataset: store.meta.name,
  orders: episodes.count,
  episodeBuildSeconds: +buildSeconds.toFixed(3),
  twapBacktestOrdersPerSecond: Math.round(episodes.count / twapSeconds),
  envOrderPeriodsPerSecond: Math.round((episodes.count * env.periods) / stepSeconds),
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
};
console.log(`${result.orders} orders (${result.dataset}); episodes built in ${result.episodeBuildSeconds} s`);
console.log(`TWAP backtest: ${result.twapBacktestOrdersPerSecond.toLocaleString()} orders/s`);
console.log(`environment alone: ${result.envOrderPeriodsPerSecond.toLocaleString()} order-periods/s (one core)`);
console.log(`BENCH ${JSON.stringify(result)}`);

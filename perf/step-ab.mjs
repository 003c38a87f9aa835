// The episode-shared PPO step (the paper's network, 128 episodes x 8 decisions, forward + backward +
// Adam, one thread) of several builds in one process, alternated in short rounds of CPU time, so that
// a shared machine's drift moves every build alike. The ratio against the first build is taken within
// each round; the median of those ratios is printed. For the before/after comparisons of
// docs/PERFORMANCE.md, with each build's dist/ made by `npm run build` in a worktree of its own:
//   node perf/step-ab.mjs before=/tmp/before/dist:old after=dist [--rounds 30]
// (`EXECLAB_BENCH_BEFORE=/tmp/before/dist:old npm run bench` runs it against this checkout's dist/.)
// ':old' marks a build from before src/nn existed (the network under dist/rl/common/net).
// Each build loads its own kernels; builds with relaxed SIMD set V8's flag for it themselves.
import { NET_CONFIG, TRANSITIONS, episodeSharedBatch, ppoRowsOf, ppoStep } from './net-shapes.mjs';

const args = process.argv.slice(2);
const at = args.indexOf('--rounds');
const ROUNDS = at >= 0 ? Number(args.splice(at, 2)[1]) : 20;
const SECONDS = 0.25;

async function load(spec) {
  const eq = spec.indexOf('=');
  if (eq < 1) throw new Error(`expected label=dist[:old], got '${spec}'`);
  const label = spec.slice(0, eq);
  const [dist, layout] = spec.slice(eq + 1).split(':');
  const base = new URL(dist.endsWith('/') ? dist : `${dist}/`, `file://${process.cwd()}/`).href;
  const nn = layout === 'old' ? `${base}rl/common/net/` : `${base}nn/`;
  const { ActorCritic } = await import(`${nn}network.js`);
  const { Adam, clipGradNorm } = await import(layout === 'old' ? `${base}rl/common/adam.js` : `${nn}adam.js`);
  const { ppoLoss } = await import(`${base}rl/common/losses.js`);
  const { Rng } = await import(`${base}util/random.js`);
  const rng = new Rng(1);
  const net = ActorCritic.create(NET_CONFIG, rng);
  const batch = episodeSharedBatch(rng);
  const rows = ppoRowsOf(rng, TRANSITIONS);
  const adam = new Adam(net.size, { lr: 1e-4 });
  const step = () => ppoStep({ ppoLoss, clipGradNorm }, net, batch, rows, adam);
  for (let i = 0; i < 100; i++) step(); // the JIT's warm-up
  return { label, step, rates: [] };
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

if (args.length < 2) throw new Error('give at least two builds: label=dist[:old] label=dist');
const builds = [];
for (const spec of args) builds.push(await load(spec));
for (let r = 0; r < ROUNDS; r++) {
  for (const b of builds) {
    const c0 = cpuSeconds();
    let n = 0;
    while (cpuSeconds() - c0 < SECONDS) (b.step(), n++);
    b.rates.push((TRANSITIONS * n) / (cpuSeconds() - c0));
  }
}
for (const b of builds) console.log(`${b.label}: median ${Math.round(median(b.rates))} transitions/s per CPU-second, best ${Math.round(Math.max(...b.rates))} (${ROUNDS} rounds)`);
const [first, ...rest] = builds;
const summary = { name: 'step-ab', rounds: ROUNDS, medianRates: {}, medianRatios: {} };
for (const b of builds) summary.medianRates[b.label] = Math.round(median(b.rates));
for (const b of rest) {
  const ratios = b.rates.map((x, r) => x / first.rates[r]);
  summary.medianRatios[`${b.label}/${first.label}`] = Number(median(ratios).toFixed(3));
  console.log(`${b.label} / ${first.label}: median of the round ratios ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)} to ${Math.max(...ratios).toFixed(2)})`);
}
console.log(`BENCH ${JSON.stringify(summary)}`);

// Throughput of the hand-written network (docs/NETWORK.md), on the paper's shape: pubIn 18, privIn 2,
// H 64, trunk 128-64-32, 5 actions, 9 steps, 1024 transitions per minibatch. Single thread.
// Run after `npm run build`: node perf/net.bench.mjs [--seconds 3]
// Rates are per second of this process's CPU time (user + system), best of 5 rounds: on a busy shared
// machine that is a far steadier measure of one thread's speed than wall time. Median rounds and
// wall-time rates are printed as well.
// When Debian's python3-torch is installed (and EXECLAB_TORCH is not 0), it also runs the PyTorch
// reference of the same network and loss (perf/torch_reference.py, per-transition, one thread) in the
// same process tree and prints the ratios; EXECLAB_PYTHON names the interpreter (default
// /usr/bin/python3, Debian's). Give PyTorch an optimised BLAS (Debian's libopenblas0-pthread): with
// the reference BLAS it runs about 10x slower.
import { ActorCritic } from '../dist/nn/network.js';
import { Adam, clipGradNorm } from '../dist/nn/adam.js';
import { ppoLoss } from '../dist/rl/common/losses.js';
import { DataParallel } from '../dist/rl/common/data-parallel.js';
import { kernelBackend } from '../dist/nn/kernels.js';
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { kernelMemory } from '../dist/nn/memory.js';
import { Rng } from '../dist/util/random.js';
import { DECISIONS, NET_CONFIG, PPO_COEFFS, TRANSITIONS, batchOf, normals as normalsOf, ppoRowsOf, ppoStep } from './net-shapes.mjs';

const argSeconds = process.argv.indexOf('--seconds');
const SECONDS = argSeconds > 0 ? Number(process.argv[argSeconds + 1]) : 3;
const CFG = NET_CONFIG;
const rng = new Rng(1);
const net = ActorCritic.create(CFG, rng);
const normals = (n) => normalsOf(rng, n);
const batch = (episodes, readsOf) => batchOf(rng, episodes, readsOf);
const ppoRows = (R) => ppoRowsOf(rng, R);
const coeffs = PPO_COEFFS;

function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Runs fn in ROUNDS rounds of SECONDS / ROUNDS CPU-seconds each and keeps the fastest round (other jobs
 * on a shared machine only ever slow a round down); also returns the median round.
 */
const ROUNDS = 5;
function timeIt(fn) {
  for (let i = 0; i < 3; i++) fn();
  const perRound = [];
  let best = null;
  for (let r = 0; r < ROUNDS; r++) {
    let iters = 0;
    const c0 = cpuSeconds();
    const w0 = performance.now();
    let dc = 0;
    do {
      fn();
      iters++;
      dc = cpuSeconds() - c0;
    } while (dc < SECONDS / ROUNDS);
    const round = { iters, seconds: dc, wall: (performance.now() - w0) / 1000 };
    perRound.push(round.iters / round.seconds);
    if (best === null || round.iters / round.seconds > best.iters / best.seconds) best = round;
  }
  perRound.sort((x, y) => x - y);
  return { ...best, medianRate: perRound[Math.floor(ROUNDS / 2)] };
}

const medianRates = {};
const wallRates = {};

const trainStep = (b, rows, adam) => ppoStep({ ppoLoss, clipGradNorm }, net, b, rows, adam);

const results = {};
console.log(`matrix kernels: ${kernelBackend()} (EXECLAB_KERNELS=js|wasm selects)`);
console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')} (rates below per CPU-second, best of ${ROUNDS} rounds)`);
const adam = new Adam(net.size, { lr: 1e-4 });

// (a) per-transition recompute: 1024 sequences, each read once at its own step.
{
  const b = batch(TRANSITIONS, (i) => [1 + (i % DECISIONS)]);
  const rows = ppoRows(TRANSITIONS);
  const r = timeIt(() => trainStep(b, rows, adam));
  results.perTransitionTrain = (TRANSITIONS * r.iters) / r.seconds;
  wallRates.perTransitionTrain = (TRANSITIONS * r.iters) / r.wall;
  medianRates.perTransitionTrain = TRANSITIONS * r.medianRate;
  console.log(`(a) per-transition recompute, forward+backward+Adam: ${results.perTransitionTrain.toFixed(0)} transitions/s (${((1000 * r.seconds) / r.iters).toFixed(1)} ms / minibatch of ${TRANSITIONS})`);
}

// (b) episode-shared: 128 episodes x 8 read points.
const episodes = TRANSITIONS / DECISIONS;
const shared = batch(episodes, () => Array.from({ length: DECISIONS }, (_, t) => t + 1));
{
  const rows = ppoRows(TRANSITIONS);
  const r = timeIt(() => trainStep(shared, rows, adam));
  results.episodeSharedTrain = (TRANSITIONS * r.iters) / r.seconds;
  wallRates.episodeSharedTrain = (TRANSITIONS * r.iters) / r.wall;
  medianRates.episodeSharedTrain = TRANSITIONS * r.medianRate;
  console.log(`(b) episode-shared (${episodes} x ${DECISIONS}), forward+backward+Adam: ${results.episodeSharedTrain.toFixed(0)} transitions/s (${((1000 * r.seconds) / r.iters).toFixed(1)} ms / minibatch)`);
}

// (c) forward only, episode-shared and per-transition.
{
  const r = timeIt(() => net.forward(shared));
  results.episodeSharedForward = (TRANSITIONS * r.iters) / r.seconds;
  wallRates.episodeSharedForward = (TRANSITIONS * r.iters) / r.wall;
  medianRates.episodeSharedForward = TRANSITIONS * r.medianRate;
  const b = batch(TRANSITIONS, (i) => [1 + (i % DECISIONS)]);
  const r2 = timeIt(() => net.forward(b));
  results.perTransitionForward = (TRANSITIONS * r2.iters) / r2.seconds;
  wallRates.perTransitionForward = (TRANSITIONS * r2.iters) / r2.wall;
  medianRates.perTransitionForward = TRANSITIONS * r2.medianRate;
  console.log(`(c) forward only: episode-shared ${results.episodeSharedForward.toFixed(0)} transitions/s, per-transition ${results.perTransitionForward.toFixed(0)} transitions/s`);
}

// (d) inference: one GRU step of each branch + trunk and heads per decision, B = 1024 environments.
{
  const B = 1024;
  const session = net.inference(B);
  const xp = normals(B * CFG.pubIn);
  const xq = normals(B * CFG.privIn);
  const logits = new Float32Array(B * CFG.actions);
  const values = new Float32Array(B);
  const r = timeIt(() => {
    session.stepPublic(xp);
    session.stepPrivate(xq);
    session.heads(logits, values);
  });
  results.inferenceDecisions = (B * r.iters) / r.seconds;
  wallRates.inferenceDecisions = (B * r.iters) / r.wall;
  medianRates.inferenceDecisions = B * r.medianRate;
  console.log(`(d) inference, B = ${B}: ${results.inferenceDecisions.toFixed(0)} decisions/s (${((1000 * r.seconds) / r.iters).toFixed(2)} ms / step of ${B})`);
}

// (e) data-parallel episode-shared training: the calling thread + 1 worker thread (2 replicas), wall time.
{
  const pool = new DataParallel(net, { workers: 1 });
  const rows = ppoRows(TRANSITIONS);
  const step = async () => {
    await pool.ppoGradient(shared, rows, coeffs, net.grad);
    clipGradNorm(net.grad, 0.5);
    adam.step(net.params, net.grad);
  };
  // The worker thread starts cold: give its JIT time to optimise before measuring.
  for (let i = 0; i < 20; i++) await step();
  let bestRate = 0;
  for (let r = 0; r < ROUNDS; r++) {
    let iters = 0;
    const w0 = performance.now();
    while (performance.now() - w0 < (SECONDS / ROUNDS) * 1000) {
      await step();
      iters++;
    }
    bestRate = Math.max(bestRate, iters / ((performance.now() - w0) / 1000));
  }
  results.episodeSharedTrainParallel2 = TRANSITIONS * bestRate;
  console.log(
    `(e) episode-shared, data-parallel (${pool.replicas} replicas), forward+backward+Adam: ${results.episodeSharedTrainParallel2.toFixed(0)} transitions/s, wall time, best round ` +
      `(single thread: ${results.episodeSharedTrain.toFixed(0)} per CPU-second, ${wallRates.episodeSharedTrain.toFixed(0)} wall)`,
  );
  await pool.close();
}

// Arithmetic per decision batch, to express the rates as GFLOP/s.
{
  const H = CFG.hidden;
  const branchStep = (inDim) => 2 * (inDim * H + 2 * H * 3 * H);
  const trunk = 2 * (2 * H * 64 + 64 * 32 + 32 * (CFG.actions + 1));
  const perDecision = branchStep(CFG.pubIn) + branchStep(CFG.privIn) + trunk;
  results.inferenceGflops = (results.inferenceDecisions * perDecision) / 1e9;
  console.log(`    inference arithmetic: ${(perDecision / 1e3).toFixed(0)} kFLOP / decision = ${results.inferenceGflops.toFixed(2)} GFLOP/s`);
  // A training step: forward and backward products of both branches (sequences run to their last read
  // step; no product at step 0, where h = 0) and of the trunk and heads, 2 FLOP per multiply-add.
  const trainFlops = (lens, R) => {
    const rows = lens.reduce((a, b) => a + b, 0);
    const rec = rows - lens.filter((l) => l > 0).length;
    const branch = (inDim) => rows * inDim * H + rows * H * 3 * H + rec * H * 3 * H + 2 * rec * H * 3 * H + 2 * rows * H * 3 * H + inDim * rows * H;
    const heads = 2 * H * 64 + 64 * 32 + 32 * (CFG.actions + 1);
    return 2 * (branch(CFG.pubIn) + branch(CFG.privIn) + 3 * R * heads);
  };
  const perTransitionLens = Array.from({ length: TRANSITIONS }, (_, i) => 2 + (i % DECISIONS));
  const sharedLens = Array.from({ length: TRANSITIONS / DECISIONS }, () => DECISIONS + 1);
  results.perTransitionGflops = (results.perTransitionTrain / TRANSITIONS) * trainFlops(perTransitionLens, TRANSITIONS) / 1e9;
  results.episodeSharedGflops = (results.episodeSharedTrain / TRANSITIONS) * trainFlops(sharedLens, TRANSITIONS) / 1e9;
  console.log(
    `    training arithmetic: ${(trainFlops(sharedLens, TRANSITIONS) / 1e6).toFixed(0)} MFLOP / episode-shared minibatch = ${results.episodeSharedGflops.toFixed(2)} GFLOP/s, ` +
      `${(trainFlops(perTransitionLens, TRANSITIONS) / 1e6).toFixed(0)} MFLOP / per-transition minibatch = ${results.perTransitionGflops.toFixed(2)} GFLOP/s`,
  );
}

// (f) the PyTorch reference, per-transition (every sequence all 9 steps), one thread, if installed.
{
  const python = process.env.EXECLAB_PYTHON ?? '/usr/bin/python3';
  const has = process.env.EXECLAB_TORCH !== '0' && spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  if (!has) {
    console.log(`(f) PyTorch comparison skipped: ${python} cannot import torch (apt-get install python3-torch libopenblas0-pthread)`);
  } else {
    const script = fileURLToPath(new URL('./torch_reference.py', import.meta.url));
    const r = spawnSync(python, [script, '--bench', '--threads', '1', '--reps', '30'], {
      encoding: 'utf8',
      timeout: 600_000,
      env: { ...process.env, REF_B: String(TRANSITIONS), OMP_NUM_THREADS: '1' },
    });
    const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('{'));
    if (!line) {
      console.log(`(f) PyTorch comparison failed: ${r.stderr?.trim().split('\n').pop() ?? r.error?.message}`);
    } else {
      const t = JSON.parse(line);
      const best = TRANSITIONS / (t.train_min / 1000);
      results.torch = { version: t.torch, trainMedian: Math.round(t.train_sps), trainBest: Math.round(best), forwardMedian: Math.round(t.fwd_sps) };
      results.perTransitionVsTorch = +(results.perTransitionTrain / best).toFixed(2);
      results.episodeSharedVsTorch = +(results.episodeSharedTrain / best).toFixed(2);
      console.log(
        `(f) PyTorch ${t.torch}, 1 thread, per-transition forward+backward+Adam: ${Math.round(best)} transitions/s best step (${Math.round(t.train_sps)} median, wall time); ` +
          `ExecLab per-transition ${results.perTransitionVsTorch}x, episode-shared ${results.episodeSharedVsTorch}x that`,
      );
    }
  }
}

results.kernelMemoryMB = +(kernelMemory().used / 2 ** 20).toFixed(1);
results.peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(`    memory: kernel memory ${results.kernelMemoryMB} MB (parameters, gradients, activations), peak RSS ${results.peakRssMB} MB`);
console.log(
  `    per-transition ${results.perTransitionTrain.toFixed(0)} | episode-shared ${results.episodeSharedTrain.toFixed(0)} transitions/s (one thread) | inference ${results.inferenceDecisions.toFixed(0)} decisions/s`,
);
console.log(`    wall-time rates: ${Object.entries(wallRates).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
console.log(`    median rounds: ${Object.entries(medianRates).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
results.median = Object.fromEntries(Object.entries(medianRates).map(([k, v]) => [k, Math.round(v)]));
results.wall = Object.fromEntries(Object.entries(wallRates).map(([k, v]) => [k, Math.round(v)]));
results.loadAverage1m = Number(loadavg()[0].toFixed(2));
results.node = process.version;
results.kernels = kernelBackend();
results.seconds = SECONDS;
console.log(`BENCH ${JSON.stringify(results)}`);

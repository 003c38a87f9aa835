#!/usr/bin/env node
/**
 * Batched inference of the paper's network (pubIn 18, privIn 2, H 64, 5 actions) for 1024
 * environments: one step of each GRU plus the heads per decision, on one thread and split over two
 * (ParallelInferenceSession). Best of several rounds of wall time. The last line is `BENCH {json}`.
 *
 *   npm run build && node perf/inference.bench.mjs
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { ActorCritic } = await import(join(repo, 'dist', 'nn', 'network.js'));
const { ParallelInferenceSession } = await import(join(repo, 'dist', 'nn', 'parallel-inference.js'));
const { Rng } = await import(join(repo, 'dist', 'util', 'random.js'));

const B = 1024;
const net = ActorCritic.create({ pubIn: 18, privIn: 2, hidden: 64, mlp: [64, 32], actions: 5 }, new Rng(1));
const rng = new Rng(2);
const pub = Float32Array.from({ length: B * 18 }, () => rng.normal());
const priv = Float32Array.from({ length: B * 2 }, () => rng.uniform());
const logits = new Float32Array(B * 5);
const values = new Float32Array(B);

function rate(session, rounds = 7, steps = 40) {
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    session.resetAll();
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) {
      session.stepPublic(pub);
      session.stepPrivate(priv);
      session.heads(logits, values);
    }
    best = Math.max(best, (B * steps) / ((performance.now() - t0) / 1000));
  }
  return best;
}

const one = rate(net.inference(B));
const par = new ParallelInferenceSession(net, B, 9);
const two = rate(par);
par.close();
console.log(`inference, ${B} environments: ${Math.round(one).toLocaleString()} decisions/s on one thread, ${Math.round(two).toLocaleString()} on two`);
console.log(`BENCH ${JSON.stringify({ name: 'inference', environments: B, oneThread: Math.round(one), twoThreads: Math.round(two) })}`);

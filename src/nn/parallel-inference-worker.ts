/** Worker of ParallelInferenceSession: steps its slice of the environments when woken. */
import { workerData } from 'node:worker_threads';
import { ActorCritic } from './network.js';
import { InferenceCommand, type InferenceWorkerInit } from './parallel-inference.js';

const init = workerData as InferenceWorkerInit;
const c = init.config;
const ctrl = new Int32Array(init.ctrl);
const shared = new Float32Array(init.params);
const net = ActorCritic.fromParams(c, shared);
const session = net.inference(init.rows);
const f = init.from;
const n = init.rows;
const pub = new Float32Array(init.pub).subarray(f * c.pubIn, (f + n) * c.pubIn);
const priv = new Float32Array(init.priv).subarray(f * c.privIn, (f + n) * c.privIn);
const seq = new Float32Array(init.seq).subarray(f * init.maxSteps * c.pubIn, (f + n) * init.maxSteps * c.pubIn);
const logits = new Float32Array(init.logits).subarray(f * c.actions, (f + n) * c.actions);
const values = new Float32Array(init.values).subarray(f, f + n);

for (;;) {
  Atomics.wait(ctrl, 0, InferenceCommand.Idle);
  const cmd = Atomics.load(ctrl, 0) as InferenceCommand;
  if (cmd === InferenceCommand.Exit) break;
  switch (cmd) {
    case InferenceCommand.StepPublic:
      session.stepPublic(pub);
      break;
    case InferenceCommand.StepPrivate:
      session.stepPrivate(priv);
      break;
    case InferenceCommand.Heads:
      session.heads(logits, values);
      break;
    case InferenceCommand.Reset:
      session.resetAll();
      break;
    case InferenceCommand.Sync:
      net.params.set(shared);
      break;
    case InferenceCommand.Encode:
      session.encodePublic(seq, init.maxSteps);
      break;
  }
  Atomics.store(ctrl, 0, InferenceCommand.Idle);
  Atomics.store(ctrl, 1, 1);
  Atomics.notify(ctrl, 1);
}

/**
 * The worker side of DataParallel (data-parallel.ts): a replica of the network in this thread's kernel
 * memory; for each task it copies in the shared parameters, runs forward, the loss and backward on its
 * share of the minibatch and copies its gradient into its own shared slot.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { computeShare, type ShareTask, type WorkerInit } from './data-parallel.js';
import { ActorCritic } from '../../nn/network.js';

const init = workerData as WorkerInit;
const shared = new Float32Array(init.params);
const net = ActorCritic.fromParams(init.config, shared);
const grad = new Float32Array(init.grad);

parentPort!.on('message', (task: ShareTask) => {
  try {
    net.params.set(shared);
    const stats = computeShare(net, task, net.grad);
    grad.set(net.grad);
    parentPort!.postMessage({ ok: true, stats });
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});

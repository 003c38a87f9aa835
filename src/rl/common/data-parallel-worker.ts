/**
 * The worker side of DataParallel (parallel.ts): a replica of the network over the shared parameter
 * vector; for each task it runs forward, the loss and backward on its share of the minibatch and writes
 * its gradient into its own shared slot.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { computeShare, type ShareTask, type WorkerInit } from './data-parallel.js';
import { ActorCritic } from '../../nn/network.js';

const init = workerData as WorkerInit;
const net = ActorCritic.wrap(init.config, new Float32Array(init.params));
const grad = new Float32Array(init.grad);

parentPort!.on('message', (task: ShareTask) => {
  try {
    const stats = computeShare(net, task, grad);
    parentPort!.postMessage({ ok: true, stats });
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});

/** Worker-thread entry: runs one training task and reports progress to the parent. */
import { parentPort, workerData } from 'node:worker_threads';
import { runTask, type TrainTask } from './tasks.js';

const { task, teacherPath } = workerData as { task: TrainTask; teacherPath: string | null };
try {
  await runTask(task, teacherPath, (done, total, status) => parentPort!.postMessage({ type: 'progress', done, total, status }));
  parentPort!.postMessage({ type: 'done' });
} catch (err) {
  parentPort!.postMessage({ type: 'error', message: (err as Error).message, stack: (err as Error).stack });
}

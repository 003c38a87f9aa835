/**
 * Runs training tasks with their dependencies (OPD after its teacher), up to `workers` at a time in
 * worker threads (one per core: the networks are single-threaded), or one by one in this thread when
 * workers = 0.
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { ExecLabError } from '../errors.js';
import { isDone, policyPath, runTask, type TrainTask } from './tasks.js';

export interface TaskProgress {
  (taskId: string, done: number, total: number, status: string): void;
}

function teacherPathOf(task: TrainTask, byId: Map<string, TrainTask>): string | null {
  if (!task.teacher) return null;
  const t = byId.get(task.teacher.taskId);
  if (!t) throw new ExecLabError(`task ${task.id} needs ${task.teacher.taskId}, which is not scheduled`);
  return policyPath(t);
}

export async function runTasks(tasks: readonly TrainTask[], workers: number, onProgress: TaskProgress): Promise<void> {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const pending = tasks.filter((t) => !isDone(t));
  for (const t of tasks) if (isDone(t)) onProgress(t.id, t.iterations, t.iterations, 'cached');
  if (workers === 0) {
    // Dependencies come first in `tasks` order; run in a valid order anyway.
    const done = new Set(tasks.filter(isDone).map((t) => t.id));
    while (pending.length > 0) {
      const k = pending.findIndex((t) => t.dependsOn.every((d) => done.has(d)));
      if (k < 0) throw new ExecLabError(`unsatisfiable task dependencies: ${pending.map((t) => t.id).join(', ')}`);
      const [task] = pending.splice(k, 1);
      await runTask(task, teacherPathOf(task, byId), (d, n, s) => onProgress(task.id, d, n, s ?? ''));
      onProgress(task.id, task.iterations, task.iterations, 'done');
      done.add(task.id);
    }
    return;
  }
  const workerUrl = new URL('./worker.js', import.meta.url);
  if (!existsSync(workerUrl)) throw new ExecLabError('worker script missing (run the built CLI, or use workers = 0)');
  await new Promise<void>((resolve, reject) => {
    const done = new Set(tasks.filter(isDone).map((t) => t.id));
    const running = new Set<string>();
    let failed = false;
    const launch = (): void => {
      if (failed) return;
      if (pending.length === 0 && running.size === 0) return resolve();
      while (running.size < workers) {
        const k = pending.findIndex((t) => t.dependsOn.every((d) => done.has(d)));
        if (k < 0) break;
        const [task] = pending.splice(k, 1);
        running.add(task.id);
        const w = new Worker(workerUrl, { workerData: { task, teacherPath: teacherPathOf(task, byId) } });
        w.on('message', (m: { type: string; done?: number; total?: number; status?: string; message?: string }) => {
          if (m.type === 'progress') onProgress(task.id, m.done!, m.total!, m.status ?? '');
          else if (m.type === 'done') {
            onProgress(task.id, task.iterations, task.iterations, 'done');
            running.delete(task.id);
            done.add(task.id);
            launch();
          } else if (m.type === 'error') {
            failed = true;
            reject(new ExecLabError(`training ${task.id} failed: ${m.message ?? 'unknown error'}`));
          }
        });
        w.on('error', (err) => {
          failed = true;
          reject(new ExecLabError(`training ${task.id} crashed: ${err.message}`));
        });
      }
      if (running.size === 0 && pending.length > 0) {
        failed = true;
        reject(new ExecLabError(`unsatisfiable task dependencies: ${pending.map((t) => t.id).join(', ')}`));
      }
    };
    launch();
  });
}

/**
 * The service store's WAL checkpointer, a worker thread with its own connection to the database
 * (store.ts starts it for the server). SQLite's automatic checkpoint runs inside the commit that
 * crosses its threshold, on the server's thread, and with `synchronous = NORMAL` it is the only
 * place that syncs the file: a pause of several milliseconds for every request of that turn. Here
 * a passive checkpoint (which neither waits for nor blocks the server's commits) runs every
 * `intervalMs` instead, off the server's thread. A kill at any moment is safe: SQLite's checkpoint
 * is itself crash-safe, and every commit is in the WAL before it is acknowledged.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

interface CheckpointerData {
  readonly path: string;
  readonly intervalMs: number;
}

const { path, intervalMs } = workerData as CheckpointerData;
const db = new Database(path);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  db.pragma('wal_checkpoint(PASSIVE)');
}, intervalMs);
parentPort?.on('message', (m: unknown) => {
  if (m === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort?.close();
  }
});

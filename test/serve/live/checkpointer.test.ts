/**
 * The server's WAL checkpointer: a worker thread (the built checkpointer.js) copies committed pages
 * into the database file, so that no commit of the server's thread pays a checkpoint; from the
 * sources (no built script) the store keeps SQLite's own checkpoints.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ExecutionHeader, StoredBar } from '../../../src/serve/live/execution.js';
import { ServiceStore } from '../../../src/serve/live/store.js';
import { tempDirs } from '../../helpers/tmp.js';

const { tmp } = tempDirs('execlab-live-ckpt-');
const built = new URL('../../../dist/serve/live/store.js', import.meta.url);
const bar: StoredBar = { open: 10, high: 10.2, low: 9.9, close: 10.1, avgPrice: 10.05, volume: 500 };
const header = (id: string, keyId: number): ExecutionHeader => ({ id, keyId, policy: 'p', policyIntegrity: 'i', instrument: 'X', side: 'sell', quantity: 100, date: '2025-01-02', previousClose: 10, meanMinuteVolume: 50, previousDaySummary: new Float32Array([1, 2]), createdAt: '2025-01-02T01:30:00.000Z' });

/** Writes 2,000 bars in 20 commits (about 40 pages: far below SQLite's own threshold of 1,000). */
function fill(store: ServiceStore): void {
  const keyId = store.addKey('k', 'hash', ['p'], '2025-01-01T00:00:00.000Z');
  store.transaction(() => store.addExecution(header('a', keyId), 5000, null, 'h'));
  for (let c = 0; c < 20; c++) store.transaction(() => store.addBars('a', c * 100, Array.from({ length: 100 }, () => bar), 5000));
}

describe('the WAL checkpointer', () => {
  it('keeps SQLite\'s own checkpoints when the worker script is not built (running from the sources)', () => {
    const store = new ServiceStore(join(tmp('src'), 'service.db'), 'normal', { checkpointEveryMs: 10 });
    expect(store.checkpointsInWorker).toBe(false);
    store.close();
  });

  it.skipIf(!existsSync(built))('copies the committed pages into the database file from its own thread, and the data read back', async () => {
    const { ServiceStore: Built } = (await import(built.href)) as { ServiceStore: typeof ServiceStore };
    const path = join(tmp('built'), 'service.db');
    const store = new Built(path, 'normal', { checkpointEveryMs: 20 });
    expect(store.checkpointsInWorker).toBe(true);
    const before = statSync(path).size;
    fill(store);
    // The pages are in the WAL only until the checkpointer's next pass.
    expect(statSync(path).size).toBe(before);
    let after = before;
    for (let k = 0; k < 50 && after === before; k++) {
      await sleep(20);
      after = statSync(path).size;
    }
    expect(after).toBeGreaterThan(before);
    store.close();
    const again = new Built(path);
    expect(again.execution('a')!.bars).toHaveLength(2000);
    again.close();
  });

  it.skipIf(!existsSync(built))('without it, the same commits stay in the WAL (the test above can fail)', async () => {
    const { ServiceStore: Built } = (await import(built.href)) as { ServiceStore: typeof ServiceStore };
    const path = join(tmp('none'), 'service.db');
    const store = new Built(path, 'normal');
    expect(store.checkpointsInWorker).toBe(false);
    const before = statSync(path).size;
    fill(store);
    await sleep(200);
    expect(statSync(path).size).toBe(before);
    store.close();
  });
});

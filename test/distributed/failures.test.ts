/**
 * Failures in the middle of a training job, each against the same uninterrupted single-process run:
 * - kill -9 of its worker: the job's lock expires, BullMQ gives it to another worker, which resumes
 *   from the last checkpoint in the artifact store; the report and the metrics log equal the
 *   uninterrupted run's (nothing trained or logged twice);
 * - Redis restarted (append-only persistence on): coordinator and workers reconnect, and the run
 *   completes with the same report.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { tempDirs } from '../helpers/tmp.js';
import { redisDb, reportNumbers, SKIP, spawnRedis, spawnWorker, stopWorkers } from './cluster.js';

const { tmp } = tempDirs('execlab-failures-');

const ARGS = ['reproduce', '--methods', 'OPD-S', '--seeds', '1', '--iterations', '40', '--episodes-per-iteration', '64', '--hidden', '8'];

/** Waits until the store holds a training checkpoint: the job is in the middle of its training. */
async function firstCheckpoint(url: string, log: () => string): Promise<void> {
  const redis = new Redis(url);
  const t0 = Date.now();
  try {
    while ((await redis.keys('execlab:artifact:train/*/checkpoint.json')).length === 0) {
      if (Date.now() - t0 > 60_000) throw new Error(`no checkpoint stored:\n${log()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    redis.disconnect();
  }
}

/** The metrics log's lines without their times. */
function metricsLog(dir: string): unknown[] {
  const cache = join(dir, 'cache');
  const lines = readFileSync(join(cache, readdirSync(cache)[0], 'metrics.jsonl'), 'utf8').trim().split('\n');
  return lines.map((l) => {
    const { seconds: _s, ...rest } = JSON.parse(l) as Record<string, unknown>;
    return rest;
  });
}

describe.skipIf(SKIP)('failures in the middle of a training job', () => {
  let root = '';
  let data = '';
  const read = (dir: string) => reportNumbers(JSON.parse(readFileSync(join(root, dir, 'report', 'results.json'), 'utf8')));
  beforeAll(async () => {
    root = tmp('root');
    data = join(root, 'data', 'tiny');
    expect((await runCli('data', 'synth', '--out', data, '--instruments', '4', '--days', '8', '--validation-days', '2', '--test-days', '2', '--quiet')).code).toBe(0);
    const local = await runCli(...ARGS, '--data', data, '--out', join(root, 'local'), '--workers', '0');
    expect(local.code, local.err).toBe(0);
  });

  it('kill -9 of the worker: retried elsewhere, resumed from its checkpoint, the uninterrupted numbers', async () => {
    const url = await redisDb(2);
    const first = spawnWorker(url, join(root, 'data'), 2);
    await first.waitFor(/connected to/);
    const remote = runCli(...ARGS, '--data', data, '--out', join(root, 'killed'), '--redis', url);
    await firstCheckpoint(url, first.log);
    first.child.kill('SIGKILL');
    const second = spawnWorker(url, join(root, 'data'), 2);
    const r = await remote;
    await stopWorkers([second]);
    expect(r.code, r.err).toBe(0);
    // SIGTERM: the worker stops taking jobs and exits once its running ones are done.
    expect(second.log()).toMatch(/SIGTERM: finishing the running jobs[\s\S]*: stopped/);
    expect(first.log()).not.toMatch(/finished OPD-S-s1/);
    const resumed = /resuming OPD-S-s1 from its checkpoint at iteration (\d+)/.exec(second.log());
    expect(resumed, second.log()).not.toBeNull();
    expect(Number(resumed![1])).toBeGreaterThanOrEqual(4);
    expect(second.log()).toMatch(/started OPD-S-s1 \(.*attempt 2\)/);
    expect(read('killed')).toEqual(read('local'));
    expect(metricsLog(join(root, 'killed'))).toEqual(metricsLog(join(root, 'local')));
  }, 120_000);

  it('Redis restarted with persistence: the run reconnects and completes with the same numbers', async () => {
    const redis = await spawnRedis(tmp('aof'));
    const worker = spawnWorker(redis.url, join(root, 'data'), 5);
    await worker.waitFor(/connected to/);
    const remote = runCli(...ARGS, '--data', data, '--out', join(root, 'restarted'), '--redis', redis.url);
    await firstCheckpoint(redis.url, worker.log);
    await redis.restart();
    const r = await remote;
    await stopWorkers([worker]);
    await redis.stop();
    expect(r.code, r.err).toBe(0);
    // The worker saw Redis go and come back while the job ran, and finished it.
    expect(worker.log()).toMatch(/ECONNREFUSED[\s\S]*finished OPD-S-s1/);
    expect(read('restarted')).toEqual(read('local'));
    expect(metricsLog(join(root, 'restarted'))).toEqual(metricsLog(join(root, 'local')));
  }, 120_000);
});

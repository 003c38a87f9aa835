/**
 * Three local workers on a test Redis: a tiny reproduction, a backtest (rules and a trained policy,
 * in shards of two dates) and a sweep give the single-process run's results.json, per-order files
 * and sweep.json; a job whose dataset the workers do not have is refused with the reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { tempDirs } from '../helpers/tmp.js';
import { redisDb, reportNumbers, SKIP, spawnWorker, stopWorkers, type WorkerProcess } from './cluster.js';

const { tmp } = tempDirs('execlab-cluster-');

describe.skipIf(SKIP)('three workers on Redis', () => {
  let url = '';
  let root = '';
  let data = '';
  let workers: WorkerProcess[] = [];
  beforeAll(async () => {
    url = await redisDb(1);
    root = tmp('root');
    data = join(root, 'data', 'tiny');
    expect((await runCli('data', 'synth', '--out', data, '--instruments', '4', '--days', '9', '--validation-days', '2', '--test-days', '3', '--quiet')).code).toBe(0);
    workers = [0, 1, 2].map(() => spawnWorker(url, join(root, 'data')));
    await Promise.all(workers.map((w) => w.waitFor(/connected to/)));
    return () => stopWorkers(workers);
  });

  it('a reproduction gives the single-process results.json', async () => {
    const args = ['reproduce', '--data', data, '--seeds', '1', '--iterations', '4', '--episodes-per-iteration', '16', '--hidden', '8'];
    const local = await runCli(...args, '--out', join(root, 'local'), '--workers', '0');
    expect(local.code, local.err).toBe(0);
    const remote = await runCli(...args, '--out', join(root, 'remote'), '--redis', url, '--shard-days', '1');
    expect(remote.code, remote.err).toBe(0);
    const read = (dir: string) => reportNumbers(JSON.parse(readFileSync(join(root, dir, 'report', 'results.json'), 'utf8')));
    expect(read('remote')).toEqual(read('local'));
    // Every training and evaluation was a job, spread over the workers.
    const logs = workers.map((w) => w.log()).join('\n');
    for (const m of ['OPD-T-s1', 'OPD-S-s1', 'OPD-s1', 'PPO-s1', 'DDQN-s1']) expect(logs).toMatch(new RegExp(`finished ${m} `));
    expect(logs.match(/finished evaluate-\d+ /g)?.length).toBe(6);
    expect(workers.filter((w) => /finished /.test(w.log())).length).toBeGreaterThan(1);
  });

  it('a backtest in shards of whole dates gives the single-process per-order files', async () => {
    const policy = join(root, 'local', 'cache');
    const opd = readFileSync(join(root, 'local', 'report', 'results.json'), 'utf8') && (await import('node:fs')).readdirSync(policy).find((d) => d.startsWith('OPD-s1-'));
    const strategies = `twap,vwap,ac,static,planner,${join(policy, opd!, 'policy.json')}`;
    const args = ['backtest', '--data', data, '--strategy', strategies, '--split', 'all'];
    const local = await runCli(...args, '--out', join(root, 'bt-local'));
    expect(local.code, local.err).toBe(0);
    const remote = await runCli(...args, '--out', join(root, 'bt-remote'), '--redis', url, '--shard-days', '2');
    expect(remote.code, remote.err).toBe(0);
    for (const f of ['orders.csv', 'orders.json']) expect(readFileSync(join(root, 'bt-remote', f), 'utf8')).toBe(readFileSync(join(root, 'bt-local', f), 'utf8'));
    const strategiesOf = (dir: string) => (JSON.parse(readFileSync(join(root, dir, 'summary.json'), 'utf8')) as { strategies: unknown }).strategies;
    expect(strategiesOf('bt-remote')).toEqual(strategiesOf('bt-local'));
    expect(workers.map((w) => w.log()).join('\n').match(/finished evaluate-\d+ /g)?.length).toBe(6 + 5);
  });

  it('a backtest with the peer context (the forecast planner\'s peer trials, a peer-reading policy) gives the single-process per-order files', async () => {
    const out = join(root, 'opd-f-peers');
    const t = await runCli('train', '--algo', 'ppo', '--data', data, '--out', out, '--iterations', '2', '--episodes-per-iteration', '16', '--validate-every', '1', '--hidden', '8', '--teacher', 'forecast', '--distill-coef', '1', '--market-context', '--peer-groups', '2');
    expect(t.code, t.err).toBe(0);
    const args = ['backtest', '--data', data, '--strategy', `twap,forecast,${join(out, 'policy.json')}`, '--split', 'all', '--peer-groups', '2'];
    const local = await runCli(...args, '--out', join(root, 'bt-peers-local'));
    expect(local.code, local.err).toBe(0);
    const remote = await runCli(...args, '--out', join(root, 'bt-peers-remote'), '--redis', url, '--shard-days', '3');
    expect(remote.code, remote.err).toBe(0);
    for (const f of ['orders.csv', 'orders.json']) expect(readFileSync(join(root, 'bt-peers-remote', f), 'utf8')).toBe(readFileSync(join(root, 'bt-peers-local', f), 'utf8'));
    // The workers built the policy's episodes with its own groups (without them it refuses to run);
    // with no --peer-groups at all, the policy still runs with its own groups, and the same decisions.
    const plain = await runCli('backtest', '--data', data, '--strategy', join(out, 'policy.json'), '--split', 'all', '--out', join(root, 'bt-peers-plain'));
    expect(plain.code, plain.err).toBe(0);
    const rows = (dir: string) => readFileSync(join(root, dir, 'orders.csv'), 'utf8').split('\n').filter((l) => l.includes('OPD-F'));
    expect(rows('bt-peers-plain')).toEqual(rows('bt-peers-local'));
  });

  it('a sweep gives the single-process sweep.json', async () => {
    const args = ['sweep', '--data', data, '--seeds', '2', '--hidden', '8', '--grid', 'iterations=2;episodesPerIteration=8;entropyCoef=0,0.01'];
    const local = await runCli(...args, '--out', join(root, 'sw-local'), '--workers', '0');
    expect(local.code, local.err).toBe(0);
    const remote = await runCli(...args, '--out', join(root, 'sw-remote'), '--redis', url);
    expect(remote.code, remote.err).toBe(0);
    for (const f of ['sweep.json', 'chosen.json', 'sweep.md']) expect(readFileSync(join(root, 'sw-remote', f), 'utf8')).toBe(readFileSync(join(root, 'sw-local', f), 'utf8'));
    expect(workers.map((w) => w.log()).join('\n')).toMatch(/finished OPD-S-s2-t2 /);
  });

  it('a worker without the dataset refuses the job and says why', async () => {
    const other = join(tmp('elsewhere'), 'other');
    expect((await runCli('data', 'synth', '--out', other, '--instruments', '3', '--days', '6', '--validation-days', '1', '--test-days', '1', '--seed', '5', '--quiet')).code).toBe(0);
    const r = await runCli('backtest', '--data', other, '--strategy', 'twap', '--out', join(root, 'bt-other'), '--redis', url);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/refused: dataset synthetic with content hash [0-9a-f]{12} is not under this worker's --data-root .*: synthetic \([0-9a-f]{12}\) in /);
  });
});

/**
 * The real-data options end to end: a student trained with the market context, the market-neutral
 * reward and the TWAP-centred start; the fitted static schedule; evaluation modes; a policy refused
 * on bars it was not trained on, by backtest and by serve.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy } from '../../src/rl/common/policy-file.js';
import { policyRuntime } from '../../src/serve/decide.js';
import { runCli as run } from './run-cli.js';


const dir = mkdtempSync(join(tmpdir(), 'execlab-real-'));
const one = join(dir, 'one');
const five = join(dir, 'five');
const policy = join(dir, 'opd-s', 'policy.json');

describe('real-data options', () => {
  it('trains a market-context student with the market-neutral reward from the TWAP start', async () => {
    const synth = ['--instruments', '6', '--days', '10', '--validation-days', '2', '--test-days', '2', '--quiet'];
    expect((await run('data', 'synth', '--out', one, ...synth)).code).toBe(0);
    expect((await run('data', 'synth', '--out', five, ...synth, '--bar-minutes', '5')).code).toBe(0);
    const t = await run(
      'train', '--algo', 'ppo', '--data', one, '--out', join(dir, 'opd-s'),
      '--iterations', '2', '--episodes-per-iteration', '16', '--validate-every', '1', '--hidden', '8',
      '--market-context', '--reward-baseline', 'market', '--initial-policy', 'twap', '--entropy-coef', '0',
    );
    expect(t.code).toBe(0);
    const p = loadPolicy(policy);
    expect(p.spec.market).toBe(true);
    expect(p.bars).toEqual({ barMinutes: 1, barsPerDay: 240, session: 'ashare' });
    expect(['greedy', 'expected']).toContain(p.evaluation);
    const byMode = p.training.validationPaByMode as Record<string, number>;
    expect(Object.keys(byMode).sort()).toEqual(['expected', 'greedy']);
    // The recorded mode is the better one on validation.
    expect(byMode[p.evaluation!]).toBe(Math.max(byMode.greedy, byMode.expected));
    const log = readFileSync(join(dir, 'opd-s', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    const shares = [1, 2, 3, 4, 5, 6, 7, 8].map((k) => log[0][`share${k}`]);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(Number.isFinite(log[0].valueExplainedVariance)).toBe(true);
    expect(log[0].gradSharePolicy + log[0].gradShareValue + log[0].gradShareEntropy + log[0].gradShareDistill).toBeCloseTo(1, 9);
  });

  it('distils the forecast planner into a student (OPD-F), asked on its own states only', async () => {
    const args = ['train', '--algo', 'ppo', '--data', one, '--iterations', '2', '--episodes-per-iteration', '16', '--validate-every', '1', '--hidden', '8', '--teacher', 'forecast', '--distill-coef', '1'];
    const t = await run(...args, '--out', join(dir, 'opd-f'));
    expect(t.code, t.err).toBe(0);
    const p = loadPolicy(join(dir, 'opd-f', 'policy.json'));
    expect(p.name).toBe('OPD-F');
    expect(p.training.distillation).toEqual({ mode: 'query', coef: 1, teacher: 'FORECAST' });
    const log = readFileSync(join(dir, 'opd-f', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(log[0].gradShareDistill).toBeGreaterThan(0);
    const replay = await run(...args, '--distill-mode', 'replay', '--out', join(dir, 'opd-f-replay'));
    expect(replay.code).toBe(2);
    expect(replay.err).toMatch(/--teacher forecast: .*replay does not apply/);
  });

  it('trains a teacher and a student on orders of both sides: both read the side, and the student backtests buys and sells', async () => {
    const small = ['--data', one, '--iterations', '2', '--episodes-per-iteration', '16', '--validate-every', '1', '--hidden', '8', '--side', 'mixed'];
    const t = await run('train', '--algo', 'ppo', '--view', 'teacher', ...small, '--out', join(dir, 'mixed-t'));
    expect(t.code, t.err).toBe(0);
    const teacher = loadPolicy(join(dir, 'mixed-t', 'policy.json'));
    expect(teacher.spec.side).toBe(true);
    expect(teacher.network.config.privIn).toBe(3);
    const s = await run('train', '--algo', 'ppo', ...small, '--teacher', join(dir, 'mixed-t', 'policy.json'), '--out', join(dir, 'mixed-s'));
    expect(s.code, s.err).toBe(0);
    const student = loadPolicy(join(dir, 'mixed-s', 'policy.json'));
    expect([student.spec.side, student.network.config.privIn]).toEqual([true, 3]);
    // A student trained on sells only cannot be asked what a teacher that reads the side would do.
    const sells = await run('train', '--algo', 'ppo', ...small.slice(0, -2), '--teacher', join(dir, 'mixed-t', 'policy.json'), '--out', join(dir, 'sell-s'));
    expect(sells.code).toBe(2);
    expect(sells.err).toMatch(/the teacher reads the order's side but the student does not/);
    const bt = await run('backtest', '--data', one, '--split', 'test', '--side', 'mixed', '--strategy', `${join(dir, 'mixed-s', 'policy.json')},${policy}`, '--out', join(dir, 'bt-mixed'));
    expect(bt.code, bt.err).toBe(0);
    // The sell-trained policy is named as executing the buys as sells; the one of both sides is not.
    const note = bt.out.split('\n').find((l) => l.startsWith('note:')) ?? '';
    expect(note).toMatch(/opd-s\/policy\.json was trained on sell orders only and does not read the side: \d+ buy orders/);
    expect(note).not.toMatch(/mixed-s/);
    const rows = readFileSync(join(dir, 'bt-mixed', 'orders.csv'), 'utf8').trim().split('\n');
    const header = rows[0].split(',');
    const mine = rows.slice(1).map((l) => l.split(',')).filter((r) => r[header.indexOf('strategy')] === 'OPD');
    expect(new Set(mine.map((r) => r[header.indexOf('side')]))).toEqual(new Set(['buy', 'sell']));
  });

  it("trains a teacher and a student that read a buy's price features mirrored, and refuses the mirror without buy orders", async () => {
    const small = ['--data', one, '--iterations', '2', '--episodes-per-iteration', '16', '--validate-every', '1', '--hidden', '8', '--side', 'mixed', '--mirror-buys'];
    const t = await run('train', '--algo', 'ppo', '--view', 'teacher', ...small, '--out', join(dir, 'mirror-t'));
    expect(t.code, t.err).toBe(0);
    expect(loadPolicy(join(dir, 'mirror-t', 'policy.json')).spec).toMatchObject({ side: true, mirrorBuys: true });
    const s = await run('train', '--algo', 'ddqn', ...small, '--out', join(dir, 'mirror-d'));
    expect(s.code, s.err).toBe(0);
    expect(loadPolicy(join(dir, 'mirror-d', 'policy.json')).spec).toMatchObject({ side: true, mirrorBuys: true });
    const bt = await run('backtest', '--data', one, '--split', 'test', '--side', 'mixed', '--strategy', join(dir, 'mirror-d', 'policy.json'), '--out', join(dir, 'bt-mirror'));
    expect(bt.code, bt.err).toBe(0);
    const sells = await run('train', '--algo', 'ppo', ...small.filter((a) => a !== 'mixed' && a !== '--side'), '--out', join(dir, 'mirror-sells'));
    expect(sells.code).toBe(2);
    expect(sells.err).toMatch(/mirroring needs buy orders: give --side mixed/);
  });

  it('backtests the policy beside the fitted static schedule and the forecast planner, in both evaluation modes', async () => {
    for (const mode of ['greedy', 'expected', 'sample']) {
      const b = await run('backtest', '--data', one, '--strategy', `twap,static,forecast,${policy}`, '--policy-mode', mode, '--out', join(dir, `bt-${mode}`));
      expect(b.code).toBe(0);
      expect(b.out).toMatch(/\nSTATIC\s+12/);
      expect(b.out).toMatch(/\nFORECAST\s+12/);
      expect(b.out).toMatch(/\nOPD-S\s+12/);
    }
    const greedy = readFileSync(join(dir, 'bt-greedy', 'orders.csv'), 'utf8');
    expect(greedy.split('\n')[0]).toMatch(/share_1,.*share_8/);
    // Sampled actions are seeded: the same file again; and they are draws, not the greedy choice.
    expect((await run('backtest', '--data', one, '--strategy', policy, '--policy-mode', 'sample', '--out', join(dir, 'bt-sample2'))).code).toBe(0);
    const sampleRows = (f: string): string[] => readFileSync(join(dir, f, 'orders.csv'), 'utf8').split('\n').filter((l) => l.includes('OPD-S'));
    expect(sampleRows('bt-sample2')).toEqual(sampleRows('bt-sample'));
    expect(sampleRows('bt-sample')).not.toEqual(greedy.split('\n').filter((l) => l.includes('OPD-S')));
  });

  it('trains an OPD-F student with the peer context, keeps its groups in the policy file, and backtests it with them', async () => {
    const out = join(dir, 'opd-f-peers');
    const args = ['train', '--algo', 'ppo', '--data', one, '--iterations', '2', '--episodes-per-iteration', '16', '--validate-every', '1', '--hidden', '8', '--teacher', 'forecast', '--distill-coef', '1'];
    const alone = await run(...args, '--peer-groups', '2', '--out', join(dir, 'no-market'));
    expect(alone.code).toBe(2);
    expect(alone.err).toMatch(/peer context needs the market context/);
    const t = await run(...args, '--market-context', '--peer-groups', '2', '--out', out);
    expect(t.code, t.err).toBe(0);
    const p = loadPolicy(join(out, 'policy.json'));
    expect(p.spec.market).toBe(true);
    expect(p.spec.peers?.size).toBe(2);
    expect(Object.keys(p.spec.peers!.groups)).toEqual(['SYN0001', 'SYN0002', 'SYN0003', 'SYN0004', 'SYN0005', 'SYN0006']);
    for (const [code, group] of Object.entries(p.spec.peers!.groups)) {
      expect(group).toHaveLength(2);
      expect(group).not.toContain(code);
    }
    expect(p.network.config.pubIn).toBe(54);
    const b = await run('backtest', '--data', one, '--strategy', `twap,forecast,${join(out, 'policy.json')}`, '--peer-groups', '2', '--out', join(dir, 'bt-peers'));
    expect(b.code, b.err).toBe(0);
    expect(b.out).toMatch(/\nOPD-F\s+12/);
    const summary = JSON.parse(readFileSync(join(dir, 'bt-peers', 'summary.json'), 'utf8')) as { settings: { peerGroups: number[] } };
    expect(summary.settings.peerGroups).toEqual([2]);
    // The live service cannot rebuild the cross-section, so it refuses the policy.
    expect(() => policyRuntime(p)).toThrow(/market context/);
  });

  it('refuses the policy on bars of another length, in backtest and in serve', async () => {
    const b = await run('backtest', '--data', five, '--strategy', policy, '--out', join(dir, 'bt-five'));
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/trained on 1-minute bars \(240 a day, session 'ashare'\).*5-minute bars \(48 a day/);
    const p = loadPolicy(policy);
    expect(() => policyRuntime(p)).toThrow(/market context/);
    expect(() => policyRuntime({ ...p, spec: { ...p.spec, market: false } }, 48)).toThrow(/trained on 1-minute bars/);
    expect(policyRuntime({ ...p, spec: { ...p.spec, market: false } }).minutesPerDay).toBe(240);
  });
});

import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as run } from './run-cli.js';
import { loadPolicy } from '../../src/rl/common/policy-file.js';


const dir = mkdtempSync(join(tmpdir(), 'execlab-cli-'));
const data = join(dir, 'data');

describe('execlab CLI end to end', () => {
  it('data synth, orders generate, backtest', async () => {
    expect((await run('data', 'synth', '--out', data, '--instruments', '6', '--days', '10', '--validation-days', '2', '--test-days', '2', '--quiet')).code).toBe(0);
    const orders = join(dir, 'orders.csv');
    const g = await run('orders', 'generate', '--data', data, '--split', 'test', '--out', orders);
    expect(g.code).toBe(0);
    expect(readFileSync(orders, 'utf8').split('\n')[0]).toBe('instrument,date,side,quantity');
    const b = await run('backtest', '--data', data, '--orders', orders, '--strategy', 'twap,vwap,ac', '--out', join(dir, 'bt'));
    expect(b.code).toBe(0);
    expect(b.out).toMatch(/TWAP\s+12\s+-0\.42\s+0\.00/);
    const summary = JSON.parse(readFileSync(join(dir, 'bt', 'summary.json'), 'utf8')) as { strategies: Array<{ name: string }> };
    expect(summary.strategies.map((s) => s.name)).toEqual(['TWAP', 'VWAP', 'AC']);
    expect(readFileSync(join(dir, 'bt', 'orders.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + 3 * 12);
  });

  it('backtest with participation cap and lots reports unfilled quantity', async () => {
    const b = await run('backtest', '--data', data, '--strategy', 'twap', '--participation-cap', '0.0001', '--lot-size', '100', '--no-fill-without-volume', '--out', join(dir, 'bt-cap'));
    expect(b.code).toBe(0);
    const rows = readFileSync(join(dir, 'bt-cap', 'orders.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    expect(rows.some((r) => Number(r[5]) < Number(r[4]))).toBe(true);
  });

  it('train writes a policy that backtest runs, and the teacher distils into a student', async () => {
    const small = ['--iterations', '2', '--episodes-per-iteration', '16', '--validate-every', '1', '--hidden', '8'];
    const t = await run('train', '--algo', 'ppo', '--view', 'teacher', '--data', data, '--out', join(dir, 'opd-t'), ...small);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/best validation score -?\d+\.\d\d x 1e-2 \(reward .* less its SE by day \d+\.\d\d; validation PA -?\d+\.\d\d bps; (greedy|expected) mode\)/);
    const s = await run('train', '--algo', 'ppo', '--data', data, '--out', join(dir, 'opd'), '--teacher', join(dir, 'opd-t', 'policy.json'), ...small);
    expect(s.code).toBe(0);
    const d = await run('train', '--algo', 'ddqn', '--data', data, '--out', join(dir, 'ddqn'), ...small);
    expect(d.code).toBe(0);
    const b = await run('backtest', '--data', data, '--strategy', `twap,${join(dir, 'opd', 'policy.json')},${join(dir, 'ddqn', 'policy.json')}`, '--out', join(dir, 'bt2'));
    expect(b.code).toBe(0);
    expect(b.out).toMatch(/\nOPD\s+12/);
    expect(b.out).toMatch(/\nDDQN\s+12/);
    // The same backtest in parts of at most 5 orders (4 parts: each test day's 6 orders split in two):
    // the same per-order results and report rows.
    const all = `twap,vwap,ac,${join(dir, 'opd', 'policy.json')},${join(dir, 'ddqn', 'policy.json')}`;
    const whole = await run('backtest', '--data', data, '--strategy', all, '--out', join(dir, 'bt-whole'));
    const parts = await run('backtest', '--data', data, '--strategy', all, '--max-orders-in-memory', '5', '--out', join(dir, 'bt-parts'));
    expect(whole.code).toBe(0);
    expect(parts.code).toBe(0);
    expect(parts.out).toMatch(/12 orders on 2 days \(test split, in 4 parts of at most 5 orders\)/);
    expect(readFileSync(join(dir, 'bt-parts', 'orders.csv'), 'utf8')).toBe(readFileSync(join(dir, 'bt-whole', 'orders.csv'), 'utf8'));
    const rows = (d: string): unknown => (JSON.parse(readFileSync(join(dir, d, 'summary.json'), 'utf8')) as { strategies: unknown }).strategies;
    expect(rows('bt-parts')).toEqual(rows('bt-whole'));
    // Two policies of one name (a method's seeds): told apart by their directories everywhere.
    const s2 = await run('train', '--algo', 'ppo', '--data', data, '--out', join(dir, 'opd-seed2'), '--teacher', join(dir, 'opd-t', 'policy.json'), '--seed', '2', ...small);
    expect(s2.code).toBe(0);
    const two = await run('backtest', '--data', data, '--strategy', `${join(dir, 'opd', 'policy.json')},${join(dir, 'opd-seed2', 'policy.json')}`, '--out', join(dir, 'bt-two'));
    expect(two.code).toBe(0);
    expect(two.out).toMatch(/\nOPD \(opd\)\s+12/);
    expect(two.out).toMatch(/\nOPD \(opd-seed2\)\s+12/);
    expect((JSON.parse(readFileSync(join(dir, 'bt-two', 'summary.json'), 'utf8')) as { strategies: Array<{ name: string }> }).strategies.map((x) => x.name)).toEqual(['OPD (opd)', 'OPD (opd-seed2)']);
    const labels = readFileSync(join(dir, 'bt-two', 'orders.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]);
    expect(labels.filter((x) => x === 'OPD (opd)')).toHaveLength(12);
    expect(labels.filter((x) => x === 'OPD (opd-seed2)')).toHaveLength(12);
    // compare takes them as one method over its two seeds.
    const withTwap = await run('backtest', '--data', data, '--strategy', `twap,${join(dir, 'opd', 'policy.json')},${join(dir, 'opd-seed2', 'policy.json')}`, '--out', join(dir, 'bt-three'));
    expect(withTwap.code).toBe(0);
    const c = await run('compare', '--backtest', join(dir, 'bt-three'), '--reference', 'TWAP', '--pairs', 'OPD:TWAP');
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/^12 orders on 2 days; a method's PA per order is the mean over its seeds/);
    expect(c.out).toMatch(/\n\| OPD \| 2 \| -?\d+\.\d\d \| \d+\.\d\d \| -?\d+\.\d\d, -?\d+\.\d\d \|/);
    expect(c.out).toMatch(/\nOPD against TWAP: [+-]\d+\.\d\d, p (=|<) .* \(2 days; at this spread p < 0\.05 needs ±\d+\.\d\d bps, and 80% power for this difference (about [\d,]+ days|no number of days)\)/);
    // --each-strategy: every label its own method, so the two can be tested against each other.
    const each = await run('compare', '--backtest', join(dir, 'bt-three'), '--each-strategy', '--pairs', 'OPD (opd):OPD (opd-seed2)');
    expect(each.code).toBe(0);
    expect(each.out).toMatch(/^12 orders on 2 days; each strategy on its own; p on day means/);
    expect(each.out).toMatch(/\n\| OPD \(opd\) \| 1 \| /);
    expect(each.out).toMatch(/\n\| OPD \(opd-seed2\) \| 1 \| /);
    expect(each.out).toMatch(/\nOPD \(opd\) against OPD \(opd-seed2\): [+-]\d+\.\d\d, p /);
    const bad = await run('compare', '--backtest', join(dir, 'bt-three'), '--reference', 'PLANNER');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/no strategy PLANNER in the backtest \(there: TWAP, OPD\)/);
    // Backtests on disjoint days (here the validation split beside the test split) are compared as one;
    // a day in two of them is refused.
    const onVal = await run('backtest', '--data', data, '--split', 'validation', '--strategy', `twap,${join(dir, 'opd', 'policy.json')},${join(dir, 'opd-seed2', 'policy.json')}`, '--out', join(dir, 'bt-val'));
    expect(onVal.code).toBe(0);
    const pooled = await run('compare', '--backtest', `${join(dir, 'bt-three')},${join(dir, 'bt-val')}`, '--pairs', 'OPD:TWAP');
    expect(pooled.code).toBe(0);
    const valDays = new Set((JSON.parse(readFileSync(join(dir, 'bt-val', 'orders.json'), 'utf8')) as Array<{ date: string }>).map((o) => o.date)).size;
    expect(pooled.out).toMatch(new RegExp(`^\\d+ orders on ${2 + valDays} days of 2 backtests;`));
    expect(pooled.out).toMatch(new RegExp(`\nOPD against TWAP: [+-]\\d+\\.\\d\\d, p (=|<) .* \\(${2 + valDays} days; at this spread`));
    // A config file may name them in one string, as the flag does.
    const cfg = join(dir, 'compare.yaml');
    writeFileSync(cfg, `backtest: ${join(dir, 'bt-three')},${join(dir, 'bt-val')}\npairs: [OPD:TWAP]\n`);
    const fromFile = await run('compare', '--config', cfg);
    expect(fromFile.code).toBe(0);
    expect(fromFile.out).toBe(pooled.out);
    const twice = await run('compare', '--backtest', `${join(dir, 'bt-three')},${join(dir, 'bt-three')}`);
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/day \S+ is in two backtests/);
  });

  it('--version prints the package version and the runtime the numbers were made on', async () => {
    const v = await run('--version');
    expect(v.code).toBe(0);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(v.out).toMatch(new RegExp(`^execlab ${pkg.version.replace(/\./g, '\\.')}\nnode v\\d+\\.\\d+\\.\\d+ on \\S+, \\d+ cores \\(.*\\); matrix kernels: wasm-simd\n$`));
  });

  it('reproduce from data to report, then reuses the cache', async () => {
    const args = ['reproduce', '--data', data, '--out', join(dir, 'rep'), '--seeds', '1', '--workers', '0', '--iterations', '2', '--episodes-per-iteration', '16', '--methods', 'OPD-T,OPD-S,OPD,OPD-F,PPO,DDQN'];
    const r = await run(...args);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'rep', 'report', 'report.html'))).toBe(true);
    const md = readFileSync(join(dir, 'rep', 'report', 'report.md'), 'utf8');
    for (const name of ['TWAP', 'VWAP', 'AC', 'STATIC', 'FORECAST', 'OPD-T', 'OPD-S', 'OPD', 'OPD-F', 'PPO', 'DDQN']) expect(md).toContain(`| ${name}`);
    // The forecast planner reads the state: it is tested against the state-free rules, not only TWAP.
    for (const rule of ['TWAP', 'VWAP', 'AC', 'STATIC']) expect(md).toMatch(new RegExp(`\\| FORECAST \\| ${rule} \\| [-+]\\d`));
    expect(md).not.toMatch(/\| FORECAST \| FORECAST \|/);
    expect(md).toMatch(/## What the state supports: the forecast planner \(validation only\)\n\nFORECAST is a past-only planner/);
    expect(md).toMatch(/\| 1 \| level \| 0\.001 \| yes \| -?\d+\.\d\d \| \d+\.\d\d \| -?\d+\.\d\d \| -?\d+\.\d\d \|/);
    const results = JSON.parse(readFileSync(join(dir, 'rep', 'report', 'results.json'), 'utf8')) as { settings: { environment: { kernels: string; node: string } } };
    expect(results.settings.environment).toMatchObject({ kernels: 'wasm-simd', node: process.version });
    // The policy to deploy, chosen on validation: every student seed is a candidate, the teacher is not.
    const choice = JSON.parse(readFileSync(join(dir, 'rep', 'deploy', 'choice.json'), 'utf8')) as { candidates: Array<{ method: string; score: number }>; chosen: { method: string; score: number } | null; twapScore: number; skipped: string[] };
    expect(choice.candidates.map((c) => c.method).sort()).toEqual(['DDQN', 'OPD', 'OPD-F', 'OPD-S', 'PPO']);
    expect(choice.skipped).toEqual(['OPD-T seed 1: sees the future (not deployable)']);
    expect(choice.twapScore).toBeCloseTo(-1 / 237, 15);
    expect(md).toContain('## The policy to deploy (chosen on validation)');
    if (choice.chosen) {
      expect(choice.chosen).toEqual(choice.candidates[0]);
      expect(choice.chosen.score).toBeGreaterThan(choice.twapScore);
      expect(md).toMatch(new RegExp(`Chosen: ${choice.chosen.method} seed 1 .*On the test split \\(not used for the choice\\) it earned PA`));
      const b = await run('backtest', '--data', data, '--strategy', join(dir, 'rep', 'deploy', 'policy.json'), '--out', join(dir, 'bt-deploy'));
      expect(b.code).toBe(0);
      expect(b.out).toMatch(new RegExp(`\n${choice.chosen.method}\\s+12`));
    } else {
      expect(choice.candidates.every((c) => c.score <= choice.twapScore)).toBe(true);
      expect(existsSync(join(dir, 'rep', 'deploy', 'policy.json'))).toBe(false);
      expect(md).toContain('No learned policy scored above TWAP on validation');
    }
    const again = await run(...args);
    expect(again.code).toBe(0);
    expect(again.err).toMatch(/reusing 6 of 6 trainings cached/);
  });

  it("reproduce with buy orders mirrored: every learner's policy reads them so, the report says it, and sell orders are refused", async () => {
    const base = ['reproduce', '--data', data, '--seeds', '1', '--workers', '0', '--iterations', '2', '--episodes-per-iteration', '16', '--methods', 'OPD-S,DDQN', '--mirror-buys'];
    const refused = await run(...base, '--out', join(dir, 'rep-mirror0'));
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--mirror-buys needs buy orders to mirror: give --side mixed/);
    const r = await run(...base, '--side', 'mixed', '--out', join(dir, 'rep-mirror'));
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(dir, 'rep-mirror', 'report', 'report.md'), 'utf8')).toMatch(/Order side: mixed: .*the learners read a buy's price features mirrored/);
    for (const m of ['OPD-S', 'DDQN']) {
      const [cached] = readdirSync(join(dir, 'rep-mirror', 'cache')).filter((d) => d.startsWith(`${m}-`));
      expect(loadPolicy(join(dir, 'rep-mirror', 'cache', cached, 'policy.json')).spec).toMatchObject({ side: true, mirrorBuys: true });
    }
  });

  it('reproduce with the peer context: the learners read it, the forecast planner tries it, and it needs the market context', async () => {
    const base = ['reproduce', '--data', data, '--seeds', '1', '--workers', '0', '--iterations', '2', '--episodes-per-iteration', '16', '--methods', 'OPD-F'];
    const refused = await run(...base, '--out', join(dir, 'rep-peers0'), '--peer-groups', '3');
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--peer-groups needs --market-context/);
    const r = await run(...base, '--out', join(dir, 'rep-peers'), '--market-context', '--peer-groups', '2,3');
    expect(r.code, r.err).toBe(0);
    const md = readFileSync(join(dir, 'rep-peers', 'report', 'report.md'), 'utf8');
    // Every group size is a trial of the forecast planner, in the report.
    for (const size of [2, 3]) expect(md).toMatch(new RegExp(`\\| \\d+ \\| peers \\(${size}\\) \\| 0\\.001 \\| no \\|`));
    // The learners read the peer context of the best peer trial's size, as the log says.
    const size = Number(/peer context: groups of (\d+), the best peer trial/.exec(r.err)?.[1]);
    expect([2, 3]).toContain(size);
    const [policyDir] = readdirSync(join(dir, 'rep-peers', 'cache'));
    const policy = loadPolicy(join(dir, 'rep-peers', 'cache', policyDir, 'policy.json'));
    expect(policy.spec.peers?.size).toBe(size);
    expect(policy.training.settings).toMatchObject({ marketContext: true, peerGroups: size });
    expect(md).toContain(`The best peer trial has groups of ${size}: the peer context the learners of this run read.`);
  });

  it('bad input: a clear error naming the key, the value and what is allowed', async () => {
    const r = await run('backtest', '--data', data, '--split', 'future', '--out', join(dir, 'x'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/split: got "future"/);
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(cfg, 'clip: -1\n');
    const t = await run('train', '--algo', 'ppo', '--data', data, '--config', cfg);
    expect(t.code).toBe(2);
    expect(t.err).toMatch(/clip: got -1/);
    const m = await run('backtest', '--data', join(dir, 'nope'));
    expect(m.code).toBe(1);
    expect(m.err).toMatch(/no dataset at/);
  });
});

describe('5-minute bars end to end', () => {
  it('synthesises 48 bars a day and backtests on a 47-bar horizon', async () => {
    const five = join(dir, 'five');
    expect((await run('data', 'synth', '--out', five, '--instruments', '4', '--days', '8', '--validation-days', '2', '--test-days', '2', '--bar-minutes', '5', '--quiet')).code).toBe(0);
    const b = await run('backtest', '--data', five, '--strategy', 'twap,vwap', '--out', join(dir, 'bt5'));
    expect(b.code).toBe(0);
    // TWAP over 47 bars of 5 minutes, the penalty per minute: -alpha * 235 * (1/235)^2 / 100 = -1/235 = -0.43e-2
    expect(b.out).toMatch(/TWAP\s+8\s+-0\.43\s+0\.00/);
  });
});

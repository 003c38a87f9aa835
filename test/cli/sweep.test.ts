/**
 * `execlab sweep`: the grid parser, and a tiny sweep end to end whose chosen settings feed a
 * reproduction with the sweep in its report.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gridPoints, parseGrid } from '../../src/reproduce/sweep.js';
import { runCli as run } from './run-cli.js';


describe('the sweep grid', () => {
  it('parses keys and typed values into every combination, first key slowest', () => {
    const g = parseGrid('learningRate=1e-3,3e-3; marketContext=true,false');
    expect(gridPoints(g)).toEqual([
      { learningRate: 1e-3, marketContext: true },
      { learningRate: 1e-3, marketContext: false },
      { learningRate: 3e-3, marketContext: true },
      { learningRate: 3e-3, marketContext: false },
    ]);
    expect(gridPoints(parseGrid('initialPolicy=twap'))).toEqual([{ initialPolicy: 'twap' }]);
  });

  it('refuses unknown keys, bad values and repeated keys, naming them', () => {
    expect(() => parseGrid('learningrate=1')).toThrow(/unknown key 'learningrate'/);
    expect(() => parseGrid('hidden=0')).toThrow(/hidden = '0': expected a positive integer/);
    expect(() => parseGrid('marketContext=yes')).toThrow(/expected true or false/);
    expect(() => parseGrid('rewardBaseline=day')).toThrow(/expected one of none, market/);
    expect(() => parseGrid('entropyCoef=0;entropyCoef=1')).toThrow(/given twice/);
    expect(() => parseGrid(' ; ')).toThrow(/empty/);
  });
});

describe('execlab sweep end to end', () => {
  it('trains every trial, scores on validation, and its choice runs a reproduction with the sweep in the report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'execlab-sweep-'));
    const data = join(dir, 'data');
    expect((await run('data', 'synth', '--out', data, '--instruments', '4', '--days', '8', '--validation-days', '2', '--test-days', '2', '--quiet')).code).toBe(0);
    // A grid key the method's training does not use is refused before anything trains.
    const idle = await run('sweep', '--data', data, '--out', join(dir, 'idle'), '--method', 'DDQN', '--grid', 'learningRate=1e-3;entropyCoef=0,0.01');
    expect(idle.code).toBe(2);
    expect(idle.err).toMatch(/--grid entropyCoef: DDQN's training does not use this, so its trials would be the same training; DDQN takes learningRate, /);
    const out = join(dir, 'sw');
    const s = await run('sweep', '--data', data, '--out', out, '--seeds', '2', '--workers', '0', '--hidden', '8', '--grid', 'iterations=1;episodesPerIteration=8;entropyCoef=0,0.01');
    expect(s.code).toBe(0);
    const r = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as { trials: Array<{ meanValidPaBps: number; meanValidScore?: number; seeds: unknown[] }>; chosen: number };
    expect(r.trials).toHaveLength(2);
    expect(r.trials.every((t) => t.seeds.length === 2 && Number.isFinite(t.meanValidPaBps) && Number.isFinite(t.meanValidScore))).toBe(true);
    // The chosen trial has the best one-SE score (the default selection), its seeds' mean.
    expect(r.trials[r.chosen - 1].meanValidScore).toBe(Math.max(...r.trials.map((t) => t.meanValidScore!)));
    const chosen = JSON.parse(readFileSync(join(out, 'chosen.json'), 'utf8')) as Record<string, unknown>;
    expect(chosen.entropyCoef).toBe([0, 0.01][r.chosen - 1]);
    expect(chosen.selection).toBe('one-se');
    expect(readFileSync(join(out, 'sweep.md'), 'utf8')).toMatch(/\(chosen\)/);
    expect(readFileSync(join(out, 'sweep.md'), 'utf8')).toMatch(/score \(mean of seeds\)/);
    const rep = await run('reproduce', '--config', join(out, 'chosen.json'), '--sweep', join(out, 'sweep.json'), '--out', join(dir, 'rep'), '--seeds', '1', '--workers', '0', '--methods', 'OPD-S');
    expect(rep.code).toBe(0);
    const md = readFileSync(join(dir, 'rep', 'report', 'report.md'), 'utf8');
    expect(md).toMatch(/## Settings sweep \(validation only\)/);
    expect(md).toMatch(/STATIC/);
    // The training table carries the entropy from the learners' metrics logs.
    expect(md).toMatch(/\| OPD-S \| 1 \| .* \| \d\.\d\d → \d\.\d\d \|/);
  }, 120_000);

  it("a method's own sweep sets that method's settings alone, goes into the report, and is refused on other orders", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'execlab-method-sweep-'));
    const data = join(dir, 'data');
    expect((await run('data', 'synth', '--out', data, '--instruments', '4', '--days', '8', '--validation-days', '2', '--test-days', '2', '--quiet')).code).toBe(0);
    const out = join(dir, 'sw-ppo');
    const s = await run('sweep', '--data', data, '--method', 'PPO', '--out', out, '--seeds', '1', '--workers', '0', '--hidden', '8', '--grid', 'iterations=1;episodesPerIteration=8;learningRate=1e-3,2e-3');
    expect(s.code).toBe(0);
    const r = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as { chosen: number; fingerprint?: string };
    expect(r.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const chosenLr = [1e-3, 2e-3][r.chosen - 1];
    // OPD-F's sweep: its forecast-planner teacher is fitted on the training split for every trial.
    const outF = join(dir, 'sw-opdf');
    expect((await run('sweep', '--data', data, '--method', 'OPD-F', '--out', outF, '--seeds', '1', '--workers', '0', '--hidden', '8', '--grid', 'iterations=1;episodesPerIteration=8;entropyCoef=0,0.02')).code).toBe(0);
    const chosenEntropy = [0, 0.02][(JSON.parse(readFileSync(join(outF, 'sweep.json'), 'utf8')) as { chosen: number }).chosen - 1];
    const common = ['--data', data, '--seeds', '1', '--workers', '0', '--hidden', '8', '--iterations', '1', '--episodes-per-iteration', '8', '--learning-rate', '5e-4', '--methods', 'OPD-S,PPO,OPD-F'];
    const rep = await run('reproduce', ...common, '--out', join(dir, 'rep'), '--method-sweeps', `${join(out, 'sweep.json')},${join(outF, 'sweep.json')}`);
    expect(rep.code).toBe(0);
    expect(rep.err).toMatch(/PPO: settings of method sweep .*sweep\.json \(trial \d\)/);
    const md = readFileSync(join(dir, 'rep', 'report', 'report.md'), 'utf8');
    expect(md).toMatch(/## Settings sweep: PPO \(validation only\)/);
    expect(md).toMatch(/the ones this report ran PPO with; the other methods kept theirs/);
    // One seed per trial: its spread is n/a (sweep.json holds that NaN as null).
    expect(md).toMatch(/\| 1( \(chosen\))? \| .* \| n\/a \|/);
    expect(readFileSync(join(dir, 'rep', 'report', 'report.html'), 'utf8')).toMatch(/<section id="sweep-ppo">/);
    expect(md).toMatch(/## Settings sweep: OPD-F \(validation only\)/);
    const results = JSON.parse(readFileSync(join(dir, 'rep', 'report', 'results.json'), 'utf8')) as { settings: { tasks: Array<{ id: string; ppo?: { learningRate: number; entropyCoef: number } }> } };
    const ppo = (id: string) => results.settings.tasks.find((t) => t.id === id)!.ppo!;
    expect(ppo('PPO-s1').learningRate).toBe(chosenLr);
    expect(ppo('OPD-S-s1').learningRate).toBe(5e-4);
    expect(ppo('OPD-S-s1').entropyCoef).toBe(0.01);
    // OPD-F's sweep ran at the sweep's base learning rate (3e-3), which its choice carries.
    expect(ppo('OPD-F-s1')).toMatchObject({ entropyCoef: chosenEntropy, learningRate: 3e-3 });
    const refused = await run('reproduce', ...common, '--out', join(dir, 'rep2'), '--orders-seed', '8', '--method-sweeps', join(out, 'sweep.json'));
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/method sweep .*sweep\.json cannot choose this reproduction's settings: it used --orders-seed 7, this reproduction 8/);
    // Both kinds of sweep file are read before any work: a missing one is refused before training.
    const missing = await run('reproduce', ...common, '--out', join(dir, 'rep3'), '--sweep', join(dir, 'missing.json'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read sweep file .*missing\.json/);
    expect(missing.err).not.toMatch(/training:/);
  }, 120_000);
});

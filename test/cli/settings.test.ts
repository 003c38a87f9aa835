/**
 * Settings from flags and config files (issue 9): unknown keys are refused with the nearest valid
 * name, numbers that are not numbers say what was given, values outside the ranges a practitioner
 * would use are refused before anything runs, and each command's flags, defaults and help come from
 * its schema. No dataset is needed: settings are checked before the data is opened.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'execlab-settings-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const nowhere = join(root, 'no-dataset');
let seq = 0;

function config(text: string, ext = 'yaml'): string {
  const path = join(root, `c${seq++}.${ext}`);
  writeFileSync(path, text);
  return path;
}

async function refused(args: string[], pattern: RegExp): Promise<string> {
  const r = await runCli(...args);
  expect(r.code, r.err).toBe(2);
  expect(r.err).toMatch(pattern);
  expect(r.err).not.toMatch(/unexpected error|got null|got undefined/);
  return r.err;
}

describe('unknown keys', () => {
  it('a typo in a config file is refused with the nearest valid name, for every command', async () => {
    await refused(['train', '--algo', 'ppo', '--data', nowhere, '--config', config('iteratons: 5\n')], /iteratons: unknown setting \(config file .*c\d\.yaml\); did you mean 'iterations'\?/);
    await refused(['backtest', '--data', nowhere, '--config', config('stratgy: twap\n')], /stratgy: unknown setting .*did you mean 'strategy'\?/);
    await refused(['orders', 'generate', '--data', nowhere, '--config', config('{"sizeLogMaen": -3}', 'json')], /sizeLogMaen: unknown setting .*did you mean 'sizeLogMean'\?/);
    await refused(['data', 'import', join(root, 'x'), '--config', config('testdays: 2\n')], /testdays: unknown setting .*did you mean 'testDays'\?/);
    await refused(['data', 'synth', '--out', join(root, 'syn'), '--config', config('predictabilty: 0\n')], /predictabilty: unknown setting .*did you mean 'predictability'\?/);
    await refused(['reproduce', '--data', nowhere, '--out', join(root, 'rep'), '--config', config('seed: 3\n')], /seed: unknown setting .*did you mean 'seeds'\?/);
  });

  it('a word close to nothing lists the valid settings', async () => {
    await refused(['backtest', '--data', nowhere, '--config', config('colour: blue\n')], /colour: unknown setting .*; valid settings: strategy, data, split/);
  });

  it('a DDQN setting with --algo ppo (and the reverse) says which algorithm it belongs to', async () => {
    await refused(['train', '--algo', 'ppo', '--data', nowhere, '--epsilon-start', '0.5'], /epsilonStart: a DDQN setting; it does not apply to --algo ppo/);
    await refused(['train', '--algo', 'ddqn', '--data', nowhere, '--clip', '0.2'], /clip: a PPO setting; it does not apply to --algo ddqn/);
  });

  it('an unknown flag is refused by the parser with a suggestion', async () => {
    const r = await runCli('train', '--algo', 'ppo', '--iteratons', '5');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/unknown option '--iteratons'[^]*Did you mean --iterations\?/);
  });
});

describe('numbers', () => {
  it('a flag that is not a number says what was given', async () => {
    await refused(['train', '--algo', 'ppo', '--data', nowhere, '--iterations', 'abc'], /--iterations: got 'abc', expected a whole number/);
    await refused(['backtest', '--data', nowhere, '--orders-seed', '1e'], /--orders-seed: got '1e', expected a whole number/);
    await refused(['orders', 'generate', '--data', nowhere, '--size-log-mean', 'x'], /--size-log-mean: got 'x', expected a number/);
    await refused(['data', 'import', join(root, 'x'), '--volume-unit', 'lots'], /--volume-unit: got 'lots', expected a number/);
    await refused(['data', 'synth', '--out', join(root, 'syn'), '--days', 'ten'], /--days: got 'ten', expected a whole number/);
  });

  it('a config value that is not a number says what was given (NaN and strings are not shown as null)', async () => {
    await refused(['train', '--algo', 'ppo', '--data', nowhere, '--config', config('iterations: abc\n')], /iterations: got "abc"/);
    await refused(['train', '--algo', 'ppo', '--data', nowhere, '--config', config('learningRate: .nan\n')], /learningRate: got NaN/);
  });

  it('--input-minutes alone is fine; a bad --bar-minutes names the given value', async () => {
    await refused(['data', 'import', join(root, 'x'), '--input-minutes', '5', '--bar-minutes', '7'], /barMinutes: got 7/);
    const r = await runCli('data', 'import', join(root, 'missing-input'), '--input-minutes', '5', '--quiet');
    expect(r.err).toMatch(/input not found/);
    expect(r.err).not.toMatch(/barMinutes|undefined/);
  });
});

describe('ranges', () => {
  it.each([
    [['--clip', '7'], /clip: got 7/],
    [['--clip', '0'], /clip: got 0/],
    [['--learning-rate', '1e9'], /learningRate: got 1000000000/],
    [['--hidden', '100000'], /hidden: got 100000/],
    [['--hidden', '0'], /hidden: got 0/],
    [['--entropy-coef', '5'], /entropyCoef: got 5/],
    [['--episodes-per-iteration', '100000000'], /episodesPerIteration: got 100000000/],
    [['--threads', '64'], new RegExp(`threads: got 64; .*at most ${Math.max(2, availableParallelism())}`)],
    [['--threads', '0'], /threads: got 0/],
    [['--gradient-replicas', '0'], /gradientReplicas: got 0/],
    [['--gradient-replicas', '64'], new RegExp(`gradientReplicas: got 64; .*at most ${Math.max(2, availableParallelism())}`)],
    [['--teacher', 'T.json', '--distill-coef', '-1'], /distillCoef: got -1/],
  ])('train %j is refused', async (flags, pattern) => {
    await refused(['train', '--algo', 'ppo', '--data', nowhere, ...(flags as string[])], pattern as RegExp);
  });

  it('DDQN ranges too', async () => {
    await refused(['train', '--algo', 'ddqn', '--data', nowhere, '--learning-rate', '2'], /learningRate: got 2/);
    await refused(['train', '--algo', 'ddqn', '--data', nowhere, '--hidden', '4096'], /hidden: got 4096/);
    await refused(['train', '--algo', 'ddqn', '--data', nowhere, '--gradient-replicas', '2'], /gradient replicas are PPO only/);
  });

  it('reproduce and backtest ranges', async () => {
    await refused(['reproduce', '--data', nowhere, '--out', join(root, 'rep'), '--learning-rate', '1e9'], /learningRate: got 1000000000/);
    await refused(['backtest', '--data', nowhere, '--threads', '3'], /threads: got 3/);
    await refused(['backtest', '--data', nowhere, '--participation-cap', '1.5'], /participationCap: got 1\.5/);
  });
});

describe('combinations', () => {
  it('--teacher with --algo ddqn is refused, and distillation settings without a teacher', async () => {
    await refused(['train', '--algo', 'ddqn', '--data', nowhere, '--teacher', 'T.json'], /teacher: .*distillation is PPO only; --algo ddqn cannot use a teacher/);
    await refused(['train', '--algo', 'ppo', '--data', nowhere, '--distill-coef', '0.5'], /distillCoef: .*applies only with --teacher/);
    await refused(['train', '--algo', 'sgd', '--data', nowhere], /algo: got "sgd"/);
  });

  it('--algo may come from the config file', async () => {
    await refused(['train', '--data', nowhere, '--config', config('algo: ppo\nclip: 3\n')], /clip: got 3/);
    await refused(['train', '--data', nowhere], /algo: .*required/);
  });
});

/** Help text with commander's line wrapping undone. */
async function help(...args: string[]): Promise<string> {
  const r = await runCli(...args, '--help');
  expect(r.code).toBe(0);
  return r.out.replace(/\s+/g, ' ');
}

describe('flags, defaults and help from one schema', () => {
  it('train --help lists every setting with its default', async () => {
    const out = await help('train');
    for (const text of ['--algo <value>', '(ppo | ddqn)', '--clip <value>', '[default: 0.3]', '--hidden <value>', '[default: 64]', '--epsilon-start <value>', '--threads <value>', '--gradient-replicas <value>', '--distill-coef <value>', '[default: 0.01]', '--resume', '--market-context', '[default: 1024; with --algo ddqn: 256]']) {
      expect(out).toContain(text);
    }
  });

  it('backtest --help keeps every flag name, with defaults', async () => {
    const out = await help('backtest');
    for (const text of ['--strategy <value>', '[default: "twap,vwap,ac"]', '--no-fill-without-volume', '--max-orders-in-memory <value>', '[default: 50000]', '--participation-cap', '--lot-size', '--ac-risk-aversion', '--policy-mode', '--orders-seed']) {
      expect(out).toContain(text);
    }
  });

  it('reproduce --help shows a list default as its items, and an empty one as none', async () => {
    const out = await help('reproduce');
    expect(out).toContain('--methods <value>');
    expect(out).toContain('[default: OPD-T,OPD-S,OPD,OPD-F,PPO,DDQN]');
    expect(out).toMatch(/--method-sweeps <value> .*every sweep goes into the report \[default: none\]/);
    expect(out).not.toContain('[default: ]');
  });

  it('data import and orders generate --help show the schema defaults', async () => {
    const i = await help('data', 'import');
    for (const text of ['--max-price-ratio <value>', '[default: 2]', '--volume-unit <value>', '[default: 100]', '--validation-days <value>', '--force', '--quiet']) expect(i).toContain(text);
    const o = await help('orders', 'generate');
    for (const text of ['--size-log-mean <value>', '[default: -3.28]', '--per-instrument-day <value>']) expect(o).toContain(text);
    const s = await help('data', 'synth');
    for (const text of ['--seed <value>', '--days <value>', '[default: 120]', '--bar-minutes <value>', '--force']) expect(s).toContain(text);
  });
});

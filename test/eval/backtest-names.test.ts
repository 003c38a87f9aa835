import { describe, expect, it } from 'vitest';
import { distinctRunNames } from '../../src/eval/backtest.js';
import type { StrategyRun } from '../../src/eval/run.js';

const run = (strategy: string): StrategyRun => ({ strategy }) as unknown as StrategyRun;
const names = (runs: readonly StrategyRun[]): string[] => runs.map((r) => r.strategy);

describe('distinctRunNames', () => {
  it('leaves unique names as they are', () => {
    expect(names(distinctRunNames([run('TWAP'), run('OPD-S')], ['twap', 'runs/a/policy.json']))).toEqual(['TWAP', 'OPD-S']);
  });

  it("names the seeds of one method by their policy files' directories", () => {
    const out = distinctRunNames([run('TWAP'), run('OPD-S'), run('OPD-S')], ['twap', 'runs/cache/OPD-S-s1-ab/policy.json', 'runs/cache/OPD-S-s2-cd/policy.json']);
    expect(names(out)).toEqual(['TWAP', 'OPD-S (OPD-S-s1-ab)', 'OPD-S (OPD-S-s2-cd)']);
  });

  it('uses the file name when it is not policy.json, and the whole spec when the short names collide', () => {
    expect(names(distinctRunNames([run('P'), run('P')], ['a/one.json', 'b/two.json']))).toEqual(['P (one.json)', 'P (two.json)']);
    expect(names(distinctRunNames([run('P'), run('P')], ['a/x/policy.json', 'b/x/policy.json']))).toEqual(['P (a/x/policy.json)', 'P (b/x/policy.json)']);
  });
});

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MINUTE_FEATURES } from '../../src/data/features.js';
import { ActorCritic } from '../../src/nn/network.js';
import type { PolicyFile } from '../../src/rl/common/policy-file.js';
import { chooseDeployment, deployCandidate, deploymentSection, twapScore, writeDeployment, type DeployCandidate } from '../../src/reproduce/deploy.js';
import { DEFAULT_SIM_SETTINGS, periodGrid } from '../../src/sim/settings.js';
import { Rng } from '../../src/util/random.js';
import { studentPolicyFile } from '../helpers/policies.js';

const stats = { names: [...MINUTE_FEATURES], median: [1, 1, 1, 1, 1, 0.7], scale: [0.01, 0.01, 0.01, 0.01, 0.01, 0.5], fittedOn: [] };
const base = studentPolicyFile(ActorCritic.create({ pubIn: 18, privIn: 2, hidden: 4, mlp: [4], actions: 5 }, new Rng(3)), stats, 'OPD-F', 2);
const withBest = (best: Record<string, unknown>, view: 'student' | 'teacher' = 'student'): PolicyFile => ({ ...base, spec: { ...base.spec, view }, training: { best } });

describe('the policy to deploy', () => {
  it("scores a student by its recorded validation: reward less the SE by day (one-se), or the PA (mean-pa)", () => {
    const file = withBest({ iteration: 20, paBps: 1.45, reward: 0.0061, rewardSeByDay: 0.0084, mode: 'expected' });
    const c = deployCandidate('OPD-F', 2, '/x/policy.json', file, 'one-se') as DeployCandidate;
    expect(c).toMatchObject({ method: 'OPD-F', seed: 2, source: '/x/policy.json', mode: 'expected', validationPaBps: 1.45, marketContext: false });
    const withMarket = { ...file, spec: { ...file.spec, market: true } };
    expect((deployCandidate('OPD-F', 2, '/x', withMarket, 'one-se') as DeployCandidate).marketContext).toBe(true);
    expect(c.peerGroups).toBeNull();
    const withPeers = { ...withMarket, spec: { ...withMarket.spec, peers: { size: 50, groups: {} } } };
    expect((deployCandidate('OPD-F', 2, '/x', withPeers, 'one-se') as DeployCandidate).peerGroups).toBe(50);
    expect(c.score).toBeCloseTo(0.0061 - 0.0084, 15);
    expect((deployCandidate('OPD-F', 2, '/x', file, 'mean-pa') as DeployCandidate).score).toBe(1.45);
  });

  it('leaves out a teacher and a file without the rule’s validation record, saying why', () => {
    expect(deployCandidate('OPD-T', 1, '/t', withBest({ paBps: 60, reward: 0.6 }, 'teacher'), 'mean-pa')).toBe('OPD-T seed 1: sees the future (not deployable)');
    expect(deployCandidate('OPD-S', 1, '/s', withBest({ paBps: 2, reward: 0.01 }), 'one-se')).toMatch(/OPD-S seed 1: .*no standard error/);
    expect(deployCandidate('PPO', 3, '/p', withBest({}), 'mean-pa')).toBe('PPO seed 3: its file records no validation result');
  });

  it("TWAP's validation score is -alpha / (100 H) for a horizon of H minutes on every bar length, 0 under mean-pa", () => {
    const sim = DEFAULT_SIM_SETTINGS;
    expect(twapScore(sim, periodGrid(sim, 1, 240), 'one-se')).toBe(-1 / 237);
    expect(twapScore(sim, periodGrid(sim, 15, 16), 'one-se')).toBe(-1 / 240);
    expect(twapScore({ ...sim, alpha: 50 }, periodGrid(sim, 5, 48), 'one-se')).toBe(-50 / (100 * 235));
    expect(twapScore(sim, periodGrid(sim, 1, 240), 'mean-pa')).toBe(0);
    expect(() => twapScore({ ...sim, fill: { ...sim.fill, lotSize: 100 } }, periodGrid(sim, 1, 240), 'one-se')).toThrow(/fill model/);
  });

  const cand = (method: string, seed: number, score: number, marketContext = false, peerGroups: number | null = null): DeployCandidate => ({ method, seed, source: `/${method}-${seed}`, mode: 'greedy', validationReward: score, validationRewardSeByDay: 0, validationPaBps: 0, score, marketContext, peerGroups });

  it('chooses the best score, the first on ties, and TWAP when none is above it', () => {
    const a = cand('OPD-S', 1, -0.003);
    const b = cand('OPD-F', 1, -0.001);
    const c = cand('OPD-F', 2, -0.001);
    const choice = chooseDeployment([a, 'OPD-T seed 1: sees the future (not deployable)', b, c], -1 / 240, 'one-se', 20);
    expect(choice.candidates).toEqual([b, c, a]);
    expect(choice.chosen).toBe(b);
    expect(choice.skipped).toEqual(['OPD-T seed 1: sees the future (not deployable)']);
    expect(chooseDeployment([cand('PPO', 1, -0.005), cand('PPO', 2, -1 / 240)], -1 / 240, 'one-se', 20).chosen).toBeNull();
    expect(chooseDeployment([], 0, 'mean-pa', 20).chosen).toBeNull();
  });

  it('writes the chosen file and the choice, and removes a stale policy when TWAP is chosen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'execlab-deploy-'));
    const src = join(dir, 'trained.json');
    writeFileSync(src, '{"policy":1}');
    const chosen = { ...cand('OPD-F', 1, 0.001), source: src };
    writeDeployment(chooseDeployment([chosen], -1 / 240, 'one-se', 20), join(dir, 'deploy'));
    expect(readFileSync(join(dir, 'deploy', 'policy.json'), 'utf8')).toBe('{"policy":1}');
    expect(JSON.parse(readFileSync(join(dir, 'deploy', 'choice.json'), 'utf8')).chosen).toEqual(chosen);
    writeDeployment(chooseDeployment([{ ...chosen, score: -0.01 }], -1 / 240, 'one-se', 20), join(dir, 'deploy'));
    expect(existsSync(join(dir, 'deploy', 'policy.json'))).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'deploy', 'choice.json'), 'utf8')).chosen).toBeNull();
  });

  it("the report's section lists every candidate by score and states the chosen policy's test numbers apart", () => {
    const choice = chooseDeployment([cand('OPD-S', 1, -0.003), cand('OPD-F', 2, -0.001)], -1 / 240, 'one-se', 20);
    const tests = [{ against: 'TWAP', meanDiffBps: 1.58, pValue: 0.001, pValueByDay: 0.05 }, { against: 'VWAP', meanDiffBps: 2.5, pValue: 0.01, pValueByDay: 0.17 }];
    const s = deploymentSection(choice, { paBps: 1.58, rewardE2: 0.66, tests });
    expect(s.rows.map((r) => [r[0], r[1], r[2], r[6], r[8]])).toEqual([
      ['1', 'OPD-F', '2', '-0.10', 'chosen'],
      ['2', 'OPD-S', '1', '-0.30', ''],
    ]);
    expect(s.intro).toContain("above TWAP's -0.42");
    expect(s.intro).toContain('Chosen: OPD-F seed 2 (greedy), score -0.10');
    expect(s.intro).toContain('On the test split (not used for the choice) it earned PA 1.58 bps and reward 0.66 x 10^-2; against TWAP +1.58 bps (p = 0.050), VWAP +2.50 bps (p = 0.17) on day means.');
    expect(deploymentSection(chooseDeployment([cand('PPO', 1, -0.01)], -1 / 240, 'one-se', 20), null).intro).toContain('deploy TWAP');
    expect(s.intro).not.toContain('Caution');
    expect(s.intro).not.toContain('market context');
    const market = deploymentSection(chooseDeployment([cand('OPD-F', 1, 0.001, true)], -1 / 240, 'one-se', 20), null).intro;
    expect(market).toContain("It reads the market context (the day's cross-section of instruments), so `execlab backtest` runs it, and the live service runs it on the cross-section of its market feed (POST /market/...).");
    const peers = deploymentSection(chooseDeployment([cand('OPD-F', 1, 0.001, true, 50)], -1 / 240, 'one-se', 20), null).intro;
    expect(peers).toContain("It reads the market context (the day's cross-section of instruments) and the peer context (groups of 50, kept in its file), so `execlab backtest` runs it");
  });

  it('warns when the validation split has a single day, whose scores carry no standard error', () => {
    const one = chooseDeployment([cand('OPD-F', 1, 0.3)], -1 / 237, 'one-se', 1);
    expect(one.validationDays).toBe(1);
    expect(deploymentSection(one, null).intro).toContain("Caution: the validation split has one day, so no score has a standard error and the choice rests on that day's market alone.");
  });
});

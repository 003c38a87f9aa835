/**
 * The policy to deploy: of every deployable policy a reproduction trained (each student method x
 * seed), the one with the best validation score under the run's selection rule, if that score is
 * above TWAP's; otherwise TWAP. Only what training recorded from the validation split is read, so
 * the test split plays no part in the choice (its numbers are shown beside it, evaluated once as
 * for every method). The choice is written to `<out>/deploy/`: `choice.json` always, and
 * `policy.json` (a copy of the chosen file, for `backtest --strategy` and `serve --policy`) only when
 * a learned policy was chosen.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { PolicyFile } from '../rl/common/policy-file.js';
import type { SelectionRule } from '../rl/common/selection.js';
import type { PairedTest, SweepSection } from '../report/types.js';
import { horizonMinutesOf, type PeriodGrid, type SimSettings } from '../sim/settings.js';
import { writeFileAtomic } from '../util/files.js';

/** One trained policy as a candidate: what its training recorded on the validation split. */
export interface DeployCandidate {
  readonly method: string;
  readonly seed: number;
  /** The policy file. */
  readonly source: string;
  readonly mode: string;
  readonly validationReward: number;
  /** Standard error of the validation reward's day means (null when the file does not record it). */
  readonly validationRewardSeByDay: number | null;
  readonly validationPaBps: number;
  /** The selection rule's score: reward - SE by day ('one-se') or the mean PA ('mean-pa'). */
  readonly score: number;
  /** Whether it reads the market context (the day's cross-section): backtests run it, the live service with its market feed. */
  readonly marketContext: boolean;
  /** The size of the peer groups whose context it reads (they are in its file), or null. */
  readonly peerGroups: number | null;
}

export interface DeployChoice {
  readonly selection: SelectionRule;
  /** Days of the validation split the scores come from (with one, no score has a standard error). */
  readonly validationDays: number;
  /** TWAP's score under the same rule (its validation reward is exact, see twapScore). */
  readonly twapScore: number;
  /** Best first. */
  readonly candidates: readonly DeployCandidate[];
  /** The chosen policy, or null: TWAP (no candidate scored above it). */
  readonly chosen: DeployCandidate | null;
  /** Policies left out, with the reason (a teacher; a file without the rule's validation record). */
  readonly skipped: readonly string[];
}

interface RecordedBest {
  readonly paBps?: unknown;
  readonly reward?: unknown;
  readonly rewardSeByDay?: unknown;
  readonly mode?: unknown;
}

const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** The candidate a policy file makes under `rule`, or why it is not one. */
export function deployCandidate(method: string, seed: number, source: string, file: PolicyFile, rule: SelectionRule): DeployCandidate | string {
  const label = `${method} seed ${seed}`;
  if (file.spec.view !== 'student') return `${label}: sees the future (not deployable)`;
  const best = (file.training.best ?? {}) as RecordedBest;
  if (!isNumber(best.paBps) || !isNumber(best.reward)) return `${label}: its file records no validation result`;
  const se = isNumber(best.rewardSeByDay) ? best.rewardSeByDay : null;
  if (rule === 'one-se' && se === null) return `${label}: its file records no standard error of the validation reward (trained under another selection rule)`;
  return {
    method,
    seed,
    source,
    mode: typeof best.mode === 'string' ? best.mode : (file.evaluation ?? 'greedy'),
    validationReward: best.reward,
    validationRewardSeByDay: se,
    validationPaBps: best.paBps,
    score: rule === 'one-se' ? best.reward - se! : best.paBps,
    marketContext: file.spec.market === true,
    peerGroups: file.spec.peers?.size ?? null,
  };
}

/**
 * TWAP's validation score under `rule`, exact under the paper's fill model: every order fills in full
 * at each minute's average price, so its PA is 0 and its reward -alpha * H * (1/H)^2 / 100 =
 * -alpha / (100 H) for a horizon of H minutes (SPEC 4) on every order, with no spread between days.
 */
export function twapScore(sim: SimSettings, grid: PeriodGrid, rule: SelectionRule): number {
  const f = sim.fill;
  if (f.participationCap !== null || f.lotSize !== 1 || f.noFillWithoutVolume) throw new Error("TWAP's validation score is exact only under the paper's fill model");
  return rule === 'one-se' ? -sim.alpha / (100 * horizonMinutesOf(grid)) : 0;
}

/** The best candidate by score (the first in the given order on ties), if it beats TWAP's score; the chosen one is the caller's own object. */
export function chooseDeployment(candidates: readonly (DeployCandidate | string)[], twap: number, rule: SelectionRule, validationDays: number): DeployChoice {
  // A stable sort of the filtered copy: equal scores keep the methods' and seeds' order.
  const ranked = candidates.filter((c): c is DeployCandidate => typeof c !== 'string').sort((a, b) => b.score - a.score);
  const top = ranked[0];
  return {
    selection: rule,
    validationDays,
    twapScore: twap,
    candidates: ranked,
    chosen: top !== undefined && top.score > twap ? top : null,
    skipped: candidates.filter((c): c is string => typeof c === 'string'),
  };
}

/** Writes `dir/choice.json`, and `dir/policy.json` for a chosen policy (removing a stale one otherwise). */
export function writeDeployment(choice: DeployChoice, dir: string): void {
  const policy = join(dir, 'policy.json');
  // Both files appear whole or not at all (a killed run leaves no torn policy behind).
  if (choice.chosen) writeFileAtomic(policy, readFileSync(choice.chosen.source));
  else rmSync(policy, { force: true });
  writeFileAtomic(join(dir, 'choice.json'), JSON.stringify(choice, null, 2) + '\n');
}

/** A warning when the validation split is too short for the choice to mean much, else null. */
export function deploymentCaution(choice: DeployChoice): string | null {
  if (choice.validationDays >= 2) return null;
  return `Caution: the validation split has ${choice.validationDays === 1 ? 'one day' : 'no days'}, so no score has a standard error and the choice rests on that day's market alone.`;
}

/** What the chosen policy did on the test split (its own seed's run), for the report. */
export interface ChosenTest {
  readonly paBps: number;
  readonly rewardE2: number;
  readonly tests: readonly PairedTest[];
}

/** The report's section: every candidate by validation score, the choice, and the chosen policy's test numbers. */
export function deploymentSection(choice: DeployChoice, test: ChosenTest | null): SweepSection {
  const oneSe = choice.selection === 'one-se';
  const unit = oneSe ? 'x 10^-2' : 'bps';
  const show = (x: number): string => (oneSe ? (100 * x).toFixed(2) : x.toFixed(2));
  const rule = oneSe ? 'the mean validation reward less one standard error of its day means' : 'the mean validation PA';
  let intro =
    `The policy to deploy is chosen on the validation split alone: of every deployable policy trained here (each ` +
    `student method and seed), the one with the best score, ${rule} (${unit}), as its training recorded it, if that is ` +
    `above TWAP's ${show(choice.twapScore)}. `;
  if (choice.chosen) {
    const c = choice.chosen;
    intro += `Chosen: ${c.method} seed ${c.seed} (${c.mode}), score ${show(c.score)}; its file is deploy/policy.json. `;
    if (c.marketContext) {
      const peers = c.peerGroups !== null ? ` and the peer context (groups of ${c.peerGroups}, kept in its file)` : '';
      intro += `It reads the market context (the day's cross-section of instruments)${peers}, so \`execlab backtest\` runs it, and the live service runs it on the cross-section of its market feed (POST /market/...). `;
    }
    if (test) {
      const day = (against: string): string => {
        const t = test.tests.find((x) => x.against === against);
        return t ? `${against} ${t.meanDiffBps >= 0 ? '+' : ''}${t.meanDiffBps.toFixed(2)} bps (p = ${t.pValueByDay != null ? t.pValueByDay.toPrecision(2) : 'n/a'})` : '';
      };
      const against = ['TWAP', 'VWAP', 'AC', 'STATIC'].map(day).filter((s) => s !== '');
      intro += `On the test split (not used for the choice) it earned PA ${test.paBps.toFixed(2)} bps and reward ${test.rewardE2.toFixed(2)} x 10^-2; against ${against.join(', ')} on day means.`;
    }
  } else {
    intro += 'No learned policy scored above TWAP on validation: deploy TWAP (no deploy/policy.json is written).';
  }
  if (choice.skipped.length > 0) intro += ` Not candidates: ${choice.skipped.join('; ')}.`;
  const caution = deploymentCaution(choice);
  if (caution) intro += ` ${caution}`;
  return {
    intro,
    header: ['rank', 'method', 'seed', 'mode', 'validation reward (x 10^-2)', 'SE by day', `score (${unit})`, 'validation PA (bps)', ''],
    rows: choice.candidates.map((c, k) => [
      String(k + 1),
      c.method,
      String(c.seed),
      c.mode,
      (100 * c.validationReward).toFixed(2),
      c.validationRewardSeByDay === null ? 'n/a' : (100 * c.validationRewardSeByDay).toFixed(2),
      show(c.score),
      c.validationPaBps.toFixed(2),
      c === choice.chosen ? 'chosen' : '',
    ]),
  };
}

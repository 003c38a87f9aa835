/**
 * Number formatting and the results table shared by the Markdown and the HTML report, so that both
 * print the same digits, the same significance marks and the same "n/a" for undefined values.
 */
import { Document, isScalar, visit } from 'yaml';
import type { Estimate, PairedTest, ReportData, StrategyReport, SweepSection } from './types.js';

/** What an undefined value is printed as (SPEC 5: an undefined GLR is neither 0 nor infinity). */
export const NOT_AVAILABLE = 'n/a';
/** What a cell that does not apply is printed as (e.g. TWAP's test against itself). */
export const NOT_APPLICABLE = '—';

/** The reference schedule every strategy is tested against (SPEC 5). */
export const REFERENCE_STRATEGY = 'TWAP';

/**
 * Pairs marked with a dagger: distillation against the pure student, the paper's second claim
 * (SPEC 9: "distillation beats the pure student").
 */
export const DAGGER_PAIRS: ReadonlyArray<{ readonly strategy: string; readonly against: string }> = [
  { strategy: 'OPD', against: 'OPD-S' },
];

/** A fixed-point number; non-finite values (and null) print as "n/a". Avoids "-0.00". */
export function formatFixed(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NOT_AVAILABLE;
  const text = value.toFixed(digits);
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
}

/** A number with an explicit sign for non-zero values ("+1.25", "-0.40", "0.00"). */
export function formatSigned(value: number | null | undefined, digits = 2): string {
  const text = formatFixed(value, digits);
  if (text === NOT_AVAILABLE) return text;
  return Number(text) > 0 ? `+${text}` : text;
}

/** A share in [0, 1] as a percentage ("53.1%"). */
export function formatPercent(share: number | null | undefined, digits = 1): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return NOT_AVAILABLE;
  return `${formatFixed(share * 100, digits)}%`;
}

/** A 95% confidence interval as "[lo, hi]". */
export function formatInterval(interval: readonly [number, number], digits = 2): string {
  return `[${formatFixed(interval[0], digits)}, ${formatFixed(interval[1], digits)}]`;
}

/** A p-value: "<0.001" below a thousandth, three decimals otherwise; null prints as "n/a". */
export function formatPValue(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return NOT_AVAILABLE;
  if (p < 0.001) return '<0.001';
  return p.toFixed(3);
}

/** The gain-loss ratio; null (no gains or no losses) prints as "n/a". */
export function formatGlr(glr: number | null): string {
  return formatFixed(glr, 2);
}

/** Significance marks against TWAP: "**" for p < 0.01, "*" for p < 0.05, "" otherwise. */
export function significanceMark(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '';
  if (p < 0.01) return '**';
  if (p < 0.05) return '*';
  return '';
}

/** Dagger marks for a dagger pair: "††" for p < 0.01, "†" for p < 0.05, "" otherwise. */
export function daggerMark(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '';
  if (p < 0.01) return '††';
  if (p < 0.05) return '†';
  return '';
}

/** A mean with the seed spread when the strategy was trained with several seeds: "5.19 ± 0.41". */
export function formatMeanWithSeedSpread(mean: number, seeds: number, seedStd: number | undefined, digits = 2): string {
  const text = formatFixed(mean, digits);
  return seeds > 1 && seedStd !== undefined ? `${text} ± ${formatFixed(seedStd, digits)}` : text;
}

/** The paired test of a strategy against a reference, if it was run. */
export function findTest(strategy: StrategyReport, against: string): PairedTest | undefined {
  return strategy.tests.find((test) => test.against === against);
}

/** The dagger test that applies to a strategy (e.g. OPD against OPD-S), if any. */
export function findDaggerTest(strategy: StrategyReport): PairedTest | undefined {
  const pair = DAGGER_PAIRS.find((candidate) => candidate.strategy === strategy.name);
  return pair === undefined ? undefined : findTest(strategy, pair.against);
}

/** One column of the results table. `numeric` cells are right-aligned. */
export interface ResultsColumn {
  readonly key: string;
  readonly label: string;
  readonly numeric: boolean;
  /** A one-line explanation (used as a tooltip in HTML and in the Markdown legend). */
  readonly help: string;
}

/** One formatted row of the results table; cells are keyed by column key. */
export interface ResultsRow {
  readonly strategy: string;
  readonly kind: StrategyReport['kind'];
  readonly cells: Readonly<Record<string, string>>;
}

export interface ResultsTable {
  readonly columns: readonly ResultsColumn[];
  readonly rows: readonly ResultsRow[];
  /** Explanations of the marks and columns, one sentence each. */
  readonly legend: readonly string[];
}

export const RESULTS_COLUMNS: readonly ResultsColumn[] = [
  { key: 'strategy', label: 'Strategy', numeric: false, help: 'Strategy (kind)' },
  { key: 'orders', label: 'Orders', numeric: true, help: 'Test orders evaluated' },
  { key: 'seeds', label: 'Seeds', numeric: true, help: 'Training seeds averaged' },
  { key: 'reward', label: 'Reward (×10⁻²)', numeric: true, help: 'Mean episode reward in units of 10^-2 (± std over seeds)' },
  { key: 'rewardCi', label: 'Reward 95% CI', numeric: true, help: '95% confidence interval of the mean reward over orders' },
  { key: 'pa', label: 'PA (bps)', numeric: true, help: 'Mean price advantage in bps (± std over seeds), with marks' },
  { key: 'paCi', label: 'PA 95% CI', numeric: true, help: '95% confidence interval of mean PA over orders' },
  { key: 'paSeByDay', label: 'PA SE (days)', numeric: true, help: 'Standard error of mean PA from day-level means' },
  { key: 'glr', label: 'GLR', numeric: true, help: 'Gain-loss ratio; n/a when there are no gains or no losses' },
  { key: 'sharePositive', label: 'PA > 0', numeric: true, help: 'Share of orders with positive PA' },
  { key: 'fillRate', label: 'Fill', numeric: true, help: 'Executed / ordered quantity' },
  { key: 'diffVsTwap', label: 'Δ PA vs TWAP', numeric: true, help: 'Mean paired PA difference against TWAP (bps)' },
  { key: 'pOrders', label: 'p (orders)', numeric: true, help: 'Two-sided paired t-test against TWAP over orders' },
  { key: 'pDays', label: 'p (days)', numeric: true, help: 'Two-sided test against TWAP on day-level mean differences' },
];

/** The results table, formatted once for both renderers. */
export function resultsTable(data: ReportData): ResultsTable {
  const rows = data.strategies.map((strategy): ResultsRow => {
    const vsTwap = strategy.name === REFERENCE_STRATEGY ? undefined : findTest(strategy, REFERENCE_STRATEGY);
    const dagger = findDaggerTest(strategy);
    const paMarks = significanceMark(vsTwap?.pValue) + daggerMark(dagger?.pValue);
    const untested = strategy.name === REFERENCE_STRATEGY ? NOT_APPLICABLE : NOT_AVAILABLE;
    return {
      strategy: strategy.name,
      kind: strategy.kind,
      cells: {
        strategy: strategy.name,
        orders: String(strategy.orders),
        seeds: String(strategy.seeds),
        reward: formatMeanWithSeedSpread(strategy.rewardE2.mean, strategy.seeds, strategy.rewardSeedStdE2),
        rewardCi: formatInterval(strategy.rewardE2.ci95),
        pa: formatMeanWithSeedSpread(strategy.paBps.mean, strategy.seeds, strategy.paSeedStd) + paMarks,
        paCi: formatInterval(strategy.paBps.ci95),
        paSeByDay: formatFixed(strategy.paBps.seByDay),
        glr: formatGlr(strategy.glr),
        sharePositive: formatPercent(strategy.sharePositive),
        fillRate: formatPercent(strategy.fillRate),
        diffVsTwap: vsTwap === undefined ? untested : formatSigned(vsTwap.meanDiffBps),
        pOrders: vsTwap === undefined ? untested : formatPValue(vsTwap.pValue) + significanceMark(vsTwap.pValue),
        pDays: vsTwap === undefined ? untested : formatPValue(vsTwap.pValueByDay) + significanceMark(vsTwap.pValueByDay),
      },
    };
  });
  const legend = [
    'PA marks: ** p < 0.01, * p < 0.05 in the paired test against TWAP over orders (the paper\'s convention); the p (days) column repeats the test on day-level means, which is the more conservative one because orders of one day share the market\'s move.',
    ...DAGGER_PAIRS.map(
      (pair) => `${pair.strategy} against ${pair.against}: †† p < 0.01, † p < 0.05 (paired over orders).`,
    ),
    '± after a mean is the standard deviation over training seeds; CIs are 95% over orders.',
    `GLR is ${NOT_AVAILABLE} when a strategy has no gains or no losses; ${NOT_AVAILABLE} elsewhere means not computed.`,
  ];
  return { columns: RESULTS_COLUMNS, rows, legend };
}

/** The Results section's sentence when nothing was evaluated. */
export function noResultsSentence(data: ReportData): string {
  if (data.dataset.testDays === 0) return 'No test split: nothing was evaluated out of sample. The methods were trained and the policy to deploy chosen on validation (below); backtest it on later days.';
  return 'No strategy was evaluated.';
}

/** The orders' side as the dataset facts state it. */
export function orderSideText(data: ReportData): string {
  const side = data.dataset.orderSide ?? 'sell';
  const mirror = data.dataset.mirrorBuys ? "; the learners read a buy's price features mirrored" : '';
  return (side === 'mixed' ? "mixed: each order's side drawn 50/50, and the learners read the side" : `${side} (every order)`) + mirror;
}

/** Total test orders (the largest order count of any strategy; all normally run the same orders). */
export function totalOrders(data: ReportData): number {
  return data.strategies.reduce((most, strategy) => Math.max(most, strategy.orders), 0);
}

/** Distinct values in first-seen order. */
export function distinct<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

/** An estimate as "mean ± standard error". */
export function formatEstimate(estimate: Estimate, digits = 2): string {
  return `${formatFixed(estimate.mean, digits)} ± ${formatFixed(estimate.se, digits)}`;
}

/** A formatted table, rendered by both the Markdown and the HTML report. */
export interface TableModel {
  readonly header: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
  /** Per column: numbers are right-aligned. */
  readonly align: ReadonlyArray<'left' | 'right'>;
}

/** The settings as YAML, the format `--config` files use, so the appendix can be pasted back into one. */
export function settingsYaml(settings: Readonly<Record<string, unknown>>): string {
  const document = new Document(settings);
  // Lists of plain values (action map, seeds, layer sizes) read best on one line: [0, 0.25, 0.5].
  visit(document, {
    Seq(_key, node) {
      if (node.items.every((item) => isScalar(item))) node.flow = true;
    },
  });
  return document.toString({ lineWidth: 0, flowCollectionPadding: false }).trimEnd();
}

/** The title of the forecast planner's section. */
export const FORECAST_TITLE = 'What the state supports: the forecast planner (validation only)';
/** The title of the section on the policy to deploy. */
export const DEPLOYMENT_TITLE = 'The policy to deploy (chosen on validation)';

/** A sweep section's heading: the one that chose every learner's settings, or one method's own. */
export function sweepTitle(method: string | null): string {
  return method === null ? 'Settings sweep (validation only)' : `Settings sweep: ${method} (validation only)`;
}

/** A sweep section's HTML anchor. */
export function sweepAnchor(method: string | null): string {
  return method === null ? 'sweep' : `sweep-${method.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}

/** A settings sweep's table: the trial column left-aligned, the rest right-aligned. */
export function sweepModel(sweep: SweepSection): TableModel {
  return { header: sweep.header, rows: sweep.rows, align: sweep.header.map((_, k) => (k === 0 ? 'left' : 'right')) };
}

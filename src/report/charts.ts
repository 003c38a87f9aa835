/**
 * Chart specs for the HTML report: plain JSON Chart.js configurations computed here, in TypeScript,
 * so the page only has to hand them to Chart.js (no statistics run in the browser). Every strategy
 * keeps one colour across all charts.
 */
import { distinct } from './format.js';
import type { ReportData, StrategyReport } from './types.js';

/** A Chart.js dataset as plain JSON (only the fields this report uses). */
export interface ChartDataset {
  readonly type?: 'bar' | 'line';
  readonly label: string;
  readonly data: ReadonlyArray<number | null | readonly [number, number] | { readonly x: number; readonly y: number }>;
  readonly yAxisID?: string;
  readonly backgroundColor?: string | readonly string[];
  readonly borderColor?: string | readonly string[];
  readonly borderWidth?: number;
  readonly pointRadius?: number;
  readonly pointStyle?: string;
  readonly pointBackgroundColor?: string | readonly string[];
  readonly pointBorderColor?: string | readonly string[];
  readonly showLine?: boolean;
  readonly fill?: boolean | string;
  readonly tension?: number;
  readonly grouped?: boolean;
  readonly barPercentage?: number;
  readonly categoryPercentage?: number;
  readonly order?: number;
  /** Starts hidden; the reader shows it by clicking its legend entry. */
  readonly hidden?: boolean;
  /**
   * Not a Chart.js field: this dataset is an edge of the band around the series with this label;
   * the page keeps it out of the legend and shows or hides it with that series.
   */
  readonly bandOf?: string;
}

/** A Chart.js configuration as plain JSON. */
export interface ChartConfig {
  readonly type: 'bar' | 'line';
  readonly data: {
    readonly labels?: readonly string[];
    readonly datasets: readonly ChartDataset[];
  };
  readonly options: Readonly<Record<string, unknown>>;
}

/** One chart of the report: a canvas with a stable id, or a sentence when the data is missing. */
export interface ChartSection {
  /** The canvas id, stable across reports (tests and readers rely on it). */
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  /** Height of the chart area in CSS pixels, when it differs from the report's default. */
  readonly heightPx?: number;
  /** null when there is nothing to draw; then `emptyMessage` is shown instead of a canvas. */
  readonly config: ChartConfig | null;
  readonly emptyMessage: string;
}

/** The canvas ids, in the order the charts appear. */
export const CHART_IDS = {
  paDistribution: 'chart-pa-dist',
  trajectory: 'chart-trajectory',
  exampleDay: 'chart-example-day',
  training: 'chart-training',
  entropy: 'chart-entropy',
  liquidity: 'chart-liquidity',
  byDay: 'chart-by-day',
} as const;

/**
 * One colour per strategy, chosen to stay apart for common colour-vision deficiencies; rule
 * baselines are muted, the distilled student is the strongest colour.
 */
const STRATEGY_COLOURS: Readonly<Record<string, string>> = {
  TWAP: '#6b7280',
  VWAP: '#b45309',
  AC: '#0f766e',
  DDQN: '#7c3aed',
  PPO: '#db2777',
  'OPD-S': '#2563eb',
  OPD: '#dc2626',
  'OPD-T': '#15803d',
};
const FALLBACK_COLOURS = ['#0891b2', '#65a30d', '#9333ea', '#ea580c', '#475569', '#be123c', '#4d7c0f', '#1d4ed8'];

/** The colour of a strategy; unknown names get a fallback colour by their position in the report. */
export function strategyColour(name: string, index: number): string {
  return STRATEGY_COLOURS[name] ?? FALLBACK_COLOURS[index % FALLBACK_COLOURS.length];
}

/** "#rrggbb" with an alpha, as "rgba(r, g, b, a)". */
export function withAlpha(hex: string, alpha: number): string {
  const value = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
}

/** Rounds for the embedded JSON: the charts need no more digits than a reader can see. */
function round(value: number, decimals = 4): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** Linear-interpolation quantile of an ascending sorted array (the usual "type 7" definition). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** The summary behind one box of the PA distribution chart. */
export interface DistributionSummary {
  readonly count: number;
  readonly mean: number;
  readonly p5: number;
  readonly p25: number;
  readonly median: number;
  readonly p75: number;
  readonly p95: number;
}

/** Quantiles of a sample (non-finite values are ignored); null for an empty sample. */
export function summariseDistribution(sample: readonly number[]): DistributionSummary | null {
  const sorted = sample.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  return {
    count: sorted.length,
    mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
    p5: quantileSorted(sorted, 0.05),
    p25: quantileSorted(sorted, 0.25),
    median: quantileSorted(sorted, 0.5),
    p75: quantileSorted(sorted, 0.75),
    p95: quantileSorted(sorted, 0.95),
  };
}

const baseOptions = {
  responsive: true,
  maintainAspectRatio: false,
  animation: false,
  interaction: { mode: 'nearest', intersect: false },
  plugins: { legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 12 } } },
} as const;

function axis(title: string, extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return { title: { display: true, text: title }, ...extra };
}

function colourOf(data: ReportData): (strategy: StrategyReport | string) => string {
  const names = data.strategies.map((s) => s.name);
  return (strategy) => {
    const name = typeof strategy === 'string' ? strategy : strategy.name;
    const index = names.indexOf(name);
    return strategyColour(name, index < 0 ? names.length : index);
  };
}

/**
 * Oracle strategies (the teacher sees the future) whose mean PA is more than three times that of
 * every deployable strategy: drawn at full scale they would flatten the differences that matter.
 */
function dwarfingOracles(data: ReportData): Set<string> {
  const deployable = data.strategies.filter((strategy) => strategy.kind !== 'oracle');
  const largest = Math.max(1, ...deployable.map((strategy) => Math.abs(strategy.paBps.mean)));
  return new Set(
    data.strategies
      .filter((strategy) => strategy.kind === 'oracle' && Math.abs(strategy.paBps.mean) > 3 * largest)
      .map((strategy) => strategy.name),
  );
}

/** The caption sentence for charts that start with oracles hidden. */
function oracleHiddenSentence(hidden: readonly string[]): string {
  if (hidden.length === 0) return '';
  const subject =
    hidden.length === 1
      ? `The oracle ${hidden[0]} sees the whole day, is far above the deployable strategies and starts`
      : `The oracles ${hidden.join(', ')} see the whole day, are far above the deployable strategies and start`;
  return ` ${subject} hidden so that the differences between the others stay visible; click a legend entry to show or hide a strategy.`;
}

/**
 * (a) Distribution of per-order PA: a box per strategy (whisker 5th-95th percentile, box
 * 25th-75th, median line, mean dot). Boxes rather than a histogram because a schedule without
 * a cap, like TWAP, has PA exactly 0 on every order, a spike that would flatten every other curve.
 */
function paDistributionChart(data: ReportData): ChartSection {
  const colour = colourOf(data);
  const summaries = data.strategies
    .map((strategy) => ({ strategy, summary: summariseDistribution(strategy.paSample) }))
    .filter((entry): entry is { strategy: StrategyReport; summary: DistributionSummary } => entry.summary !== null);
  const section = {
    id: CHART_IDS.paDistribution,
    title: 'Distribution of per-order PA',
    caption:
      'Per-order price advantage (bps) of each strategy on the test orders: thin bar 5th to 95th percentile, box 25th to 75th percentile, black line the median, white dot the mean.',
    emptyMessage: 'No per-order PA samples were recorded, so there is no distribution to show.',
  };
  if (summaries.length === 0) return { ...section, config: null };
  const colours = summaries.map((entry) => colour(entry.strategy));
  return {
    ...section,
    config: {
      type: 'bar',
      data: {
        labels: summaries.map((entry) => entry.strategy.name),
        datasets: [
          {
            label: '5th-95th percentile',
            data: summaries.map((entry) => [round(entry.summary.p5, 2), round(entry.summary.p95, 2)] as const),
            backgroundColor: colours.map((c) => withAlpha(c, 0.35)),
            borderWidth: 0,
            grouped: false,
            barPercentage: 0.12,
            order: 3,
          },
          {
            label: 'interquartile range',
            data: summaries.map((entry) => [round(entry.summary.p25, 2), round(entry.summary.p75, 2)] as const),
            backgroundColor: colours.map((c) => withAlpha(c, 0.75)),
            borderColor: colours,
            borderWidth: 1,
            grouped: false,
            barPercentage: 0.55,
            order: 2,
          },
          {
            type: 'line',
            label: 'median',
            data: summaries.map((entry) => round(entry.summary.median, 2)),
            showLine: false,
            pointStyle: 'line',
            pointRadius: 16,
            borderColor: '#111827',
            borderWidth: 2,
            order: 1,
          },
          {
            type: 'line',
            label: 'mean',
            data: summaries.map((entry) => round(entry.summary.mean, 2)),
            showLine: false,
            pointStyle: 'circle',
            pointRadius: 4,
            pointBackgroundColor: '#ffffff',
            pointBorderColor: '#111827',
            borderWidth: 1.5,
            order: 0,
          },
        ],
      },
      options: {
        ...baseOptions,
        plugins: { legend: { display: false } },
        scales: { x: axis('strategy'), y: axis('PA per order (bps)') },
      },
    },
  };
}

/** (b) Mean share of the order executed in each decision period, grouped bars per strategy. */
function trajectoryChart(data: ReportData): ChartSection {
  const colour = colourOf(data);
  const strategies = data.strategies.filter((strategy) => strategy.trajectory.length > 0);
  const periods = Math.max(0, ...strategies.map((strategy) => strategy.trajectory.length));
  const section = {
    id: CHART_IDS.trajectory,
    title: 'Mean execution trajectory',
    caption: 'Mean share of the order (%) executed in each decision period, per strategy.',
    emptyMessage: 'No execution trajectories were recorded.',
  };
  if (periods === 0) return { ...section, config: null };
  return {
    ...section,
    config: {
      type: 'bar',
      data: {
        labels: Array.from({ length: periods }, (_, period) => `P${period + 1}`),
        datasets: strategies.map((strategy) => ({
          label: strategy.name,
          data: Array.from({ length: periods }, (_, period) => {
            const share = strategy.trajectory[period];
            return share === undefined ? null : round(share * 100, 3);
          }),
          backgroundColor: colour(strategy),
          borderWidth: 0,
        })),
      },
      options: {
        ...baseOptions,
        scales: { x: axis('decision period'), y: axis('share of the order (%)', { beginAtZero: true }) },
      },
    },
  };
}

/**
 * (c) One example order: the minute price path on top and, under it, one strip per strategy with
 * the share of the order it executed in each minute (bars). Strips (Chart.js stacked axes) rather
 * than one overlaid axis: eight bar series over 237 minutes either shrink to sub-pixel bars or,
 * overlaid, hide each other wherever two strategies trade at the same rate.
 */
function exampleDayChart(data: ReportData): ChartSection {
  const colour = colourOf(data);
  const day = data.exampleDay;
  const trades = day === null ? [] : day.trades.filter((trade) => trade.sharePerMinute.length > 0);
  const maxSharePct = Math.max(0, ...trades.flatMap((trade) => trade.sharePerMinute)) * 100;
  const stripMax = maxSharePct > 0 ? niceCeiling(maxSharePct) : 1;
  const section = {
    id: CHART_IDS.exampleDay,
    title: day === null ? 'Example day' : `Example day: ${day.instrument}, ${day.date} (${day.side})`,
    caption:
      day === null
        ? ''
        : `Top: minute average price of ${day.instrument} on ${day.date}. Below: for each strategy, the share of the ${day.side} order (%) executed in each minute, every strip on the same scale from 0 to ${stripMax}% per minute.`,
    emptyMessage: 'No example day was recorded for this run.',
  };
  if (day === null || day.prices.length === 0) return { ...section, config: null };
  const stripAxisId = (index: number): string => `yTrades${index}`;
  const scales: Record<string, unknown> = {
    x: axis('minute', { ticks: { maxTicksLimit: 16, autoSkip: true, maxRotation: 0 } }),
  };
  // Chart.js stacks axes of one `stack` group bottom-up in the order they are declared.
  [...trades].reverse().forEach((trade) => {
    const index = trades.indexOf(trade);
    scales[stripAxisId(index)] = {
      type: 'linear',
      position: 'left',
      stack: 'day',
      stackWeight: 1,
      min: 0,
      max: stripMax,
      title: { display: true, text: trade.strategy, color: colour(trade.strategy), font: { size: 11, weight: 'bold' } },
      // Tick labels of adjacent strips would collide; the caption states the common scale.
      ticks: { display: false, stepSize: stripMax },
      grid: { drawTicks: false },
      border: { color: '#d1d5db' },
    };
  });
  scales.yPrice = {
    type: 'linear',
    position: 'left',
    stack: 'day',
    stackWeight: Math.max(3, Math.round(trades.length / 2)),
    beginAtZero: false,
    grace: '5%',
    title: { display: true, text: 'price' },
    border: { color: '#d1d5db' },
  };
  return {
    ...section,
    heightPx: 220 + 48 * trades.length,
    config: {
      type: 'bar',
      data: {
        labels: [...day.minuteLabels],
        datasets: [
          {
            type: 'line',
            label: 'price',
            data: day.prices.map((price) => round(price, 4)),
            yAxisID: 'yPrice',
            borderColor: '#111827',
            backgroundColor: '#111827',
            borderWidth: 1.5,
            pointRadius: 0,
            tension: 0,
          },
          ...trades.map(
            (trade, index): ChartDataset => ({
              type: 'bar',
              label: `${trade.strategy} (% of order)`,
              data: trade.sharePerMinute.map((share) => round(share * 100, 3)),
              yAxisID: stripAxisId(index),
              backgroundColor: colour(trade.strategy),
              borderWidth: 0,
              grouped: false,
              barPercentage: 1,
              categoryPercentage: 1,
            }),
          ),
        ],
      },
      options: {
        ...baseOptions,
        interaction: { mode: 'index', intersect: false },
        plugins: { legend: { display: false } },
        scales,
      },
    },
  };
}

/** The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `value` (> 0). */
export function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((candidate) => candidate * power >= value * (1 - 1e-12)) ?? 10;
  return step * power;
}

/** (d) Validation PA per training iteration: the mean over seeds with a min-max band. */
function trainingChart(data: ReportData): ChartSection {
  const colour = colourOf(data);
  const curves = data.trainingCurves.filter((curve) => curve.iterations.length > 0);
  const section = {
    id: CHART_IDS.training,
    title: 'Training curves',
    caption:
      'Validation mean PA (bps) at each training iteration: line the mean over seeds, shaded band the minimum to maximum over seeds.',
    emptyMessage: 'No training curves were recorded (no learned strategy was trained in this run).',
  };
  if (curves.length === 0) return { ...section, config: null };
  const oracles = dwarfingOracles(data);
  const hidden = curves.map((curve) => curve.strategy).filter((name) => oracles.has(name));
  const points = (iterations: readonly number[], values: readonly number[]): Array<{ x: number; y: number }> =>
    iterations.map((x, index) => ({ x, y: round(values[index], 3) }));
  return {
    ...section,
    caption: section.caption + oracleHiddenSentence(hidden),
    config: {
      type: 'line',
      data: {
        datasets: curves.flatMap((curve): ChartDataset[] => {
          const c = colour(curve.strategy);
          const isHidden = oracles.has(curve.strategy);
          return [
            {
              label: `${curve.strategy} (seed min)`,
              data: points(curve.iterations, curve.lowPaBps),
              borderColor: withAlpha(c, 0),
              backgroundColor: withAlpha(c, 0.15),
              borderWidth: 0,
              pointRadius: 0,
              fill: false,
              hidden: isHidden,
              bandOf: curve.strategy,
            },
            {
              label: `${curve.strategy} (seed max)`,
              data: points(curve.iterations, curve.highPaBps),
              borderColor: withAlpha(c, 0),
              backgroundColor: withAlpha(c, 0.15),
              borderWidth: 0,
              pointRadius: 0,
              fill: '-1',
              hidden: isHidden,
              bandOf: curve.strategy,
            },
            {
              label: curve.strategy,
              data: points(curve.iterations, curve.meanPaBps),
              borderColor: c,
              backgroundColor: c,
              borderWidth: 2,
              pointRadius: 0,
              fill: false,
              tension: 0.2,
              hidden: isHidden,
            },
          ];
        }),
      },
      options: {
        ...baseOptions,
        scales: { x: axis('training iteration', { type: 'linear' }), y: axis('validation PA (bps)') },
      },
    },
  };
}

/** (d') The policy's mean entropy in the collection of each validated iteration, mean over seeds. */
function entropyChart(data: ReportData): ChartSection {
  const colour = colourOf(data);
  const curves = data.trainingCurves.filter((curve) => curve.entropy !== undefined && curve.entropy.some((e) => Number.isFinite(e)));
  const section = {
    id: CHART_IDS.entropy,
    title: 'Policy entropy through training',
    caption:
      "The policy's mean entropy (nats) over the actions of each validated iteration's collection, mean over seeds. A fall to 0 is a policy that has settled on one action per state; ln 5 = 1.61 is the uniform choice over the default five actions. DDQN has no policy distribution.",
    emptyMessage: 'No entropy was recorded (no policy-gradient learner was trained in this run).',
  };
  if (curves.length === 0) return { ...section, config: null };
  return {
    ...section,
    config: {
      type: 'line',
      data: {
        datasets: curves.map((curve) => ({
          label: curve.strategy,
          data: curve.iterations.map((x, k) => ({ x, y: round(curve.entropy![k], 4) })).filter((p) => Number.isFinite(p.y)),
          borderColor: colour(curve.strategy),
          backgroundColor: colour(curve.strategy),
          borderWidth: 2,
          pointRadius: 0,
          fill: false,
          tension: 0.2,
        })),
      },
      options: {
        ...baseOptions,
        scales: { x: axis('training iteration', { type: 'linear' }), y: axis('entropy (nats)', { min: 0 }) },
      },
    },
  };
}

/** (e) Mean PA by liquidity bucket, grouped bars per strategy. */
function liquidityChart(data: ReportData): ChartSection {
  const colour = colourOf(data);
  const strategies = data.strategies.filter((strategy) => strategy.byLiquidity.length > 0);
  const buckets = distinct(strategies.flatMap((strategy) => strategy.byLiquidity.map((b) => b.bucket)));
  const section = {
    id: CHART_IDS.liquidity,
    title: 'PA by liquidity bucket',
    caption: 'Mean PA (bps) by liquidity tercile of the instrument (trailing mean minute volume), per strategy.',
    emptyMessage: 'No liquidity breakdown was recorded.',
  };
  if (buckets.length === 0) return { ...section, config: null };
  const oracles = dwarfingOracles(data);
  return {
    ...section,
    caption: section.caption + oracleHiddenSentence(strategies.map((s) => s.name).filter((name) => oracles.has(name))),
    config: {
      type: 'bar',
      data: {
        labels: buckets,
        datasets: strategies.map((strategy) => ({
          label: strategy.name,
          data: buckets.map((bucket) => {
            const entry = strategy.byLiquidity.find((b) => b.bucket === bucket);
            return entry === undefined ? null : round(entry.paBps, 3);
          }),
          backgroundColor: colour(strategy),
          borderWidth: 0,
          hidden: oracles.has(strategy.name),
        })),
      },
      options: { ...baseOptions, scales: { x: axis('liquidity bucket'), y: axis('mean PA (bps)') } },
    },
  };
}

/** Up to this many test days, PA per day is drawn as grouped bars; beyond, as lines. */
const MAX_DAYS_AS_BARS = 12;

/** (f) Mean PA per test day per strategy. */
function byDayChart(data: ReportData): ChartSection {
  const colour = colourOf(data);
  const strategies = data.strategies.filter((strategy) => strategy.paByDay.length > 0);
  const dates = distinct([
    ...data.dataset.testDates,
    ...strategies.flatMap((strategy) => strategy.paByDay.map((d) => d.date)),
  ]).filter((date) => strategies.some((strategy) => strategy.paByDay.some((d) => d.date === date)));
  const asBars = dates.length <= MAX_DAYS_AS_BARS;
  const section = {
    id: CHART_IDS.byDay,
    title: 'PA per test day',
    caption:
      'Mean PA (bps) over the orders of each test day. Orders of one day share the market\'s move, so the day-to-day spread is the honest measure of uncertainty.',
    emptyMessage: 'No per-day results were recorded.',
  };
  if (dates.length === 0) return { ...section, config: null };
  const oracles = dwarfingOracles(data);
  return {
    ...section,
    caption: section.caption + oracleHiddenSentence(strategies.map((s) => s.name).filter((name) => oracles.has(name))),
    config: {
      type: asBars ? 'bar' : 'line',
      data: {
        labels: dates,
        datasets: strategies.map((strategy) => ({
          label: strategy.name,
          data: dates.map((date) => {
            const entry = strategy.paByDay.find((d) => d.date === date);
            return entry === undefined ? null : round(entry.paBps, 3);
          }),
          backgroundColor: colour(strategy),
          borderColor: colour(strategy),
          borderWidth: asBars ? 0 : 1.5,
          pointRadius: asBars ? undefined : 2.5,
          hidden: oracles.has(strategy.name),
        })),
      },
      options: { ...baseOptions, scales: { x: axis('test day'), y: axis('mean PA (bps)') } },
    },
  };
}

/** All charts of the report, in display order. */
export function buildCharts(data: ReportData): ChartSection[] {
  return [
    paDistributionChart(data),
    trajectoryChart(data),
    exampleDayChart(data),
    trainingChart(data),
    entropyChart(data),
    liquidityChart(data),
    byDayChart(data),
  ];
}

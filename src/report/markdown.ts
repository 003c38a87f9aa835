/**
 * The Markdown report (report.md): the paper's results table extended with uncertainty and tests,
 * every paired test, PA per test day and per test month, by liquidity bucket, the execution
 * trajectory, notes and the full settings.
 * The secondary tables are built here as TableModels, which the HTML report shows as well.
 */
import {
  noResultsSentence,
  distinct,
  formatFixed,
  formatPValue,
  formatPercent,
  formatSigned,
  NOT_AVAILABLE,
  resultsTable,
  settingsYaml,
  significanceMark,
  sweepModel,
  sweepTitle,
  DEPLOYMENT_TITLE,
  FORECAST_TITLE,
  totalOrders,
  orderSideText,
  type TableModel,
} from './format.js';
import { monthOf, paByMonth, testDays } from './derive.js';
import type { ReportData } from './types.js';

const right = (count: number): Array<'right'> => Array.from({ length: count }, () => 'right' as const);

function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Every paired test that was run, one row each, in report order; null when there are none. */
export function pairedTestsTable(data: ReportData): TableModel | null {
  const rows = data.strategies.flatMap((strategy) =>
    strategy.tests.map((test) => {
      const days = testDays(data, strategy, test);
      return [
        strategy.name,
        test.against,
        formatSigned(test.meanDiffBps),
        formatPValue(test.pValue),
        formatPValue(test.pValueByDay) + significanceMark(test.pValueByDay),
        days === undefined ? NOT_AVAILABLE : String(days),
        formatFixed(test.detectableBps),
        test.daysFor80 == null ? NOT_AVAILABLE : test.daysFor80.toLocaleString('en-US'),
      ];
    }),
  );
  if (rows.length === 0) return null;
  return {
    header: ['Strategy', 'Against', 'Δ PA (bps)', 'p (orders)', 'p (days)', 'Days', 'Δ for p < 0.05 (days)', 'Days for 80% power'],
    rows,
    align: ['left', 'left', ...right(6)],
  };
}

/** What the marks of the paired-tests table mean. */
export const PAIRED_TESTS_INTRO =
  "Every paired test that was run: mean PA difference (strategy minus reference, bps) on the same orders, the two-sided p-value over orders and on day-level mean differences, and the days behind the latter. Marks on p (days): ** p < 0.01, * p < 0.05; the test on day means is the conservative one, because orders of one day share the market's move. The column Δ for p < 0.05 is the smallest difference the day-level test would call significant at p < 0.05 with the day-to-day spread it has (the critical t on days - 1 degrees of freedom times the standard error of the day means): what the test window can resolve against that reference. The last, the test days a test of that spread needs to find this difference with 80% power at p < 0.05 (the normal approximation; n/a for a difference of 0).";

/**
 * Mean PA per calendar month of the test days (rows) and strategy (columns), from PA per day; the
 * Days column counts the month's test days, and a strategy with PA on fewer of them says how many.
 */
export function byMonthTable(data: ReportData): TableModel | null {
  const strategies = data.strategies.filter((strategy) => strategy.paByDay.length > 0);
  const perStrategy = strategies.map((strategy) => paByMonth(strategy.paByDay));
  const dates = distinct([...data.dataset.testDates, ...strategies.flatMap((s) => s.paByDay.map((d) => d.date))]);
  const daysInMonth = new Map<string, number>();
  for (const date of dates) {
    const month = monthOf(date);
    if (month !== null) daysInMonth.set(month, (daysInMonth.get(month) ?? 0) + 1);
  }
  const months = [...new Set(perStrategy.flatMap((list) => list.map((m) => m.month)))].sort();
  if (months.length === 0) return null;
  const rows = months.map((month) => {
    const days = daysInMonth.get(month) ?? 0;
    return [
      month,
      String(days),
      ...perStrategy.map((list) => {
        const entry = list.find((m) => m.month === month);
        if (entry === undefined) return NOT_AVAILABLE;
        return formatFixed(entry.paBps) + (entry.days === days ? '' : ` (${entry.days} d)`);
      }),
    ];
  });
  rows.push([
    'months with PA > 0',
    '',
    ...perStrategy.map((list) => `${list.filter((m) => m.paBps > 0).length}/${list.length}`),
  ]);
  return { header: ['Month', 'Days', ...strategies.map((s) => s.name)], rows, align: ['left', ...right(strategies.length + 1)] };
}

/** What the month table shows. */
export const BY_MONTH_INTRO =
  'Mean PA (bps) over the orders of each calendar month of the test days (each day weighted by its orders). A strategy with PA on fewer of the month\'s test days shows their number as "(k d)".';

/** Mean PA per test day (rows) and strategy (columns), with the mean of days and the days won. */
export function byDayTable(data: ReportData): TableModel | null {
  const strategies = data.strategies.filter((strategy) => strategy.paByDay.length > 0);
  const dates = distinct([...data.dataset.testDates, ...strategies.flatMap((s) => s.paByDay.map((d) => d.date))]);
  if (dates.length === 0 || strategies.length === 0) return null;
  const rows = dates.map((date) => {
    const orders = strategies.map((s) => s.paByDay.find((d) => d.date === date)?.orders).find((n) => n !== undefined);
    return [
      date,
      orders === undefined ? NOT_AVAILABLE : String(orders),
      ...strategies.map((s) => formatFixed(s.paByDay.find((d) => d.date === date)?.paBps)),
    ];
  });
  rows.push(['mean of days', '', ...strategies.map((s) => formatFixed(mean(s.paByDay.map((d) => d.paBps))))]);
  rows.push([
    'days with PA > 0',
    '',
    ...strategies.map((s) => `${s.paByDay.filter((d) => d.paBps > 0).length}/${s.paByDay.length}`),
  ]);
  return { header: ['Date', 'Orders', ...strategies.map((s) => s.name)], rows, align: ['left', ...right(strategies.length + 1)] };
}

/** Mean PA per liquidity bucket (rows) and strategy (columns). */
export function liquidityTable(data: ReportData): TableModel | null {
  const strategies = data.strategies.filter((strategy) => strategy.byLiquidity.length > 0);
  const buckets = distinct(strategies.flatMap((s) => s.byLiquidity.map((b) => b.bucket)));
  if (buckets.length === 0) return null;
  const rows = buckets.map((bucket) => {
    const orders = strategies.map((s) => s.byLiquidity.find((b) => b.bucket === bucket)?.orders).find((n) => n !== undefined);
    return [
      bucket,
      orders === undefined ? NOT_AVAILABLE : String(orders),
      ...strategies.map((s) => formatFixed(s.byLiquidity.find((b) => b.bucket === bucket)?.paBps)),
    ];
  });
  return { header: ['Bucket', 'Orders', ...strategies.map((s) => s.name)], rows, align: ['left', ...right(strategies.length + 1)] };
}

/** Mean share of the order per decision period (columns), per strategy (rows). */
export function trajectoryTable(data: ReportData): TableModel | null {
  const strategies = data.strategies.filter((strategy) => strategy.trajectory.length > 0);
  const periods = Math.max(0, ...strategies.map((s) => s.trajectory.length));
  if (periods === 0) return null;
  return {
    header: ['Strategy', ...Array.from({ length: periods }, (_, period) => `P${period + 1}`), 'Distinct schedules', 'Orders on the most common'],
    rows: strategies.map((s) => [
      s.name,
      ...Array.from({ length: periods }, (_, period) => formatPercent(s.trajectory[period])),
      s.schedules ? String(s.schedules.distinct) : NOT_AVAILABLE,
      s.schedules ? formatPercent(s.schedules.modalShare) : NOT_AVAILABLE,
    ]),
    align: ['left', ...right(periods + 2)],
  };
}

/** Per training curve: the number of validations, the final and the best mean validation PA. */
export function trainingTable(data: ReportData): TableModel | null {
  const curves = data.trainingCurves.filter((curve) => curve.iterations.length > 0);
  if (curves.length === 0) return null;
  const withKept = curves.some((curve) => curve.kept !== undefined);
  const rows = curves.map((curve) => {
    const last = curve.iterations.length - 1;
    let best = 0;
    curve.meanPaBps.forEach((value, index) => {
      if (value > curve.meanPaBps[best]) best = index;
    });
    return [
      curve.strategy,
      String(curve.iterations.length),
      `${formatFixed(curve.meanPaBps[last])} [${formatFixed(curve.lowPaBps[last])}, ${formatFixed(curve.highPaBps[last])}]`,
      `${formatFixed(curve.meanPaBps[best])} at iteration ${curve.iterations[best]}`,
      curve.entropy ? `${formatFixed(curve.entropy[0])} → ${formatFixed(curve.entropy[last])}` : NOT_AVAILABLE,
      ...(withKept ? [curve.kept ? curve.kept.join('; ') : NOT_AVAILABLE] : []),
    ];
  });
  return {
    header: [
      'Strategy',
      'Validations',
      'Final validation PA [min, max]',
      'Best mean validation PA',
      'Entropy (nats), first → last validation',
      ...(withKept ? ['Kept per seed (mode @ iteration)'] : []),
    ],
    rows,
    align: ['left', ...right(withKept ? 5 : 4)],
  };
}

/** A table cell: pipes and line breaks would break the row. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function markdownTable(model: TableModel): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `| ${model.align.map((side) => (side === 'right' ? '---:' : '---')).join(' | ')} |`;
  return [line(model.header), rule, ...model.rows.map(line)].join('\n');
}

/** A fenced block whose fence is longer than any run of backticks inside it. */
function fenced(language: string, body: string): string {
  const longestRun = Math.max(2, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  return `${fence}${language}\n${body}\n${fence}`;
}

/** A section: heading, optional intro sentence, then the table or the sentence for "nothing". */
function tableSection(heading: string, intro: string, model: TableModel | null, empty: string): string {
  if (model === null) return `## ${heading}\n\n${empty}`;
  return [`## ${heading}`, '', ...(intro === '' ? [] : [intro, '']), markdownTable(model)].join('\n');
}

function datasetSection(data: ReportData): string {
  const { dataset } = data;
  const dates = dataset.testDates;
  const dateRange =
    dates.length === 0 ? NOT_AVAILABLE : dates.length === 1 ? dates[0] : `${dates[0]} to ${dates[dates.length - 1]}`;
  return [
    '## Dataset',
    '',
    `- Name: ${dataset.name}`,
    `- Source: ${dataset.source}`,
    `- Instruments: ${dataset.instruments}`,
    `- Days: ${dataset.trainDays} train, ${dataset.validationDays} validation, ${dataset.testDays} test`,
    `- Test dates: ${dateRange} (${dates.length} days)`,
    `- Test orders: ${totalOrders(data)}`,
    `- Order side: ${orderSideText(data)}`,
  ].join('\n');
}

function resultsSection(data: ReportData): string {
  const results = resultsTable(data);
  if (results.rows.length === 0) return `## Results\n\n${noResultsSentence(data)}`;
  const model: TableModel = {
    header: results.columns.map((column) => column.label),
    rows: results.rows.map((row) => results.columns.map((column) => row.cells[column.key] ?? '')),
    align: results.columns.map((column) => (column.numeric ? 'right' : 'left')),
  };
  return ['## Results', '', markdownTable(model), '', ...results.legend.map((sentence) => `- ${sentence}`)].join('\n');
}

function notesSection(data: ReportData): string {
  if (data.notes.length === 0) return '## Notes\n\nNone.';
  return ['## Notes', '', ...data.notes.map((note) => `- ${note.replace(/\r?\n/g, ' ')}`)].join('\n');
}

/** The sections of the test split's results (a run without a test split has none). */
function testSections(data: ReportData): string[] {
  return [
    tableSection(
      'PA per test day',
      "Mean PA (bps) over the orders of each test day. Orders of one day share the market's move, so the spread across days is the honest measure of uncertainty.",
      byDayTable(data),
      'No per-day results.',
    ),
    tableSection('PA per test month', BY_MONTH_INTRO, byMonthTable(data), 'No per-month results.'),
    tableSection(
      'PA by liquidity bucket',
      'Mean PA (bps) by liquidity tercile of the instrument (trailing mean minute volume).',
      liquidityTable(data),
      'No liquidity breakdown.',
    ),
    tableSection(
      'Execution trajectory',
      'Mean share of the order executed in each decision period; then how many distinct schedules the orders got and the share of orders on the most common one (100% = one fixed schedule for every order, whatever the state).',
      trajectoryTable(data),
      'No trajectories.',
    ),
  ];
}

/** The whole Markdown report. */
export function renderMarkdown(data: ReportData): string {
  const paired = pairedTestsTable(data);
  const training = trainingTable(data);
  const sections = [
    `# ${data.title}`,
    `Generated ${data.generatedAt} by \`${data.command.replace(/`/g, "'")}\`.`,
    datasetSection(data),
    resultsSection(data),
    paired === null ? '' : tableSection('Paired tests', PAIRED_TESTS_INTRO, paired, ''),
    ...(data.dataset.testDays === 0 ? [] : testSections(data)),
    training === null
      ? ''
      : tableSection('Training', 'Validation PA (bps): mean over seeds, with [min, max] over seeds.', training, ''),
    ...(data.sweeps ?? []).map((w) => tableSection(sweepTitle(w.method), w.section.intro, sweepModel(w.section), '')),
    data.forecast ? tableSection(FORECAST_TITLE, data.forecast.intro, sweepModel(data.forecast), '') : '',
    data.deployment ? tableSection(DEPLOYMENT_TITLE, data.deployment.intro, sweepModel(data.deployment), '') : '',
    notesSection(data),
    ['## Settings', '', fenced('yaml', settingsYaml(data.settings))].join('\n'),
  ];
  return `${sections.filter((section) => section !== '').join('\n\n')}\n`;
}

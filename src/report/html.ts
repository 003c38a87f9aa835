/**
 * The HTML report (report.html): one self-contained file that opens offline. Chart.js's UMD bundle,
 * the CSS, the report data and the chart specs are all inlined; nothing refers to a URL.
 * When every chart has been drawn the page sets `window.__chartsRendered` to their number, so a
 * browser test (test/report/browser.test.ts) can wait for it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ExecLabError } from '../errors.js';
import { buildCharts, CHART_IDS, strategyColour, type ChartSection } from './charts.js';
import { DEPLOYMENT_TITLE, FORECAST_TITLE, NOT_AVAILABLE, noResultsSentence, resultsTable, orderSideText, settingsYaml, sweepAnchor, sweepModel, sweepTitle, totalOrders, type TableModel } from './format.js';
import {
  BY_MONTH_INTRO,
  byDayTable,
  byMonthTable,
  liquidityTable,
  PAIRED_TESTS_INTRO,
  pairedTestsTable,
  trainingTable,
  trajectoryTable,
} from './markdown.js';
import type { ReportData } from './types.js';

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * JSON safe to place inside a <script> element: "<", ">" and "&" become \u escapes (so neither
 * "</script>" nor "<!--" can end or change the element) and so do the JavaScript line separators.
 * JSON.parse gives back the same value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

let chartJsCache: string | undefined;

/**
 * The Chart.js UMD bundle from the installed `chart.js` package (minified when available). The
 * package's exports map hides dist/, so the bundle is found next to its resolvable main file.
 */
export function chartJsSource(): string {
  if (chartJsCache !== undefined) return chartJsCache;
  const require = createRequire(import.meta.url);
  let distDir: string;
  try {
    distDir = dirname(require.resolve('chart.js'));
  } catch (error) {
    throw new ExecLabError(`the HTML report needs the chart.js package, which could not be resolved: ${String(error)}`);
  }
  const bundle = ['chart.umd.min.js', 'chart.umd.js'].map((name) => join(distDir, name)).find((path) => existsSync(path));
  if (bundle === undefined) {
    throw new ExecLabError(`the HTML report needs Chart.js's UMD bundle: neither chart.umd.min.js nor chart.umd.js is in ${distDir}`);
  }
  // "</script" cannot occur in code outside strings, regexes and comments, where "<\/script" means the same.
  chartJsCache = readFileSync(bundle, 'utf8').replace(/<\/script/gi, '<\\/script');
  return chartJsCache;
}

const STYLE = `
:root { --text: #1f2937; --muted: #6b7280; --line: #e5e7eb; --panel: #f9fafb; --accent: #1d4ed8; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--text); background: #fff; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.container { max-width: 1240px; margin: 0 auto; padding: 28px 24px 56px; }
h1 { font-size: 1.7rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.02rem; margin: 0 0 8px; }
.meta { color: var(--muted); margin: 0; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.86em; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 8px 20px; margin: 0; }
.facts div { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.facts dt { color: var(--muted); font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.03em; }
.facts dd { margin: 0; font-weight: 600; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 0.86rem; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
thead th { background: var(--panel); text-align: left; font-weight: 600; white-space: normal; vertical-align: bottom; }
table.results td { vertical-align: top; }
.ci { display: block; color: var(--muted); font-size: 0.78rem; font-weight: 400; }
.source { color: var(--muted); font-size: 0.86rem; margin: 10px 0 0; }
tbody tr:nth-child(even) { background: #fcfcfd; }
tbody tr:last-child td { border-bottom: none; }
th.num, td.num { text-align: right; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 7px; vertical-align: baseline; }
.kind { color: var(--muted); font-size: 0.78rem; margin-left: 6px; }
.legend { color: var(--muted); font-size: 0.84rem; margin: 10px 0 0; padding-left: 18px; }
.intro { color: var(--muted); font-size: 0.88rem; margin: 0 0 10px; }
figure { margin: 0 0 22px; padding: 16px 18px 12px; border: 1px solid var(--line); border-radius: 8px; }
.chart-box { position: relative; height: 360px; width: 100%; }
figcaption { color: var(--muted); font-size: 0.86rem; margin-top: 10px; }
.nowrap { white-space: nowrap; }
.empty { color: var(--muted); font-style: italic; margin: 8px 0; }
details { margin-top: 10px; }
summary { cursor: pointer; color: var(--accent); font-size: 0.86rem; }
details .table-wrap { margin-top: 8px; }
.notes li { margin-bottom: 4px; }
pre.settings { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; overflow: auto; max-height: 480px; }
@media print { .chart-box { height: 300px; } figure { break-inside: avoid; } }
`;

/**
 * Draws every chart spec with Chart.js, then sets window.__chartsRendered to the number drawn.
 * A chart that fails is reported with console.error and left out of the count.
 */
const BOOTSTRAP = `
(function () {
  'use strict';
  var specs = JSON.parse(document.getElementById('chart-specs').textContent);
  var rendered = 0;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#374151';
  Chart.defaults.animation = false;
  // Band edges (dataset.bandOf = the label of their series) stay out of the legend ...
  function legendFilter(item, chartData) {
    var dataset = chartData.datasets[item.datasetIndex];
    return !(dataset && dataset.bandOf);
  }
  // ... and follow their series when a legend click shows or hides it.
  function legendClick(event, item, legend) {
    var chart = legend.chart;
    var label = chart.data.datasets[item.datasetIndex].label;
    var visible = !chart.isDatasetVisible(item.datasetIndex);
    chart.data.datasets.forEach(function (dataset, index) {
      if (index === item.datasetIndex || dataset.bandOf === label) chart.setDatasetVisibility(index, visible);
    });
    chart.update();
  }
  specs.forEach(function (spec) {
    var canvas = document.getElementById(spec.id);
    if (!canvas) { console.error('report: no canvas for chart ' + spec.id); return; }
    var options = spec.config.options;
    options.plugins = options.plugins || {};
    options.plugins.legend = options.plugins.legend || {};
    options.plugins.legend.labels = options.plugins.legend.labels || {};
    options.plugins.legend.labels.filter = legendFilter;
    options.plugins.legend.onClick = legendClick;
    try {
      new Chart(canvas, spec.config);
      rendered += 1;
    } catch (error) {
      console.error('report: chart ' + spec.id + ' failed: ' + (error && error.message ? error.message : error));
    }
  });
  requestAnimationFrame(function () {
    window.__chartsRendered = rendered;
    document.documentElement.setAttribute('data-charts-rendered', String(rendered));
  });
})();
`;

function htmlTable(model: TableModel, attributes = ''): string {
  const cls = (index: number): string => (model.align[index] === 'right' ? ' class="num"' : '');
  const head = model.header.map((text, index) => `<th${cls(index)}>${escapeHtml(text)}</th>`).join('');
  const body = model.rows
    .map((row) => `<tr>${row.map((text, index) => `<td${cls(index)}>${escapeHtml(text)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<div class="table-wrap"><table${attributes}><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function asTable(summary: string, model: TableModel | null): string {
  return model === null ? '' : `<details><summary>${escapeHtml(summary)}</summary>${htmlTable(model)}</details>`;
}

function datasetSection(data: ReportData): string {
  const { dataset } = data;
  const dates = dataset.testDates;
  // Dates stay on one line each: browsers would otherwise break them at their hyphens.
  const date = (text: string): string => `<span class="nowrap">${escapeHtml(text)}</span>`;
  const range =
    dates.length === 0
      ? NOT_AVAILABLE
      : dates.length === 1
        ? date(dates[0])
        : `${date(dates[0])} to ${date(dates[dates.length - 1])}`;
  const facts: Array<[string, string]> = [
    ['Dataset', escapeHtml(dataset.name)],
    ['Instruments', String(dataset.instruments)],
    ['Days (train / validation / test)', `${dataset.trainDays} / ${dataset.validationDays} / ${dataset.testDays}`],
    ['Test dates', `${range} (${dates.length} days)`],
    ['Test orders', String(totalOrders(data))],
    ['Order side', escapeHtml(orderSideText(data))],
  ];
  const items = facts.map(([term, valueHtml]) => `<div><dt>${escapeHtml(term)}</dt><dd>${valueHtml}</dd></div>`).join('\n');
  return `<section id="dataset"><h2>Dataset</h2><dl class="facts">\n${items}\n</dl><p class="source">Source: ${escapeHtml(dataset.source)}</p></section>`;
}

/** In HTML the confidence intervals sit under their means, which keeps the table within the page width. */
const CI_UNDER: Readonly<Record<string, string>> = { reward: 'rewardCi', pa: 'paCi' };

function resultsSection(data: ReportData): string {
  const results = resultsTable(data);
  if (results.rows.length === 0) return `<section id="results"><h2>Results</h2><p class="empty">${escapeHtml(noResultsSentence(data))}</p></section>`;
  const names = data.strategies.map((s) => s.name);
  const merged = new Set(Object.values(CI_UNDER));
  const columns = results.columns.filter((column) => !merged.has(column.key));
  const head = columns
    .map((column) => {
      const label = column.key in CI_UNDER ? `${column.label} <span class="ci">95% CI</span>` : escapeHtml(column.label);
      return `<th${column.numeric ? ' class="num"' : ''} title="${escapeHtml(column.help)}">${label}</th>`;
    })
    .join('');
  const body = results.rows
    .map((row) => {
      const cells = columns.map((column) => {
        const text = escapeHtml(row.cells[column.key] ?? '');
        if (column.key === 'strategy') {
          const colour = strategyColour(row.strategy, names.indexOf(row.strategy));
          return `<td><span class="swatch" style="background:${colour}"></span><strong>${text}</strong><span class="kind">${escapeHtml(row.kind)}</span></td>`;
        }
        const ciKey = CI_UNDER[column.key];
        const ci = ciKey === undefined ? '' : `<span class="ci">${escapeHtml(row.cells[ciKey] ?? '')}</span>`;
        return `<td${column.numeric ? ' class="num"' : ''}>${text}${ci}</td>`;
      });
      return `<tr data-strategy="${escapeHtml(row.strategy)}">${cells.join('')}</tr>`;
    })
    .join('\n');
  const legend = results.legend.map((sentence) => `<li>${escapeHtml(sentence)}</li>`).join('');
  return [
    '<section id="results"><h2>Results</h2>',
    `<div class="table-wrap"><table id="results-table" class="results"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`,
    `<ul class="legend">${legend}</ul>`,
    '</section>',
  ].join('\n');
}

/** A section with a heading, an intro paragraph and a table; the `empty` sentence (or nothing) without one. */
function tableSection(id: string, heading: string, intro: string, model: TableModel | null, empty: string): string {
  if (model === null) return empty === '' ? '' : `<section id="${id}"><h2>${escapeHtml(heading)}</h2><p class="empty">${escapeHtml(empty)}</p></section>`;
  return `<section id="${id}"><h2>${escapeHtml(heading)}</h2><p class="intro">${escapeHtml(intro)}</p>${htmlTable(model, ` id="${id}-table"`)}</section>`;
}

/** The table shown under a chart, for readers who want the numbers. */
function tableFor(chart: ChartSection, data: ReportData): string {
  switch (chart.id) {
    case CHART_IDS.trajectory:
      return asTable('Show as a table', trajectoryTable(data));
    case CHART_IDS.training:
      return asTable('Show as a table', trainingTable(data));
    case CHART_IDS.liquidity:
      return asTable('Show as a table', liquidityTable(data));
    case CHART_IDS.byDay:
      return asTable('Show as a table', byDayTable(data));
    default:
      return '';
  }
}

function chartFigure(chart: ChartSection, data: ReportData): string {
  const title = `<h3>${escapeHtml(chart.title)}</h3>`;
  if (chart.config === null) {
    return `<figure id="${chart.id}-figure">${title}<p class="empty" data-chart-missing="${chart.id}">${escapeHtml(chart.emptyMessage)}</p></figure>`;
  }
  return [
    `<figure id="${chart.id}-figure">${title}`,
    `<div class="chart-box"${chart.heightPx === undefined ? '' : ` style="height:${Math.round(chart.heightPx)}px"`}><canvas id="${chart.id}" role="img" aria-label="${escapeHtml(chart.title)}"></canvas></div>`,
    `<figcaption>${escapeHtml(chart.caption)}</figcaption>`,
    tableFor(chart, data),
    '</figure>',
  ].join('\n');
}

function notesSection(data: ReportData): string {
  const body =
    data.notes.length === 0
      ? '<p class="empty">None.</p>'
      : `<ul class="notes">${data.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('\n')}</ul>`;
  return `<section id="notes"><h2>Notes</h2>${body}</section>`;
}

/** Options for renderHtml; the default inlines the installed Chart.js bundle. */
export interface HtmlOptions {
  /** The Chart.js UMD source to inline (tests may pass a stub). */
  readonly chartJs?: string;
}

/** The whole HTML report as one self-contained string. */
export function renderHtml(data: ReportData, options: HtmlOptions = {}): string {
  // A run without a test split has only its training to draw.
  const noTest = data.dataset.testDays === 0;
  const charts = buildCharts(data).filter((chart) => !noTest || chart.id === CHART_IDS.training || chart.id === CHART_IDS.entropy);
  const drawn = charts.filter((chart) => chart.config !== null);
  const specs = drawn.map((chart) => ({ id: chart.id, config: chart.config }));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main class="container" data-chart-count="${drawn.length}">
<header>
<h1>${escapeHtml(data.title)}</h1>
<p class="meta">Generated ${escapeHtml(data.generatedAt)} by <code>${escapeHtml(data.command)}</code></p>
</header>
${datasetSection(data)}
${resultsSection(data)}
${tableSection('paired-tests', 'Paired tests', PAIRED_TESTS_INTRO, pairedTestsTable(data), '')}
${noTest ? '' : tableSection('by-month', 'PA per test month', BY_MONTH_INTRO, byMonthTable(data), 'No per-month results.')}
<section id="charts"><h2>Charts</h2>
${charts.map((chart) => chartFigure(chart, data)).join('\n')}
</section>
${(data.sweeps ?? []).map((w) => tableSection(sweepAnchor(w.method), sweepTitle(w.method), w.section.intro, sweepModel(w.section), '')).join('\n')}
${data.forecast ? tableSection('forecast', FORECAST_TITLE, data.forecast.intro, sweepModel(data.forecast), '') : ''}
${data.deployment ? tableSection('deployment', DEPLOYMENT_TITLE, data.deployment.intro, sweepModel(data.deployment), '') : ''}
${notesSection(data)}
<section id="settings"><h2>Settings</h2><pre class="settings">${escapeHtml(settingsYaml(data.settings))}</pre></section>
</main>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script type="application/json" id="chart-specs">${jsonForScript(specs)}</script>
<script>${options.chartJs ?? chartJsSource()}</script>
<script>${BOOTSTRAP}</script>
</body>
</html>
`;
}

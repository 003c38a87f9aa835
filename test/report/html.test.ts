import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHART_IDS, strategyColour } from '../../src/report/charts.js';
import { escapeHtml, jsonForScript, renderHtml } from '../../src/report/html.js';
import type { ReportData } from '../../src/report/types.js';
import { allBaselines } from './all-baselines.js';

const sample = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/report/sample-report.json', import.meta.url)), 'utf8'),
) as ReportData;

/** The text inside <script type="application/json" id="..."> */
function embeddedJson(html: string, id: string): unknown {
  const match = new RegExp(`<script type="application/json" id="${id}">([\\s\\S]*?)</script>`).exec(html);
  if (match === null) throw new Error(`no embedded JSON ${id}`);
  return JSON.parse(match[1]);
}

/** The markup with the bodies of every <script> and <style> removed (Chart.js mentions URLs in comments). */
function markupOnly(html: string): string {
  return html.replace(/(<script\b[^>]*>)[\s\S]*?(<\/script>)/gi, '$1$2').replace(/(<style\b[^>]*>)[\s\S]*?(<\/style>)/gi, '$1$2');
}

describe('HTML report', () => {
  const html = renderHtml(sample);

  it('is one self-contained file: no external script, stylesheet, image or link target', () => {
    const markup = markupOnly(html);
    expect(markup).not.toMatch(/<script\b[^>]*\bsrc\s*=/i);
    expect(markup).not.toMatch(/<link\b/i);
    expect(markup).not.toMatch(/<(img|iframe|source|video|audio|embed|object)\b/i);
    expect(markup).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(markup).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
    // Chart.js is inlined, not fetched.
    expect(html).toContain('Chart.js v4');
    expect(html.length).toBeGreaterThan(150_000);
  });

  it('has a canvas with the stable id for every chart', () => {
    for (const id of Object.values(CHART_IDS)) expect(html).toContain(`<canvas id="${id}"`);
    expect(html).toContain(`data-chart-count="${Object.values(CHART_IDS).length}"`);
    const specs = embeddedJson(html, 'chart-specs') as Array<{ id: string }>;
    expect(specs.map((spec) => spec.id)).toEqual(Object.values(CHART_IDS));
  });

  it('embeds the report data as JSON that parses back to the same data', () => {
    expect(embeddedJson(html, 'report-data')).toEqual(sample);
  });

  it('has one results row per strategy with the Markdown figures, CI and marks', () => {
    const rows = [...html.matchAll(/<tr data-strategy="([^"]*)">([\s\S]*?)<\/tr>/g)];
    expect(rows.map((row) => row[1])).toEqual(sample.strategies.map((s) => s.name));
    const opd = rows.find((row) => row[1] === 'OPD')?.[2] ?? '';
    expect(opd).toContain('6.17 ± 0.49**††<span class="ci">[5.63, 6.71]</span>');
    expect(opd).toContain('3.36 ± 0.41<span class="ci">[2.82, 3.90]</span>');
    expect(opd).toContain('&lt;0.001**');
    const twap = rows.find((row) => row[1] === 'TWAP')?.[2] ?? '';
    expect(twap).toContain('>n/a<');
    expect(html).not.toMatch(/>(Infinity|NaN)</);
    // The swatch carries the strategy's chart colour.
    expect(opd).toContain(`background:${strategyColour('OPD', 6)}`);
  });

  it('has a paired-tests section with every test, both p-values, the days and marks on the day-level p', () => {
    const page = renderHtml(allBaselines(), { chartJs: '' });
    const section = /<section id="paired-tests">([\s\S]*?)<\/section>/.exec(page)?.[1] ?? '';
    expect(section).toContain('<h2>Paired tests</h2>');
    expect(section).toContain('<table id="paired-tests-table">');
    expect(section).toContain('** p &lt; 0.01, * p &lt; 0.05');
    const rows = [...section.matchAll(/<tr><td>([^<]*)<\/td><td>([^<]*)<\/td>((?:<td class="num">[^<]*<\/td>)+)<\/tr>/g)].map((row) => [
      row[1],
      row[2],
      ...[...row[3].matchAll(/<td class="num">([^<]*)<\/td>/g)].map((c) => c[1]),
    ]);
    expect(rows.filter((row) => row[0] === 'OPD')).toEqual([
      ['OPD', 'TWAP', '+6.17', '&lt;0.001', '0.001**', '10', '3.35', '111'],
      ['OPD', 'VWAP', '+5.85', '&lt;0.001', '0.004**', '10', 'n/a', 'n/a'],
      ['OPD', 'AC', '+3.84', '0.020', '0.049*', '10', 'n/a', 'n/a'],
      ['OPD', 'STATIC', '+1.20', '0.300', '0.700', '9', 'n/a', 'n/a'],
      ['OPD', 'OPD-S', '+0.98', '0.004', '0.638', '10', 'n/a', 'n/a'],
    ]);
    // One row per test of every strategy.
    expect(rows).toHaveLength(allBaselines().strategies.reduce((n, s) => n + s.tests.length, 0));
    // The table moved out of the results section's collapsed details.
    expect(page).not.toContain('All paired tests');
  });

  it('has the policy to deploy as its own section when the run chose one, and none otherwise', () => {
    expect(html).not.toContain('<section id="deployment">');
    const deployment = { intro: 'Chosen: OPD-F seed 2 (expected), score -0.11.', header: ['rank', 'method', 'seed', ''], rows: [['1', 'OPD-F', '2', 'chosen'], ['2', 'OPD', '3', '']] };
    const page = renderHtml({ ...sample, deployment });
    const section = /<section id="deployment">([\s\S]*?)<\/section>/.exec(page)?.[1] ?? '';
    expect(section).toContain('<h2>The policy to deploy (chosen on validation)</h2>');
    expect(section).toContain('Chosen: OPD-F seed 2 (expected), score -0.11.');
    expect(section).toMatch(/<td[^>]*>OPD-F<\/td><td[^>]*>2<\/td><td[^>]*>chosen<\/td>/);
  });

  it('has a PA-per-month section, and says so when there is no per-day PA', () => {
    const section = /<section id="by-month">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
    expect(section).toContain('<h2>PA per test month</h2>');
    expect(section).toContain('<table id="by-month-table">');
    expect(section).toMatch(/<tr><td>2019-05<\/td><td class="num">10<\/td><td class="num">0.00<\/td>/);
    expect(section).toContain('<td>months with PA &gt; 0</td>');
    const bare: ReportData = { ...sample, strategies: sample.strategies.map((s) => ({ ...s, paByDay: [], tests: [] })) };
    const page = renderHtml(bare, { chartJs: '' });
    expect(page).toContain('<section id="by-month"><h2>PA per test month</h2><p class="empty">No per-month results.</p></section>');
    expect(page).not.toContain('id="paired-tests"');
  });

  it('contains the notes (escaped) and the settings appendix', () => {
    expect(html).toContain('OPD beats OPD-S per order (p &lt; 0.001)');
    expect(html).toContain('<pre class="settings">profile: paper\n');
    expect(html).toContain('actionMap: [0, 0.25, 0.5, 0.75, 1]');
  });

  it('escapes every text it shows and keeps the embedded JSON inert', () => {
    const hostile: ReportData = {
      ...sample,
      title: '<script>alert("x")</script> & co',
      notes: ['</script><img src=x onerror=alert(1)>'],
      settings: { path: '</script><!--' },
    };
    const page = renderHtml(hostile, { chartJs: 'window.Chart = function () {};' });
    expect(page).toContain('<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co</title>');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    // Only the page's own four script elements close.
    expect(page.match(/<\/script>/g)?.length).toBe(4);
    expect(embeddedJson(page, 'report-data')).toEqual(hostile);
  });

  it('says so instead of drawing when training curves or the example day are missing', () => {
    const bare: ReportData = { ...sample, trainingCurves: [], exampleDay: null };
    const page = renderHtml(bare, { chartJs: '' });
    expect(page).not.toContain('<canvas id="chart-training"');
    expect(page).not.toContain('<canvas id="chart-example-day"');
    expect(page).toContain('No training curves were recorded');
    expect(page).toContain('No example day was recorded');
    expect(page).toContain('data-chart-count="4"');
    const specs = embeddedJson(page, 'chart-specs') as Array<{ id: string }>;
    expect(specs.map((spec) => spec.id)).toEqual(['chart-pa-dist', 'chart-trajectory', 'chart-liquidity', 'chart-by-day']);
  });

  it('escapes HTML and JSON for scripts', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const value = { text: '</script><!-- & \u2028' };
    const json = jsonForScript(value);
    expect(json).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(json)).toEqual(value);
  });
});

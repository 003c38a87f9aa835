import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { ReportData } from '../../src/report/types.js';
import { allBaselines } from './all-baselines.js';

const sample = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/report/sample-report.json', import.meta.url)), 'utf8'),
) as ReportData;

/** The cells of the Markdown table row that starts with `first`, under the heading `section`. */
function rowCells(markdown: string, section: string, first: string): string[] {
  const body = markdown.split(`## ${section}\n`)[1].split('\n## ')[0];
  const line = body.split('\n').find((candidate) => candidate.startsWith(`| ${first} |`));
  if (line === undefined) throw new Error(`no row ${first} in ${section}`);
  return line.slice(2, -2).split(' | ');
}

/** The header cells of the first table under `section`. */
function headerCells(markdown: string, section: string): string[] {
  const body = markdown.split(`## ${section}\n`)[1];
  const line = body.split('\n').find((candidate) => candidate.startsWith('| '));
  return line === undefined ? [] : line.slice(2, -2).split(' | ');
}

describe('Markdown report', () => {
  const markdown = renderMarkdown(sample);

  it('starts with the title and the dataset summary', () => {
    expect(markdown.startsWith(`# ${sample.title}\n`)).toBe(true);
    expect(markdown).toContain('- Instruments: 300');
    expect(markdown).toContain('- Days: 160 train, 20 validation, 10 test');
    expect(markdown).toContain('- Test dates: 2019-05-06 to 2019-05-17 (10 days)');
    expect(markdown).toContain('- Test orders: 6000');
    // A report without the side (written before --side) ran sell orders.
    expect(markdown).toContain('- Order side: sell (every order)');
    expect(renderMarkdown({ ...sample, dataset: { ...sample.dataset, orderSide: 'mixed' } })).toContain("- Order side: mixed: each order's side drawn 50/50, and the learners read the side");
  });

  it('has one results row per strategy, in the report order', () => {
    const header = headerCells(markdown, 'Results');
    expect(header).toEqual([
      'Strategy', 'Orders', 'Seeds', 'Reward (×10⁻²)', 'Reward 95% CI', 'PA (bps)', 'PA 95% CI', 'PA SE (days)',
      'GLR', 'PA > 0', 'Fill', 'Δ PA vs TWAP', 'p (orders)', 'p (days)',
    ]);
    const body = markdown.split('## Results\n')[1].split('\n## ')[0];
    const names = body.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| Strategy') && !line.startsWith('| ---')).map((line) => line.split(' | ')[0].slice(2));
    expect(names).toEqual(['TWAP', 'VWAP', 'AC', 'DDQN', 'PPO', 'OPD-S', 'OPD', 'OPD-T']);
  });

  it('formats OPD with seed spread, CI, both marks and both p-values', () => {
    // Fixture: PA 6.17 (seed std 0.49, CI [5.6335, 6.7065]); vs TWAP p 1.6e-112 / by day 0.00122;
    // vs OPD-S p 0.0038 -> ††.
    expect(rowCells(markdown, 'Results', 'OPD')).toEqual([
      'OPD', '6000', '3', '3.36 ± 0.41', '[2.82, 3.90]', '6.17 ± 0.49**††', '[5.63, 6.71]', '1.33',
      '1.29', '61.7%', '100.0%', '+6.17', '<0.001**', '0.001**',
    ]);
  });

  it('prints TWAP with n/a GLR and no test against itself', () => {
    const twap = rowCells(markdown, 'Results', 'TWAP');
    expect(twap[3]).toBe('-0.42');
    expect(twap[5]).toBe('0.00');
    expect(twap[8]).toBe('n/a');
    expect(twap.slice(11)).toEqual(['—', '—', '—']);
  });

  it('marks by the p-value of each test: VWAP is ** over orders but unmarked by day', () => {
    const vwap = rowCells(markdown, 'Results', 'VWAP');
    expect(vwap[5]).toBe('0.32**');
    expect(vwap[12]).toBe('0.008**');
    expect(vwap[13]).toBe('0.589');
    expect(rowCells(markdown, 'Results', 'DDQN')[13]).toBe('0.028*');
    // Only OPD has the dagger test.
    expect(rowCells(markdown, 'Results', 'OPD-S')[5]).toBe('5.19 ± 0.58**');
  });

  it('never prints Infinity or NaN', () => {
    expect(markdown).not.toMatch(/Infinity|NaN/);
  });

  it('lists every paired test with both p-values, the days, and marks on the day-level p', () => {
    expect(headerCells(markdown, 'Paired tests')).toEqual(['Strategy', 'Against', 'Δ PA (bps)', 'p (orders)', 'p (days)', 'Days', 'Δ for p < 0.05 (days)', 'Days for 80% power']);
    // OPD vs TWAP: p 1.6e-112 per order (no mark: marks follow the day-level p), 0.00122 on days -> **.
    // The lead the window could resolve: given in the report data; 'n/a' for a test of a report made before it.
    expect(rowCells(markdown, 'Paired tests', 'OPD').join('|')).toBe('OPD|TWAP|+6.17|<0.001|0.001**|10|3.35|111');
    const body = markdown.split('## Paired tests\n')[1].split('\n## ')[0];
    // OPD vs OPD-S: 0.0038 per order, 0.638 on days -> unmarked.
    expect(body).toContain('| OPD | OPD-S | +0.98 | 0.004 | 0.638 | 10 | n/a | n/a |');
    expect(body).toContain('| DDQN | TWAP | +4.13 | <0.001 | 0.028* | 10 | n/a | n/a |');
    expect(body).toContain('** p < 0.01, * p < 0.05');
  });

  it('lists every baseline a learned strategy was tested against, in the order of its tests', () => {
    const withStatic = allBaselines();
    const text = renderMarkdown(withStatic);
    const body = text.split('## Paired tests\n')[1].split('\n## ')[0];
    const opdRows = body.split('\n').filter((line) => line.startsWith('| OPD | '));
    expect(opdRows).toEqual([
      '| OPD | TWAP | +6.17 | <0.001 | 0.001** | 10 | 3.35 | 111 |',
      '| OPD | VWAP | +5.85 | <0.001 | 0.004** | 10 | n/a | n/a |',
      '| OPD | AC | +3.84 | 0.020 | 0.049* | 10 | n/a | n/a |',
      '| OPD | STATIC | +1.20 | 0.300 | 0.700 | 9 | n/a | n/a |',
      '| OPD | OPD-S | +0.98 | 0.004 | 0.638 | 10 | n/a | n/a |',
    ]);
    // The main table keeps its vs TWAP columns, whatever the position of the TWAP test.
    const ddqn = rowCells(text, 'Results', 'DDQN');
    expect(ddqn.slice(11)).toEqual(['+4.13', '<0.001**', '0.028*']);
    expect(rowCells(text, 'Results', 'OPD')).toEqual(rowCells(markdown, 'Results', 'OPD'));
    expect(rowCells(text, 'Results', 'STATIC').slice(11)).toEqual(['+1.10', '0.100', '0.400']);
  });

  it('tables PA per test month from PA per day, with the days per month', () => {
    // The fixture's ten test days are all in May 2019, 600 orders each: the month is the mean of the day means.
    expect(headerCells(markdown, 'PA per test month')).toEqual(['Month', 'Days', 'TWAP', 'VWAP', 'AC', 'DDQN', 'PPO', 'OPD-S', 'OPD', 'OPD-T']);
    const opd = sample.strategies.find((s) => s.name === 'OPD');
    const opdMean = (opd?.paByDay ?? []).reduce((sum, d) => sum + d.paBps, 0) / 10;
    const may = rowCells(markdown, 'PA per test month', '2019-05');
    expect(may.slice(0, 3)).toEqual(['2019-05', '10', '0.00']);
    expect(may[8]).toBe(opdMean.toFixed(2));

    const twap = sample.strategies[0];
    const opdReport = sample.strategies.find((s) => s.name === 'OPD');
    if (opdReport === undefined) throw new Error('no OPD');
    const spanning: ReportData = {
      ...sample,
      dataset: { ...sample.dataset, testDates: ['2019-04-29', '2019-04-30', '2019-05-02', '2019-05-03'] },
      strategies: [
        { ...twap, paByDay: ['2019-04-29', '2019-04-30', '2019-05-02', '2019-05-03'].map((date) => ({ date, paBps: 0, orders: 100 })) },
        {
          ...opdReport,
          paByDay: [
            { date: '2019-04-29', paBps: 2, orders: 100 },
            { date: '2019-04-30', paBps: -1, orders: 300 },
            { date: '2019-05-02', paBps: 4, orders: 200 },
          ],
        },
      ],
    };
    const text = renderMarkdown(spanning);
    // April: (2 * 100 - 1 * 300) / 400 = -0.25; May: OPD has PA on one of the two days.
    expect(rowCells(text, 'PA per test month', '2019-04')).toEqual(['2019-04', '2', '0.00', '-0.25']);
    expect(rowCells(text, 'PA per test month', '2019-05')).toEqual(['2019-05', '2', '0.00', '4.00 (1 d)']);
    expect(rowCells(text, 'PA per test month', 'months with PA > 0')).toEqual(['months with PA > 0', '', '0/2', '1/2']);
  });

  it('tables PA per test day, by liquidity bucket and the trajectory', () => {
    expect(headerCells(markdown, 'PA per test day')).toEqual(['Date', 'Orders', 'TWAP', 'VWAP', 'AC', 'DDQN', 'PPO', 'OPD-S', 'OPD', 'OPD-T']);
    for (const date of sample.dataset.testDates) expect(markdown).toContain(`| ${date} | 600 |`);
    const opd = sample.strategies.find((s) => s.name === 'OPD');
    expect(rowCells(markdown, 'PA per test day', '2019-05-06')[8]).toBe(opd?.paByDay[0].paBps.toFixed(2));
    expect(rowCells(markdown, 'PA by liquidity bucket', 'low')[1]).toBe('2000');
    const twap = rowCells(markdown, 'Execution trajectory', 'TWAP');
    // The fixture predates the schedule counts: n/a for both.
    expect(twap).toEqual(['TWAP', '12.7%', '12.7%', '12.7%', '12.7%', '12.7%', '12.7%', '12.7%', '11.4%', 'n/a', 'n/a']);
  });

  it('ends with the notes and the settings as YAML that parses back', () => {
    for (const note of sample.notes) expect(markdown).toContain(`- ${note}`);
    const yamlBlock = /## Settings\n\n```yaml\n([\s\S]*?)\n```\n$/.exec(markdown);
    expect(yamlBlock).not.toBeNull();
    expect(parseYaml(yamlBlock?.[1] ?? '')).toEqual(sample.settings);
  });

  it('names the checkpoint and mode each seed kept, when the curves record them', () => {
    const curves = sample.trainingCurves.map((c, k) => (k === 0 ? { ...c, kept: ['expected @ 12', 'greedy @ 4'] } : c));
    const md = renderMarkdown({ ...sample, trainingCurves: curves });
    expect(md).toContain('Kept per seed (mode @ iteration)');
    expect(md).toContain('| expected @ 12; greedy @ 4 |');
    expect(renderMarkdown(sample)).not.toContain('Kept per seed');
  });

  it('says so when pieces are missing instead of printing empty tables', () => {
    const bare: ReportData = {
      ...sample,
      strategies: sample.strategies.map((s) => ({ ...s, byLiquidity: [], paByDay: [], trajectory: [], tests: [] })),
      dataset: { ...sample.dataset, testDates: [] },
      trainingCurves: [],
      exampleDay: null,
      notes: [],
    };
    const text = renderMarkdown(bare);
    expect(text).toContain('## PA by liquidity bucket\n\nNo liquidity breakdown.');
    expect(text).toContain('## PA per test day\n\nNo per-day results.');
    expect(text).toContain('## PA per test month\n\nNo per-month results.');
    expect(text).toContain('## Execution trajectory\n\nNo trajectories.');
    expect(text).not.toContain('## Training');
    expect(text).not.toContain('## Paired tests');
    expect(text).toContain('## Notes\n\nNone.');
  });

  it('escapes pipes in table cells and lengthens the fence around backticks', () => {
    const odd: ReportData = {
      ...sample,
      strategies: [{ ...sample.strategies[0], name: 'A|B' }],
      settings: { comment: 'has ``` inside' },
    };
    const text = renderMarkdown(odd);
    expect(text).toContain('| A\\|B |');
    expect(text).toContain('````yaml\n');
  });
});

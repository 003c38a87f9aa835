import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { ReportData } from '../../src/report/types.js';

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

  it('lists every paired test, including OPD against OPD-S', () => {
    expect(rowCells(markdown, 'Paired tests', 'OPD').join('|')).toBe('OPD|TWAP|+6.17|<0.001**|0.001**');
    const body = markdown.split('## Paired tests\n')[1].split('\n## ')[0];
    expect(body).toContain('| OPD | OPD-S | +0.98 | 0.004** | 0.638 |');
  });

  it('tables PA per test day, by liquidity bucket and the trajectory', () => {
    expect(headerCells(markdown, 'PA per test day')).toEqual(['Date', 'Orders', 'TWAP', 'VWAP', 'AC', 'DDQN', 'PPO', 'OPD-S', 'OPD', 'OPD-T']);
    for (const date of sample.dataset.testDates) expect(markdown).toContain(`| ${date} | 600 |`);
    const opd = sample.strategies.find((s) => s.name === 'OPD');
    expect(rowCells(markdown, 'PA per test day', '2019-05-06')[8]).toBe(opd?.paByDay[0].paBps.toFixed(2));
    expect(rowCells(markdown, 'PA by liquidity bucket', 'low')[1]).toBe('2000');
    const twap = rowCells(markdown, 'Execution trajectory', 'TWAP');
    expect(twap).toEqual(['TWAP', '12.7%', '12.7%', '12.7%', '12.7%', '12.7%', '12.7%', '12.7%', '11.4%']);
  });

  it('ends with the notes and the settings as YAML that parses back', () => {
    for (const note of sample.notes) expect(markdown).toContain(`- ${note}`);
    const yamlBlock = /## Settings\n\n```yaml\n([\s\S]*?)\n```\n$/.exec(markdown);
    expect(yamlBlock).not.toBeNull();
    expect(parseYaml(yamlBlock?.[1] ?? '')).toEqual(sample.settings);
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

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  buildCharts,
  CHART_IDS,
  niceCeiling,
  quantileSorted,
  strategyColour,
  summariseDistribution,
  withAlpha,
  type ChartConfig,
} from '../../src/report/charts.js';
import type { ReportData } from '../../src/report/types.js';

const sample = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/report/sample-report.json', import.meta.url)), 'utf8'),
) as ReportData;

function configOf(data: ReportData, id: string): ChartConfig {
  const chart = buildCharts(data).find((candidate) => candidate.id === id);
  if (chart?.config == null) throw new Error(`no chart ${id}`);
  return chart.config;
}

describe('chart specs', () => {
  it('builds the seven charts in order with their stable ids', () => {
    expect(buildCharts(sample).map((chart) => chart.id)).toEqual([
      'chart-pa-dist', 'chart-trajectory', 'chart-example-day', 'chart-training', 'chart-entropy', 'chart-liquidity', 'chart-by-day',
    ]);
    expect(buildCharts(sample).every((chart) => chart.config !== null)).toBe(true);
  });

  it('draws the entropy of every policy-gradient learner, not of DDQN', () => {
    const config = configOf(sample, CHART_IDS.entropy);
    expect(config.data.datasets.map((d) => d.label)).toEqual(['PPO', 'OPD-S', 'OPD', 'OPD-T']);
    const opd = sample.trainingCurves.find((c) => c.strategy === 'OPD')!;
    const line = config.data.datasets.find((d) => d.label === 'OPD')!;
    expect(line.data[0]).toEqual({ x: opd.iterations[0], y: opd.entropy![0] });
    expect(line.data).toHaveLength(opd.iterations.length);
    const none = buildCharts({ ...sample, trainingCurves: sample.trainingCurves.map(({ entropy: _e, ...c }) => c) }).find((c) => c.id === CHART_IDS.entropy);
    expect(none?.config).toBeNull();
    expect(none?.emptyMessage).toMatch(/No entropy was recorded/);
  });

  it('summarises a distribution by hand-checked quantiles', () => {
    // Sorted [1, 2, 3, 4, 5]: position (n-1)q -> p5 = 1 + 0.2, p95 = 4 + 0.8.
    expect(summariseDistribution([5, 3, 1, 4, 2, Number.NaN])).toEqual({ count: 5, mean: 3, p5: 1.2, p25: 2, median: 3, p75: 4, p95: 4.8 });
    expect(summariseDistribution([])).toBeNull();
    expect(quantileSorted([7], 0.9)).toBe(7);
  });

  it('keeps one colour per strategy in every chart', () => {
    const expected = new Map(sample.strategies.map((s, index) => [s.name, strategyColour(s.name, index)]));
    for (const id of [CHART_IDS.trajectory, CHART_IDS.liquidity, CHART_IDS.byDay]) {
      for (const dataset of configOf(sample, id).data.datasets) {
        expect(dataset.backgroundColor, `${id} ${dataset.label}`).toBe(expected.get(dataset.label));
      }
    }
    const training = configOf(sample, CHART_IDS.training).data.datasets.filter((d) => d.bandOf === undefined);
    for (const dataset of training) expect(dataset.borderColor).toBe(expected.get(dataset.label));
    const distribution = configOf(sample, CHART_IDS.paDistribution).data.datasets[1];
    expect(distribution.borderColor).toEqual(sample.strategies.map((s) => expected.get(s.name)));
    expect(new Set(expected.values()).size).toBe(sample.strategies.length);
  });

  it('puts the distribution boxes at the sample quantiles', () => {
    const opd = sample.strategies.find((s) => s.name === 'OPD');
    const summary = summariseDistribution(opd?.paSample ?? []);
    const datasets = configOf(sample, CHART_IDS.paDistribution).data.datasets;
    const index = sample.strategies.findIndex((s) => s.name === 'OPD');
    expect(datasets[1].data[index]).toEqual([Math.round((summary?.p25 ?? 0) * 100) / 100, Math.round((summary?.p75 ?? 0) * 100) / 100]);
  });

  it('starts the oracle hidden where it would flatten the others, and says so', () => {
    const charts = buildCharts(sample);
    for (const id of [CHART_IDS.training, CHART_IDS.liquidity, CHART_IDS.byDay]) {
      const chart = charts.find((candidate) => candidate.id === id);
      const teacher = chart?.config?.data.datasets.filter((d) => d.label.startsWith('OPD-T')) ?? [];
      expect(teacher.length).toBeGreaterThan(0);
      expect(teacher.every((d) => d.hidden === true)).toBe(true);
      expect(chart?.caption).toContain('The oracle OPD-T sees the whole day');
    }
    const trajectory = configOf(sample, CHART_IDS.trajectory).data.datasets.find((d) => d.label === 'OPD-T');
    expect(trajectory?.hidden).toBeUndefined();
  });

  it('draws the example day as a price panel over one strip per strategy on a common scale', () => {
    const config = configOf(sample, CHART_IDS.exampleDay);
    expect(config.data.labels?.length).toBe(237);
    expect(config.data.datasets.map((d) => d.yAxisID)).toEqual(['yPrice', ...sample.strategies.map((_, i) => `yTrades${i}`)]);
    const scales = config.options.scales as Record<string, { max?: number; stack?: string }>;
    // OPD-T trades half the order over 30 minutes: 1.67% per minute -> a 2% scale.
    expect(scales.yTrades0.max).toBe(2);
    expect(scales.yPrice.stack).toBe('day');
  });

  it('rounds axis ceilings to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(niceCeiling(1.67)).toBe(2);
    expect(niceCeiling(2)).toBe(2);
    expect(niceCeiling(0.42)).toBe(0.5);
    expect(niceCeiling(2.1)).toBe(2.5);
    expect(niceCeiling(7)).toBe(10);
    expect(withAlpha('#dc2626', 0.5)).toBe('rgba(220, 38, 38, 0.5)');
  });

  it('draws many test days as lines instead of bars', () => {
    const days = Array.from({ length: 20 }, (_, i) => `2019-06-${String(i + 1).padStart(2, '0')}`);
    const many: ReportData = {
      ...sample,
      dataset: { ...sample.dataset, testDates: days },
      strategies: sample.strategies.map((s) => ({ ...s, paByDay: days.map((date) => ({ date, paBps: 1, orders: 10 })) })),
    };
    expect(configOf(many, CHART_IDS.byDay).type).toBe('line');
    expect(configOf(sample, CHART_IDS.byDay).type).toBe('bar');
  });
});

describe('oracle visibility', () => {
  it('leaves an oracle visible when it is not far above the deployable strategies', () => {
    const modest: ReportData = {
      ...sample,
      strategies: sample.strategies.map((s) => (s.kind === 'oracle' ? { ...s, paBps: { ...s.paBps, mean: 9 } } : s)),
    };
    const chart = buildCharts(modest).find((candidate) => candidate.id === CHART_IDS.byDay);
    expect(chart?.config?.data.datasets.find((d) => d.label === 'OPD-T')?.hidden).toBe(false);
    expect(chart?.caption).not.toContain('oracle');
  });
});

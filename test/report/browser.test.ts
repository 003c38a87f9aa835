/**
 * End to end: the HTML report written from the sample fixture, opened from disk in a real headless
 * Chromium (Debian's /usr/bin/chromium driven by playwright-core), must draw every chart without a
 * console error and without any network request. Leaves a full-page screenshot in
 * test-artifacts/report.png. Without Chromium the test is skipped locally and fails in CI.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { CHART_IDS } from '../../src/report/charts.js';
import type { ReportData } from '../../src/report/types.js';
import { writeReport } from '../../src/report/write.js';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM_PATH);
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
if (!haveChromium && !inCi) {
  console.warn(`browser test skipped: no Chromium at ${CHROMIUM_PATH} (install Debian's chromium or set CHROMIUM_PATH; in CI this fails)`);
}

const fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/report/sample-report.json', import.meta.url)), 'utf8'),
) as ReportData;
const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/** What the page reports about one canvas. */
interface CanvasCheck {
  id: string;
  width: number;
  height: number;
  paintedPixels: number;
  sampledPixels: number;
}

describe('HTML report in Chromium', () => {
  let browser: Browser | undefined;
  const workDir = mkdtempSync(join(tmpdir(), 'execlab-report-'));

  afterAll(async () => {
    await browser?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it.skipIf(!haveChromium && !inCi)('renders every chart offline with no console errors', async () => {
    expect(haveChromium, `Chromium not found at ${CHROMIUM_PATH}; CI must install Debian's chromium`).toBe(true);
    const { htmlPath } = writeReport(fixture, workDir);

    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      // No --user-data-dir: playwright refuses it here, and launch() already starts from a new empty profile.
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    const externalRequests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith('file:') && !url.startsWith('data:') && !url.startsWith('blob:')) externalRequests.push(url);
    });

    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    await page
      .waitForFunction(() => (window as unknown as { __chartsRendered?: number }).__chartsRendered !== undefined, undefined, {
        timeout: 30_000,
      })
      .catch((error: unknown) => {
        throw new Error(`charts never reported rendering; console errors: ${JSON.stringify(consoleErrors)}; page errors: ${JSON.stringify(pageErrors)}; ${String(error)}`);
      });

    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(externalRequests).toEqual([]);

    const expectedIds = Object.values(CHART_IDS);
    const rendered = await page.evaluate(() => (window as unknown as { __chartsRendered: number }).__chartsRendered);
    expect(rendered).toBe(expectedIds.length);

    const rowStrategies = await page.$$eval('#results-table tbody tr', (rows) =>
      rows.map((row) => row.getAttribute('data-strategy')),
    );
    expect(rowStrategies).toEqual(fixture.strategies.map((strategy) => strategy.name));

    const canvases = await page.evaluate((ids: string[]): CanvasCheck[] => {
      return ids.map((id) => {
        const canvas = document.getElementById(id);
        if (!(canvas instanceof HTMLCanvasElement)) return { id, width: 0, height: 0, paintedPixels: 0, sampledPixels: 0 };
        const context = canvas.getContext('2d');
        if (context === null || canvas.width === 0 || canvas.height === 0) {
          return { id, width: canvas.width, height: canvas.height, paintedPixels: 0, sampledPixels: 0 };
        }
        const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
        // Sample every 7th pixel; a drawn chart has axes, labels and series, so many are not transparent.
        let painted = 0;
        let sampled = 0;
        for (let offset = 3; offset < pixels.length; offset += 4 * 7) {
          sampled += 1;
          if (pixels[offset] > 0) painted += 1;
        }
        return { id, width: canvas.width, height: canvas.height, paintedPixels: painted, sampledPixels: sampled };
      });
    }, expectedIds);

    for (const canvas of canvases) {
      expect(canvas.width, `${canvas.id} width`).toBeGreaterThan(0);
      expect(canvas.height, `${canvas.id} height`).toBeGreaterThan(0);
      // More than 1% of sampled pixels painted: the canvas is not blank.
      expect(canvas.paintedPixels, `${canvas.id} painted pixels`).toBeGreaterThan(canvas.sampledPixels / 100);
    }

    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'report.png'), fullPage: true });
    expect(existsSync(join(artifacts, 'report.png'))).toBe(true);

    // After the screenshot (it changes the chart): a legend click on a training curve shows or hides its seed band with it.
    const bandFollows = await page.evaluate(() => {
      type LegendClick = (event: unknown, item: { datasetIndex: number }, legend: unknown) => void;
      interface ChartLike {
        data: { datasets: Array<{ label: string; bandOf?: string }> };
        options: { plugins: { legend: { onClick: LegendClick } } };
        legend: unknown;
        isDatasetVisible(index: number): boolean;
      }
      const chartApi = (window as unknown as { Chart: { getChart(id: string): ChartLike | undefined } }).Chart;
      const chart = chartApi.getChart('chart-training');
      if (chart === undefined) return JSON.stringify({ error: 'no Chart.js chart on chart-training' });
      const datasets = chart.data.datasets;
      const series = datasets.findIndex((d) => d.label === 'OPD');
      const bands = datasets.map((d, i) => (d.bandOf === 'OPD' ? i : -1)).filter((i) => i >= 0);
      const state = (): boolean[] => [series, ...bands].map((i) => chart.isDatasetVisible(i));
      const before = state();
      chart.options.plugins.legend.onClick(null, { datasetIndex: series }, chart.legend);
      const after = state();
      return JSON.stringify({ before, after, bands: bands.length });
    });
    expect(JSON.parse(bandFollows)).toEqual({ before: [true, true, true], after: [false, false, false], bands: 2 });
  });
});

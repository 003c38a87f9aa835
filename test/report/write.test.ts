import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReportData } from '../../src/report/types.js';
import { writeReport } from '../../src/report/write.js';

const sample = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/report/sample-report.json', import.meta.url)), 'utf8'),
) as ReportData;

describe('writeReport', () => {
  const root = mkdtempSync(join(tmpdir(), 'execlab-write-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates the folder and writes report.md and report.html', () => {
    const outDir = join(root, 'runs', 'nested');
    const { markdownPath, htmlPath } = writeReport(sample, outDir);
    expect(markdownPath).toBe(join(outDir, 'report.md'));
    expect(htmlPath).toBe(join(outDir, 'report.html'));
    expect(isAbsolute(markdownPath)).toBe(true);
    expect(existsSync(markdownPath) && existsSync(htmlPath)).toBe(true);
    expect(readFileSync(markdownPath, 'utf8').startsWith(`# ${sample.title}`)).toBe(true);
    expect(readFileSync(htmlPath, 'utf8').startsWith('<!doctype html>')).toBe(true);
  });
});

/**
 * Writes both reports of a run: report.md and the self-contained report.html, side by side.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { ReportData } from './types.js';

export interface WrittenReport {
  readonly markdownPath: string;
  readonly htmlPath: string;
}

/** Renders `data` to `outDir`/report.md and `outDir`/report.html (creating the folder); returns absolute paths. */
export function writeReport(data: ReportData, outDir: string): WrittenReport {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const markdownPath = join(dir, 'report.md');
  const htmlPath = join(dir, 'report.html');
  writeFileSync(markdownPath, renderMarkdown(data), 'utf8');
  writeFileSync(htmlPath, renderHtml(data), 'utf8');
  return { markdownPath, htmlPath };
}

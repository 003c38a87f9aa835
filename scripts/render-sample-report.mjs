#!/usr/bin/env node
// Renders the sample report fixture (test/fixtures/report/sample-report.json) to a folder, to look at
// the Markdown and HTML reports without running an experiment. Needs the build: `npm run build` first.
// Usage: node scripts/render-sample-report.mjs [outDir]   (default: test-artifacts/sample-report)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeReport } from '../dist/report/write.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const data = JSON.parse(readFileSync(`${root}test/fixtures/report/sample-report.json`, 'utf8'));
const outDir = process.argv[2] ?? `${root}test-artifacts/sample-report`;
const { markdownPath, htmlPath } = writeReport(data, outDir);
console.log(`wrote ${markdownPath}\nwrote ${htmlPath}`);

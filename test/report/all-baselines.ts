/** Report data for the tests of test/report: the sample fixture, and variants of it. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ReportData } from '../../src/report/types.js';

/** A fresh copy of test/fixtures/report/sample-report.json. */
export function loadSample(): ReportData {
  return JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/report/sample-report.json', import.meta.url)), 'utf8')) as ReportData;
}

/**
 * The fixture as the pipeline now fills it: a rule baseline STATIC (the best static schedule, PA on one
 * day fewer than the others), OPD tested against every rule baseline and OPD-S, and DDQN tested
 * against VWAP and STATIC before TWAP (the TWAP test is not first).
 */
export function allBaselines(): ReportData {
  const sample = loadSample();
  const ac = sample.strategies.find((s) => s.name === 'AC');
  if (ac === undefined) throw new Error('no AC in the fixture');
  const fixed: ReportData['strategies'][number] = {
    ...ac,
    name: 'STATIC',
    tests: [{ against: 'TWAP', meanDiffBps: 1.1, pValue: 0.1, pValueByDay: 0.4 }],
    // One day fewer than the others: the fallback day count of a test against it is 9.
    paByDay: ac.paByDay.slice(1),
  };
  const strategies = sample.strategies.flatMap((s) => {
    if (s.name === 'DDQN') {
      return [{
        ...s,
        tests: [
          { against: 'VWAP', meanDiffBps: 3.81, pValue: 1e-9, pValueByDay: 0.2 },
          { against: 'STATIC', meanDiffBps: 3.03, pValue: 0.5, pValueByDay: 0.9 },
          ...s.tests,
        ],
      }];
    }
    if (s.name === 'OPD') {
      return [{
        ...s,
        tests: [
          s.tests[0],
          { against: 'VWAP', meanDiffBps: 5.85, pValue: 1e-30, pValueByDay: 0.004 },
          { against: 'AC', meanDiffBps: 3.84, pValue: 0.02, pValueByDay: 0.049 },
          { against: 'STATIC', meanDiffBps: 1.2, pValue: 0.3, pValueByDay: 0.7 },
          s.tests[1],
        ],
      }];
    }
    return s.name === 'AC' ? [s, fixed] : [s];
  });
  return { ...sample, strategies };
}

import { describe, expect, it } from 'vitest';
import { ASHARE_SESSION, barLabel, US_SESSION } from '../../src/data/calendar.js';
import { detectBarLength, GapCounter, resolveBarLengths, type BarLengthEvidence } from '../../src/data/import/bar-length.js';
import { ExecLabError } from '../../src/errors.js';

/** Seconds of day of the end labels of `minutes`-minute A-share bars. */
function labels(minutes: number): number[] {
  return Array.from({ length: 240 / minutes }, (_, k) => {
    const [h, m] = barLabel(ASHARE_SESSION, minutes, k).split(':').map(Number);
    return h * 3600 + m * 60;
  });
}

function counted(rows: ReadonlyArray<[day: number, code: number, sec: number]>): Uint32Array {
  const g = new GapCounter();
  for (const [d, c, s] of rows) g.observe(d, c, s);
  return g.counts;
}

describe('GapCounter and detectBarLength', () => {
  it('reads 1, 5 and 15 minutes from A-share labels; the lunch break and day changes do not count', () => {
    for (const minutes of [1, 5, 15]) {
      const rows: Array<[number, number, number]> = [];
      for (let day = 0; day < 2; day++) for (let code = 0; code < 3; code++) for (const s of labels(minutes)) rows.push([day, code, s]);
      const e = detectBarLength(counted(rows), ASHARE_SESSION);
      expect(e).toMatchObject({ minutes, gapSeconds: minutes * 60, problem: null });
      const perDay = 240 / minutes - 1;
      expect(e.total).toBe(2 * 3 * perDay);
      expect(e.pairs).toBe(2 * 3 * (perDay - 1));
    }
  });

  it('measures per instrument when rows are interleaved (time-major files) or newest first', () => {
    const rows: Array<[number, number, number]> = [];
    for (const s of labels(5).reverse()) for (let code = 0; code < 4; code++) rows.push([0, code, s]);
    expect(detectBarLength(counted(rows), ASHARE_SESSION).minutes).toBe(5);
  });

  it('still finds the bar length with some bars missing', () => {
    const rows = labels(1)
      .filter((_, k) => k % 4 !== 3)
      .map((s): [number, number, number] => [0, 0, s]);
    expect(detectBarLength(counted(rows), ASHARE_SESSION).minutes).toBe(1);
  });

  it('reports gaps that are not a bar length of the session, and nothing to measure', () => {
    const seven = Array.from({ length: 20 }, (_, k): [number, number, number] => [0, 0, 34_200 + 420 * k]);
    expect(detectBarLength(counted(seven), ASHARE_SESSION)).toMatchObject({ minutes: null, gapSeconds: 420, problem: expect.stringMatching(/7 minutes, which does not divide the 'ashare' session \(120 \+ 120 minutes\)/) });
    // 30-minute bars divide the US session (390 minutes), 60-minute bars do not.
    const hourly = Array.from({ length: 6 }, (_, k): [number, number, number] => [0, 0, 34_200 + 3600 * k]);
    expect(detectBarLength(counted(hourly), US_SESSION).minutes).toBeNull();
    const halfSeconds = Array.from({ length: 20 }, (_, k): [number, number, number] => [0, 0, 34_200 + 30 * k]);
    expect(detectBarLength(counted(halfSeconds), ASHARE_SESSION).problem).toMatch(/30 s, not a whole number of minutes/);
    const single: Array<[number, number, number]> = [[0, 0, 34_260], [1, 0, 34_320], [0, 1, 34_260]];
    expect(detectBarLength(counted(single), ASHARE_SESSION)).toMatchObject({ gapSeconds: null, minutes: null });
  });
});

describe('resolveBarLengths', () => {
  const five: BarLengthEvidence = { gapSeconds: 300, pairs: 940, total: 1000, minutes: 5, problem: null };
  const none: BarLengthEvidence = { gapSeconds: null, pairs: 0, total: 0, minutes: null, problem: 'no two bars of one instrument-day to measure' };
  const odd: BarLengthEvidence = { gapSeconds: 420, pairs: 10, total: 10, minutes: null, problem: 'the most common gap between bars is 7 minutes, which does not divide ...' };

  it('uses the detected length and makes it the dataset bar length by default', () => {
    expect(resolveBarLengths(five, {})).toMatchObject({ inputMinutes: 5, inputMinutesFrom: 'detected', barMinutes: 5 });
    expect(resolveBarLengths(five, {}).note).toBe('input bar length: 5 minutes, detected from the timestamps (94.0% of 1,000 gaps between consecutive bars of one instrument-day); dataset bars: 5 minutes');
    expect(resolveBarLengths(five, { barMinutes: 15 })).toMatchObject({ inputMinutes: 5, barMinutes: 15 });
    expect(resolveBarLengths(five, { inputMinutes: 5 })).toMatchObject({ inputMinutesFrom: 'given', barMinutes: 5 });
  });

  it('refuses a given length that the timestamps contradict, naming the detected one', () => {
    expect(() => resolveBarLengths(five, { inputMinutes: 1 })).toThrow(/--input-minutes 1 contradicts the timestamps: consecutive bars are most often 5 minutes apart \(94\.0% of 1,000 gaps.*use --input-minutes 5 or leave it out/);
    try {
      resolveBarLengths(five, { inputMinutes: 1 });
    } catch (err) {
      expect(err).toBeInstanceOf(ExecLabError);
      expect((err as ExecLabError).exitCode).toBe(2);
    }
  });

  it('refuses a dataset bar length that is not a multiple of the input one', () => {
    expect(() => resolveBarLengths(five, { barMinutes: 1 })).toThrow(/--bar-minutes 1 is not a multiple of the input bar length \(5 minutes, detected\); use --bar-minutes 5 or 10 or 15 or 30 or leave it out/);
  });

  it('assumes 1 minute when nothing can be measured, keeps a given length then, and asks when the gap fits no session', () => {
    expect(resolveBarLengths(none, {})).toMatchObject({ inputMinutes: 1, inputMinutesFrom: 'assumed', barMinutes: 1 });
    expect(resolveBarLengths(none, { inputMinutes: 5 })).toMatchObject({ inputMinutes: 5, inputMinutesFrom: 'given', barMinutes: 5 });
    expect(resolveBarLengths(odd, { inputMinutes: 1 })).toMatchObject({ inputMinutes: 1, inputMinutesFrom: 'given' });
    expect(() => resolveBarLengths(odd, {})).toThrow(/cannot tell the bar length of the input files: .*7 minutes.*give it with --input-minutes/);
  });

  it('asks for --bar-minutes when the input length is not a dataset bar length', () => {
    const three: BarLengthEvidence = { gapSeconds: 180, pairs: 10, total: 10, minutes: 3, problem: null };
    expect(() => resolveBarLengths(three, {})).toThrow(/the input bars are 3 minutes long, detected, not a dataset bar length \(1, 5, 10, 15, 30\); give --bar-minutes 15 or 30/);
    expect(resolveBarLengths(three, { barMinutes: 15 }).barMinutes).toBe(15);
  });
});

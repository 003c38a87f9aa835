/**
 * The bar length of the input files, read from their timestamps: the most common gap between
 * consecutive bars of one instrument-day, checked against the session calendar (the bar length must
 * divide every segment of the session). It is used when --input-minutes is not given and checked
 * against it when it is, so 5-minute files are never cleaned on a 1-minute grid.
 */
import { ExecLabError } from '../../errors.js';
import type { SessionCalendar } from '../types.js';
import { DATASET_BAR_MINUTES } from './settings.js';

/** Gaps longer than this (seconds) are not bar steps: the lunch break, or a day with few bars. */
const MAX_GAP_SECONDS = 4 * 3600;

/**
 * Counts the gaps between consecutive rows of each instrument on the same day, in read order (rows
 * of an instrument may be interleaved with other instruments'); the absolute gap is counted, so files
 * sorted newest first measure the same.
 */
export class GapCounter {
  /** counts[g]: pairs of consecutive rows g seconds apart, 0 < g <= MAX_GAP_SECONDS. */
  readonly counts = new Uint32Array(MAX_GAP_SECONDS + 1);
  private readonly lastDay: number[] = [];
  private readonly lastSec: number[] = [];

  observe(day: number, code: number, sec: number): void {
    if (this.lastDay[code] === day) {
      const gap = Math.abs(sec - this.lastSec[code]);
      if (gap > 0 && gap <= MAX_GAP_SECONDS) this.counts[gap]++;
    }
    this.lastDay[code] = day;
    this.lastSec[code] = sec;
  }
}

export interface BarLengthEvidence {
  /** The most common gap in seconds, or null when no two rows of one instrument-day were seen. */
  readonly gapSeconds: number | null;
  /** Pairs with that gap, and all pairs counted. */
  readonly pairs: number;
  readonly total: number;
  /** The bar length in minutes when the gap fits the session, else null (see `problem`). */
  readonly minutes: number | null;
  /** Why the gap is not a bar length of the session, or null. */
  readonly problem: string | null;
}

function clockMinutes(clock: string): number {
  const [h, m] = clock.split(':').map(Number);
  return h * 60 + m;
}

function minutesText(m: number): string {
  return `${m} minute${m === 1 ? '' : 's'}`;
}

/** Reads the bar length from counted gaps; `minutes` is set only when it divides every session segment. */
export function detectBarLength(counts: Uint32Array, session: SessionCalendar): BarLengthEvidence {
  let best = 0;
  let total = 0;
  for (let g = 1; g < counts.length; g++) {
    total += counts[g];
    if (counts[g] > counts[best]) best = g;
  }
  if (total === 0) return { gapSeconds: null, pairs: 0, total: 0, minutes: null, problem: 'no two bars of one instrument-day to measure' };
  const pairs = counts[best];
  const base = { gapSeconds: best, pairs, total };
  if (best % 60 !== 0) return { ...base, minutes: null, problem: `the most common gap between bars is ${best} s, not a whole number of minutes` };
  const minutes = best / 60;
  const segments = session.segments.map((s) => clockMinutes(s.end) - clockMinutes(s.start));
  if (segments.some((len) => len % minutes !== 0)) {
    return { ...base, minutes: null, problem: `the most common gap between bars is ${minutesText(minutes)}, which does not divide the '${session.name}' session (${segments.join(' + ')} minutes)` };
  }
  return { ...base, minutes, problem: null };
}

export interface BarLengths {
  readonly inputMinutes: number;
  /** Where inputMinutes came from: the setting (confirmed or not measurable), the timestamps, or the default 1 when nothing could be measured. */
  readonly inputMinutesFrom: 'given' | 'detected' | 'assumed';
  readonly barMinutes: number;
  /** One line for the user. */
  readonly note: string;
}

/**
 * The input and dataset bar lengths. Without `inputMinutes` the detected length is used (1 when
 * nothing can be measured); a given `inputMinutes` that the timestamps contradict is refused with the
 * detected value. `barMinutes` defaults to the input bar length and must be a multiple of it.
 */
export function resolveBarLengths(evidence: BarLengthEvidence, given: { inputMinutes?: number; barMinutes?: number }): BarLengths {
  const e = evidence;
  const share = e.total > 0 ? `${((100 * e.pairs) / e.total).toFixed(1)}% of ${e.total.toLocaleString('en-US')} gaps between consecutive bars of one instrument-day` : '';
  let inputMinutes: number;
  let from: BarLengths['inputMinutesFrom'];
  let how: string;
  if (given.inputMinutes !== undefined) {
    inputMinutes = given.inputMinutes;
    from = 'given';
    if (e.minutes !== null && e.minutes !== inputMinutes) {
      throw new ExecLabError(
        `--input-minutes ${inputMinutes} contradicts the timestamps: consecutive bars are most often ${minutesText(e.minutes)} apart (${share}); ` +
          `use --input-minutes ${e.minutes} or leave it out (it is detected)`,
        2,
      );
    }
    how = e.minutes !== null ? 'as given, the timestamps agree' : `as given (${e.problem})`;
  } else if (e.minutes !== null) {
    inputMinutes = e.minutes;
    from = 'detected';
    how = `detected from the timestamps (${share})`;
  } else if (e.gapSeconds === null) {
    inputMinutes = 1;
    from = 'assumed';
    how = `assumed: ${e.problem}`;
  } else {
    throw new ExecLabError(`cannot tell the bar length of the input files: ${e.problem}; give it with --input-minutes`);
  }
  const detected = from === 'detected' ? ', detected' : '';
  const allowed = DATASET_BAR_MINUTES.filter((b) => b % inputMinutes === 0);
  let barMinutes: number;
  if (given.barMinutes !== undefined) {
    barMinutes = given.barMinutes;
    if (barMinutes % inputMinutes !== 0) {
      throw new ExecLabError(
        `--bar-minutes ${barMinutes} is not a multiple of the input bar length (${minutesText(inputMinutes)}${detected}); ` +
          (allowed.length > 0 ? `use --bar-minutes ${allowed.join(' or ')} or leave it out` : 'bars cannot be split into shorter ones'),
        2,
      );
    }
  } else {
    if (!(DATASET_BAR_MINUTES as readonly number[]).includes(inputMinutes)) {
      throw new ExecLabError(
        `the input bars are ${minutesText(inputMinutes)} long${detected}, not a dataset bar length (${DATASET_BAR_MINUTES.join(', ')}); ` +
          (allowed.length > 0 ? `give --bar-minutes ${allowed.join(' or ')} to aggregate them` : 'no dataset bar length is a multiple of it'),
        2,
      );
    }
    barMinutes = inputMinutes;
  }
  const note = `input bar length: ${minutesText(inputMinutes)}, ${how}; dataset bars: ${minutesText(barMinutes)}`;
  return { inputMinutes, inputMinutesFrom: from, barMinutes, note };
}

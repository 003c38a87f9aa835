/**
 * An import must produce a usable dataset: at least one kept instrument-day, and one in each of the
 * train, validation and test splits that has dates (validation and test may be empty). Otherwise it fails before anything is replaced, with the
 * exclusion reasons, instead of writing a dataset that the next command cannot use ("no orders to
 * backtest").
 */
import { ExecLabError } from '../../errors.js';
import type { DataSplit, QualityReport } from '../types.js';
import { EXCLUDE } from './clean.js';

/** What to check first when most instrument-days were excluded for a reason. */
const HINTS: Readonly<Record<string, string>> = {
  [EXCLUDE.missing]: 'the bars are not on the session grid: check that --session, --labels and --input-minutes fit the files, or raise --max-missing-share',
  [EXCLUDE.badPrices]: 'check the price columns of --columns',
  [EXCLUDE.suspended]: 'every bar has zero volume: check the volume column of --columns',
  [EXCLUDE.absent]: 'no instrument has rows on these days',
  [EXCLUDE.volume]: 'a bar volume is absurd next to the day\'s others: check the volume column of --columns and --volume-unit, or raise --max-volume-ratio',
  [EXCLUDE.jump]: 'prices moved by an order of magnitude from one day to the next: check that every file has prices in the same unit, or raise --max-day-jump',
};

function reasonsText(q: QualityReport): string {
  const counted = q.exclusions.filter((e) => e.count > 0).sort((a, b) => b.count - a.count);
  return counted
    .map((e) => {
      const ex = (q.examples?.[e.reason] ?? []).slice(0, 3);
      return `${e.reason} ${e.count.toLocaleString('en-US')}${ex.length > 0 ? ` (e.g. ${ex.join(', ')})` : ''}`;
    })
    .join(', ');
}

function hintOf(q: QualityReport): string {
  const top = [...q.exclusions].sort((a, b) => b.count - a.count)[0];
  return (top && HINTS[top.reason]) ?? 'see docs/DATA.md, "Cleaning rules"';
}

/**
 * Throws an ExecLabError when the import kept no instrument-day, or none in one of the splits.
 * `keptDates` holds the dates with at least one kept instrument-day; `out` is named in the message.
 */
export function assertUsable(q: QualityReport, split: DataSplit, keptDates: ReadonlySet<string>, out: string): void {
  const total = q.instrumentDaysKept + q.instrumentDaysExcluded;
  const untouched = `nothing was written (an existing dataset at '${out}' is unchanged)`;
  if (q.instrumentDaysKept === 0) {
    throw new ExecLabError(`the import kept 0 of ${total.toLocaleString('en-US')} instrument-days; excluded: ${reasonsText(q)}; ${untouched}; ${hintOf(q)}`);
  }
  for (const name of ['train', 'validation', 'test'] as const) {
    const dates = split[name];
    // An empty split was asked for (--validation-days 0, --test-days 0): nothing to check.
    if (dates.length === 0 || dates.some((d) => keptDates.has(d))) continue;
    const range = dates.length === 1 ? dates[0] : `${dates[0]} .. ${dates[dates.length - 1]}`;
    throw new ExecLabError(
      `the ${name} split (${range}) has no kept instrument-day: every instrument-day on ${dates.length === 1 ? 'that date' : 'those dates'} was excluded ` +
        `(over the whole import: ${reasonsText(q)}); ${untouched}; leave those dates out of the input or change --validation-days / --test-days`,
    );
  }
}

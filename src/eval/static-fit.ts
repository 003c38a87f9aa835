/**
 * Fits the static schedule (src/strategies/static-schedule.ts) on a dataset's training split: the
 * mean PA of each period's average price against p~ over every valid instrument-day (one order per
 * instrument-day, as the generated orders are), read day by day from the store.
 */
import type { DatasetStore } from '../data/store.js';
import { ExecLabError } from '../errors.js';
import { periodGrid, type SimSettings } from '../sim/settings.js';
import { periodPaSum } from '../sim/episodes.js';
import { createStaticSchedule, fitStaticShares } from '../strategies/static-schedule.js';
import { minutesFrom } from '../strategies/planner.js';
import type { Strategy } from '../strategies/types.js';
import type { ProgressFn } from '../util/progress.js';

export interface StaticFit {
  /** Mean sell PA (bps) of each period against p~ on the fitting days. */
  readonly meanPaBps: Float64Array;
  readonly sellShares: Float64Array;
  readonly buyShares: Float64Array;
  readonly instrumentDays: number;
  readonly days: number;
}

export function fitStaticOnStore(store: DatasetStore, dates: readonly string[], sim: SimSettings, onProgress?: ProgressFn): StaticFit {
  const { barMinutes, minutesPerDay: M } = store.meta;
  const grid = periodGrid(sim, barMinutes, M);
  const T = grid.periods;
  const sum = new Float64Array(T);
  let count = 0;
  for (const [k, d] of dates.entries()) {
    const day = periodPaSum(store.loadDay(d).bars, grid, M);
    for (let t = 0; t < T; t++) sum[t] += day.sum[t];
    count += day.count;
    onProgress?.(k + 1, dates.length, 'fitting the static schedule');
  }
  if (count === 0) throw new ExecLabError('cannot fit the static schedule: no valid instrument-day on the training split');
  const meanPaBps = sum.map((x) => x / count);
  const minutes = minutesFrom(grid, 0);
  return {
    meanPaBps,
    sellShares: fitStaticShares(meanPaBps, minutes, sim.alpha),
    buyShares: fitStaticShares(meanPaBps.map((x) => -x), minutes, sim.alpha),
    instrumentDays: count,
    days: dates.length,
  };
}

/** The static schedule fitted on the store's training split, as a strategy. */
export function staticStrategyFor(store: DatasetStore, sim: SimSettings, onProgress?: ProgressFn): { strategy: Strategy; fit: StaticFit } {
  const fit = fitStaticOnStore(store, store.datesOf('train'), sim, onProgress);
  return { strategy: createStaticSchedule(fit.sellShares, fit.buyShares), fit };
}

import type { DayContext, DayPanel } from './types.js';

/** Look-back windows of the history-derived context (SPEC 6 and 7). */
export interface ContextSettings {
  /** Days for the mean minute volume that normalises volume features (SPEC 6: N = 30). */
  readonly volumeDays: number;
  /** Days for the mean daily volatility used by Almgren-Chriss (SPEC 7: 30). */
  readonly sigmaDays: number;
  /** Days for the VWAP volume profile (SPEC 7: 20). */
  readonly profileDays: number;
}

export const DEFAULT_CONTEXT_SETTINGS: ContextSettings = { volumeDays: 30, sigmaDays: 30, profileDays: 20 };

/**
 * Streams trading days in date order and derives, for each day, the context that uses only EARLIER
 * days: previous close, trailing mean minute volume, trailing daily volatility and the VWAP profile.
 * Memory is bounded by the longest window (one ring of per-day summaries per instrument), never by
 * the number of days.
 */
export class ContextBuilder {
  private readonly n: number;
  private readonly minutes: number;
  private readonly settings: ContextSettings;
  private readonly maxDays: number;
  private readonly volRing: Float64Array; // [slot * n] mean minute volume of a past day, NaN if invalid
  private readonly sigmaRing: Float64Array;
  private readonly profRing: Float32Array; // [slot * n * minutes] volume shares of a past day
  private readonly profValid: Uint8Array; // [slot * n]
  private readonly lastClose: Float64Array;
  private filled = 0; // days pushed so far

  constructor(instrumentCount: number, minutes: number, settings: ContextSettings = DEFAULT_CONTEXT_SETTINGS) {
    this.n = instrumentCount;
    this.minutes = minutes;
    this.settings = settings;
    this.maxDays = Math.max(settings.volumeDays, settings.sigmaDays, settings.profileDays, 1);
    this.volRing = new Float64Array(this.maxDays * instrumentCount).fill(NaN);
    this.sigmaRing = new Float64Array(this.maxDays * instrumentCount).fill(NaN);
    this.profRing = new Float32Array(settings.profileDays * instrumentCount * minutes);
    this.profValid = new Uint8Array(settings.profileDays * instrumentCount);
    this.lastClose = new Float64Array(instrumentCount).fill(NaN);
  }

  /** Context for `day` from the days pushed so far; then records `day` into the history. */
  next(day: DayPanel): DayContext {
    const ctx = this.contextFor(day);
    this.push(day);
    return ctx;
  }

  private contextFor(day: DayPanel): DayContext {
    const { n, minutes, settings } = this;
    const prevClose = new Float64Array(n);
    const meanMinuteVolume = new Float64Array(n);
    const dailySigma = new Float64Array(n);
    const volumeProfile = new Float64Array(n * minutes);
    const historyDays = new Uint16Array(n);
    const crossProfile = new Float64Array(minutes);
    let crossCount = 0;
    for (let i = 0; i < n; i++) {
      prevClose[i] = Number.isFinite(this.lastClose[i]) ? this.lastClose[i] : day.open[i * minutes];
      meanMinuteVolume[i] = this.trailingMean(this.volRing, i, settings.volumeDays);
      dailySigma[i] = this.trailingMean(this.sigmaRing, i, settings.sigmaDays);
      let used = 0;
      const out = i * minutes;
      const slots = Math.min(this.filled, settings.profileDays);
      for (let s = 0; s < slots; s++) {
        const slot = (this.filled - 1 - s) % settings.profileDays;
        if (!this.profValid[slot * n + i]) continue;
        const base = (slot * n + i) * minutes;
        for (let m = 0; m < minutes; m++) volumeProfile[out + m] += this.profRing[base + m];
        used++;
      }
      historyDays[i] = used;
      if (used > 0) {
        for (let m = 0; m < minutes; m++) {
          volumeProfile[out + m] /= used;
          crossProfile[m] += volumeProfile[out + m];
        }
        crossCount++;
      }
    }
    // Fallback for instruments without history: the cross-section's profile, else flat (SPEC 7).
    for (let m = 0; m < minutes; m++) crossProfile[m] = crossCount > 0 ? crossProfile[m] / crossCount : 1 / minutes;
    for (let i = 0; i < n; i++) {
      if (historyDays[i] > 0) continue;
      volumeProfile.set(crossProfile, i * minutes);
    }
    return { date: day.date, prevClose, meanMinuteVolume, dailySigma, volumeProfile, historyDays };
  }

  private trailingMean(ring: Float64Array, i: number, days: number): number {
    let sum = 0;
    let count = 0;
    const slots = Math.min(this.filled, days);
    for (let s = 0; s < slots; s++) {
      const slot = (this.filled - 1 - s) % this.maxDays;
      const v = ring[slot * this.n + i];
      if (Number.isFinite(v)) {
        sum += v;
        count++;
      }
    }
    return count > 0 ? sum / count : NaN;
  }

  private push(day: DayPanel): void {
    const { n, minutes, settings } = this;
    const slot = this.filled % this.maxDays;
    const pslot = this.filled % settings.profileDays;
    for (let i = 0; i < n; i++) {
      const base = i * minutes;
      const ok = day.valid[i] === 1;
      let vol = 0;
      let sumSq = 0;
      let rets = 0;
      if (ok) {
        for (let m = 0; m < minutes; m++) vol += day.volume[base + m];
        for (let m = 1; m < minutes; m++) {
          const a = day.close[base + m - 1];
          const b = day.close[base + m];
          if (a > 0 && b > 0) {
            const r = Math.log(b / a);
            sumSq += r * r;
            rets++;
          }
        }
      }
      this.volRing[slot * n + i] = ok ? vol / minutes : NaN;
      this.sigmaRing[slot * n + i] = ok && rets > 0 ? Math.sqrt((sumSq / rets) * minutes) : NaN;
      const pbase = (pslot * n + i) * minutes;
      if (ok && vol > 0) {
        for (let m = 0; m < minutes; m++) this.profRing[pbase + m] = day.volume[base + m] / vol;
        this.profValid[pslot * n + i] = 1;
      } else {
        this.profValid[pslot * n + i] = 0;
      }
      if (ok) this.lastClose[i] = day.close[base + minutes - 1];
    }
    this.filled++;
  }
}

/** Intraday shapes of volume and volatility over the session's continuous-trading minutes. */
import type { SessionCalendar } from '../data/types.js';
import type { SynthParams } from './params.js';

type Shape = SynthParams['volumeProfile'];

function clock(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

/** Trading-minute offsets at which a segment after a break starts (A-shares: [120], the 13:00 resume). */
export function breakOffsets(session: SessionCalendar): number[] {
  const out: number[] = [];
  let offset = 0;
  for (const [k, s] of session.segments.entries()) {
    if (k > 0) out.push(offset);
    offset += clock(s.end) - clock(s.start);
  }
  return out;
}

/**
 * u(m) = 1 + open * exp(-(m + 1/2) / tauOpen) + close * exp(-(M - m - 1/2) / tauClose)
 *          + sum over breaks b <= m of afterBreak * exp(-(m - b + 1/2) / tauBreak),
 * for minutes m = 0..M-1, evaluated at the minute's centre. Not normalised.
 */
export function intradayShape(shape: Shape, minutes: number, breaks: readonly number[]): Float64Array {
  const u = new Float64Array(minutes);
  for (let m = 0; m < minutes; m++) {
    let v = 1 + shape.open * Math.exp(-(m + 0.5) / shape.openDecayMinutes) + shape.close * Math.exp(-(minutes - m - 0.5) / shape.closeDecayMinutes);
    for (const b of breaks) if (m >= b) v += shape.afterBreak * Math.exp(-(m - b + 0.5) / shape.afterBreakDecayMinutes);
    u[m] = v;
  }
  return u;
}

/** Volume multipliers with mean 1: the day's volume level is spread over minutes by this profile. */
export function volumeShape(shape: Shape, minutes: number, breaks: readonly number[]): Float64Array {
  const u = intradayShape(shape, minutes, breaks);
  let sum = 0;
  for (const v of u) sum += v;
  for (let m = 0; m < minutes; m++) u[m] *= minutes / sum;
  return u;
}

/** Volatility multipliers with mean square 1, so the minute variances add up to the day's variance. */
export function volatilityShape(shape: Shape, minutes: number, breaks: readonly number[]): Float64Array {
  const u = intradayShape(shape, minutes, breaks);
  let sumSq = 0;
  for (const v of u) sumSq += v * v;
  const k = Math.sqrt(minutes / sumSq);
  for (let m = 0; m < minutes; m++) u[m] *= k;
  return u;
}

import type { SessionCalendar } from './types.js';

/** China A-share continuous trading: 09:30-11:30 and 13:00-15:00, 240 minutes. */
export const ASHARE_SESSION: SessionCalendar = {
  name: 'ashare',
  segments: [
    { start: '09:30', end: '11:30' },
    { start: '13:00', end: '15:00' },
  ],
};

/** US equities regular hours: 09:30-16:00, 390 minutes. */
export const US_SESSION: SessionCalendar = { name: 'us', segments: [{ start: '09:30', end: '16:00' }] };

export const SESSIONS: Readonly<Record<string, SessionCalendar>> = { ashare: ASHARE_SESSION, us: US_SESSION };

function clockToMinutes(clock: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(clock);
  if (!m) throw new Error(`invalid clock time '${clock}', expected HH:MM`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Continuous-trading minutes in the session. */
export function sessionMinutes(session: SessionCalendar): number {
  let total = 0;
  for (const s of session.segments) total += clockToMinutes(s.end) - clockToMinutes(s.start);
  return total;
}

/** Bars per day for a bar length in minutes; the session length must be a multiple of it. */
export function barsPerDay(session: SessionCalendar, barMinutes: number): number {
  const total = sessionMinutes(session);
  if (!Number.isInteger(barMinutes) || barMinutes < 1 || total % barMinutes !== 0) {
    throw new Error(`bar length ${barMinutes} min does not divide the ${total}-minute session '${session.name}'`);
  }
  return total / barMinutes;
}

/**
 * Index of the bar whose label (the bar's END time, as vendors label minute bars: 09:31 is the
 * minute 09:30-09:31) is `clock`, or -1 when the label is outside continuous trading. A label equal to
 * a segment's start (09:30, 13:00) is the auction/pre-open print and returns -1; callers treat it as an
 * auction bar.
 */
export function barIndexOfLabel(session: SessionCalendar, barMinutes: number, clock: string): number {
  const t = clockToMinutes(clock);
  let offset = 0;
  for (const s of session.segments) {
    const a = clockToMinutes(s.start);
    const b = clockToMinutes(s.end);
    if (t > a && t <= b) {
      const k = t - a;
      if (k % barMinutes !== 0) return -1;
      return (offset + k) / barMinutes - 1;
    }
    offset += b - a;
  }
  return -1;
}

/** Label (end time HH:MM) of bar index `i`. Inverse of barIndexOfLabel. */
export function barLabel(session: SessionCalendar, barMinutes: number, i: number): string {
  let k = (i + 1) * barMinutes;
  for (const s of session.segments) {
    const a = clockToMinutes(s.start);
    const len = clockToMinutes(s.end) - a;
    if (k <= len) {
      const t = a + k;
      return `${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
    }
    k -= len;
  }
  throw new Error(`bar index ${i} is outside the session`);
}

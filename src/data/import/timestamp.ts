/**
 * Timestamp parsing for bar files. Bar times are local exchange time (the session calendar's clock);
 * no time-zone arithmetic happens for text timestamps.
 *
 * Accepted `time` values (one column holding date and clock):
 *   2024-03-01 09:31:00   2024-03-01T09:31   2024/03/01 09:31:00   20240301 09:31:00   202403010931[00]
 * With a separate `date` column: date as 2024-03-01, 2024/03/01 or 20240301; clock as 09:31[:00],
 * 0931[00] or 931[00] (vendors that drop the leading zero).
 * Fractional seconds are accepted only when zero (.000): minute bars carry whole-minute labels.
 */

export interface ParsedTime {
  /** YYYY-MM-DD */
  readonly date: string;
  /** Seconds since local midnight. */
  readonly sec: number;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** True for a real calendar date (leap years included). */
export function isValidDate(y: number, m: number, d: number): boolean {
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1) return false;
  if (m === 2 && d === 29) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= DAYS_IN_MONTH[m - 1];
}

function fmtDate(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD to YYYY-MM-DD; null when not a valid date. */
export function parseDateString(text: string): string | null {
  const s = text.trim();
  const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  return isValidDate(y, mo, d) ? fmtDate(y, mo, d) : null;
}

/** HH:MM[:SS[.000]], HHMM[SS] or HMM[SS] to seconds since midnight; null when invalid. */
export function parseClockString(text: string): number | null {
  const s = text.trim();
  let h: number;
  let mi: number;
  let se = 0;
  let m = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/.exec(s);
  if (m) {
    if (m[4] !== undefined && !/^0+$/.test(m[4])) return null;
    h = Number(m[1]);
    mi = Number(m[2]);
    se = m[3] !== undefined ? Number(m[3]) : 0;
  } else {
    m = /^(\d{3,6})$/.exec(s);
    if (!m) return null;
    const digits = s.length % 2 === 1 ? `0${s}` : s;
    h = Number(digits.slice(0, 2));
    mi = Number(digits.slice(2, 4));
    se = digits.length === 6 ? Number(digits.slice(4, 6)) : 0;
  }
  if (h > 23 || mi > 59 || se > 59) return null;
  return h * 3600 + mi * 60 + se;
}

/** A combined date-and-clock timestamp (formats in the module comment); null when invalid. */
export function parseTimestampString(text: string): ParsedTime | null {
  const s = text.trim();
  let m = /^(\d{4}[-/]\d{1,2}[-/]\d{1,2}|\d{8})[ T](.+)$/.exec(s);
  if (!m) {
    const compact = /^(\d{8})(\d{4}|\d{6})$/.exec(s);
    if (!compact) return null;
    m = compact;
  }
  const date = parseDateString(m[1]);
  const sec = parseClockString(m[2]);
  return date === null || sec === null ? null : { date, sec };
}

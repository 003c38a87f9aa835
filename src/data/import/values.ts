/**
 * Number parsing shared by the CSV and Parquet readers.
 *
 * Missing-value markers (empty, NaN, nan, null, NA, N/A, None) read as NaN: a missing price is a data
 * problem that the cleaning rules count and repair or exclude. Anything else that is not a decimal
 * number (e.g. `abc`, `1,5`, `0x10`, `inf`) is a malformed file.
 */

const MISSING = /^(?:nan|null|na|n\/a|none)$/i;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Powers of ten that are exact doubles, so mantissa / 10^k is correctly rounded (same as parseFloat). */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** Parses a number from text; NaN for missing markers; undefined when malformed. */
export function parseNumberText(text: string): number | undefined {
  const s = text.trim();
  if (s === '' || MISSING.test(s)) return NaN;
  if (!DECIMAL.test(s)) return undefined;
  return Number(s);
}

/**
 * Parses a decimal number from bytes [s, e) of `buf` without creating a string in the common case
 * (optional sign, at most 15 digits, optional decimal point). The result equals parseFloat's. Falls
 * back to {@link parseNumberText} for everything else. Returns undefined when malformed.
 */
export function parseNumberBytes(buf: Uint8Array, s: number, e: number): number | undefined {
  while (s < e && buf[s] === 32) s++;
  while (e > s && buf[e - 1] === 32) e--;
  let i = s;
  let neg = false;
  if (i < e && (buf[i] === 45 || buf[i] === 43)) {
    neg = buf[i] === 45;
    i++;
  }
  let mant = 0;
  let digits = 0;
  let dot = -1;
  for (; i < e; i++) {
    const d = buf[i] - 48;
    if (d >= 0 && d <= 9) {
      mant = mant * 10 + d;
      digits++;
    } else if (buf[i] === 46 && dot < 0) {
      dot = digits;
    } else {
      break;
    }
  }
  if (i === e && digits > 0 && digits <= 15) {
    const frac = dot < 0 ? 0 : digits - dot;
    const v = frac === 0 ? mant : mant / POW10[frac];
    return neg ? -v : v;
  }
  return parseNumberText(Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('latin1'));
}

/** Converts a cell value from a typed source (Parquet) to a number; undefined when it is not numeric. */
export function numberOfValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v === null || v === undefined) return NaN;
  if (typeof v === 'string') return parseNumberText(v);
  return undefined;
}

/**
 * Text helpers for what users see: user data (instrument codes, file headers, paths, setting names)
 * made safe to print, and the nearest valid name for a typo.
 */

/**
 * Control characters that must not reach a terminal from user data: C0 (NUL, ESC of ANSI escape
 * sequences, BEL, backspace, carriage return, ...), DEL, C1 (including the 8-bit CSI), the Unicode
 * line and paragraph separators and the bidirectional overrides that reorder what is shown.
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
const CONTROL_OR_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

function escape(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control character shown as an escape (`\x1b`, `\x00`, `\u202e`), so that user
 * data printed to a terminal or written into an error message cannot move the cursor, change colours,
 * hide text or cut the line. Line feeds and tabs are kept when `multiline` (a report, a multi-line
 * error message), escaped otherwise (one field, one code).
 */
export function printable(text: string, multiline = false): string {
  return text.replace(multiline ? CONTROL : CONTROL_OR_LINE, escape);
}

/** Edit distance (insertions, deletions, substitutions; an adjacent swap counts one). */
export function editDistance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  for (let i = 1; i <= n; i++) {
    const cur = new Array<number>(m + 1);
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      cur[j] = d;
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[m];
}

/**
 * The valid name closest to `given` (case and `-`/`_` ignored, so `learning-rate`, `learning_rate`
 * and `learningrate` all find `learningRate`), or null when none is within about a third of its
 * length: a typo is suggested, an unrelated word is not.
 */
export function nearestName(given: string, valid: readonly string[]): string | null {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');
  const g = norm(given);
  let best: string | null = null;
  let bestD = Infinity;
  for (const v of valid) {
    const d = editDistance(g, norm(v));
    if (d < bestD) {
      bestD = d;
      best = v;
    }
  }
  if (best === null) return null;
  const limit = Math.max(1, Math.floor(Math.max(g.length, norm(best).length) / 3));
  return bestD <= limit ? best : null;
}

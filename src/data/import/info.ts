/**
 * The data-quality report of a dataset (`execlab data info`): a plain summary object and its text
 * rendering, both pure functions of the dataset's meta.json.
 */
import type { DatasetMeta } from '../types.js';
import { printable } from '../../util/text.js';

export interface DateRange {
  readonly count: number;
  readonly first: string | null;
  readonly last: string | null;
}

export interface DataInfo {
  readonly dir: string | null;
  readonly name: string;
  readonly source: DatasetMeta['source'];
  readonly provenance: Readonly<Record<string, unknown>>;
  readonly session: { readonly name: string; readonly segments: string };
  readonly barMinutes: number;
  readonly minutesPerDay: number;
  readonly avgPriceSource: DatasetMeta['avgPriceSource'];
  readonly dates: DateRange;
  readonly split: { readonly train: DateRange; readonly validation: DateRange; readonly test: DateRange };
  readonly instruments: number;
  readonly instrumentDays: {
    readonly total: number;
    readonly kept: number;
    readonly excluded: number;
    readonly byReason: ReadonlyArray<{ readonly reason: string; readonly count: number; readonly examples: readonly string[] }>;
  };
  readonly repairs: ReadonlyArray<{ readonly rule: string; readonly count: number; readonly examples: readonly string[] }>;
  readonly rowsRead: number;
  readonly files: number;
  /** Input files with a header and no rows. */
  readonly filesWithoutRows: readonly string[];
  /** Where the rows went (imports only): read = used + dropped. */
  readonly rows: Readonly<Record<string, unknown>> | null;
  readonly featureStats: ReadonlyArray<{ readonly feature: string; readonly median: number; readonly scale: number }>;
  readonly featureStatsFittedOn: DateRange;
}

function range(dates: readonly string[]): DateRange {
  return { count: dates.length, first: dates[0] ?? null, last: dates[dates.length - 1] ?? null };
}

/** The report as plain data (what `data info --json` prints). */
export function dataInfo(meta: DatasetMeta, dir: string | null = null): DataInfo {
  const q = meta.quality;
  const examples = q.examples ?? {};
  const rows = meta.provenance.rows;
  return {
    dir,
    name: meta.name,
    source: meta.source,
    provenance: meta.provenance,
    session: { name: meta.session.name, segments: meta.session.segments.map((s) => `${s.start}-${s.end}`).join(', ') },
    barMinutes: meta.barMinutes,
    minutesPerDay: meta.minutesPerDay,
    avgPriceSource: meta.avgPriceSource,
    dates: range(meta.dates),
    split: { train: range(meta.split.train), validation: range(meta.split.validation), test: range(meta.split.test) },
    instruments: meta.instruments.length,
    instrumentDays: {
      total: q.instrumentDaysKept + q.instrumentDaysExcluded,
      kept: q.instrumentDaysKept,
      excluded: q.instrumentDaysExcluded,
      byReason: q.exclusions.map((e) => ({ reason: e.reason, count: e.count, examples: examples[e.reason] ?? [] })),
    },
    repairs: q.repairs.map((r) => ({ rule: r.rule, count: r.count, examples: examples[r.rule] ?? [] })),
    rowsRead: q.rowsRead,
    files: q.files,
    filesWithoutRows: q.filesWithoutRows ?? [],
    rows: rows && typeof rows === 'object' ? (rows as Record<string, unknown>) : null,
    featureStats: meta.featureStats.names.map((feature, j) => ({ feature, median: meta.featureStats.median[j], scale: meta.featureStats.scale[j] })),
    featureStatsFittedOn: range(meta.featureStats.fittedOn),
  };
}

const int = (n: number): string => n.toLocaleString('en-US');

function rangeText(r: DateRange): string {
  if (r.count === 0) return '0 days';
  const days = `${r.count} day${r.count === 1 ? '' : 's'}`;
  return r.first === r.last ? `${days} (${r.first})` : `${days} (${r.first} .. ${r.last})`;
}

function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(3) : x.toFixed(4);
}

function provenanceText(meta: DatasetMeta): string[] {
  const p = meta.provenance;
  if (meta.source === 'import') {
    const inputs = Array.isArray(p.inputs) ? (p.inputs as Array<{ path?: string; bytes?: number }>) : [];
    const bytes = inputs.reduce((a, f) => a + (typeof f.bytes === 'number' ? f.bytes : 0), 0);
    const lines = [`import of ${inputs.length} file${inputs.length === 1 ? '' : 's'} (${(bytes / 1e6).toFixed(1)} MB)`];
    const shown = inputs.slice(0, 3).map((f) => String(f.path));
    if (shown.length) lines.push(`files: ${shown.join(', ')}${inputs.length > 3 ? `, ... (${inputs.length - 3} more)` : ''}`);
    if (p.columns && typeof p.columns === 'object') {
      lines.push(`columns: ${Object.entries(p.columns as Record<string, string>).map(([k, v]) => (k === v ? k : `${k}=${v}`)).join(', ')}`);
    }
    const settings = ['volumeUnit', 'inputMinutes', 'labels', 'maxMissingShare', 'maxBadPriceBars', 'maxPriceRatio', 'maxVolumeRatio', 'maxDayJump', 'timezone']
      .filter((k) => p[k] !== undefined)
      .map((k) => `${k} ${String(p[k])}${k === 'inputMinutes' && p.inputMinutesFrom === 'detected' ? ' (detected)' : ''}`);
    if (settings.length) lines.push(settings.join(', '));
    return lines;
  }
  const text = JSON.stringify(p);
  return [`${meta.source}${text && text !== '{}' ? `: ${text.length > 160 ? `${text.slice(0, 157)}...` : text}` : ''}`];
}

/**
 * The human-readable report (what `execlab data info` prints). Codes, paths and column names come
 * from user files: control characters in them are shown as escapes.
 */
export function formatDataInfo(meta: DatasetMeta, dir: string | null = null): string {
  const info = dataInfo(meta, dir);
  const lines: string[] = [];
  const row = (label: string, value: string): void => {
    lines.push(`${label.padEnd(16)}${value}`);
  };
  row('Dataset', `${info.name}${dir ? ` (${dir})` : ''}`);
  const prov = provenanceText(meta);
  row('Source', prov[0]);
  for (const extra of prov.slice(1)) row('', extra);
  row('Session', `${info.session.name} (${info.session.segments}), ${info.barMinutes}-minute bars, ${info.minutesPerDay} per day`);
  row('Average price', info.avgPriceSource === 'bar' ? "the bar's own (from the data)" : 'approximated as (open + 2 high + 2 low + close) / 6');
  row('Dates', rangeText(info.dates));
  row('Split', `train ${rangeText(info.split.train)}`);
  row('', `validation ${rangeText(info.split.validation)}`);
  row('', `test ${rangeText(info.split.test)}`);
  row('Instruments', int(info.instruments));
  const d = info.instrumentDays;
  const pct = (x: number): string => (d.total > 0 ? ` (${((100 * x) / d.total).toFixed(1)}%)` : '');
  row('Instrument-days', `${int(d.total)}: kept ${int(d.kept)}${pct(d.kept)}, excluded ${int(d.excluded)}${pct(d.excluded)}`);
  const width = Math.max(28, ...d.byReason.map((r) => r.reason.length + 2), ...info.repairs.map((r) => r.rule.length + 2));
  for (const r of d.byReason) {
    lines.push(`  ${r.reason.padEnd(width)}${int(r.count).padStart(10)}${r.examples.length ? `   e.g. ${r.examples.join(', ')}` : ''}`);
  }
  lines.push('Repairs (rule, count)');
  if (info.repairs.length === 0) lines.push('  (none recorded)');
  for (const r of info.repairs) {
    lines.push(`  ${r.rule.padEnd(width)}${int(r.count).padStart(10)}${r.examples.length ? `   e.g. ${r.examples.slice(0, 3).join(', ')}` : ''}`);
  }
  const empty = info.filesWithoutRows;
  const emptyText = empty.length > 0 ? ` (${int(empty.length)} with no rows: ${empty.slice(0, 3).join(', ')}${empty.length > 3 ? ', ...' : ''})` : '';
  row('Rows read', `${int(info.rowsRead)} from ${int(info.files)} file${info.files === 1 ? '' : 's'}${emptyText}`);
  if (info.rows) {
    const r = info.rows as { used?: number; dropped?: Record<string, number> };
    const drops = Object.entries(r.dropped ?? {}).map(([k, v]) => `${k.replace(/([A-Z])/g, ' $1').toLowerCase()} ${int(v)}`);
    row('', `used ${int(r.used ?? 0)}; dropped: ${drops.join(', ')}`);
  }
  lines.push(`Feature stats (robust z-score, fitted on ${rangeText(info.featureStatsFittedOn)})`);
  if (info.featureStats.length === 0) lines.push('  (none)');
  else {
    lines.push(`  ${'feature'.padEnd(10)}${'median'.padStart(12)}${'scale'.padStart(12)}`);
    for (const f of info.featureStats) lines.push(`  ${f.feature.padEnd(10)}${num(f.median).padStart(12)}${num(f.scale).padStart(12)}`);
  }
  return printable(`${lines.join('\n')}\n`, true);
}

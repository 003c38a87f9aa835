/**
 * Column mapping of bar files: which input column holds each field the importer needs.
 */
import { ExecLabError } from '../../errors.js';

/** Fields the importer understands. `date`, `avgPrice` and `turnover` are optional. */
export const REQUIRED_FIELDS = ['code', 'time', 'open', 'high', 'low', 'close', 'volume'] as const;
export const OPTIONAL_FIELDS = ['date', 'avgPrice', 'turnover'] as const;
export const ALL_FIELDS = [...REQUIRED_FIELDS, ...OPTIONAL_FIELDS] as const;

export type RequiredField = (typeof REQUIRED_FIELDS)[number];
export type OptionalField = (typeof OPTIONAL_FIELDS)[number];
export type BarField = RequiredField | OptionalField;

/**
 * Input column name per field. `date`: a separate date column (then `time` holds only the clock);
 * `avgPrice`: the bar's average traded price; `turnover`: traded value, from which the average
 * price is turnover / (volume in shares). At most one of avgPrice and turnover.
 */
export type ColumnMapping = Readonly<Record<RequiredField, string>> & Readonly<Partial<Record<OptionalField, string>>>;

export const DEFAULT_COLUMNS: ColumnMapping = {
  code: 'code',
  time: 'time',
  open: 'open',
  high: 'high',
  low: 'low',
  close: 'close',
  volume: 'volume',
};

function isField(key: string): key is BarField {
  return (ALL_FIELDS as readonly string[]).includes(key);
}

/**
 * Builds a mapping from `code=symbol,time=datetime` (or an object of the same pairs) over the
 * defaults. Throws ExecLabError naming the bad key or pair.
 */
export function parseColumnMapping(spec: string | Readonly<Record<string, unknown>> | undefined): ColumnMapping {
  const out: Record<string, string> = { ...DEFAULT_COLUMNS };
  if (spec === undefined || spec === '') return out as ColumnMapping;
  const pairs: Array<[string, unknown]> =
    typeof spec === 'string'
      ? spec.split(',').map((part) => {
          const eq = part.indexOf('=');
          if (eq <= 0) throw new ExecLabError(`columns: '${part.trim()}' is not FIELD=COLUMN (e.g. code=symbol,time=datetime)`, 2);
          return [part.slice(0, eq).trim(), part.slice(eq + 1).trim()];
        })
      : Object.entries(spec);
  for (const [key, value] of pairs) {
    if (!isField(key)) throw new ExecLabError(`columns: unknown field '${key}'; allowed: ${ALL_FIELDS.join(', ')}`, 2);
    if (typeof value !== 'string' || value.trim() === '') throw new ExecLabError(`columns: field '${key}' needs a column name, got ${JSON.stringify(value)}`, 2);
    out[key] = value.trim();
  }
  if (out.avgPrice !== undefined && out.turnover !== undefined) {
    throw new ExecLabError('columns: give either avgPrice or turnover, not both', 2);
  }
  return out as ColumnMapping;
}

/** Where each mapped field sits in one file's header. -1 for unmapped optional fields. */
export interface ColumnIndex {
  readonly code: number;
  readonly time: number;
  readonly date: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  /** Column of avgPrice or turnover (see `auxKind`), -1 when neither is mapped. */
  readonly aux: number;
  readonly auxKind: 'avgPrice' | 'turnover' | null;
  readonly fieldCount: number;
}

/** Finds the mapped columns in a header; a missing column is an error at `file:line`. */
export function resolveColumns(header: readonly string[], mapping: ColumnMapping, where: string): ColumnIndex {
  const pos = new Map<string, number>();
  header.forEach((name, i) => {
    if (!pos.has(name)) pos.set(name, i);
  });
  const find = (field: BarField): number => {
    const name = mapping[field];
    if (name === undefined) return -1;
    const i = pos.get(name);
    if (i === undefined) {
      throw new ExecLabError(
        `${where}: missing column '${name}' (field ${field}); the header has: ${header.join(', ')}. Map columns with --columns ${field}=NAME`,
      );
    }
    return i;
  };
  const auxKind = mapping.avgPrice !== undefined ? 'avgPrice' : mapping.turnover !== undefined ? 'turnover' : null;
  return {
    code: find('code'),
    time: find('time'),
    date: find('date'),
    open: find('open'),
    high: find('high'),
    low: find('low'),
    close: find('close'),
    volume: find('volume'),
    aux: auxKind ? find(auxKind) : -1,
    auxKind,
    fieldCount: header.length,
  };
}

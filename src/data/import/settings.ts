/**
 * Settings of `execlab data import` / importBars, validated once with zod. Keys are the same in a
 * config file (YAML/JSON), on the command line (kebab-case flags) and in the library call.
 */
import { z } from 'zod';
import { SESSIONS } from '../calendar.js';
import { DEFAULT_MAX_DAY_JUMP, DEFAULT_MAX_PRICE_RATIO, DEFAULT_MAX_VOLUME_RATIO } from './clean.js';
import { parseColumnMapping, type ColumnMapping } from './columns.js';

/** Default output directory of an import: data/<session>, e.g. data/ashare. */
export function defaultImportDir(session: string): string {
  return `data/${session}`;
}

/** Bar lengths a dataset may have, in minutes. */
export const DATASET_BAR_MINUTES = [1, 5, 10, 15, 30] as const;

const sessionNames = Object.keys(SESSIONS) as [string, ...string[]];

const columnsSchema = z
  .union([z.string(), z.record(z.string(), z.string())])
  .optional()
  .transform((value, ctx): ColumnMapping => {
    try {
      return parseColumnMapping(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^columns: /, '') });
      return z.NEVER;
    }
  });

export const ImportSettingsSchema = z
  .object({
    /** Files (CSV, gzipped CSV, Parquet) or directories holding them. */
    inputs: z.array(z.string().min(1)).min(1, 'give at least one input file or directory').describe('bar files or directories holding them'),
    /** Output dataset directory; default data/<session>. Replaced only when it is empty or a dataset (see force). */
    out: z.string().min(1).optional().describe('output dataset directory; replaced only if new, empty or a dataset'),
    /** Replace an existing --out directory that is not a dataset (never a file, an input or the current directory). */
    force: z.boolean().default(false).describe('also replace an --out directory that is not a dataset (everything in it is deleted)'),
    /** Dataset name recorded in meta.json; default: the output directory's name. */
    name: z.string().min(1).optional().describe('dataset name'),
    format: z.enum(['auto', 'csv', 'parquet']).default('auto').describe('input format (auto: Parquet by extension, else CSV; gzip is detected from the bytes)'),
    columns: columnsSchema.describe('column mapping FIELD=COLUMN,... over the defaults, e.g. code=symbol,time=datetime,turnover=amount'),
    /** Shares per input volume unit: 100 for A-share lots, 1 when volume is already in shares. */
    volumeUnit: z.coerce.number().positive().max(1e6).default(100).describe('shares per input volume unit (100: A-share lots; 1: volume in shares)'),
    session: z.enum(sessionNames).default('ashare').describe('trading session'),
    /** Bar length of the input files in minutes; default: detected from the timestamps (bar-length.ts). */
    inputMinutes: z.coerce.number().int().positive().max(390).optional().describe('bar length of the input files in minutes'),
    /** Bar length of the dataset; a multiple of inputMinutes (input bars are aggregated); default: the input bar length. */
    barMinutes: z.coerce.number().pipe(z.literal(DATASET_BAR_MINUTES)).optional().describe(`dataset bar length: ${DATASET_BAR_MINUTES.join(' | ')} (a multiple of the input bar length; larger aggregates)`),
    /** Whether a bar's time label is its end (A-share vendors: 09:31 = 09:30-09:31) or its start. */
    labels: z.enum(['end', 'start']).default('end').describe("a bar's time label is its end (A-share vendors) or its start"),
    /** Validation days, just before the test days; default 1 (0 with too few days, see resolveSplit). 0 = no validation split. */
    validationDays: z.coerce.number().int().min(0).max(100_000).optional().describe('validation days, just before the test days; 0 = none'),
    /** The last days, the test split; default 1 (0 with a single day). 0 = no test split. */
    testDays: z.coerce.number().int().min(0).max(100_000).optional().describe('the last days, the test split; 0 = none'),
    /** Keep only the trading days up to this date: later days are left out, their rows counted (walk-forward folds, docs/DATA.md). */
    lastDay: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
      .optional()
      .describe('keep only trading days up to this date (YYYY-MM-DD); the rows of later days are counted and left out, and the split counts apply to the days kept'),
    /** Exclude an instrument-day when more than this share of its minutes is missing. */
    maxMissingShare: z.coerce.number().min(0).max(1).default(0.2).describe('exclude an instrument-day missing more than this share of its minutes'),
    /** Exclude an instrument-day when more bars than this have a non-positive or NaN price. */
    maxBadPriceBars: z.coerce.number().int().min(0).max(100_000).default(5).describe('exclude an instrument-day with more bad-price bars than this'),
    /** A price more than this factor from the instrument-day's median close is implausible (docs/DATA.md, "Plausible prices and volumes"). */
    maxPriceRatio: z.coerce.number().gt(1).max(1000).default(DEFAULT_MAX_PRICE_RATIO).describe("a price more than this factor from the instrument-day's median close is implausible"),
    /** A bar's volume more than this many times the instrument-day's median bar volume is absurd: the day is excluded. */
    maxVolumeRatio: z.coerce.number().gt(1).max(1e9).default(DEFAULT_MAX_VOLUME_RATIO).describe("exclude an instrument-day with a bar volume more than this many times the day's median bar volume"),
    /** An instrument-day whose median close is more than this factor from the last kept close is a jump: excluded. */
    maxDayJump: z.coerce.number().gt(1).max(1e6).default(DEFAULT_MAX_DAY_JUMP).describe('exclude an instrument-day whose median close is more than this factor from the last kept close'),
    /** Rows held in memory while reading; past it, rows are spilled to temporary files per day (bounded memory at any size). */
    maxRowsInMemory: z.coerce.number().int().min(1).max(1e9).default(8_000_000).describe('rows held in memory while reading; beyond, rows spill to temporary files per day'),
    /** Time zone for UTC-adjusted Parquet timestamps; default from the session (Asia/Shanghai, America/New_York). */
    timezone: z.string().min(1).optional().describe('time zone of UTC Parquet timestamps (IANA name)'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.barMinutes !== undefined && s.inputMinutes !== undefined && s.barMinutes % s.inputMinutes !== 0) {
      ctx.addIssue({ code: 'custom', path: ['barMinutes'], message: `must be a multiple of inputMinutes (${s.inputMinutes})` });
    }
  });

export type ImportSettingsInput = z.input<typeof ImportSettingsSchema>;
export type ImportSettings = z.output<typeof ImportSettingsSchema>;

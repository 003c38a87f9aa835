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
    inputs: z.array(z.string().min(1)).min(1, 'give at least one input file or directory'),
    /** Output dataset directory; default data/<session>. Replaced only when it is empty or a dataset (see force). */
    out: z.string().min(1).optional(),
    /** Replace an existing --out directory that is not a dataset (never a file, an input or the current directory). */
    force: z.boolean().default(false),
    /** Dataset name recorded in meta.json; default: the output directory's name. */
    name: z.string().min(1).optional(),
    format: z.enum(['auto', 'csv', 'parquet']).default('auto'),
    columns: columnsSchema,
    /** Shares per input volume unit: 100 for A-share lots, 1 when volume is already in shares. */
    volumeUnit: z.coerce.number().positive().default(100),
    session: z.enum(sessionNames).default('ashare'),
    /** Bar length of the input files in minutes; default: detected from the timestamps (bar-length.ts). */
    inputMinutes: z.coerce.number().int().positive().optional(),
    /** Bar length of the dataset; a multiple of inputMinutes (input bars are aggregated); default: the input bar length. */
    barMinutes: z.coerce.number().pipe(z.literal(DATASET_BAR_MINUTES)).optional(),
    /** Whether a bar's time label is its end (A-share vendors: 09:31 = 09:30-09:31) or its start. */
    labels: z.enum(['end', 'start']).default('end'),
    /** Validation days, just before the test days; default 1 (0 with too few days, see resolveSplit). 0 = no validation split. */
    validationDays: z.coerce.number().int().min(0).optional(),
    /** The last days, the test split; default 1 (0 with a single day). 0 = no test split. */
    testDays: z.coerce.number().int().min(0).optional(),
    /** Exclude an instrument-day when more than this share of its minutes is missing. */
    maxMissingShare: z.coerce.number().min(0).max(1).default(0.2),
    /** Exclude an instrument-day when more bars than this have a non-positive or NaN price. */
    maxBadPriceBars: z.coerce.number().int().min(0).default(5),
    /** A price more than this factor from the instrument-day's median close is implausible (docs/DATA.md, "Plausible prices and volumes"). */
    maxPriceRatio: z.coerce.number().gt(1).max(1000).default(DEFAULT_MAX_PRICE_RATIO),
    /** A bar's volume more than this many times the instrument-day's median bar volume is absurd: the day is excluded. */
    maxVolumeRatio: z.coerce.number().gt(1).default(DEFAULT_MAX_VOLUME_RATIO),
    /** An instrument-day whose median close is more than this factor from the last kept close is a jump: excluded. */
    maxDayJump: z.coerce.number().gt(1).default(DEFAULT_MAX_DAY_JUMP),
    /** Rows held in memory while reading; past it, rows are spilled to temporary files per day (bounded memory at any size). */
    maxRowsInMemory: z.coerce.number().int().min(1).default(8_000_000),
    /** Time zone for UTC-adjusted Parquet timestamps; default from the session (Asia/Shanghai, America/New_York). */
    timezone: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.barMinutes !== undefined && s.inputMinutes !== undefined && s.barMinutes % s.inputMinutes !== 0) {
      ctx.addIssue({ code: 'custom', path: ['barMinutes'], message: `must be a multiple of inputMinutes (${s.inputMinutes})` });
    }
  });

export type ImportSettingsInput = z.input<typeof ImportSettingsSchema>;
export type ImportSettings = z.output<typeof ImportSettingsSchema>;

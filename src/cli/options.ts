/** Option helpers shared by the commands: flag parsing to numbers, and flags the user actually typed. */
import type { Command } from 'commander';
import { readConfigFile, mergeSettings } from '../config/validate.js';
import { ExecLabError } from '../errors.js';
import type { DatasetStore } from '../data/store.js';
import { settingOfAttribute } from './schema-options.js';

/** Default dataset location: where `execlab data synth` writes the embedded synthetic market. */
export const DEFAULT_DATA_DIR = 'data/synthetic';

export function toNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new ExecLabError(`option ${flag}: got '${value}', expected a number`, 2);
    return n;
  };
}

export function toInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n)) throw new ExecLabError(`option ${flag}: got '${value}', expected a whole number`, 2);
    return n;
  };
}

/** The options of `cmd` the user typed (not commander's defaults), by setting key, and the flag of each. */
export function typedFlags(cmd: Command, omit: readonly string[] = ['config']): { values: Record<string, unknown>; flagOf: Record<string, string> } {
  const opts = cmd.opts() as Record<string, unknown>;
  const values: Record<string, unknown> = {};
  const flagOf: Record<string, string> = {};
  for (const option of cmd.options) {
    const attribute = option.attributeName();
    const source = cmd.getOptionValueSource(attribute);
    if (source !== 'cli' && source !== 'env') continue;
    const { key, negated } = settingOfAttribute(cmd, attribute);
    if (omit.includes(key) || omit.includes(attribute)) continue;
    // A negated flag (--no-fill-without-volume) of a setting `noX` means noX: true.
    values[key] = negated ? !opts[attribute] : opts[attribute];
    flagOf[key] = option.long ?? option.flags;
  }
  return { values, flagOf };
}

/**
 * The command's options that came from the command line (not commander's defaults), merged over the
 * config file given with --config. The result is loose input for a zod schema; it records where each
 * setting came from, which validateSettings names next to a bad value.
 */
export function userSettings(cmd: Command, omit: readonly string[] = ['config']): Record<string, unknown> {
  const path = (cmd.opts() as Record<string, unknown>).config;
  const file = typeof path === 'string' ? readConfigFile(path) : {};
  const { values, flagOf } = typedFlags(cmd, omit);
  return mergeSettings(file, values, { file: typeof path === 'string' ? path : undefined, flags: flagOf });
}

function splitCounts(store: DatasetStore): string {
  const sp = store.meta.split;
  return `train ${sp.train.length}, validation ${sp.validation.length}, test ${sp.test.length}`;
}

/** Refuses a split of the dataset that has no days (a dataset imported with --test-days 0, or of one day). */
export function requireSplitDays(store: DatasetStore, split: 'train' | 'validation' | 'test' | 'all'): void {
  if (store.datesOf(split).length > 0) return;
  const have = (['train', 'validation', 'test'] as const).filter((k) => store.meta.split[k].length > 0);
  throw new ExecLabError(
    `the ${split} split of the dataset '${store.dir}' has no days (${splitCounts(store)}); use --split ${[...have, 'all'].join(' or ')}, or re-import with more days or --${split}-days`,
    2,
  );
}

/** Refuses a dataset without the splits that `what` needs (training validates on the validation split). */
export function requireSplits(store: DatasetStore, what: string, names: ReadonlyArray<'validation' | 'test'>): void {
  const missing = names.filter((k) => store.meta.split[k].length === 0);
  if (missing.length === 0) return;
  const flags = missing.map((k) => `--${k}-days`).join(' and ');
  throw new ExecLabError(
    `${what} needs ${names.length > 1 ? `${names.join(' and ')} splits` : `a ${names[0]} split`}: the dataset '${store.dir}' has no ${missing.join(' or ')} days (${splitCounts(store)}); ` +
      `re-import it with more trading days and ${flags} of 1 or more (backtests run on any split it has: --split train or all)`,
    2,
  );
}

/** Option helpers shared by the commands: flag parsing to numbers, and flags the user actually typed. */
import type { Command } from 'commander';
import { readConfigFile, mergeSettings } from '../config/validate.js';
import { ExecLabError } from '../errors.js';

/** Default dataset location: where `execlab data synth` writes the embedded synthetic market. */
export const DEFAULT_DATA_DIR = 'data/synthetic';

export function toNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new ExecLabError(`option ${flag}: '${value}' is not a number`, 2);
    return n;
  };
}

export function toInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new ExecLabError(`option ${flag}: '${value}' is not an integer`, 2);
    return n;
  };
}

/**
 * The command's options that came from the command line (not commander's defaults), merged over the
 * config file given with --config. The result is loose input for a zod schema.
 */
export function userSettings(cmd: Command, omit: readonly string[] = ['config']): Record<string, unknown> {
  const opts = cmd.opts() as Record<string, unknown>;
  const typed: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(opts)) {
    if (omit.includes(k)) continue;
    if (cmd.getOptionValueSource(k) === 'cli' || cmd.getOptionValueSource(k) === 'env') typed[k] = v;
  }
  const file = typeof opts.config === 'string' ? readConfigFile(opts.config) : {};
  return mergeSettings(file, typed);
}

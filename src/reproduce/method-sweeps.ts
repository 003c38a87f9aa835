/**
 * Settings per learned method, each chosen by its own `execlab sweep --method M` on the validation
 * split: a reproduction given several sweeps runs every method with its own sweep's choice and the
 * global settings for the rest. A sweep is refused when it was scored on another dataset, with
 * another selection rule, orders seed or budget, since its choice would then not be the one its
 * trials measured.
 */
import { ExecLabError } from '../errors.js';
import { readSweep, type SweepResult } from './sweep.js';
import { methodSettingKeys, type MethodSettings } from './method-settings.js';
import type { Method } from './tasks.js';

/** One method's sweep: where it was read, what it found, and the settings it chose. */
export interface MethodSweep {
  readonly path: string;
  readonly sweep: SweepResult;
  readonly settings: MethodSettings;
}

/** What a sweep must share with the reproduction that uses its choice. */
export interface SweepContext {
  readonly fingerprint: string;
  readonly dataset: string;
  readonly selection: string;
  readonly ordersSeed: number;
  readonly side: 'sell' | 'buy' | 'mixed';
  /** The reproduction's learners read buy orders mirrored (--mirror-buys). */
  readonly mirrorBuys: boolean;
  readonly quick: boolean;
}

/** The settings of `method` out of a sweep's chosen settings (a reproduce config): those its training uses. */
export function methodSettingsOf(method: Method, chosen: Readonly<Record<string, unknown>>): MethodSettings {
  const out: Record<string, unknown> = {};
  for (const k of methodSettingKeys(method)) if (chosen[k] !== undefined && chosen[k] !== null) out[k] = chosen[k];
  return out as MethodSettings;
}

/** Checks one sweep against the reproduction; returns why it cannot be used, or null. */
export function sweepMismatch(r: SweepResult, ctx: SweepContext): string | null {
  if (r.fingerprint !== undefined ? r.fingerprint !== ctx.fingerprint : r.dataset !== ctx.dataset) {
    return `it was scored on dataset ${r.dataset}${r.fingerprint !== undefined ? ' (another meta.json)' : ''}, and this reproduction runs on ${ctx.dataset}`;
  }
  const c = r.chosenSettings;
  if (c.selection !== undefined && c.selection !== ctx.selection) return `its trials kept checkpoints by --selection ${String(c.selection)}, this reproduction by ${ctx.selection}`;
  if (c.ordersSeed !== undefined && c.ordersSeed !== ctx.ordersSeed) return `it used --orders-seed ${String(c.ordersSeed)}, this reproduction ${ctx.ordersSeed}`;
  // Sweeps written before --side existed ran on sell orders.
  const side = c.side ?? 'sell';
  if (side !== ctx.side) return `its trials trained on ${String(side)} orders, this reproduction on ${ctx.side}`;
  if ((c.mirrorBuys === true) !== ctx.mirrorBuys) return `its learners read buy orders ${c.mirrorBuys === true ? 'mirrored' : 'as they are'}, this reproduction's ${ctx.mirrorBuys ? 'mirrored' : 'as they are'} (--mirror-buys)`;
  if ((c.quick === true) !== ctx.quick) return `it ran with the ${c.quick === true ? 'quick' : 'full'} budget, this reproduction with the ${ctx.quick ? 'quick' : 'full'} one`;
  return null;
}

/** Reads and checks the sweeps of `paths`: one per method at most. */
export function readMethodSweeps(paths: readonly string[], ctx: SweepContext): Map<Method, MethodSweep> {
  const out = new Map<Method, MethodSweep>();
  for (const path of paths) {
    const sweep = readSweep(path);
    const why = sweepMismatch(sweep, ctx);
    if (why !== null) throw new ExecLabError(`method sweep ${path} cannot choose this reproduction's settings: ${why}`, 2);
    const earlier = out.get(sweep.method);
    if (earlier) throw new ExecLabError(`method sweeps ${earlier.path} and ${path} are both for ${sweep.method}: give one per method`, 2);
    out.set(sweep.method, { path, sweep, settings: methodSettingsOf(sweep.method, sweep.chosenSettings) });
  }
  return out;
}

/**
 * An instrument's previous session and feature scales as a request gives them, checked: what an
 * execution is opened with and what the market feed registers, by the same rules. The price
 * features are scaled by the previous close and the volume feature by the trailing mean volume per
 * bar; without a `context`, the previous session gives both (its last close and its mean volume).
 */
import { barProblem, MEAN_MINUTE_VOLUME, resolveBar, type ResolvedBar } from '../bars.js';
import { badRequest } from './errors.js';
import type { FeatureContext } from './inference.js';

type BarInput = Parameters<typeof resolveBar>[0];

/** `owner.previousDay`, or `previousDay` for the request itself (owner ''). */
const field = (owner: string): string => (owner ? `${owner}.previousDay` : 'previousDay');

/**
 * The previous session's bars, checked and resolved: every bar of a session of `M` bars (else a 400
 * ending in `needs`), each consistent.
 */
export function previousSession(bars: readonly BarInput[], M: number, owner: string, needs: string): ResolvedBar[] {
  const where = field(owner);
  if (bars.length !== M) throw badRequest(`${where} has ${bars.length} bars; ${needs}`);
  return bars.map((b, k) => {
    const problem = barProblem(b.open, b.high, b.low, b.close, (f) => `${where}[${k}].${f}`);
    if (problem) throw badRequest(problem);
    return resolveBar(b);
  });
}

/** The feature scales: the given context, else the previous session's; a 400 without either. */
export function featureScales(context: FeatureContext | undefined, previous: readonly ResolvedBar[] | null, owner: string): FeatureContext {
  if (context) return context;
  if (previous) {
    const meanMinuteVolume = previous.reduce((s, b) => s + b.volume, 0) / previous.length;
    if (!MEAN_MINUTE_VOLUME.safeParse(meanMinuteVolume).success) throw badRequest(`${field(owner)} has a mean volume per bar of ${meanMinuteVolume}: give context.meanMinuteVolume`);
    return { previousClose: previous[previous.length - 1].close, meanMinuteVolume };
  }
  throw badRequest(`${owner ? `${owner}: ` : ''}give context (previousClose, meanMinuteVolume) or previousDay: the features are scaled by them`);
}

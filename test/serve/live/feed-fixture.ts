/**
 * A tiny market for the market feed's tests: six instruments (some average prices a rounding
 * outside their bars' range, as real data has), peer groups, and two student policies that read
 * the context: the market's ('mkt', 2 private features) and the peers' too ('peer', 3).
 */
import { ActorCritic } from '../../../src/nn/network.js';
import { policyRuntime } from '../../../src/serve/decide.js';
import type { MarketInstrumentInput } from '../../../src/serve/live/schemas.js';
import type { ServedPolicy } from '../../../src/serve/live/service.js';
import { EPISODE_PUBLIC_FEATURES, PUBLIC_FEATURES } from '../../../src/sim/observation.js';
import { Rng } from '../../../src/util/random.js';
import { memoryStore, storeFromPanels } from '../../helpers/memory-store.js';
import { studentPolicyFile } from '../../helpers/policies.js';
import { barsOf } from './fixture.js';

// Every seventh bar's average price a rounding above its high, as turnover / volume gives on flat
// bars of real data: the import keeps such an average, and so must the service.
export const market = storeFromPanels(
  memoryStore({ instruments: 6, days: 5, seed: 37, validationDays: 1, testDays: 1 }, 3, 1).panels.map((p) => {
    const avgPrice = p.avgPrice.slice();
    for (let k = 0; k < avgPrice.length; k += 7) avgPrice[k] = p.high[k] * (1 + 5e-7);
    return { ...p, avgPrice };
  }),
  3,
  1,
);
export const codes = market.meta.instruments;
// Each instrument's peers: the next two codes (and for one, a code the feed does not carry).
export const peers = { size: 2, groups: Object.fromEntries(codes.map((c, i) => [c, i === 0 ? ['NOPE', codes[3]] : [codes[(i + 1) % codes.length], codes[(i + 2) % codes.length]]])) };

function sensitive(net: ActorCritic, gain: number): ActorCritic {
  for (let k = 0; k < net.params.length; k++) net.params[k] *= gain;
  return net;
}
export const nets = {
  mkt: sensitive(ActorCritic.create({ pubIn: EPISODE_PUBLIC_FEATURES, privIn: 2, hidden: 12, mlp: [12], actions: 5 }, new Rng(51)), 6),
  peer: sensitive(ActorCritic.create({ pubIn: EPISODE_PUBLIC_FEATURES + PUBLIC_FEATURES, privIn: 3, hidden: 12, mlp: [12, 8], actions: 5 }, new Rng(52)), 6),
};
export const files = {
  mkt: (() => {
    const f = studentPolicyFile(nets.mkt, market.meta.featureStats, 'MKT', 2);
    return { ...f, spec: { ...f.spec, market: true } };
  })(),
  peer: (() => {
    const f = studentPolicyFile(nets.peer, market.meta.featureStats, 'PEER', 3);
    return { ...f, spec: { ...f.spec, market: true, peers } };
  })(),
};
export const served: ServedPolicy[] = [
  { id: 'mkt', rt: policyRuntime(files.mkt, undefined, undefined, { marketFeed: true }) },
  { id: 'peer', rt: policyRuntime(files.peer, undefined, undefined, { marketFeed: true }) },
];

/** The POST /market/:date/instruments items of a stored day: every valid instrument, its scales and its previous session. */
export function universe(date: string): MarketInstrumentInput[] {
  const day = market.loadDay(date);
  return codes.flatMap((instrument, i) =>
    day.bars.valid[i]
      ? [{ instrument, context: { previousClose: day.context.prevClose[i], meanMinuteVolume: day.context.meanMinuteVolume[i] }, ...(day.previous?.valid[i] ? { previousDay: barsOf(day.previous, i, 0, day.previous.minutes, false) } : {}) }]
      : [],
  );
}


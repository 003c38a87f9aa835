/**
 * A tiny live service for tests: an in-memory synthetic market, three student policies (with 2 and 3
 * private features, and one that reads the order's side too), a service store in a temporary directory with one key for both, and helpers
 * that turn a stored instrument-day into API requests.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ActorCritic } from '../../../src/nn/network.js';
import { PUBLIC_FEATURES } from '../../../src/sim/observation.js';
import { policyRuntime } from '../../../src/serve/decide.js';
import { createApp, type AppLimits } from '../../../src/serve/live/app.js';
import { addApiKey } from '../../../src/serve/live/auth.js';
import type { ServedPolicy } from '../../../src/serve/live/service.js';
import { ServiceStore } from '../../../src/serve/live/store.js';
import { Rng } from '../../../src/util/random.js';
import { memoryStore, type MemoryStore } from '../../helpers/memory-store.js';
import { studentPolicyFile } from '../../helpers/policies.js';

export const market: MemoryStore = memoryStore({ instruments: 4, days: 5, seed: 31, validationDays: 1, testDays: 1 }, 3, 1);

/** Weights scaled up from the initialisation, so that the decisions vary with the bars and the order's state. */
function sensitive(net: ActorCritic, gain: number): ActorCritic {
  for (let k = 0; k < net.params.length; k++) net.params[k] *= gain;
  return net;
}

// Remaining, elapsed, previous share and the side.
const sideNet = sensitive(ActorCritic.create({ pubIn: PUBLIC_FEATURES, privIn: 4, hidden: 12, mlp: [12], actions: 5 }, new Rng(43)), 6);
export const nets = {
  p2: sensitive(ActorCritic.create({ pubIn: PUBLIC_FEATURES, privIn: 2, hidden: 16, mlp: [16, 8], actions: 5 }, new Rng(41)), 6),
  p3: sensitive(ActorCritic.create({ pubIn: PUBLIC_FEATURES, privIn: 3, hidden: 12, mlp: [12], actions: 5 }, new Rng(42)), 6),
  ps: sideNet,
  pm: sideNet,
};
export const policies = {
  p2: studentPolicyFile(nets.p2, market.meta.featureStats, 'P2', 2),
  p3: studentPolicyFile(nets.p3, market.meta.featureStats, 'P3', 3),
  ps: studentPolicyFile(nets.ps, market.meta.featureStats, 'PS', 3, true),
  // PS's network reading a buy's price features mirrored.
  pm: studentPolicyFile(nets.pm, market.meta.featureStats, 'PM', 3, true, true),
};
export const served: ServedPolicy[] = [
  { id: 'p2', rt: policyRuntime(policies.p2) },
  { id: 'p3', rt: policyRuntime(policies.p3) },
  { id: 'ps', rt: policyRuntime(policies.ps) },
  { id: 'pm', rt: policyRuntime(policies.pm) },
];

export interface BarJson {
  open: number;
  high: number;
  low: number;
  close: number;
  avgPrice: number;
  volume: number;
}

/** Bars [from, to) of instrument `i` of a day panel, as the API takes them (with `index` when asked). */
export function barsOf(panel: ReturnType<MemoryStore['loadDay']>['bars'], i: number, from: number, to: number, indexed = true): Array<BarJson & { index?: number }> {
  const M = panel.minutes;
  const out: Array<BarJson & { index?: number }> = [];
  for (let m = from; m < to; m++) {
    const b = i * M + m;
    const bar = { open: panel.open[b], high: panel.high[b], low: panel.low[b], close: panel.close[b], avgPrice: panel.avgPrice[b], volume: panel.volume[b] };
    out.push(indexed ? { index: m, ...bar } : bar);
  }
  return out;
}

/** The POST /executions body of an order on a stored day. */
export function createBody(date: string, instrument: string, side: 'sell' | 'buy', quantity: number, policy: string): Record<string, unknown> {
  const day = market.loadDay(date);
  const i = market.meta.instruments.indexOf(instrument);
  return {
    instrument,
    side,
    quantity,
    date,
    policy,
    previousDay: barsOf(day.previous!, i, 0, day.previous!.minutes, false),
    context: { previousClose: day.context.prevClose[i], meanMinuteVolume: day.context.meanMinuteVolume[i] },
  };
}

export interface TestService {
  readonly app: FastifyInstance;
  readonly store: ServiceStore;
  readonly key: string;
  readonly dbPath: string;
  close(): Promise<void>;
}

export async function openService(dir: string, limits: AppLimits = {}, dbName = 'service.db'): Promise<TestService> {
  const dbPath = join(dir, dbName);
  // The server's mode: the changes of one turn committed together, the answers held until then.
  const store = new ServiceStore(dbPath, 'normal', { groupCommit: true });
  const { key } = addApiKey(store, 'desk', ['p2', 'p3', 'ps', 'pm']);
  const { app } = await createApp({ store, policies: served, logLevel: 'silent', ...limits });
  return {
    app,
    store,
    key,
    dbPath,
    async close() {
      await app.close();
      store.close();
    },
  };
}

/** app.inject with the key and a JSON body. */
export async function call(svc: { app: FastifyInstance; key: string }, method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, key = svc.key): Promise<{ status: number; json: any }> {
  const r = await svc.app.inject({ method, url, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, payload: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.statusCode, json: r.body ? JSON.parse(r.body) : null };
}

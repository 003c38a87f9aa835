/** decide(): strict validation of the request, which leaves nothing changed. */
import { describe, expect, it } from 'vitest';
import { buildEpisodes } from '../../src/sim/episodes.js';
import { PUBLIC_FEATURES } from '../../src/sim/observation.js';
import { DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';
import { ActorCritic } from '../../src/nn/network.js';
import type { PolicyFile } from '../../src/rl/common/policy-file.js';
import { decide, policyRuntime, type DecisionRequest } from '../../src/serve/decide.js';
import { Rng } from '../../src/util/random.js';
import { memoryStore } from '../helpers/memory-store.js';
import { studentPolicyFile } from '../helpers/policies.js';

const store = memoryStore({ instruments: 3, days: 5, seed: 12, validationDays: 1, testDays: 1 }, 3, 1);
const date = store.meta.dates[4];
const orders = store.meta.instruments.map((instrument) => ({ instrument, date, side: 'sell' as const, quantity: 1000 }));
const episodes = buildEpisodes(store, orders, DEFAULT_SIM_SETTINGS).episodes;
const net = ActorCritic.create({ pubIn: PUBLIC_FEATURES, privIn: 3, hidden: 8, mlp: [8], actions: 5 }, new Rng(3));
const policy: PolicyFile = studentPolicyFile(net, store.meta.featureStats, 'student', 3);
const rt = policyRuntime(policy);

function request(t: number): DecisionRequest {
  const day = store.loadDay(date);
  const M = day.bars.minutes;
  const cut = (a: Float64Array, to: number): number[] => Array.from(a.subarray(0, to));
  const bars = (p: typeof day.bars, to: number) => ({ open: cut(p.open, to), high: cut(p.high, to), low: cut(p.low, to), close: cut(p.close, to), avgPrice: cut(p.avgPrice, to), volume: cut(p.volume, to) });
  return {
    side: 'sell',
    quantity: 1000,
    executed: Array.from({ length: t }, () => 100),
    pastShares: Array.from({ length: t }, () => 0.1),
    previousClose: day.context.prevClose[0],
    meanMinuteVolume: day.context.meanMinuteVolume[0],
    previousDay: bars(day.previous!, M),
    today: bars(day.bars, episodes.grid.start[t]),
  };
}

/** A request with one change; `edit` mutates a deep copy. */
function bad(edit: (r: any) => void, t = 2): DecisionRequest {
  const r = structuredClone(request(t)) as any;
  edit(r);
  return r as DecisionRequest;
}

describe('decide: strict validation of the request', () => {
  const cases: Array<[string, DecisionRequest, RegExp]> = [
    ['a mean minute volume that underflows', bad((r) => (r.meanMinuteVolume = 5e-324)), /meanMinuteVolume/],
    ['an avgPrice shorter than the bars', bad((r) => r.today.avgPrice.pop()), /today\.avgPrice has 59 values, today\.open has 60/],
    ['a previous day of another length', bad((r) => r.previousDay.open.splice(10)), /previousDay/],
    ['a previous day of another length (all arrays)', bad((r) => { for (const k of Object.keys(r.previousDay)) r.previousDay[k] = r.previousDay[k].slice(0, 100); }), /previousDay has 100 minutes; expected the policy's 240/],
    ['a previous day that is too long', bad((r) => { for (const k of Object.keys(r.previousDay)) r.previousDay[k] = [...r.previousDay[k], ...r.previousDay[k]]; }), /previousDay has 480 minutes; expected the policy's 240/],
    ['high below low', bad((r) => ((r.today.high[5] = r.today.low[5] * 0.9), (r.today.open[5] = r.today.low[5]), (r.today.close[5] = r.today.low[5]))), /today\.high\[5\].*below today\.low\[5\]/],
    ['a close above the high', bad((r) => (r.today.close[7] = r.today.high[7] * 1.1)), /today\.close\[7\]/],
    ['a zero price', bad((r) => (r.today.low[3] = 0)), /today\.low\.3/],
    ['a negative previous close', bad((r) => (r.previousClose = -1)), /previousClose/],
    ['a huge quantity', bad((r) => (r.quantity = 1e300)), /quantity/],
    ['a negative volume', bad((r) => (r.today.volume[2] = -5)), /today\.volume\.2/],
    ['a past share outside [0, 1]', bad((r) => (r.pastShares[0] = 2)), /pastShares\.0/],
    ['past shares of another length than executed', bad((r) => r.pastShares.pop()), /pastShares has 1 values; executed has 2/],
    ['executed above the quantity', bad((r) => (r.executed = [600, 600])), /executed sums to 1200, more than the quantity 1000/],
    ['an unknown field', bad((r) => (r.avgprice = [])), /avgprice/],
    ['a string number', bad((r) => (r.quantity = '1000')), /quantity/],
    ['today of the wrong length', bad((r) => { for (const k of Object.keys(r.today)) r.today[k].pop(); }), /needs exactly the 60 minutes/],
  ];
  for (const [what, req, message] of cases) {
    it(`refuses ${what}`, () => {
      expect(() => decide(rt, req)).toThrow(message);
    });
  }

  it('answers the same good request the same way before and after every bad one', () => {
    const before = decide(rt, request(2));
    for (const [, req] of cases) expect(() => decide(rt, req)).toThrow();
    expect(decide(rt, request(2))).toEqual(before);
    expect(before.logits.every(Number.isFinite)).toBe(true);
  });

  it('refuses --minutes-per-day that is not a positive integer, and keeps refusing another bar count', () => {
    expect(() => policyRuntime(policy, 0)).toThrow(/minutes per day 0: expected a positive integer/);
    expect(() => policyRuntime(policy, -240)).toThrow(/positive integer/);
    expect(() => policyRuntime(policy, 2.5)).toThrow(/positive integer/);
    expect(() => policyRuntime(policy, 48)).toThrow(/trained on 1-minute bars/);
    expect(policyRuntime(policy, 240).minutesPerDay).toBe(240);
  });

  it('refuses a teacher and a policy that reads the market context, saying what runs them instead', () => {
    expect(() => policyRuntime({ ...policy, spec: { ...policy.spec, view: 'teacher' } })).toThrow(/sees the future \(teacher view\): it can be evaluated but not deployed/);
    const withMarket = { ...policy, spec: { ...policy.spec, market: true } };
    const refused = /reads the market context .* which \/decide cannot rebuild from one instrument's bars: serve it with execlab serve, whose market feed carries the cross-section, or run it with execlab backtest/;
    expect(() => policyRuntime(withMarket)).toThrow(refused);
    // The live service takes it (its market feed carries the context); decide() still refuses it.
    const live = policyRuntime(withMarket, undefined, undefined, { marketFeed: true });
    expect(() => decide(live, { side: 'sell', quantity: 1000, previousClose: 10, meanMinuteVolume: 100, today: { open: [], high: [], low: [], close: [], volume: [] } })).toThrow(refused);
  });
});

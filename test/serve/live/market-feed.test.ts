/**
 * The market feed: policies that read the market context, or the peer context as well, run through
 * the API on the cross-section the feed carries, and every decision equals the backtest's on the
 * same bars, across a restart of the service in the middle of the day. The feed's rules: who may
 * write it, the universe fixed before bars, bars in order per instrument, plans that wait for the
 * whole cross-section of the period that just ended.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ActorCritic } from '../../../src/nn/network.js';
import { logProb } from '../../../src/rl/common/losses.js';
import { rollout } from '../../../src/rl/common/policy.js';
import { policyRuntime } from '../../../src/serve/decide.js';
import { createApp } from '../../../src/serve/live/app.js';
import { addApiKey } from '../../../src/serve/live/auth.js';
import { ServiceStore } from '../../../src/serve/live/store.js';
import { buildEpisodes } from '../../../src/sim/episodes.js';
import { ExecutionEnv } from '../../../src/sim/env.js';
import { PUBLIC_FEATURES } from '../../../src/sim/observation.js';
import { DEFAULT_SIM_SETTINGS } from '../../../src/sim/settings.js';
import { Rng } from '../../../src/util/random.js';
import { studentPolicyFile } from '../../helpers/policies.js';
import { tempDirs } from '../../helpers/tmp.js';
import { codes, files, market, nets, peers, served, universe } from './feed-fixture.js';
import { barsOf, call } from './fixture.js';

const { tmp } = tempDirs('execlab-live-feed-');

async function open(dbPath: string) {
  const store = new ServiceStore(dbPath, 'normal', { groupCommit: true });
  const { app } = await createApp({ store, policies: served, logLevel: 'silent' });
  return { app, store, async close() { await app.close(); store.close(); } };
}

const opened: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const s of opened) await s.close().catch(() => undefined);
});

describe('the market feed', () => {
  it('gives policies that read the market and peer context the backtest decision in every period, across a restart', async () => {
    const dir = tmp('replay');
    const dbPath = join(dir, 'service.db');
    let svc = await open(dbPath);
    opened.push(svc);
    const desk = { app: svc.app, key: addApiKey(svc.store, 'desk', ['mkt', 'peer'], new Date(), true).key };
    const dates = market.meta.dates.slice(3, 5);
    const orders = dates.flatMap((date) => codes.map((instrument, k) => ({ instrument, date, side: (k % 2 ? 'buy' : 'sell') as 'buy' | 'sell', quantity: 600 + 200 * k })));
    const { episodes } = buildEpisodes(market, orders, DEFAULT_SIM_SETTINGS, { peers });
    const { start, periods: T, horizon } = episodes.grid;
    let compared = 0;
    for (const id of ['mkt', 'peer'] as const) {
      const env = new ExecutionEnv(episodes, DEFAULT_SIM_SETTINGS);
      const rec = rollout(nets[id], files[id].spec, env, 'greedy', null);
      expect(new Set(rec.actions).size).toBeGreaterThan(2);
      for (const date of dates) {
        const day = market.loadDay(date);
        if (id === 'mkt') {
          // The universe in two requests, then fixed.
          const items = universe(date);
          for (const part of [items.slice(0, 2), items.slice(2)]) expect((await call(desk, 'POST', `/market/${date}/instruments`, { instruments: part })).status).toBe(200);
          expect((await call(desk, 'POST', `/market/${date}/ready`)).json).toMatchObject({ status: 'ready', instruments: codes.length, withPreviousDay: codes.length, barsComplete: 0 });
        }
        const episodesOfDay = [...episodes.orders.keys()].filter((e) => episodes.date[e] === date);
        const ids: string[] = [];
        for (const e of episodesOfDay) {
          const o = episodes.orders[e];
          const i = codes.indexOf(o.instrument);
          const body = { instrument: o.instrument, side: o.side, quantity: o.quantity, date, policy: id, previousDay: barsOf(day.previous!, i, 0, day.previous!.minutes, false), context: { previousClose: day.context.prevClose[i], meanMinuteVolume: day.context.meanMinuteVolume[i] } };
          const r = await call(desk, 'POST', '/executions', body);
          expect(r.status).toBe(201);
          ids.push(r.json.id as string);
        }
        for (let t = 0; t < T; t++) {
          if (t === 3) {
            // A restart in the middle of the day: the feed and the executions are read back.
            await svc.close();
            svc = await open(dbPath);
            opened.push(svc);
            desk.app = svc.app;
          }
          for (const [k, e] of episodesOfDay.entries()) {
            const plan = await call(desk, 'GET', `/executions/${ids[k]}/plan`);
            expect(plan.status, JSON.stringify(plan.json)).toBe(200);
            expect(plan.json.action, `${id} episode ${e} period ${t}`).toBe(rec.actions[e * T + t]);
            expect(Math.fround(logProb(Float32Array.from(plan.json.logits as number[]), 0, 5, plan.json.action))).toBe(rec.logp[e * T + t]);
            expect(plan.json.quantity).toBeCloseTo(env.periodQty[e * T + t], 6);
            compared++;
            const qty = env.periodQty[e * T + t];
            if (qty > 0) expect((await call(desk, 'POST', `/executions/${ids[k]}/fills`, { fills: [{ fillId: `f${t}`, bar: start[t], quantity: qty, price: episodes.periodMeanPrice[e * T + t] }] })).status).toBe(200);
            const i = codes.indexOf(episodes.orders[e].instrument);
            expect((await call(desk, 'POST', `/executions/${ids[k]}/bars`, { bars: barsOf(day.bars, i, start[t], start[t + 1]) })).status).toBe(200);
          }
          if (id === 'mkt') {
            // The period's bars of the cross-section: all but the last instrument first, and the next
            // plan waits for that one.
            const feedBars = (list: number[]) => list.flatMap((i) => barsOf(day.bars, i, start[t], start[t + 1]).map((b) => ({ instrument: codes[i], ...b })));
            const first = codes.slice(0, -1).map((_, i) => i);
            expect((await call(desk, 'POST', `/market/${date}/bars`, { bars: feedBars(first) })).json).toMatchObject({ accepted: first.length * (start[t + 1] - start[t]), duplicates: 0, barsComplete: start[t] });
            if (t + 1 < T) {
              const waiting = await call(desk, 'GET', `/executions/${ids[0]}/plan`);
              expect(waiting.status).toBe(409);
              expect(waiting.json.error).toMatch(new RegExp(`up to bar ${start[t + 1]} from ${codes.length - 1} of ${codes.length} instruments`));
            }
            // A retry of what was stored counts once; the rest completes the period.
            const rest = await call(desk, 'POST', `/market/${date}/bars`, { bars: [...feedBars([0]), ...feedBars([codes.length - 1])] });
            expect(rest.json).toMatchObject({ accepted: start[t + 1] - start[t], duplicates: start[t + 1] - start[t], barsComplete: start[t + 1] });
          }
        }
        for (const [k, e] of episodesOfDay.entries()) {
          const i = codes.indexOf(episodes.orders[e].instrument);
          await call(desk, 'POST', `/executions/${ids[k]}/bars`, { bars: barsOf(day.bars, i, horizon, day.bars.minutes) });
          const state = await call(desk, 'GET', `/executions/${ids[k]}`);
          expect(state.json.status).toBe('complete');
          const sign = episodes.orders[e].side === 'sell' ? 1 : -1;
          expect(state.json.paBps).toBeCloseTo(sign * 1e4 * (env.executedValue[e] / env.executedQty[e] / episodes.benchmark[e] - 1), 6);
        }
      }
      // The second policy runs on the feed the first one's days filled (its bars stay stored).
    }
    expect(compared).toBe(2 * episodes.count * T);
  });

  it('takes writes only from a key with the feed right, a fixed universe before bars, and bars in order', async () => {
    const svc = await open(join(tmp('rules'), 'service.db'));
    opened.push(svc);
    const reader = { app: svc.app, key: addApiKey(svc.store, 'reader', ['mkt']).key };
    const writer = { app: svc.app, key: addApiKey(svc.store, 'feed', [], new Date(), true).key };
    const date = market.meta.dates[4];
    const items = universe(date);
    const before = await call(reader, 'POST', `/market/${date}/instruments`, { instruments: items });
    expect(before.status).toBe(403);
    expect(before.json.error).toMatch(/may not write the market feed .*--feed/);
    expect((await call(reader, 'GET', `/market/${date}`)).status).toBe(404);
    // Nothing to fix yet, and no bars before the universe is fixed.
    expect((await call(writer, 'POST', `/market/${date}/ready`)).status).toBe(409);
    expect((await call(writer, 'POST', `/market/${date}/instruments`, { instruments: items.slice(0, 3) })).json).toMatchObject({ accepted: 3, duplicates: 0, instruments: 3 });
    const bar = { instrument: codes[0], index: 0, ...barsOf(market.loadDay(date).bars, 0, 0, 1, false)[0] };
    expect((await call(writer, 'POST', `/market/${date}/bars`, { bars: [bar] })).json.error).toMatch(/not ready/);
    // A retried registration counts once; the same instrument with other scales is a conflict.
    expect((await call(writer, 'POST', `/market/${date}/instruments`, { instruments: items })).json).toMatchObject({ accepted: items.length - 3, duplicates: 3 });
    const changed = { ...items[0], context: { previousClose: 1, meanMinuteVolume: 1 } };
    expect((await call(writer, 'POST', `/market/${date}/instruments`, { instruments: [changed] })).status).toBe(409);
    // Before the universe is fixed an instrument can be taken out again, and registered again.
    expect((await call(reader, 'DELETE', `/market/${date}/instruments/${codes[5]}`)).status).toBe(403);
    expect((await call(writer, 'DELETE', `/market/${date}/instruments/NOPE`)).status).toBe(404);
    expect((await call(writer, 'DELETE', `/market/${date}/instruments/${codes[5]}`)).json).toMatchObject({ status: 'registering', instruments: codes.length - 1, halted: 0 });
    expect((await call(writer, 'POST', `/market/${date}/instruments`, { instruments: [items[5]] })).json).toMatchObject({ accepted: 1, instruments: codes.length });
    // An execution of a context policy waits for the feed to be ready.
    const day = market.loadDay(date);
    const opened1 = await call(reader, 'POST', '/executions', { instrument: codes[1], side: 'sell', quantity: 1000, date, policy: 'mkt', context: { previousClose: day.context.prevClose[1], meanMinuteVolume: day.context.meanMinuteVolume[1] } });
    expect(opened1.status).toBe(201);
    const early = await call(reader, 'GET', `/executions/${opened1.json.id}/plan`);
    expect(early.status).toBe(409);
    expect(early.json.error).toMatch(/not ready/);
    expect((await call(reader, 'GET', `/market/${date}`)).json).toMatchObject({ status: 'registering', instruments: codes.length });
    expect((await call(writer, 'POST', `/market/${date}/ready`)).json.status).toBe('ready');
    expect((await call(writer, 'POST', `/market/${date}/instruments`, { instruments: [items[0]] })).json.error).toMatch(/universe is fixed/);
    expect((await call(reader, 'GET', `/executions/${opened1.json.id}/plan`)).status).toBe(200);
    // Bar rules: an instrument outside the universe, a gap, a changed bar; each refusal changes nothing.
    const refused = [
      [{ ...bar, instrument: 'NOPE' }, /'NOPE' is not in the universe/],
      [{ ...bar, index: 1 }, /the next bar of .* is 0/],
      [{ ...bar, index: 99_999 }, /the session has/],
      [{ ...bar, high: bar.low / 2 }, /is below/],
    ] as const;
    for (const [b, why] of refused) {
      const r = await call(writer, 'POST', `/market/${date}/bars`, { bars: [b] });
      expect(r.status, JSON.stringify(r.json)).toBe(400);
      expect(r.json.error).toMatch(why);
    }
    // A refused request with a good bar before its bad one stores neither.
    expect((await call(writer, 'POST', `/market/${date}/bars`, { bars: [bar, { ...bar, index: 2 }] })).status).toBe(400);
    expect((await call(writer, 'POST', `/market/${date}/bars`, { bars: [bar] })).json).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await call(writer, 'POST', `/market/${date}/bars`, { bars: [{ ...bar, volume: bar.volume + 1 }] })).status).toBe(409);
    expect((await call(writer, 'POST', `/market/${date}/bars`, { bars: [{ ...bar, instrument: codes[1] }, { ...bar, instrument: codes[1], index: 1 }] })).json).toMatchObject({ accepted: 2 });
    const state = (await call(reader, 'GET', `/market/${date}`)).json;
    expect(state).toMatchObject({ status: 'ready', barsComplete: 0 });
    // Who the plans wait for: the fewest bars first (codes 2 to 5 have none, 0 has one, 1 has two).
    expect(state.lagging).toEqual([...codes.slice(2).map((instrument) => ({ instrument, bars: 0 })), { instrument: codes[0], bars: 1 }, { instrument: codes[1], bars: 2 }]);
    // After it is fixed, taking one out halts it: no more bars from it, and no wait for it.
    expect((await call(writer, 'DELETE', `/market/${date}/instruments/${codes[3]}`)).json).toMatchObject({ status: 'ready', instruments: codes.length, halted: 1 });
    expect((await call(writer, 'DELETE', `/market/${date}/instruments/${codes[3]}`)).json).toMatchObject({ halted: 1 });
    const afterHalt = await call(writer, 'POST', `/market/${date}/bars`, { bars: [{ ...bar, instrument: codes[3] }] });
    expect(afterHalt.status).toBe(409);
    expect(afterHalt.json.error).toMatch(/was halted at .*: it takes no more bars/);
    // The metrics count the feed's stored bars (not the retries) and the plan that waited.
    const metrics = (await svc.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^execlab_feed_bars_total 3$/m);
    expect(metrics).toMatch(/^execlab_feed_waits_total\{policy="mkt"\} 1$/m);
    // The feed's routes are in the OpenAPI document.
    const doc = (await svc.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/market/{date}/instruments', '/market/{date}/ready', '/market/{date}/bars', '/market/{date}']));
  });

  it('is refused where no served policy reads the context, and /decide refuses such a policy', async () => {
    const store = new ServiceStore(join(tmp('none'), 'service.db'), 'normal', { groupCommit: true });
    const plain = studentPolicyFile(nets.mkt, market.meta.featureStats, 'PLAIN', 2);
    const { app } = await createApp({ store, policies: [{ id: 'plain', rt: policyRuntime({ ...plain, network: ActorCritic.create({ pubIn: PUBLIC_FEATURES, privIn: 2, hidden: 4, mlp: [4], actions: 5 }, new Rng(1)).toJSON() }) }], logLevel: 'silent' });
    opened.push({ async close() { await app.close(); store.close(); } });
    const writer = { app, key: addApiKey(store, 'feed', [], new Date(), true).key };
    const r = await call(writer, 'POST', `/market/${market.meta.dates[4]}/instruments`, { instruments: universe(market.meta.dates[4]) });
    expect(r.status).toBe(409);
    expect(r.json.error).toMatch(/no policy served here reads the market context/);
    expect(() => policyRuntime(files.mkt)).toThrow(/serve it with execlab serve, whose market feed carries the cross-section/);
  });

  it('answers every bad feed request with a 4xx and its reason, and changes nothing (fuzz)', async () => {
    const dbPath = join(tmp('fuzz'), 'service.db');
    const svc = await open(dbPath);
    opened.push(svc);
    const writer = { app: svc.app, key: addApiKey(svc.store, 'feed', ['mkt'], new Date(), true).key };
    const reader = addApiKey(svc.store, 'reader', ['mkt']).key;
    const date = market.meta.dates[4];
    const day = market.loadDay(date);
    const items = universe(date);
    await call(writer, 'POST', `/market/${date}/instruments`, { instruments: items });
    await call(writer, 'POST', `/market/${date}/ready`);
    const feedBar = (i: number, m: number) => ({ instrument: codes[i], ...barsOf(day.bars, i, m, m + 1)[0] });
    await call(writer, 'POST', `/market/${date}/bars`, { bars: codes.flatMap((_, i) => [0, 1, 2].map((m) => feedBar(i, m))) });
    const db = new Database(dbPath, { readonly: true });
    const dump = (): string =>
      JSON.stringify((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(({ name }) => [name, db.prepare(`SELECT * FROM ${name} ORDER BY 1, 2`).all()]));
    const barsText = JSON.stringify({ bars: [feedBar(0, 3)] });
    const wrong = fc.oneof(fc.string({ maxLength: 5 }), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }));
    const requests = fc.oneof(
      fc.tuple(fc.constantFrom('bars', 'instruments'), fc.double({ min: 0.01, max: 0.99, noNaN: true })).map(([k, at]) => {
        const text = k === 'bars' ? barsText : JSON.stringify({ instruments: [items[0]] });
        return { what: 'truncated JSON', path: `/market/${date}/${k}`, body: text.slice(0, Math.floor(text.length * at)) };
      }),
      fc.tuple(fc.constantFrom('bars', 'instruments', 'ready'), fc.string({ maxLength: 100 }).filter((t) => t.trim() !== '')).map(([k, body]) => ({ what: 'random text', path: `/market/${date}/${k}`, body })),
      fc.tuple(fc.constantFrom('instrument', 'index', 'open', 'high', 'volume'), wrong).map(([f, v]) => ({ what: `wrong type at ${f}`, path: `/market/${date}/bars`, body: JSON.stringify({ bars: [{ ...feedBar(0, 3), [f]: v }] }) })),
      fc.tuple(fc.constantFrom('open', 'high', 'volume', 'index'), fc.constantFrom('NaN', 'Infinity', '1e999', '-5', '1e400')).map(([f, v]) => ({ what: `${v} at ${f}`, path: `/market/${date}/bars`, body: barsText.replace(new RegExp(`"${f}":[^,}]+`), `"${f}":${v}`) })),
      fc.integer({ min: 4, max: 5000 }).map((m) => ({ what: `bar ${m} from the future`, path: `/market/${date}/bars`, body: JSON.stringify({ bars: [{ ...feedBar(0, Math.min(m, 239)), index: m }] }) })),
      fc.integer({ min: 0, max: 2 }).map((m) => ({ what: `another value for stored bar ${m}`, path: `/market/${date}/bars`, body: JSON.stringify({ bars: [{ ...feedBar(1, m), volume: feedBar(1, m).volume + 1 }] }) })),
      fc.string({ minLength: 1, maxLength: 10 }).filter((c) => !codes.includes(c)).map((c) => ({ what: `instrument '${c}'`, path: `/market/${date}/bars`, body: JSON.stringify({ bars: [{ ...feedBar(0, 3), instrument: c }] }) })),
      fc.constant({ what: 'registration after ready', path: `/market/${date}/instruments`, body: JSON.stringify({ instruments: [{ ...items[0], instrument: 'NEW' }] }) }),
      fc.constant({ what: 'an unknown field', path: `/market/${date}/bars`, body: JSON.stringify({ bars: [feedBar(0, 3)], extra: 1 }) }),
      fc.constantFrom('2025-02-30', '20250102', 'x', '2025-13-01').map((d) => ({ what: `date ${d}`, path: `/market/${d}/bars`, body: barsText })),
      fc.integer({ min: 17, max: 10_000 }).map((d) => ({ what: `nested ${d} deep`, path: `/market/${date}/bars`, body: `${'['.repeat(d)}${']'.repeat(d)}` })),
      fc.constant({ what: 'oversized', path: `/market/${date}/bars`, body: `{"bars":"${'x'.repeat(2 << 20)}"}` }),
      fc.constant({ what: 'a key without the feed right', path: `/market/${date}/bars`, body: barsText, key: reader }),
      fc.constant({ what: 'text/plain', path: `/market/${date}/bars`, body: barsText, type: 'text/plain' }),
    );
    const before = dump();
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(requests, async (r: { what: string; path: string; body: string; key?: string; type?: string }) => {
        const res = await svc.app.inject({ method: 'POST', url: r.path, headers: { authorization: `Bearer ${r.key ?? writer.key}`, 'content-type': r.type ?? 'application/json' }, payload: r.body });
        seen.add(res.statusCode);
        expect(res.statusCode, `${r.what}: ${res.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, r.what).toBeLessThan(500);
        expect(JSON.parse(res.body).error.length).toBeGreaterThan(0);
      }),
      { numRuns: 200, seed: 17 },
    );
    expect(dump()).toBe(before);
    for (const status of [400, 403, 409, 413, 415]) expect(seen.has(status), `status ${status}`).toBe(true);
    // The feed still takes the next bar.
    expect((await call(writer, 'POST', `/market/${date}/bars`, { bars: [feedBar(0, 3)] })).json.accepted).toBe(1);
    db.close();
  });
});

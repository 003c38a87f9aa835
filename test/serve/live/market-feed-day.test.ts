/**
 * One day of the market feed, without HTTP: a halted instrument counts in the context of the
 * periods whose bars it has and in no later one, so the context of every step is a function of the
 * bars stored; a registration retried after a restart is counted once.
 */
import { describe, expect, it } from 'vitest';
import { FeedDay, type FeedInstrument } from '../../../src/serve/live/market-feed.js';
import { codes, market, served, universe } from './feed-fixture.js';
import { barsOf } from './fixture.js';

const date = market.meta.dates[4];
const day = market.loadDay(date);
const rt = served.find((p) => p.id === 'peer')!.rt;
const { start, periods: T } = rt.grid;
const items = universe(date);

/** A ready feed of `without` left out, every instrument's bars posted up to `barsOf(code)`. */
function feed(without: string | null, bars: (code: string) => number): FeedDay {
  const f = new FeedDay(date, day.bars.minutes);
  f.addInstruments(f.checkInstruments(items.filter((x) => x.instrument !== without)).fresh);
  f.setReady('2025-01-01T00:00:00.000Z');
  for (const [i, code] of codes.entries()) {
    if (code === without) continue;
    const b = barsOf(day.bars, i, 0, bars(code), false).map((x, m) => ({ instrument: code, index: m, ...x }));
    if (b.length > 0) f.addBars(f.checkBars(b).fresh);
  }
  return f;
}

describe('a day of the market feed', () => {
  it('counts a halted instrument in the periods it has the bars of, and in no later one', () => {
    const halted = codes[2];
    const cut = start[3];
    const withHalt = feed(null, (c) => (c === halted ? cut : start[T]));
    expect(withHalt.notReady(codes[0], 4, start)).toMatch(/from 5 of 6 instruments \(\S+ has 90\)/);
    withHalt.halt(halted, '2025-01-01T10:00:00.000Z');
    expect(withHalt.notReady(codes[0], 4, start)).toBeNull();
    expect(withHalt.barsComplete()).toBe(start[T]);
    expect(() => withHalt.checkBars([{ instrument: halted, index: cut, ...barsOf(day.bars, 2, cut, cut + 1, false)[0] }])).toThrow(/was halted .* no more bars/);
    const all = feed(null, () => start[T]);
    const none = feed(halted, () => start[T]);
    let differs = 0;
    for (let s = 0; s <= T; s++) {
      for (const code of codes) {
        const got = withHalt.contextStep(rt, code, s);
        // Steps up to the halt summarise bars the halted instrument has: the whole universe's context.
        // Later steps: the context of a universe without it (its peers' means without it too).
        if (s > 3 && code === halted) continue;
        const want = s <= 3 ? all.contextStep(rt, code, s) : none.contextStep(rt, code, s);
        expect(Array.from(got), `step ${s} ${code}`).toEqual(Array.from(want));
        if (s > 3 && Array.from(got).some((x, k) => x !== all.contextStep(rt, code, s)[k])) differs++;
      }
    }
    // Leaving it out changed the later context (the comparison is not vacuous).
    expect(differs).toBeGreaterThan(0);
  });

  it('counts a registration retried after a restart once, and refuses other values', () => {
    const f = new FeedDay(date, day.bars.minutes);
    // As read back from the store: the same values, with the halt column empty.
    const stored: FeedInstrument[] = f.checkInstruments(items).fresh.map((x) => ({ ...x, haltedAt: null }));
    const again = new FeedDay(date, day.bars.minutes);
    again.addInstruments(stored);
    expect(again.checkInstruments(items)).toMatchObject({ fresh: [], duplicates: items.length });
    expect(() => again.checkInstruments([{ ...items[0], context: { previousClose: 1, meanMinuteVolume: 1 } }])).toThrow(/already registered .* with other values/);
  });
});

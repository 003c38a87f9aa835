/** Small builders for tests: episodes from hand-written minute prices, without a dataset. */
import type { EpisodeSet } from '../../src/sim/episodes.js';
import { EPISODE_PUBLIC_FEATURES } from '../../src/sim/observation.js';
import { DEFAULT_SIM_SETTINGS, periodGrid, type SimSettings } from '../../src/sim/settings.js';

export interface EpisodeSpec {
  /** Minute average prices over the horizon. */
  readonly price: readonly number[];
  readonly volume?: readonly number[];
  readonly quantity?: number;
  readonly side?: 'sell' | 'buy';
  readonly profile?: readonly number[];
  readonly dailySigma?: number;
  readonly prevClose?: number;
}

/** `barsPerDay` bars of `barMinutes` minutes each; a spec's prices are per bar over the horizon. */
export function makeEpisodes(specs: readonly EpisodeSpec[], settings: SimSettings = DEFAULT_SIM_SETTINGS, barsPerDay = 240, barMinutes = 1): EpisodeSet {
  const minutesPerDay = barsPerDay;
  const grid = periodGrid(settings, barMinutes, barsPerDay);
  const { horizon: H, periods: T } = grid;
  const n = specs.length;
  const price = new Float64Array(n * H);
  const volume = new Float64Array(n * H);
  const pmp = new Float64Array(n * T);
  const benchmark = new Float64Array(n);
  const profile = new Float64Array(n * H);
  specs.forEach((s, i) => {
    if (s.price.length !== H) throw new Error(`spec ${i}: need ${H} prices`);
    price.set(s.price, i * H);
    volume.set(s.volume ?? new Array(H).fill(1000), i * H);
    benchmark[i] = s.price.reduce((a, b) => a + b, 0) / H;
    for (let t = 0; t < T; t++) {
      let sum = 0;
      for (let m = grid.start[t]; m < grid.start[t + 1]; m++) sum += s.price[m];
      pmp[i * T + t] = sum / (grid.start[t + 1] - grid.start[t]);
    }
    const prof = s.profile ?? new Array(H).fill(1 / H);
    const ps = prof.reduce((a, b) => a + b, 0);
    prof.forEach((v, m) => (profile[i * H + m] = v / ps));
  });
  return {
    count: n,
    grid,
    minutesPerDay,
    steps: T + 1,
    price,
    volume,
    periodMeanPrice: pmp,
    benchmark,
    marketPeriodPa: new Float64Array(n * T),
    quantity: Float64Array.from(specs.map((s) => s.quantity ?? 1000)),
    side: Int8Array.from(specs.map((s) => (s.side === 'buy' ? -1 : 1))),
    pub: new Float32Array(n * (T + 1) * EPISODE_PUBLIC_FEATURES),
    publicStride: EPISODE_PUBLIC_FEATURES,
    peers: null,
    volumeProfile: profile,
    dailySigma: Float64Array.from(specs.map((s) => s.dailySigma ?? 0.02)),
    prevClose: Float64Array.from(specs.map((s) => s.prevClose ?? 10)),
    liquidity: new Float64Array(n).fill(1000),
    instrument: specs.map((_, i) => `S${i}`),
    date: specs.map(() => '2024-01-02'),
    orders: specs.map((s, i) => ({ instrument: `S${i}`, date: '2024-01-02', side: s.side ?? 'sell', quantity: s.quantity ?? 1000 })),
  };
}

/** A random-walk price path of length n from a simple LCG (deterministic, no shared state). */
export function pricePath(n: number, seed: number, start = 10): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  let p = start;
  for (let k = 0; k < n; k++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    p *= 1 + ((s / 4294967296) - 0.5) * 0.004;
    out.push(p);
  }
  return out;
}

import { describe, expect, it } from 'vitest';
import { acKappa, acShares, createAlmgrenChriss } from '../../src/strategies/almgren-chriss.js';
import { twapShares, createTwap } from '../../src/strategies/twap.js';
import { createVwap } from '../../src/strategies/vwap.js';
import { runStrategy } from '../../src/eval/run.js';
import { DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';
import { makeEpisodes, pricePath } from '../helpers/episodes.js';

describe('Almgren-Chriss (SPEC 7)', () => {
  it('kappa from lambda, sigma, eta', () => {
    // kappa~^2 = 1e-5 * 0.1^2 / 2.5e-6 = 0.04; arccosh(1.02) = 0.1996681577984152 (computed separately)
    expect(acKappa(1e-5, 0.1, 2.5e-6)).toBeCloseTo(0.1996681577984152, 12);
  });
  it('schedule for kappa 0.5 over 8 equal periods matches the sinh formula computed independently', () => {
    const start = Int32Array.from([0, 30, 60, 90, 120, 150, 180, 210, 240]);
    const expected = [0.3938190736109636, 0.23909022197076585, 0.1453896110314219, 0.08879997896980883, 0.05487671296085213, 0.034960833869859896, 0.02396877511298929, 0.019094792473338555];
    const got = acShares(0.5, start);
    expected.forEach((v, k) => expect(got[k]).toBeCloseTo(v, 12));
  });
  it('with risk aversion near 0 equals TWAP (including the shorter last period)', () => {
    const start = Int32Array.from([0, 30, 60, 90, 120, 150, 180, 210, 237]);
    const tw = twapShares(start, 237);
    const ac = acShares(acKappa(1e-14, 0.1, 2.5e-6), start);
    tw.forEach((v, k) => expect(ac[k]).toBeCloseTo(v, 7));
    const eps = makeEpisodes([{ price: pricePath(237, 5) }]);
    const r = runStrategy(createAlmgrenChriss({ riskAversion: 0, eta: 2.5e-6, spread: 0.0625 }), eps, DEFAULT_SIM_SETTINGS);
    expect(Math.abs(r.paBps[0])).toBeLessThan(1e-9);
  });
  it('front-loads more with more risk aversion', () => {
    const start = Int32Array.from([0, 30, 60, 90, 120, 150, 180, 210, 237]);
    expect(acShares(1, start)[0]).toBeGreaterThan(acShares(0.2, start)[0]);
  });
});

describe('VWAP', () => {
  it('follows the volume profile minute by minute', () => {
    const profile = Array.from({ length: 237 }, (_, m) => (m < 30 || m >= 210 ? 3 : 1));
    const eps = makeEpisodes([{ price: pricePath(237, 6), profile }]);
    const r = runStrategy(createVwap(), eps, DEFAULT_SIM_SETTINGS, { recordMinuteFills: true });
    const total = profile.reduce((a, b) => a + b, 0);
    expect(r.minuteFills![0]).toBeCloseTo((1000 * 3) / total, 9);
    expect(r.minuteFills![100]).toBeCloseTo((1000 * 1) / total, 9);
    expect(r.executedQty[0]).toBeCloseTo(1000, 9);
  });
  it('is TWAP with a flat profile', () => {
    const eps = makeEpisodes([{ price: pricePath(237, 8) }]);
    const v = runStrategy(createVwap(), eps, DEFAULT_SIM_SETTINGS);
    const t = runStrategy(createTwap(), eps, DEFAULT_SIM_SETTINGS);
    expect(v.reward[0]).toBeCloseTo(t.reward[0], 12);
  });
});

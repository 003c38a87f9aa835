import { describe, expect, it } from 'vitest';
import { createPlanner, planFirstShare } from '../../src/strategies/planner.js';
import { runStrategy } from '../../src/eval/run.js';
import { createTwap } from '../../src/strategies/twap.js';
import { SimSettingsSchema } from '../../src/sim/settings.js';
import { makeEpisodes } from '../helpers/episodes.js';

describe('the model-aware planner', () => {
  it('plans over quarters by hand', () => {
    // Two periods of 30 minutes, alpha 100. Expected PA (10, 0): all now (10 - 100/30 = 6.67) beats
    // 3/4 now (7.5 - 1.875 - 0.208 = 5.42). Expected PA (1, 0): half now (0.5 - 0.833 - 0.833).
    expect(planFirstShare([10, 0], [30, 30], 4, 100)).toBe(1);
    expect(planFirstShare([1, 0], [30, 30], 4, 100)).toBe(0.5);
    // Nothing held, nothing to trade; one period left takes everything.
    expect(planFirstShare([5, 0], [30, 30], 0, 100)).toBe(0);
    expect(planFirstShare([-5], [30], 3, 100)).toBe(0.75);
  });

  it('sells early when the price is above the open (it will revert) and late when below', () => {
    const sim = SimSettingsSchema.parse({ horizonMinutes: 8, periodMinutes: 2 });
    const up = [10, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5];
    const down = [10, 9.5, 9.5, 9.5, 9.5, 9.5, 9.5, 9.5];
    const eps = makeEpisodes([{ price: up }, { price: down }], sim, 8);
    const planner = createPlanner({ predictability: 1, reversionPerMinute: 0.2, alpha: 1 });
    const r = runStrategy(planner, eps, sim);
    // Period 0: the gap is unknown (0): no edge. From period 1 on it sells the rising one at once and
    // keeps the falling one for the end.
    const T = 4;
    expect(r.periodQty[0 * T + 1]).toBeGreaterThan(r.periodQty[1 * T + 1]);
    expect(r.periodQty[1 * T + 3]).toBeGreaterThan(r.periodQty[0 * T + 3]);
    // On paths that do revert, that beats TWAP (whose PA is 0).
    const rev = makeEpisodes([{ price: [10, 10.5, 10.4, 10.3, 10.2, 10.1, 10.05, 10.02] }, { price: [10, 9.5, 9.6, 9.7, 9.8, 9.9, 9.95, 9.98] }], sim, 8);
    const pr = runStrategy(planner, rev, sim);
    const twap = runStrategy(createTwap(), rev, sim);
    expect(Math.abs(twap.paBps[0])).toBeLessThan(1e-9);
    expect(pr.paBps[0]).toBeGreaterThan(0);
    expect(pr.paBps[1]).toBeGreaterThan(0);
  });
});

/**
 * The model-aware planner for the synthetic market: a past-only policy that knows the generator's
 * dynamics, the practical ceiling for students there. The latent price reverts toward the day's
 * open (docs/SYNTHETIC_MARKET.md, section 4): E[ln X_{m+1} - ln X_m | past] = pi kappa ln(O / P_last),
 * so the expected gap to the open decays geometrically, g_{m0 + tau} = g_{m0} (1 - pi kappa)^tau.
 * At each decision the planner forecasts every remaining minute's price from the gap seen so far,
 * the benchmark p~ from the past prices and the forecast, and each remaining period's expected PA;
 * then it plans the rest of the order over the action map by dynamic programming on the expected
 * reward (SPEC 4) and trades the plan's first step. It re-plans at every decision.
 *
 * Proxies: the first minute's average price stands for the open O, the last minute's average price
 * before the decision for the last trade (the episode keeps average prices, not opens and closes);
 * noise, jumps and the clips are ignored. Not for real data: the dynamics are the generator's.
 */
import type { ExecutionEnv } from '../sim/env.js';
import type { PeriodGrid } from '../sim/settings.js';
import type { Strategy } from './types.js';

export interface PlannerModel {
  /** pi: the market's predictability. */
  readonly predictability: number;
  /** kappa: reversion per minute at pi = 1. */
  readonly reversionPerMinute: number;
  /** alpha of the reward's penalty. */
  readonly alpha: number;
}

/**
 * The best first share of a plan over quarters of Q: expected PA per remaining period (bps),
 * the periods' minutes, the quarters still held; the last period takes whatever is left.
 */
export function planFirstShare(expectedPa: ArrayLike<number>, minutes: ArrayLike<number>, quarters: number, alpha: number): number {
  const T = expectedPa.length;
  // value[t][q]: best expected reward (x 100) from period t on holding q quarters.
  const value: Float64Array[] = Array.from({ length: T + 1 }, () => new Float64Array(quarters + 1).fill(-Infinity));
  const gain = (t: number, a: number): number => (a / 4) * expectedPa[t] - (alpha * (a / 4) ** 2) / minutes[t];
  for (let q = 0; q <= quarters; q++) value[T - 1][q] = gain(T - 1, q);
  for (let t = T - 2; t >= 0; t--) {
    for (let q = 0; q <= quarters; q++) {
      for (let a = 0; a <= q; a++) value[t][q] = Math.max(value[t][q], gain(t, a) + value[t + 1][q - a]);
    }
  }
  if (T === 1) return quarters / 4;
  let best = 0;
  let bestValue = -Infinity;
  for (let a = 0; a <= quarters; a++) {
    const v = gain(0, a) + value[1][quarters - a];
    if (v > bestValue + 1e-12) {
      bestValue = v;
      best = a;
    }
  }
  return best / 4;
}

/** The minutes of each period from decision t to the end of the horizon. */
export function minutesFrom(grid: PeriodGrid, t: number): Float64Array {
  const rest = grid.periods - t;
  const minutes = new Float64Array(rest);
  for (let k = 0; k < rest; k++) minutes[k] = (grid.start[t + k + 1] - grid.start[t + k]) * grid.barMinutes;
  return minutes;
}

/** Quarters of the order quantity still held (0..4), the planners' inventory state. */
export function quartersHeld(remaining: number, quantity: number): number {
  return Math.max(0, Math.min(4, Math.round((4 * remaining) / quantity)));
}

/** Plans are made over quarters of Q: the action map must hold 0, 0.25, 0.5, 0.75 and 1. */
export function requireQuarterMap(actionMap: readonly number[], who: string): void {
  const map = new Set(actionMap.map((x) => Math.round(x * 4)));
  for (const q of [0, 1, 2, 3, 4]) {
    if (!map.has(q)) throw new Error(`${who} needs the action map [0, 0.25, 0.5, 0.75, 1]`);
  }
}

export function createPlanner(model: PlannerModel, name = 'PLANNER'): Strategy {
  const decay = 1 - model.predictability * model.reversionPerMinute;
  return {
    name,
    kind: 'rule',
    begin(env: ExecutionEnv) {
      requireQuarterMap(env.settings.actionMap, 'the planner');
    },
    decide(env: ExecutionEnv, out: Float64Array) {
      const { grid, price, quantity, side } = env.episodes;
      const H = grid.horizon;
      const T = grid.periods;
      const t0 = env.t;
      const from = grid.start[t0];
      const rest = T - t0;
      const minutes = minutesFrom(grid, t0);
      const forecast = new Float64Array(H);
      const periodPa = new Float64Array(rest);
      for (let i = 0; i < env.n; i++) {
        const p = price.subarray(i * H, (i + 1) * H);
        const open = p[0];
        const last = from > 0 ? p[from - 1] : open;
        const gap = Math.log(last / open);
        let past = 0;
        for (let m = 0; m < from; m++) past += p[m];
        let future = 0;
        let g = gap;
        for (let m = from; m < H; m++) {
          // Bars of several minutes: the gap decays minute by minute; the bar's price at its middle.
          g *= decay ** grid.barMinutes;
          forecast[m] = open * Math.exp(g);
          future += forecast[m];
        }
        const benchmark = (past + future) / H;
        for (let k = 0; k < rest; k++) {
          let s = 0;
          for (let m = grid.start[t0 + k]; m < grid.start[t0 + k + 1]; m++) s += forecast[m];
          const mean = s / (grid.start[t0 + k + 1] - grid.start[t0 + k]);
          periodPa[k] = side[i] * 1e4 * (mean / benchmark - 1);
        }
        const quarters = quartersHeld(env.remaining[i], quantity[i]);
        out[i] = planFirstShare(periodPa, minutes, quarters, model.alpha);
      }
    },
  };
}

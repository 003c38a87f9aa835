import type { ExecutionEnv } from '../sim/env.js';
import type { Strategy } from './types.js';

/** Almgren-Chriss settings (SPEC 7: temporary impact only). */
export interface AlmgrenChrissSettings {
  /** Risk aversion lambda. 0 gives TWAP; larger front-loads the order. */
  readonly riskAversion: number;
  /** Temporary impact coefficient eta (SPEC 7: 2.5e-6). */
  readonly eta: number;
  /** Bid-ask spread (SPEC 7: 0.0625). It shifts the cost by a constant and does not change the schedule. */
  readonly spread: number;
}

export const DEFAULT_AC_SETTINGS: AlmgrenChrissSettings = { riskAversion: 1e-5, eta: 2.5e-6, spread: 0.0625 };

/** kappa = arccosh(kappa~^2 / 2 + 1), kappa~^2 = lambda sigma^2 / eta (per period of unit length). */
export function acKappa(riskAversion: number, sigma: number, eta: number): number {
  const k2 = (riskAversion * sigma * sigma) / eta;
  return Math.acosh(k2 / 2 + 1);
}

/**
 * Shares of Q per period. With period boundaries b_k in units of periods (b_0 = 0, b_T = horizon /
 * period length) the holdings follow x(b) = sinh(kappa (b_T - b)) / sinh(kappa b_T), and period k
 * trades x(b_k) - x(b_{k+1}). With equal periods this is SPEC 7's
 * (sinh(kappa (T - k)) - sinh(kappa (T - k - 1))) / sinh(kappa T); as kappa -> 0 it is TWAP exactly.
 */
export function acShares(kappa: number, start: Int32Array): Float64Array {
  const T = start.length - 1;
  const per = start[1] - start[0];
  const end = start[T] / per;
  const out = new Float64Array(T);
  const x = (b: number): number => (kappa < 1e-9 ? (end - b) / end : Math.sinh(kappa * (end - b)) / Math.sinh(kappa * end));
  for (let k = 0; k < T; k++) out[k] = x(start[k] / per) - x(start[k + 1] / per);
  return out;
}

/**
 * sigma in price units per period: the previous close times the mean daily volatility over the
 * previous 30 days, scaled to a period by sqrt(period minutes / day minutes). Without history sigma
 * is 0 and the schedule is TWAP.
 */
export function createAlmgrenChriss(settings: AlmgrenChrissSettings = DEFAULT_AC_SETTINGS): Strategy {
  let shares: Float64Array = new Float64Array(0);
  return {
    name: 'AC',
    kind: 'rule',
    begin(env: ExecutionEnv) {
      const { grid, dailySigma, prevClose, minutesPerDay } = env.episodes;
      const T = grid.periods;
      const per = grid.start[1] - grid.start[0];
      shares = new Float64Array(env.n * T);
      for (let i = 0; i < env.n; i++) {
        const s = Number.isFinite(dailySigma[i]) ? dailySigma[i] : 0;
        const sigma = prevClose[i] * s * Math.sqrt(per / minutesPerDay);
        shares.set(acShares(acKappa(settings.riskAversion, sigma, settings.eta), grid.start), i * T);
      }
    },
    decide(env: ExecutionEnv, out: Float64Array) {
      const T = env.periods;
      for (let i = 0; i < env.n; i++) out[i] = shares[i * T + env.t];
    },
  };
}

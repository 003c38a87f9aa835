/**
 * Per-step network inputs built by the environment. The student's public input at decision t may
 * only be a step s <= t (minutes strictly before the decision time); asking for a later step throws,
 * so a policy cannot read the future through indexing mistakes.
 */
import type { ExecutionEnv } from '../../sim/env.js';
import { requirePublicWidth, type ObservationView } from '../../sim/observation.js';

/**
 * Copies public step `s` of every episode into `out` [n * width]: the first `width` features of the
 * step (PUBLIC_FEATURES: the instrument's own; then the market context, then the peer context).
 */
export function publicStepInput(env: ExecutionEnv, view: ObservationView, s: number, out: Float32Array, width: number): void {
  const { pub, steps, publicStride: W } = env.episodes;
  requirePublicWidth(width, W);
  if (view === 'student' && s > env.t) {
    throw new Error(`student observation: step ${s} is after the decision time (period ${env.t})`);
  }
  const w = steps * W;
  for (let i = 0; i < env.n; i++) out.set(pub.subarray(i * w + s * W, i * w + s * W + width), i * width);
}

/**
 * Private step input at the current decision: (remaining / Q, elapsed periods / T), plus the
 * previous action's share of Q when `previousShare` is given (Lin and Beling's state).
 */
export function privateStepInput(env: ExecutionEnv, previousShare: Float64Array | null, out: Float32Array): void {
  const width = previousShare ? 3 : 2;
  const { quantity } = env.episodes;
  for (let i = 0; i < env.n; i++) {
    out[i * width] = env.remaining[i] / quantity[i];
    out[i * width + 1] = env.t / env.periods;
    if (previousShare) out[i * width + 2] = previousShare[i];
  }
}

/**
 * PPO (clipped surrogate, value clipping, entropy bonus, gradient-norm clipping, Adam, minibatches
 * over episodes, several passes), in one readable learner. Collect rollouts from the batched
 * simulator, compute advantages, then update. The distillation learner is this plus one marked
 * block: the `extraLoss` hook supplies the teacher's actions per transition (src/rl/distill).
 */
import { peerSpec } from '../common/peer-spec.js';
import { ExecutionEnv } from '../../sim/env.js';
import { selectEpisodes, type EpisodeSet } from '../../sim/episodes.js';
import type { SimSettings } from '../../sim/settings.js';
import { Rng } from '../../util/random.js';
import { Adam, clipGradNorm } from '../../nn/adam.js';
import { episodeBatch, gatherTransitions } from '../common/batch.js';
import { ppoLoss } from '../common/losses.js';
import type { Learner } from '../common/loop.js';
import type { ActorCritic } from '../../nn/network.js';
import type { DataParallel, PpoStats } from '../common/data-parallel.js';
import type { InferenceFactory } from '../common/inference-pool.js';
import { rollout, rolloutSummary, sideSpec, type PolicySpec, type RolloutRecord } from '../common/policy.js';
import { privateWidth } from '../common/observe.js';
import { advantages, explainedVariance, normalise } from '../common/returns.js';
import { applySparseReward } from '../common/rewards.js';
import { EpisodeSampler } from '../common/sampler.js';
import type { PpoSettings } from './settings.js';

/** Supplies, for a collected batch, the teacher's action of every transition [e * T + t]. */
export interface DistillationHook {
  readonly coef: number;
  teacherActions(episodes: EpisodeSet, rec: RolloutRecord): Int32Array;
}

export class PpoLearner implements Learner {
  readonly spec: PolicySpec;
  private readonly rng: Rng;
  private readonly adam: Adam;
  private readonly sampler: EpisodeSampler;
  private klCoef = 0.2;
  /** Mean market PA per period over the training episodes (the market-neutral baseline adds it back). */
  private readonly marketMean: SideMeans;

  constructor(
    readonly net: ActorCritic,
    private readonly train: EpisodeSet,
    private readonly sim: SimSettings,
    private readonly settings: PpoSettings,
    private readonly distill: DistillationHook | null = null,
    private readonly pool: DataParallel | null = null,
    private readonly inference: InferenceFactory | null = null,
  ) {
    this.spec = { view: settings.view, privateFeatures: settings.previousActionInState ? 3 : 2, actionMap: sim.actionMap, market: settings.marketContext, ...peerSpec(settings, train), ...sideSpec(train, settings.mirrorBuys === true) };
    this.rng = new Rng(settings.seed * 7919 + 17);
    this.adam = new Adam(net.params.length, { lr: settings.learningRate });
    this.sampler = new EpisodeSampler(train.count, this.rng.fork(1));
    this.marketMean = periodMeansBySide(train.marketPeriodPa, train.side, train.grid.periods);
  }

  async iterate(): Promise<Record<string, number>> {
    const s = this.settings;
    const T = this.train.grid.periods;
    const S = this.train.steps;
    // ---- collect -------------------------------------------------------------------------
    const batch = selectEpisodes(this.train, this.sampler.next(s.episodesPerIteration));
    const env = new ExecutionEnv(batch, this.sim);
    const rec = rollout(this.net, this.spec, env, 'sample', this.rng, {
      rewardOverride: s.reward === 'sparse' ? applySparseReward(s.sparseThresholdBps) : undefined,
      inference: this.inference,
    });
    const summary = rolloutSummary(env, rec);
    if (s.rewardBaseline === 'market' && s.reward === 'opd') marketNeutral(rec.rewards, env, this.marketMean);
    // ---- distillation: the teacher's action for every transition ---------------------------
    const teacher = this.distill ? this.distill.teacherActions(batch, rec) : null;
    // ---- advantages ------------------------------------------------------------------------
    const { advantages: adv, targets } = advantages(rec.rewards, rec.values, rec.episodes, T, s.advantage);
    const diagnostics = { valueExplainedVariance: explainedVariance(targets, rec.values), ...executedShares(env) };
    normalise(adv);
    // ---- update: epochs x minibatches of whole episodes -------------------------------------
    const perMinibatch = Math.max(1, Math.round(s.minibatchTransitions / T));
    const order = Int32Array.from({ length: rec.episodes }, (_, k) => k);
    const sums = { policy: 0, value: 0, entropy: 0, distill: 0, kl: 0, clipFrac: 0, gradNorm: 0, n: 0 };
    // Each loss term's part of the output gradient (single-thread updates only: the replicas report none).
    const terms = { policy: 0, value: 0, entropy: 0, distill: 0, n: 0 };
    for (let epoch = 0; epoch < s.epochs; epoch++) {
      shuffle(order, this.rng);
      for (let from = 0; from < order.length; from += perMinibatch) {
        const which = order.subarray(from, Math.min(order.length, from + perMinibatch));
        const mb = episodeBatch(rec, S, privateWidth(this.spec), which, this.spec.view);
        const rows = {
          actions: gatherTransitions(rec.actions, which, T),
          oldLogp: gatherTransitions(rec.logp, which, T),
          advantages: gatherTransitions(adv, which, T),
          returns: gatherTransitions(targets, which, T),
          oldValues: gatherTransitions(rec.values, which, T),
          teacherActions: teacher ? gatherTransitions(teacher, which, T) : null,
        };
        const coeffs = {
          clip: s.clip,
          valueCoef: s.valueCoef,
          valueClip: s.valueClip,
          entropyCoef: s.entropyCoef,
          distillCoef: this.distill?.coef ?? 0,
          klCoef: s.klTarget !== null ? this.klCoef : 0,
        };
        let loss: PpoStats;
        if (this.pool) {
          loss = await this.pool.ppoGradient(mb, rows, coeffs);
        } else {
          const out = this.net.forward(mb);
          const full = ppoLoss(out.logits, out.values, rows, coeffs);
          this.net.zeroGrad();
          this.net.backward(full.dLogits, full.dValues);
          loss = full;
          for (const k of ['policy', 'value', 'entropy', 'distill'] as const) terms[k] += full.termGradNorms[k];
          terms.n++;
        }
        sums.gradNorm += clipGradNorm(this.net.grad, s.maxGradNorm);
        this.adam.step(this.net.params, this.net.grad);
        sums.policy += loss.policyLoss;
        sums.value += loss.valueLoss;
        sums.entropy += loss.entropy;
        sums.distill += loss.distillLoss;
        sums.kl += loss.approxKl;
        sums.clipFrac += loss.clipFraction;
        sums.n++;
      }
    }
    // Adaptive KL penalty (optional): keep the update's KL near its target.
    const kl = sums.kl / sums.n;
    if (s.klTarget !== null) {
      if (kl > 1.5 * s.klTarget) this.klCoef *= 2;
      else if (kl < s.klTarget / 1.5) this.klCoef /= 2;
    }
    return {
      episodes: rec.episodes,
      ...summary,
      policyLoss: sums.policy / sums.n,
      valueLoss: sums.value / sums.n,
      entropy: sums.entropy / sums.n,
      distillLoss: sums.distill / sums.n,
      approxKl: kl,
      clipFraction: sums.clipFrac / sums.n,
      gradNorm: sums.gradNorm / sums.n,
      ...diagnostics,
      ...gradientShares(terms),
    };
  }

  saveState(): unknown {
    return { rng: this.rng.state(), adam: this.adam.saveState(), sampler: this.sampler.saveState(), klCoef: this.klCoef };
  }

  loadState(state: unknown): void {
    const st = state as { rng: number[]; adam: unknown; sampler: unknown; klCoef: number };
    this.rng.restore(st.rng);
    this.adam.loadState(st.adam);
    this.sampler.loadState(st.sampler);
    this.klCoef = st.klCoef;
  }
}

/** The collection's mean executed share of Q per period, as share1 .. shareT (what the policy does). */
export function executedShares(env: ExecutionEnv): Record<string, number> {
  const T = env.periods;
  const out: Record<string, number> = {};
  for (let t = 0; t < T; t++) {
    let s = 0;
    for (let e = 0; e < env.n; e++) s += env.periodQty[e * T + t] / env.episodes.quantity[e];
    out[`share${t + 1}`] = s / env.n;
  }
  return out;
}

/** Per-period means of a [episode * T + t] array, over the sell and over the buy episodes (zeros for a side without any). */
export interface SideMeans {
  readonly sell: Float64Array;
  readonly buy: Float64Array;
}

export function periodMeansBySide(values: Float64Array, side: Int8Array, T: number): SideMeans {
  const out = { sell: new Float64Array(T), buy: new Float64Array(T) };
  let sells = 0;
  for (const x of side) if (x > 0) sells++;
  const count = { sell: sells, buy: side.length - sells };
  for (let e = 0; e < side.length; e++) {
    const k = side[e] > 0 ? 'sell' : 'buy';
    for (let t = 0; t < T; t++) out[k][t] += values[e * T + t] / count[k];
  }
  return out;
}

/**
 * The market-neutral training reward: R_t - (q_t / Q) (m_t - mean_t) / 100, with m_t the day's
 * market PA of period t (the cross-section's, signed for the side) and mean_t its mean over the
 * training episodes of the order's side. The day's common move, which no past-only observation
 * predicts well, is most of the reward's noise; what is left is the stock's own timing against the
 * market plus the average intraday pattern (of each side: averaged over both, a sell's pattern and
 * a buy's would cancel).
 */
export function marketNeutral(rewards: Float32Array, env: ExecutionEnv, means: SideMeans): void {
  const T = env.periods;
  const { quantity, marketPeriodPa, side } = env.episodes;
  for (let e = 0; e < env.n; e++) {
    const mean = side[e] > 0 ? means.sell : means.buy;
    for (let t = 0; t < T; t++) {
      const k = e * T + t;
      rewards[k] -= ((env.periodQty[k] / quantity[e]) * (marketPeriodPa[k] - mean[t])) / 100;
    }
  }
}

export function shuffle(a: Int32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/**
 * Each term's share of the mean output-gradient norms of an update: gradSharePolicy, gradShareValue,
 * gradShareEntropy, gradShareDistill (summing to 1); nothing when no single-thread step measured them.
 */
export function gradientShares(terms: { policy: number; value: number; entropy: number; distill: number; n: number }): Record<string, number> {
  const total = terms.policy + terms.value + terms.entropy + terms.distill;
  if (terms.n === 0 || !(total > 0)) return {};
  return {
    gradSharePolicy: terms.policy / total,
    gradShareValue: terms.value / total,
    gradShareEntropy: terms.entropy / total,
    gradShareDistill: terms.distill / total,
  };
}

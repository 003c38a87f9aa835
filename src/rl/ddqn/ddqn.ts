/**
 * Double DQN (van Hasselt et al.; Ning et al. 2018 for execution) on the same MDP and reward:
 * epsilon-greedy collection into an episode replay buffer, a recurrent Q-network (the actor head
 * read as Q-values), double-Q targets y = r_t + Q_target(s_{t+1}, argmax_a Q_online(s_{t+1}, a))
 * with gamma = 1 and no bootstrap after the last period, Huber loss, and a target network copied
 * every N updates.
 */
import { peerSpec } from '../common/peer-spec.js';
import { publicWidth } from '../../sim/observation.js';
import { ExecutionEnv } from '../../sim/env.js';
import { selectEpisodes, type EpisodeSet } from '../../sim/episodes.js';
import type { SimSettings } from '../../sim/settings.js';
import { Rng } from '../../util/random.js';
import { Adam, clipGradNorm } from '../../nn/adam.js';
import { episodeBatch } from '../common/batch.js';
import { qLoss } from '../common/losses.js';
import type { Learner } from '../common/loop.js';
import type { ActorCritic } from '../../nn/network.js';
import { argmax } from '../common/losses.js';
import type { InferenceFactory } from '../common/inference-pool.js';
import { rollout, rolloutSummary, sideSpec, type PolicySpec } from '../common/policy.js';
import { privateWidth } from '../common/observe.js';
import { EpisodeReplay } from '../common/replay.js';
import { applySparseReward } from '../common/rewards.js';
import { EpisodeSampler } from '../common/sampler.js';
import type { DdqnSettings } from './settings.js';

export class DdqnLearner implements Learner {
  readonly spec: PolicySpec;
  private readonly rng: Rng;
  private readonly adam: Adam;
  private readonly sampler: EpisodeSampler;
  private readonly replay: EpisodeReplay;
  private updates = 0;

  constructor(
    readonly net: ActorCritic,
    private readonly target: ActorCritic,
    private readonly train: EpisodeSet,
    private readonly sim: SimSettings,
    private readonly settings: DdqnSettings,
    private readonly inference: InferenceFactory | null = null,
  ) {
    this.spec = { view: 'student', privateFeatures: 2, actionMap: sim.actionMap, market: settings.marketContext, ...peerSpec(settings, train), ...sideSpec(train, settings.mirrorBuys === true) };
    this.rng = new Rng(settings.seed * 7919 + 29);
    this.adam = new Adam(net.params.length, { lr: settings.learningRate });
    this.sampler = new EpisodeSampler(train.count, this.rng.fork(1));
    this.replay = new EpisodeReplay(settings.bufferEpisodes, train.steps, train.grid.periods, privateWidth(this.spec), publicWidth(this.spec));
    this.target.params.set(this.net.params);
  }

  epsilon(iteration: number): number {
    const s = this.settings;
    const f = Math.min(1, (iteration - 1) / s.epsilonDecayIterations);
    return s.epsilonStart + (s.epsilonEnd - s.epsilonStart) * f;
  }

  iterate(iteration: number): Record<string, number> {
    const s = this.settings;
    const T = this.train.grid.periods;
    const S = this.train.steps;
    const A = this.spec.actionMap.length;
    // ---- collect, epsilon-greedy ----------------------------------------------------------
    const batch = selectEpisodes(this.train, this.sampler.next(s.episodesPerIteration));
    const env = new ExecutionEnv(batch, this.sim);
    const eps = this.epsilon(iteration);
    const rec = rollout(this.net, this.spec, env, 'greedy', this.rng, {
      epsilon: eps,
      rewardOverride: s.reward === 'sparse' ? applySparseReward(s.sparseThresholdBps) : undefined,
      inference: this.inference,
    });
    this.replay.add(rec);
    // ---- update ---------------------------------------------------------------------------
    const perMinibatch = Math.max(1, Math.round(s.minibatchTransitions / T));
    const buffer = this.replay.asRecord();
    let lossSum = 0;
    let qSum = 0;
    for (let u = 0; u < s.updatesPerIteration; u++) {
      const which = this.replay.sample(perMinibatch, this.rng);
      const mb = episodeBatch(buffer, S, privateWidth(this.spec), which, 'student');
      const targetOut = this.target.forward(mb);
      const online = this.net.forward(mb);
      const R = mb.reads;
      const actions = new Int32Array(R);
      const y = new Float32Array(R);
      for (let b = 0; b < which.length; b++) {
        const e = which[b];
        for (let t = 0; t < T; t++) {
          const k = b * T + t;
          actions[k] = buffer.actions[e * T + t];
          let next = 0;
          if (t + 1 < T) {
            const a = argmax(online.logits, (k + 1) * A, A);
            next = targetOut.logits[(k + 1) * A + a];
          }
          y[k] = buffer.rewards[e * T + t] + next;
          qSum += online.logits[k * A + actions[k]];
        }
      }
      const loss = qLoss(online.logits, actions, y, s.huberDelta);
      this.net.zeroGrad();
      this.net.backward(loss.dLogits, new Float32Array(R));
      clipGradNorm(this.net.grad, s.maxGradNorm);
      this.adam.step(this.net.params, this.net.grad);
      lossSum += loss.loss;
      this.updates++;
      if (this.updates % s.targetUpdateEvery === 0) this.target.params.set(this.net.params);
    }
    return {
      episodes: rec.episodes,
      ...rolloutSummary(env, rec),
      qLoss: lossSum / s.updatesPerIteration,
      meanQ: qSum / (s.updatesPerIteration * perMinibatch * T),
      epsilon: eps,
      buffer: this.replay.size,
    };
  }

  saveState(): unknown {
    return {
      rng: this.rng.state(),
      adam: this.adam.saveState(),
      sampler: this.sampler.saveState(),
      replay: this.replay.saveState(),
      updates: this.updates,
      target: Buffer.from(this.target.params.buffer, this.target.params.byteOffset, this.target.params.byteLength).toString('base64'),
    };
  }

  loadState(state: unknown): void {
    const st = state as { rng: number[]; adam: unknown; sampler: unknown; replay: unknown; updates: number; target: string };
    this.rng.restore(st.rng);
    this.adam.loadState(st.adam);
    this.sampler.loadState(st.sampler);
    this.replay.loadState(st.replay);
    this.updates = st.updates;
    const buf = Buffer.from(st.target, 'base64');
    new Uint8Array(this.target.params.buffer, this.target.params.byteOffset, this.target.params.byteLength).set(buf);
  }
}

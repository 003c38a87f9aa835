/** An in-memory student policy file around a network, for tests that serve or backtest it. */
import type { FeatureStats } from '../../src/data/types.js';
import type { ActorCritic } from '../../src/nn/network.js';
import { POLICY_FORMAT, type PolicyFile } from '../../src/rl/common/policy-file.js';
import { DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';

/**
 * `side`: the policy reads the order's side as its last private input (a policy trained on both
 * sides); `mirrorBuys`: it also reads a buy's price features mirrored.
 */
export function studentPolicyFile(net: ActorCritic, featureStats: FeatureStats, name: string, privateFeatures: 2 | 3, side = false, mirrorBuys = false): PolicyFile {
  return {
    format: POLICY_FORMAT,
    name,
    algo: 'ppo',
    spec: { view: 'student', privateFeatures, actionMap: DEFAULT_SIM_SETTINGS.actionMap, ...(side ? { side: true } : {}), ...(mirrorBuys ? { mirrorBuys: true } : {}) },
    network: net.toJSON(),
    sim: DEFAULT_SIM_SETTINGS,
    featureStats,
    dataset: 'memory',
    training: {},
    createdAt: '2025-01-01T00:00:00.000Z',
  };
}

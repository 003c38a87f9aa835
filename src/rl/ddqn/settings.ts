import { z } from 'zod';
import { PeerGroupsSettingSchema } from '../common/peer-spec.js';
import { SelectionSettingSchema } from '../common/selection.js';

/** Double DQN settings (SPEC 7: Ning et al. 2018, target network every 200 updates). */
export const DdqnSettingsSchema = z.object({
  iterations: z.number().int().positive().default(300).describe('maximum number of iterations'),
  episodesPerIteration: z.number().int().positive().default(256).describe('Episodes collected (epsilon-greedy) per iteration into the replay buffer.'),
  updatesPerIteration: z.number().int().positive().default(8).describe('Gradient updates per iteration.'),
  minibatchTransitions: z.number().int().positive().default(1024).describe('Transitions per minibatch, rounded to whole episodes.'),
  bufferEpisodes: z.number().int().positive().default(20000).describe('Replay buffer capacity in episodes (oldest replaced first).'),
  learningRate: z.number().positive().default(1e-4).describe('Adam learning rate'),
  targetUpdateEvery: z.number().int().positive().default(200).describe('Copy the online network into the target network every this many updates (SPEC 7: 200).'),
  epsilonStart: z.number().min(0).max(1).default(1).describe('Epsilon-greedy: from epsilonStart down to epsilonEnd, linearly over epsilonDecayIterations.'),
  epsilonEnd: z.number().min(0).max(1).default(0.05).describe('epsilonEnd'),
  epsilonDecayIterations: z.number().int().positive().default(100).describe('epsilonDecayIterations'),
  huberDelta: z.number().positive().default(1).describe('Huber loss threshold.'),
  maxGradNorm: z.number().positive().default(0.5).describe('global gradient-norm clip'),
  reward: z.enum(['opd', 'sparse']).default('opd').describe('\'opd\' per-period reward (SPEC 4) or \'sparse\' terminal +1/0/-1'),
  sparseThresholdBps: z.number().min(0).default(1).describe('half-width in bps of the sparse reward\'s neutral band'),
  marketContext: z.boolean().default(false).describe('Student inputs include the market context: every step\'s summaries averaged over the day\'s instruments (past only, like its own).'),
  peerGroups: PeerGroupsSettingSchema,
  mirrorBuys: z.boolean().optional().describe("Orders of both sides only: a buy's price features are read mirrored (each price summary's sign flipped, high and low swapped), so that buying low reads as selling high and the network shares what it learns between the sides. Absent = as they are."),
  hidden: z.number().int().positive().default(64).describe('GRU hidden size'),
  validateEvery: z.number().int().positive().default(5).describe('validate every this many iterations'),
  patience: z.number().int().positive().default(10).describe('stop after this many validations without a new best'),
  selection: SelectionSettingSchema,
  seed: z.number().int().min(0).default(1).describe('random seed'),
});
export type DdqnSettings = z.infer<typeof DdqnSettingsSchema>;

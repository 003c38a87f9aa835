import { z } from 'zod';
import { PeerGroupsSettingSchema } from '../common/peer-spec.js';
import { SelectionSettingSchema } from '../common/selection.js';

/** PPO settings (SPEC 8). Defaults are the paper's where it gives them. */
export const PpoSettingsSchema = z.object({
  iterations: z.number().int().positive().default(300).describe('Collections (iterations) at most.'),
  episodesPerIteration: z.number().int().positive().default(1024).describe('Episodes (orders) collected per iteration (the paper: 10,000 at full scale).'),
  epochs: z.number().int().positive().default(4).describe('Passes over each collection.'),
  minibatchTransitions: z.number().int().positive().default(1024).describe('Transitions per minibatch (SPEC: 512 to 1024); rounded to whole episodes.'),
  learningRate: z.number().positive().default(1e-4).describe('Adam learning rate (the paper: 1e-4).'),
  clip: z.number().positive().default(0.3).describe('Clipping epsilon of the surrogate (SPEC 8: 0.3).'),
  valueCoef: z.number().min(0).default(1.0).describe('Weight of the value loss (SPEC 8: 1.0).'),
  valueClip: z.number().positive().nullable().default(0.3).describe('Value clipping range around the old value; null = no value clipping.'),
  entropyCoef: z.number().min(0).default(0.01).describe('Entropy bonus (SPEC 8: 0.01).'),
  maxGradNorm: z.number().positive().default(0.5).describe('Global gradient-norm clip.'),
  advantage: z.enum(['mc', 'td']).default('mc').describe('Advantage estimator: Monte-Carlo return minus value, or the one-step TD error (the paper\'s).'),
  klTarget: z.number().positive().nullable().default(null).describe('Adaptive KL penalty: null = off, else its target KL (the coefficient doubles or halves).'),
  reward: z.enum(['opd', 'sparse']).default('opd').describe('Reward: \'opd\' per-period (SPEC 4) or \'sparse\' terminal +1/0/-1 (Lin and Beling).'),
  sparseThresholdBps: z.number().min(0).default(1).describe('Half-width in bps of the sparse reward\'s neutral band.'),
  view: z.enum(['student', 'teacher']).default('student').describe('\'student\' (past only, deployable) or \'teacher\' (the whole day; OPD-T).'),
  previousActionInState: z.boolean().default(false).describe('Add the previous action to the private state (Lin and Beling\'s PPO).'),
  marketContext: z.boolean().default(false).describe('Student inputs include the market context: every step\'s summaries averaged over the day\'s instruments (past only, like its own).'),
  peerGroups: PeerGroupsSettingSchema,
  mirrorBuys: z.boolean().optional().describe("Orders of both sides only: a buy's price features are read mirrored (each price summary's sign flipped, high and low swapped), so that buying low reads as selling high and the network shares what it learns between the sides. Absent = as they are."),
  rewardBaseline: z
    .enum(['none', 'market'])
    .default('none')
    .describe("Training reward only: 'market' takes out the day's market move (each period's executed share times the cross-section's PA that day, less its training mean), leaving the stock's own timing and the average intraday pattern."),
  initialPolicy: z
    .enum(['uniform', 'twap'])
    .default('uniform')
    .describe("Where the actor starts: 'uniform' (a plain initialisation: about half of Q per period, the order gone in two periods) or 'twap' (the maximum-entropy distribution over the action map with TWAP's mean share 1/T, in every state)."),
  hidden: z.number().int().positive().default(64).describe('GRU hidden size (SPEC 8: 64).'),
  validateEvery: z.number().int().positive().default(5).describe('Validate every this many iterations.'),
  patience: z.number().int().positive().default(10).describe('Stop after this many validations without a new best (validation score, see --selection).'),
  selection: SelectionSettingSchema,
  seed: z.number().int().min(0).default(1).describe('Random seed of the initial weights, the order sampling and the actions.'),
});
export type PpoSettings = z.infer<typeof PpoSettingsSchema>;

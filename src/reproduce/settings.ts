import { z } from 'zod';
import { PeerGroupSizeSchema } from '../data/peers.js';
import { SELECTION_RULES } from '../rl/common/selection.js';

/** Training budget of one learned method. */
const Budget = z.object({
  iterations: z.number().int().positive(),
  episodesPerIteration: z.number().int().positive(),
  validateEvery: z.number().int().positive(),
  patience: z.number().int().positive(),
});
export type Budget = z.infer<typeof Budget>;

/** `execlab reproduce` settings. --quick swaps in QUICK_BUDGET and fewer seeds. */
export const ReproduceSettingsSchema = z.object({
  quick: z.boolean().default(false).describe('small budget: a few minutes on 2 cores'),
  data: z.string().nullable().default(null).describe('dataset directory; default: generate the embedded synthetic market'),
  out: z.string().default('runs/reproduce').describe('output directory (report, cache of trained policies)'),
  seeds: z.number().int().positive().nullable().default(null).describe('training seeds per learned method (default 3, quick 2)'),
  predictability: z.number().min(0).nullable().default(null).describe('synthetic market only: strength of the past-only signal (default: the generator default)'),
  synthSeed: z.number().int().min(0).default(1).describe('synthetic market only: generator seed'),
  ordersSeed: z.number().int().min(0).default(7).describe('seed of the training, validation and test orders'),
  side: z.enum(['sell', 'buy', 'mixed']).default('sell').describe("side of the training, validation and test orders; 'mixed' draws each order's side 50/50, and every learner then reads the order's side as an input (a policy for buys and sells)"),
  mirrorBuys: z.boolean().default(false).describe("with --side mixed or buy: every learner reads a buy order's price features mirrored (each price summary's sign flipped, high and low swapped), so that buying low reads as selling high and what is learned of prices is shared between the sides; the side stays an input"),
  workers: z.number().int().min(0).nullable().default(null).describe('parallel training processes (default: CPU cores; 0 = in this process)'),
  methods: z
    .array(z.enum(['OPD-T', 'OPD-S', 'OPD', 'OPD-F', 'PPO', 'DDQN']))
    .default(['OPD-T', 'OPD-S', 'OPD', 'OPD-F', 'PPO', 'DDQN'])
    .describe('learned methods to train (OPD needs OPD-T)'),
  learningRate: z.number().positive().nullable().default(null).describe('Adam learning rate of every learner (default: per budget)'),
  distillCoef: z.number().min(0).default(0.01).describe('OPD: weight mu of the distillation loss (SPEC 8: 0.01)'),
  distillMode: z.enum(['query', 'replay']).default('query').describe("OPD: 'query' the teacher on the student's state (the paper) or 'replay' its own actions (the released code)"),
  marketContext: z.boolean().default(false).describe("learners' students also read the market context (the cross-section's past periods)"),
  peerGroups: z
    .array(PeerGroupSizeSchema)
    .min(1)
    .nullable()
    .default(null)
    .describe("the forecast planner also tries inputs against each instrument's peer group (its N most correlated instruments on the training split) for each N given (comma-separated), and the learners' students read the peer context of the N of its best such trial on validation (needs --market-context)"),
  rewardBaseline: z.enum(['none', 'market']).default('none').describe("OPD reward in training: 'market' takes out the day's market move (see execlab train --help)"),
  teacherIterations: z.number().int().positive().nullable().default(null).describe("OPD-T's iterations, when the teacher should learn longer than the budget's (its validation curve still rising)"),
  teacherEpisodesPerIteration: z.number().int().positive().nullable().default(null).describe("OPD-T's episodes collected per iteration, when the teacher should see larger collections than the budget's"),
  teacherLearningRate: z.number().positive().max(1).nullable().default(null).describe("OPD-T's Adam learning rate, when it differs from the learners' (--learning-rate)"),
  teacherPatience: z.number().int().positive().nullable().default(null).describe("OPD-T's early stopping: validations without a new best before it stops, when it differs from the budget's"),
  hidden: z.number().int().min(1).max(1024).nullable().default(null).describe('GRU hidden size of every learner (default: SPEC 8, 64)'),
  sweep: z.string().nullable().default(null).describe('sweep.json of an execlab sweep whose chosen settings these are: its trials go into the report'),
  methodSweeps: z
    .array(z.string().min(1))
    .default([])
    .describe("sweep.json files of execlab sweep --method M, one per method: each method trains with its own sweep's chosen settings (the rest keep these), and every sweep goes into the report"),
  initialPolicy: z.enum(['uniform', 'twap']).default('uniform').describe("where every PPO learner's actor starts (the OPD learners' and Lin and Beling's PPO): 'uniform' or 'twap' (see execlab train --help)"),
  entropyCoef: z.number().min(0).nullable().default(null).describe("entropy bonus of every PPO learner (the OPD learners' and Lin and Beling's PPO; default: SPEC 8, 0.01)"),
  selection: z
    .enum(SELECTION_RULES)
    .default('one-se')
    .describe("how the students keep a checkpoint and evaluation mode on validation: 'one-se', the mean reward less one standard error of its day means, or 'mean-pa', the greedy mean PA (see execlab train --help); OPD-T keeps mean-pa"),
  iterations: z.number().int().positive().nullable().default(null).describe('override the budget: iterations per training'),
  episodesPerIteration: z.number().int().positive().nullable().default(null).describe('override the budget: episodes collected per iteration'),
});
export type ReproduceSettings = z.infer<typeof ReproduceSettingsSchema>;

/**
 * Budgets. The quick one is sized to finish within 10 minutes on a 2-core machine on the synthetic
 * default; the full one is what docs/RESULTS.md reports.
 */
export const QUICK_BUDGET: Budget = { iterations: 24, episodesPerIteration: 512, validateEvery: 4, patience: 4 };
export const FULL_BUDGET: Budget = { iterations: 60, episodesPerIteration: 1024, validateEvery: 4, patience: 6 };
export const QUICK_SEEDS = 2;
export const FULL_SEEDS = 3;

/** The peer context part of a learner's policy spec, from its settings and its training episodes. */
import { PeerGroupSizeSchema, type PeerGroups } from '../../data/peers.js';
import { ExecLabError } from '../../errors.js';
import type { EpisodeSet } from '../../sim/episodes.js';

/** The learners' setting: absent = no peer context. */
export const PeerGroupsSettingSchema = PeerGroupSizeSchema.optional().describe(
  "Student inputs also include the peer context: every step's summaries averaged over the instrument's N most correlated instruments on the training days (src/data/peers.ts); needs marketContext. Absent = none.",
);

/**
 * `{ peers }` when the learner reads the peer context (`peerGroups` set): the groups its training
 * episodes carry, which must be of that size; `{}` otherwise.
 */
export function peerSpec(settings: { readonly marketContext: boolean; readonly peerGroups?: number }, train: EpisodeSet): { peers?: PeerGroups } {
  if (settings.peerGroups === undefined) return {};
  if (!settings.marketContext) throw new ExecLabError('the peer context needs the market context: give --market-context with --peer-groups', 2);
  if (!train.peers || train.peers.size !== settings.peerGroups) {
    throw new ExecLabError(`the learner reads the peer context of groups of ${settings.peerGroups}, but its training episodes carry ${train.peers ? `groups of ${train.peers.size}` : 'none'}`);
  }
  return { peers: train.peers };
}

/** The peer context part of a learner's policy spec, from its settings and its training episodes. */
import type { PeerGroups } from '../../data/peers.js';
import { ExecLabError } from '../../errors.js';
import type { EpisodeSet } from '../../sim/episodes.js';

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

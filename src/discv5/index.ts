/**
 * Node Discovery v5. Layers, bottom up:
 * - `wire/` (layer 2, pure): packet and message codecs, header masking, handshake cryptography.
 * - `session/` (layer 3, pure): handshakes, the session cache and request tracking, driven by
 *   `handle(input, now)`.
 * - the service (layer 4): {@link Discv5Service} over an injected `send` and clock, sharing a UDP
 *   port with discv4; lookups, the random-node iterator, TALK, revalidation, refresh, ENR auto-update.
 * Spec: devp2p discv5/discv5.md.
 * @module
 */
export { Discv5Error, type Discv5ErrorCode } from './errors.js'
export { answerFindnode, type FindnodeAnswer, MAX_FINDNODE_DISTANCES } from './findnode.js'
export { MAX_ITERATOR_BUFFER, MIN_LOOKUP_INTERVAL_MS, RandomNodes } from './iterator.js'
export { JOINING_RANDOM_LOOKUPS, Lookups, REFRESH_RANDOM_LOOKUPS, RefreshSchedule } from './lookups.js'
export {
  checkRelayIp,
  contactOf,
  type Discv5Node,
  type IpMode,
  MAX_FINDNODE_RESULTS,
  type NodesContext,
  nodeFromEnr,
  type RecordRejection,
  verifyNodesRecords,
} from './node.js'
export {
  type Discv5Options,
  FAST_REFRESH_MS,
  MAX_KNOWN_RECORDS,
  MAX_RECORD_FETCHES,
  type PongInfo,
  type RequestOptions,
} from './options.js'
export { Discv5Service } from './service.js'
export * from './session/index.js'
export { MAX_PENDING_TALK, TALK_HANDLER_TIMEOUT_MS, type TalkHandler, type TalkSender } from './talk.js'
export {
  ADDR_VOTE_WINDOW_MS,
  ADDR_VOTES_TO_UPDATE,
  type AddrFamily,
  type AddrPrediction,
  AddrVotes,
  type AddrVotesOptions,
  MAX_ADDR_VOTERS,
} from './votes.js'
export * from './wire/index.js'

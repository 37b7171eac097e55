/**
 * Node Discovery v4 (devp2p discv4.md, EIP-8, EIP-868): the wire codec (./wire), endpoint proofs
 * and reply matching (pure), the store of verified nodes, and the service that runs on a socket shared with discv5.
 * @module
 */
export { Discv4Core, type DropReason, type Inbound } from './core.js'
export { Discv4Error, type Discv4ErrorCode } from './errors.js'
export { MAX_ITERATOR_BUFFER, MIN_LOOKUP_INTERVAL_MS, RandomNodes } from './iterator.js'
export { KNOWN_NODE_MAX_AGE_MS, type KnownNode, KnownNodes, MAX_KNOWN_NODES } from './known.js'
export {
  type Discv4Node,
  isLanText,
  MIN_RELAYED_UDP_PORT,
  makeNode,
  nodeFromNeighbor,
  nodeToEnode,
  type SocketAddr,
  withRecord,
} from './node.js'
export {
  type Discv4Options,
  KNOWN_SEEDS,
  MAX_RECORD_FETCHES,
  type PongInfo,
  REFRESH_RANDOM_LOOKUPS,
  REFRESH_RETRY_MS,
  type RequestOptions,
} from './options.js'
export { MAX_BOND_WAITERS } from './pending.js'
export { BOND_EXPIRATION_MS, EndpointProofs, MAX_ENDPOINT_PROOFS } from './proof.js'
export {
  GLOBAL_BURST,
  GLOBAL_RATE,
  MAX_TRACKED_IPS,
  PER_IP_BURST,
  PER_IP_RATE,
  RateLimiter,
  type RateLimitOptions,
  type RateVerdict,
} from './ratelimit.js'
export { verifyRecord } from './record.js'
export {
  type ExpectRefusal,
  LATE_PONG_GRACE_MS,
  MAX_FINDNODE_RESULTS,
  MAX_LATE_PONGS,
  MAX_PENDING_PER_KEY,
  MAX_PENDING_REPLIES,
  type Matched,
  type PendingReply,
  RESPONSE_TIMEOUT_MS,
  type ReplyKind,
  ReplyMatcher,
} from './replies.js'
export { Discv4Service } from './service.js'
export * from './wire/index.js'

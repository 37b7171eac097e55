/**
 * Options, result types and named limits of the discv5 service ({@link Discv5Service}).
 * @module
 */
import type { RateLimitOptions } from '../discv4/ratelimit.js'
import type { Enr } from '../enr/index.js'
import type { IpLimitOptions, Random } from '../kademlia/index.js'
import type { Metrics } from '../metrics/registry.js'
import type { Clock } from '../util/clock.js'
import type { Discv5Error } from './errors.js'
import type { IpMode } from './node.js'
import type { RequestFailure, SocketAddr } from './session/index.js'
import type { AddrVotesOptions } from './votes.js'

/** Record fetches (FINDNODE [0] after a higher enr-seq in PING or PONG) in flight at once. Ours. */
export const MAX_RECORD_FETCHES = 16
/** Records of nodes met outside the table (handshakes, NODES answers), LRU. Ours: as many as sessions. */
export const MAX_KNOWN_RECORDS = 1024
/**
 * Delay after the first refresh, ms, doubling after each one up to the refresh interval (about
 * 10 refreshes in the first half hour with go-ethereum's 30 min). Ours: a joining node fills its
 * table in seconds, then refreshes at go-ethereum's pace.
 */
export const FAST_REFRESH_MS = 2_000

/** Options of a {@link Discv5Service}. */
export interface Discv5Options {
  /** Our static private key (32 bytes). */
  privateKey: Uint8Array
  /** Our record, signed with `privateKey`; its ip/udp should be where we listen. */
  enr: Enr
  /** Send one datagram; the socket owner's job. */
  send: (data: Uint8Array, to: SocketAddr) => void
  clock?: Clock
  /** Randomness for the table, lookups and (when given) the session machine; default node:crypto. */
  random?: Random
  /** Records to join through (re-seeded on every refresh). */
  bootnodes?: Enr[]
  /**
   * Receive-side rate limits (global and per IP, discv4's {@link RateLimiter}), on by default;
   * `false` turns them off. Loopback senders are limited per IP:port (each is a local process).
   */
  rateLimit?: RateLimitOptions | false
  /** Routing table IP limits, on by default. */
  ipLimits?: IpLimitOptions | false
  /** Address families the socket reaches. Default `dual` (IPv4 preferred). */
  ipMode?: IpMode
  /** Update our record's ip/udp (ip6/udp6) from PONG votes. Default true. */
  enrAutoUpdate?: boolean
  /** Vote threshold and window for {@link enrAutoUpdate}. */
  addrVotes?: AddrVotesOptions
  /** Called after our record changed (auto-update or `Discv5Service.setEnr`), e.g. to re-serve or persist it. */
  onEnrChange?: (enr: Enr) => void
  /** Run the refresh loop (seed, self lookup, random lookups) from `Discv5Service.start`. Default true. */
  refresh?: boolean
  /** Mean refresh interval, ms (each waits a random time in [½, 1] of it). Default {@link REFRESH_INTERVAL_MS}. */
  refreshIntervalMs?: number
  /** Revalidation interval of the fast list, ms. Default {@link PING_INTERVAL_MS}. */
  pingIntervalMs?: number
  /**
   * Shortest wait for each answer, ms (one retry). Default the session layer's REQUEST_TIMEOUT_MS
   * (500, discv5-wire.md); it grows with measured round trips up to {@link maxRequestTimeoutMs}.
   */
  requestTimeoutMs?: number
  /** Longest wait for each answer, ms. Default the session layer's MAX_REQUEST_TIMEOUT_MS (2,000). */
  maxRequestTimeoutMs?: number
  /** Distances a FINDNODE may ask for. Default {@link MAX_FINDNODE_DISTANCES}. */
  maxFindnodeDistances?: number
  metrics?: Metrics
}

/** What a PONG told us. */
export interface PongInfo {
  /** The node's record sequence number. */
  enrSeq: bigint
  /** Our endpoint as the node saw it. */
  ip: string
  port: number
  /** Time from handing the PING over (handshake included) to the PONG, ms. */
  rttMs: number
}

/** Options of calls that go to the network. */
export interface RequestOptions {
  signal?: AbortSignal
}

/** The error code of each session-layer request failure. @internal */
export const FAILURE_CODE: Record<RequestFailure, Discv5Error['code']> = {
  timeout: 'TIMEOUT',
  'handshake-failed': 'HANDSHAKE_FAILED',
  'bad-public-key': 'HANDSHAKE_FAILED',
  'queue-full': 'BUSY',
  'too-many-requests': 'BUSY',
  'duplicate-request-id': 'BUSY',
  'too-large': 'TOO_LARGE',
}

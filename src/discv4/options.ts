/**
 * Options, answers and constants of the discv4 service (./service.ts), kept apart so that the
 * service file holds only its behaviour.
 * @module
 */
import type { IpLimitOptions, Random } from '../kademlia/index.js'
import type { Metrics } from '../metrics/registry.js'
import type { Clock } from '../util/clock.js'
import type { Discv4Node, SocketAddr } from './node.js'
import type { RateLimitOptions } from './ratelimit.js'
import type { Endpoint } from './wire/index.js'

/** Record fetches (ENRREQUEST after a higher enr-seq) in flight at once. Ours. */
export const MAX_RECORD_FETCHES = 16

/** Random lookups per table refresh, after the self lookup. go-ethereum table.go `doRefresh` (3). */
export const REFRESH_RANDOM_LOOKUPS = 3

/**
 * First retry delay, ms, when a refresh leaves fewer than BUCKET_SIZE (16) members, or more
 * members than the one before (the network around us is still filling in, as when we or it just
 * started); it doubles up to the refresh interval, so a settled table is back on the interval
 * after a few minutes at most. Ours, after go-ethereum `lookupIterator.lookupFailed`, which
 * triggers a refresh when lookups come back empty; without a consumer pulling lookups, a node
 * whose first lookups failed, or that started before most of its network, would otherwise wait
 * the whole 30 minutes.
 */
export const REFRESH_RETRY_MS = 5_000

/**
 * Known nodes (./known.ts) added to the table beside the bootnodes on each refresh and when the
 * table is empty, most recently verified first. go-ethereum table.go `seedCount` (30) for
 * `loadSeedNodes`; its `seedMaxAge` is 5 days, ours is the known store's 24 h.
 */
export const KNOWN_SEEDS = 30

/** Options of a Discv4Service (./service.ts). */
export interface Discv4Options {
  privateKey: Uint8Array
  /** Send one datagram; the socket owner's job. */
  send: (bytes: Uint8Array, to: SocketAddr) => void
  /**
   * What we advertise in PING `from`. Default: no IP, ports 0. Give the real one: some peers
   * (@ethereumjs/devp2p) drop a PING whose `from` has no IP, and use `from` to PING back.
   */
  endpoint?: Endpoint
  /** Our current record (RLP), served to ENRREQUEST; without one ENRREQUEST is ignored. */
  record?: () => Uint8Array | undefined
  /** Our record's sequence number, sent in PING and PONG (EIP-868). */
  enrSeq?: () => bigint | undefined
  clock?: Clock
  /** Wall-clock seconds since the epoch, for packet expirations. Default `Date.now() / 1000`. */
  unixTime?: () => number
  random?: Random
  bootnodes?: Discv4Node[]
  /** Receive-side rate limits, on by default; `false` turns them off. */
  rateLimit?: RateLimitOptions | false
  /** Routing table IP limits, on by default. */
  ipLimits?: IpLimitOptions | false
  /** Mean table refresh interval, ms (each one waits a random time in [½, 1] of it). Default {@link REFRESH_INTERVAL_MS}. */
  refreshIntervalMs?: number
  metrics?: Metrics
}

/** What a PONG told us. */
export interface PongInfo {
  /** Our endpoint as the node saw it. */
  to: Endpoint
  /** The node's record sequence number (EIP-868), if it sent one. */
  enrSeq?: bigint
}

/** Options of calls that go to the network. */
export interface RequestOptions {
  signal?: AbortSignal
}

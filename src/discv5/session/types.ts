/**
 * Inputs, outputs and configuration of the discv5 session state machine ({@link Sessions}).
 * Spec: devp2p discv5/discv5-theory.md#sessions.
 * @module
 */
import { randomFillSync } from 'node:crypto'
import type { Enr } from '../../enr/index.js'
import type { RequestMessage, ResponseMessage } from '../wire/index.js'

/** Sessions kept, least recently used evicted. Issue #6 ("LRU session cache (1,024)"); geth keeps 1024 too. */
export const MAX_SESSIONS = 1024
/**
 * WHOAREYOU challenges awaiting a handshake, LRU evicted. As many as sessions: each challenge
 * is a session about to exist.
 */
export const MAX_PENDING_CHALLENGES = 1024
/**
 * How long a WHOAREYOU challenge is re-sent verbatim to further packets of the peer.
 * discv5-wire.md "UDP Communication": 1 s for the handshake; go-ethereum handshakeTimeout.
 */
export const HANDSHAKE_TIMEOUT_MS = 1000
/**
 * How long a handshake answering one of our challenges is still accepted, ms, even after a newer
 * challenge replaced it. Ours: an initiator waits at most MAX_REQUEST_TIMEOUT_MS (2 s) for the
 * answer to its handshake and re-sends once, so it has given up on a handshake older than 4 s.
 * A node whose socket queue runs a second behind (a bootnode in a join storm) reads handshakes
 * after their challenge's 1 s; refusing them locks joiners out for as long as the queue lasts.
 */
export const CHALLENGE_ACCEPT_MS = 4000
/** Time to wait for each answer (WHOAREYOU or response). discv5-wire.md "UDP Communication": 500 ms. */
export const REQUEST_TIMEOUT_MS = 500
/** Re-sends of a request after a timeout. Issue #6: "timeouts and one retry". */
export const REQUEST_RETRIES = 1
/**
 * Header maskers kept, for the peers we sent to last. Ours: each holds an AES context (~2 KiB of
 * RSS), so one per session would cost ~2 MiB at MAX_SESSIONS; a miss costs one cipher setup.
 */
export const MAX_HEADER_MASKERS = 64
/** Requests that wait per peer while a handshake with it is pending. nim-eth/sigp queue per peer; bounded here. */
export const MAX_QUEUED_REQUESTS_PER_PEER = 8
/** Requests outstanding (sent or queued) over all peers. Bounds every request index. */
export const MAX_ACTIVE_REQUESTS = 4096
/** NODES packets accepted per FINDNODE. go-ethereum v5_udp.go totalNodesResponseLimit = 5. */
export const MAX_NODES_RESPONSES = 5
/** WHOAREYOU challenges one request may answer (the original and one after a lost handshake). */
export const MAX_HANDSHAKES_PER_REQUEST = 2
/** Size of the random message content that opens a handshake. go-ethereum v5wire randomPacketMsgSize = 20. */
export const RANDOM_MESSAGE_SIZE = 20

/** A UDP endpoint. `ip` is normalised text (the service unmaps IPv4-mapped IPv6). */
export interface SocketAddr {
  ip: string
  port: number
}

/** A node at an endpoint: sessions are bound to both. */
export interface NodeAddress {
  nodeId: Uint8Array
  addr: SocketAddr
}

/** Everything needed to talk to a node first: its id, static public key and endpoint. */
export interface NodeContact extends NodeAddress {
  /** Static public key (33, 64 or 65 bytes). */
  publicKey: Uint8Array
  /** The node's record, when known. */
  enr?: Enr
}

/** A request handed to {@link Sessions}; outputs about it refer to this same object. */
export interface OutgoingRequest {
  contact: NodeContact
  msg: RequestMessage
}

/** Why a request failed. */
export type RequestFailure =
  | 'timeout'
  | 'handshake-failed'
  | 'queue-full'
  | 'too-many-requests'
  | 'duplicate-request-id'
  | 'too-large'
  | 'bad-public-key'

/** Why an input was dropped (for metrics and logs). */
export type DiscardReason =
  | 'bad-packet'
  | 'bad-message'
  | 'unsolicited-whoareyou'
  | 'unexpected-handshake'
  | 'bad-handshake'
  | 'bad-record'
  | 'no-record'
  | 'bad-id-signature'
  | 'decrypt-failed'
  | 'unsolicited-response'
  | 'unsupported-message'
  | 'no-session'
  | 'too-large'

/** What {@link Sessions.handle} accepts. */
export type SessionInput =
  /** Send a request, handshaking first if there is no session with the contact's endpoint. */
  | { kind: 'send-request'; request: OutgoingRequest }
  /** Answer a request received from `to` over the session it came in on. */
  | { kind: 'send-response'; to: NodeAddress; msg: ResponseMessage }
  /** A raw UDP datagram. Datagrams that are not discv5 come back as a `foreign` output. */
  | { kind: 'datagram'; from: SocketAddr; data: Uint8Array }
  /** Time passed: expire requests whose deadline is at or before `now`. */
  | { kind: 'tick' }

/** What {@link Sessions.handle} asks the caller to do or tells it happened. */
export type SessionOutput =
  /** Send `data` to `to`. */
  | { kind: 'transmit'; to: SocketAddr; data: Uint8Array }
  /** A session was established (`in`: the peer's handshake verified; `out`: the peer answered ours). */
  | { kind: 'established'; node: NodeAddress; direction: 'in' | 'out'; enr?: Enr }
  /** A request from a peer, to answer with `send-response`. */
  | { kind: 'request'; from: NodeAddress; msg: RequestMessage }
  /** A response to one of our requests; `done` is false while more NODES packets are expected. */
  | { kind: 'response'; request: OutgoingRequest; from: NodeAddress; msg: ResponseMessage; done: boolean }
  /** A request gave up. */
  | { kind: 'request-failed'; request: OutgoingRequest; error: RequestFailure }
  /** A datagram that is not discv5 (hand it to discv4 on a shared port). */
  | { kind: 'foreign'; from: SocketAddr; data: Uint8Array }
  /** Something was dropped; counted by the caller. */
  | { kind: 'discarded'; from?: SocketAddr; reason: DiscardReason; detail?: string }

/** Randomness, injected so tests are deterministic. */
export interface SessionRandom {
  /** `n` cryptographically secure random bytes. */
  bytes(n: number): Uint8Array
}

/** Bytes drawn from the OS CSPRNG at a time by {@link pooledCryptoRandom}. */
const RANDOM_POOL_SIZE = 4096

/**
 * The default randomness: node:crypto, drawn in 4 KiB batches (a packet needs several small
 * random values and each CSPRNG call costs microseconds).
 */
export function pooledCryptoRandom(): SessionRandom {
  const pool = new Uint8Array(RANDOM_POOL_SIZE)
  let used = RANDOM_POOL_SIZE
  return {
    bytes(n: number): Uint8Array {
      if (n > RANDOM_POOL_SIZE) return randomFillSync(new Uint8Array(n))
      if (used + n > RANDOM_POOL_SIZE) {
        randomFillSync(pool)
        used = 0
      }
      used += n
      return pool.slice(used - n, used)
    },
  }
}

/** Configuration of a {@link Sessions} machine. */
export interface SessionsConfig {
  /** Our static private key (32 bytes). */
  privateKey: Uint8Array
  /** Our current record (included in handshakes when the peer's copy is older). */
  enr: Enr
  /**
   * Look up the record we hold for a node (routing table, cache): its seq goes into WHOAREYOU
   * and its key verifies a handshake that carries no record. Synchronous and read-only.
   */
  findEnr?: (nodeId: Uint8Array) => Enr | undefined
  random?: SessionRandom
  /** Default {@link MAX_SESSIONS}. */
  maxSessions?: number
  /** The shortest wait for an answer, ms. Default {@link REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number
  /**
   * The longest wait for an answer while round trips run long, ms. Default MAX_REQUEST_TIMEOUT_MS
   * (2 s, at least `requestTimeoutMs`); equal to `requestTimeoutMs` for a fixed timeout.
   */
  maxRequestTimeoutMs?: number
  /** Default {@link HANDSHAKE_TIMEOUT_MS}. */
  handshakeTimeoutMs?: number
  /** Default {@link REQUEST_RETRIES}. */
  retries?: number
}

/** The contact of a record's IPv4 (or else IPv6) UDP endpoint, or undefined if it has none. */
export function contactFromEnr(enr: Enr, prefer: 'ip4' | 'ip6' = 'ip4'): NodeContact | undefined {
  const v4 = enr.ip && enr.udp ? { ip: enr.ip, port: enr.udp } : undefined
  const v6 = enr.ip6 && (enr.udp6 ?? enr.udp) ? { ip: enr.ip6, port: (enr.udp6 ?? enr.udp) as number } : undefined
  const addr = prefer === 'ip4' ? (v4 ?? v6) : (v6 ?? v4)
  return addr ? { nodeId: enr.nodeId, publicKey: enr.publicKey, addr, enr } : undefined
}

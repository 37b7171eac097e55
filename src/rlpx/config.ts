/**
 * Options shared by dial, accept and the listener, with their defaults and where they come from.
 * @module
 */
import type { Metrics } from '../metrics/registry.js'
import { noopMetrics } from '../metrics/registry.js'
import { equalBytes } from '../util/bytes.js'
import { type Clock, systemClock } from '../util/clock.js'
import { type Logger, silentLogger } from '../util/logger.js'
import type { ProtocolSpec } from './caps.js'
import { EcdhKey } from './ecdh.js'
import { MAX_MESSAGE_SIZE } from './snappy.js'

/** Whole handshake (auth, ack, both Hellos). go-ethereum p2p/server.go handshakeTimeout. */
export const HANDSHAKE_TIMEOUT_MS = 5_000
/** Interval between our Pings. go-ethereum p2p/peer.go pingInterval. */
export const PING_INTERVAL_MS = 15_000
/** Time allowed for a Pong before Disconnect(Timeout). We allow one ping interval. */
export const PONG_TIMEOUT_MS = 15_000
/** Longest silence from the peer before Disconnect(Timeout). go-ethereum p2p/transport.go frameReadTimeout. */
export const READ_IDLE_TIMEOUT_MS = 30_000
/** Longest wait for the socket to drain a write. go-ethereum p2p/transport.go frameWriteTimeout. */
export const WRITE_TIMEOUT_MS = 20_000
/** Wait after sending Disconnect before the socket is destroyed. go-ethereum p2p/transport.go discWriteTimeout. */
export const DISCONNECT_WAIT_MS = 1_000
/** TCP connect timeout. go-ethereum p2p/dial.go defaultDialTimeout. */
export const DIAL_TIMEOUT_MS = 15_000
/** Inbound messages queued for a consumer before the socket is paused. */
export const INBOX_MAX_MESSAGES = 256
/** Inbound bytes queued for a consumer before the socket is paused. */
export const INBOX_MAX_BYTES = 32 * 1024 * 1024
/** Concurrent send() calls allowed to wait for the socket to drain. */
export const MAX_WAITING_SENDS = 1024
/** Concurrent ping() calls waiting for a Pong. */
export const MAX_PENDING_PINGS = 16

/** Timeouts in milliseconds (configurable so tests run fast). */
export interface RlpxTimeouts {
  handshakeMs: number
  pingIntervalMs: number
  pongTimeoutMs: number
  readIdleMs: number
  writeMs: number
  disconnectWaitMs: number
  dialMs: number
}

/** The defaults above, as an object. */
export const DEFAULT_TIMEOUTS: Readonly<RlpxTimeouts> = {
  handshakeMs: HANDSHAKE_TIMEOUT_MS,
  pingIntervalMs: PING_INTERVAL_MS,
  pongTimeoutMs: PONG_TIMEOUT_MS,
  readIdleMs: READ_IDLE_TIMEOUT_MS,
  writeMs: WRITE_TIMEOUT_MS,
  disconnectWaitMs: DISCONNECT_WAIT_MS,
  dialMs: DIAL_TIMEOUT_MS,
}

/** Who we are and how our connections behave. */
export interface RlpxOptions {
  /** Our static secp256k1 private key (32 bytes). */
  privateKey: Uint8Array
  /** Hello client id. Default `eth-p2p/<version>`. */
  clientId?: string
  /** Sub-protocols we run (announced in Hello, matched against the peer's). */
  protocols?: readonly ProtocolSpec[]
  /** Hello listenPort (legacy, informational). Default 0. */
  listenPort?: number
  /**
   * Disconnect with UselessPeer when no capability is shared (default true). `rlpx ping` turns it
   * off to read a peer's Hello without running any protocol.
   */
  requireSharedCapability?: boolean
  /** Cap on a frame and on a decompressed message. Default {@link MAX_MESSAGE_SIZE} (16 MiB - 1). */
  maxMessageSize?: number
  timeouts?: Partial<RlpxTimeouts>
  /** Inbound queue bounds before reading pauses. Defaults {@link INBOX_MAX_MESSAGES}, {@link INBOX_MAX_BYTES}. */
  inbox?: { maxMessages?: number; maxBytes?: number }
  clock?: Clock
  metrics?: Metrics
  logger?: Logger
}

/** Client id announced by default. */
export const DEFAULT_CLIENT_ID = 'eth-p2p/0.1.0'

/** Options with every default filled in. */
export interface ResolvedOptions {
  privateKey: Uint8Array
  /** The private key set up once for ECDH, with our 64-byte public key. */
  staticKey: EcdhKey
  clientId: string
  protocols: readonly ProtocolSpec[]
  listenPort: number
  requireSharedCapability: boolean
  maxMessageSize: number
  timeouts: RlpxTimeouts
  inbox: { maxMessages: number; maxBytes: number }
  clock: Clock
  metrics: Metrics
  logger: Logger
}

/**
 * ECDH set-up of each private key array passed in (a scalar multiplication saved on every dial
 * with the same key). BOUNDED: weak keys, an entry lives as long as its key array; the bytes are
 * compared on use, so a key array changed in place gets a fresh entry.
 */
const staticKeys = new WeakMap<Uint8Array, EcdhKey>()

function staticKeyFor(privateKey: Uint8Array): EcdhKey {
  const cached = staticKeys.get(privateKey)
  if (cached && equalBytes(cached.privateKey, privateKey)) return cached
  const key = EcdhKey.fromPrivate(privateKey)
  staticKeys.set(privateKey, key)
  return key
}

/** Fill in defaults. */
export function resolveOptions(o: RlpxOptions): ResolvedOptions {
  return {
    privateKey: o.privateKey,
    staticKey: staticKeyFor(o.privateKey),
    clientId: o.clientId ?? DEFAULT_CLIENT_ID,
    protocols: o.protocols ?? [],
    listenPort: o.listenPort ?? 0,
    requireSharedCapability: o.requireSharedCapability ?? true,
    maxMessageSize: Math.min(o.maxMessageSize ?? MAX_MESSAGE_SIZE, MAX_MESSAGE_SIZE),
    timeouts: { ...DEFAULT_TIMEOUTS, ...o.timeouts },
    inbox: {
      maxMessages: Math.max(1, o.inbox?.maxMessages ?? INBOX_MAX_MESSAGES),
      maxBytes: Math.max(1, o.inbox?.maxBytes ?? INBOX_MAX_BYTES),
    },
    clock: o.clock ?? systemClock,
    metrics: o.metrics ?? noopMetrics,
    logger: o.logger ?? silentLogger,
  }
}

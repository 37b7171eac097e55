/**
 * The per-peer state of the session machine ({@link Sessions}): sessions, pending challenges and
 * handshakes. Spec: devp2p discv5/discv5-theory.md#sessions.
 * @module
 */
import type { Enr } from '../../enr/index.js'
import { NONCE_SIZE } from '../wire/index.js'
import type { ActiveRequest } from './requests.js'
import type { NodeAddress, SessionRandom } from './types.js'

/** A session with one node at one endpoint. @internal */
export interface Session {
  writeKey: Uint8Array
  readKey: Uint8Array
  /** Outgoing message count, the first 32 bits of each nonce (discv5-theory.md "Session Cache"). */
  counter: number
  /** False from sending our handshake until the peer's first message decrypts. */
  confirmed: boolean
  node: NodeAddress
  enr?: Enr
  /**
   * Read key of the session this one replaced. When both sides handshake at once, each ends up
   * writing with the keys of the handshake it received last, so the peer's messages may still
   * use the other key set.
   */
  prevReadKey?: Uint8Array
}

/** A WHOAREYOU we sent and await a handshake for. @internal */
export interface Challenge {
  /** The WHOAREYOU datagram, re-sent verbatim to repeated packets. */
  packet: Uint8Array
  challengeData: Uint8Array
  /** The record we held when challenging (its seq went into the WHOAREYOU). */
  enr?: Enr
  /** Until then further packets of the peer get `packet` again. */
  expires: number
  /** Until then a handshake answering it is accepted. */
  acceptUntil: number
}

/** Our handshake in progress with a peer, and the requests queued behind it. @internal */
export interface PendingHandshake {
  /** The request whose packets drive the handshake. */
  initiator: ActiveRequest
  /** BOUNDED: MAX_QUEUED_REQUESTS_PER_PEER. */
  queue: ActiveRequest[]
}

/** The next message nonce of `s`: counter (32 bits) || 64 random bits. discv5-theory.md "Session Cache". @internal */
export function sessionNonce(s: Session, random: SessionRandom): Uint8Array {
  const nonce = new Uint8Array(NONCE_SIZE)
  s.counter = (s.counter + 1) >>> 0
  new DataView(nonce.buffer).setUint32(0, s.counter)
  nonce.set(random.bytes(NONCE_SIZE - 4).subarray(0, NONCE_SIZE - 4), 4)
  return nonce
}

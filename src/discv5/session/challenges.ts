/**
 * The WHOAREYOU challenges we sent and await a handshake for (discv5-theory.md step 2). A packet
 * from a peer whose challenge is still pending gets the same WHOAREYOU bytes again (go-ethereum
 * `handleUnknown`, tested by its `HandshakeResend` case), not a new one. After that a new packet
 * gets a new challenge, and a handshake answering the one before is still accepted for a while
 * ({@link CHALLENGE_ACCEPT_MS}): it was signed over our random id-nonce, so it cannot be forged,
 * and it is accepted once. Pure.
 * @module
 */
import type { Enr } from '../../enr/index.js'
import { equalBytes } from '../../util/bytes.js'
import { Lru } from '../../util/lru.js'
import { encodePacketWithHeader, ID_NONCE_SIZE, MASKING_IV_SIZE } from '../wire/index.js'
import type { Challenge } from './state.js'
import { CHALLENGE_ACCEPT_MS, MAX_PENDING_CHALLENGES, type SessionRandom } from './types.js'

/** The newest challenge to a peer and the one before it, while that is still accepted. */
interface PeerChallenges {
  current: Challenge
  previous?: Challenge
}

/** Pending challenges by peer key (node id and endpoint). @internal */
export class Challenges {
  /** BOUNDED: MAX_PENDING_CHALLENGES peers of at most two challenges each, LRU eviction. */
  private readonly lru = new Lru<string, PeerChallenges>(MAX_PENDING_CHALLENGES)

  constructor(
    private readonly random: SessionRandom,
    private readonly acceptMs = CHALLENGE_ACCEPT_MS,
  ) {}

  /**
   * The WHOAREYOU datagram answering packet `nonce` from `srcId` at `peer`: the pending one while
   * it is valid, else a new one, re-sent for `lifetimeMs`, carrying the seq of `known()` (the
   * record we hold for the node, if any).
   */
  issue(
    peer: string,
    srcId: Uint8Array,
    nonce: Uint8Array,
    known: () => Enr | undefined,
    now: number,
    lifetimeMs: number,
  ): Uint8Array {
    const held = this.lru.get(peer)
    if (held && held.current.expires > now) return held.current.packet
    const k = known()
    const enr = k && equalBytes(k.nodeId, srcId) ? k : undefined
    const { packet, header } = encodePacketWithHeader(
      srcId,
      { kind: 'whoareyou', nonce, idNonce: this.random.bytes(ID_NONCE_SIZE), enrSeq: enr?.seq ?? 0n },
      this.random.bytes(MASKING_IV_SIZE),
    )
    const current: Challenge = {
      packet,
      challengeData: header,
      ...(enr && { enr }),
      expires: now + lifetimeMs,
      acceptUntil: now + Math.max(lifetimeMs, this.acceptMs),
    }
    const previous = held && held.current.acceptUntil > now ? held.current : undefined
    this.lru.set(peer, previous ? { current, previous } : { current })
    return packet
  }

  /** The challenges a handshake from `peer` may answer at `now`, newest first (they stay until {@link delete}). */
  pending(peer: string, now: number): Challenge[] {
    const held = this.lru.peek(peer)
    if (!held) return []
    const out: Challenge[] = []
    if (held.current.acceptUntil > now) out.push(held.current)
    if (held.previous && held.previous.acceptUntil > now) out.push(held.previous)
    return out
  }

  /** A handshake answered one: none of the peer's challenges is accepted again. */
  delete(peer: string): void {
    this.lru.delete(peer)
  }
}

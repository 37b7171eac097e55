/**
 * The WHOAREYOU challenges we sent and await a handshake for (discv5-theory.md step 2). A packet
 * from a peer whose challenge is still pending gets the same WHOAREYOU bytes again (go-ethereum
 * `handleUnknown`, tested by its `HandshakeResend` case), not a new one. Pure.
 * @module
 */
import type { Enr } from '../../enr/index.js'
import { equalBytes } from '../../util/bytes.js'
import { Lru } from '../../util/lru.js'
import { encodePacketWithHeader, ID_NONCE_SIZE, MASKING_IV_SIZE } from '../wire/index.js'
import type { Challenge } from './state.js'
import { MAX_PENDING_CHALLENGES, type SessionRandom } from './types.js'

/** Pending challenges by peer key (node id and endpoint). @internal */
export class Challenges {
  /** BOUNDED: MAX_PENDING_CHALLENGES entries, LRU eviction; expired ones are ignored. */
  private readonly lru = new Lru<string, Challenge>(MAX_PENDING_CHALLENGES)

  constructor(private readonly random: SessionRandom) {}

  /**
   * The WHOAREYOU datagram answering packet `nonce` from `srcId` at `peer`: the pending one while
   * it is valid, else a new one, valid for `lifetimeMs`, carrying the seq of `known()` (the
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
    const pending = this.lru.get(peer)
    if (pending && pending.expires > now) return pending.packet
    const k = known()
    const enr = k && equalBytes(k.nodeId, srcId) ? k : undefined
    const { packet, header } = encodePacketWithHeader(
      srcId,
      { kind: 'whoareyou', nonce, idNonce: this.random.bytes(ID_NONCE_SIZE), enrSeq: enr?.seq ?? 0n },
      this.random.bytes(MASKING_IV_SIZE),
    )
    this.lru.set(peer, { packet, challengeData: header, ...(enr && { enr }), expires: now + lifetimeMs })
    return packet
  }

  /** The challenge pending for `peer` at `now`, if any (it stays until {@link delete}). */
  pending(peer: string, now: number): Challenge | undefined {
    const ch = this.lru.peek(peer)
    return ch && ch.expires > now ? ch : undefined
  }

  /** The handshake answered it. */
  delete(peer: string): void {
    this.lru.delete(peer)
  }
}

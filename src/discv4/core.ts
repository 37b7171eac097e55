/**
 * The inbound rules of Node Discovery v4, as a pure state machine: given a verified packet, its
 * sender's IP and the time, say what the service should do. Spec: devp2p discv4.md "Endpoint
 * Proof", "Ping Packet", "FindNode Packet"; EIP-868 "ENRRequest Packet".
 *
 * - PING: always answered with PONG; we also PING back unless the sender already proved its
 *   endpoint to us (or a PING to it is in flight), so that it can bond.
 * - PONG: proves the endpoint only when it echoes the hash of a PING we sent to that node and IP
 *   (also shortly after that PING timed out: see LATE_PONG_GRACE_MS).
 * - FINDNODE, ENRREQUEST: answered only for a sender that proved this IP within 24 h.
 * - NEIGHBORS, ENRRESPONSE: accepted only as replies to our own requests; anything else is dropped,
 *   so unsolicited NEIGHBORS never reach the routing table.
 * @module
 */
import { EndpointProofs } from './proof.js'
import { type Matched, ReplyMatcher } from './replies.js'
import type { DecodedPacket } from './wire/codec.js'

/** Why an inbound packet was dropped. */
export type DropReason =
  /** FINDNODE or ENRREQUEST from a sender without a valid endpoint proof for this IP. */
  | 'unverified'
  /** A reply no request of ours is waiting for (or with the wrong reply token). */
  | 'unsolicited'
  /** A PONG after its PING timed out (within the grace time): counted, and still proves the endpoint. */
  | 'late-pong'

/** What the service should do with an inbound packet. */
export type Inbound<T> =
  /** Answer with PONG echoing the PING's hash; when `pingBack`, also send our own PING. */
  | { kind: 'answer-ping'; pingBack: boolean }
  /** Answer with NEIGHBORS closest to the target's node id. */
  | { kind: 'answer-findnode'; target: Uint8Array }
  /** Answer with ENRRESPONSE carrying our record. */
  | { kind: 'answer-enrrequest' }
  /** A reply to one of our requests. */
  | ({ kind: 'reply' } & Matched<T>)
  | { kind: 'drop'; reason: DropReason }

/** Endpoint proofs plus pending replies, and the rules tying them together. */
export class Discv4Core<T> {
  constructor(
    readonly proofs: EndpointProofs = new EndpointProofs(),
    readonly replies: ReplyMatcher<T> = new ReplyMatcher<T>(),
  ) {}

  /**
   * Classify a decoded (hash-, signature- and expiry-checked) packet from `node` (its id in hex)
   * at `ip` (normalised text), at monotonic time `now` in milliseconds. Updates the proofs.
   */
  receive(d: DecodedPacket, node: string, ip: string, now: number): Inbound<T> {
    const p = d.packet
    switch (p.kind) {
      case 'ping': {
        this.proofs.pingReceived(node, ip, now)
        const pingBack = !this.proofs.verified(node, ip, now) && !this.replies.awaiting(node, ip, 'pong')
        return { kind: 'answer-ping', pingBack }
      }
      case 'findnode':
        if (!this.proofs.verified(node, ip, now)) return { kind: 'drop', reason: 'unverified' }
        return { kind: 'answer-findnode', target: p.target }
      case 'enrrequest':
        if (!this.proofs.verified(node, ip, now)) return { kind: 'drop', reason: 'unverified' }
        return { kind: 'answer-enrrequest' }
      case 'pong':
      case 'neighbors':
      case 'enrresponse': {
        const m = this.replies.match(node, ip, p)
        if (!m) {
          if (p.kind === 'pong' && this.replies.matchLatePong(node, ip, p.replyToken, now)) {
            this.proofs.pongReceived(node, ip, now)
            return { kind: 'drop', reason: 'late-pong' }
          }
          return { kind: 'drop', reason: 'unsolicited' }
        }
        if (p.kind === 'pong') this.proofs.pongReceived(node, ip, now)
        return { kind: 'reply', ...m }
      }
    }
  }
}

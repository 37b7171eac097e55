/**
 * Bookkeeping of our outstanding requests for the session machine: indexes by request id, by
 * packet nonce (to match WHOAREYOU) and by peer, plus one deadline queue.
 * @module
 */
import { toHex } from '../../util/bytes.js'
import { Deadlines } from '../../util/deadlines.js'
import { Lru } from '../../util/lru.js'
import { MAX_PENDING_CHALLENGES, type OutgoingRequest, type SocketAddr } from './types.js'

/** Abandoned packet nonces remembered. Ours: as many as the challenges a peer set may hold. */
export const MAX_ABANDONED_NONCES = MAX_PENDING_CHALLENGES

/** Key of a (node id, endpoint) pair: sessions, challenges and requests are bound to both. */
export function peerKey(nodeId: Uint8Array, addr: SocketAddr): string {
  return `${toHex(nodeId)}|${addr.ip}|${addr.port}`
}

/** One of our requests, from `send-request` until its response, failure or timeout. */
export interface ActiveRequest {
  readonly request: OutgoingRequest
  /** {@link peerKey} of the contact. */
  readonly peer: string
  /** peer key and request id. */
  readonly key: string
  /** `queued` waits for a handshake with the peer; `sent` is in flight with a deadline. */
  state: 'queued' | 'sent'
  /** Hex nonces of every packet that carried this request (a WHOAREYOU may reference any). */
  readonly nonces: string[]
  retries: number
  handshakes: number
  /** When the last packet carrying this request went out. */
  sentAt: number
  /**
   * Our last handshake packet for this request and the challenge it answered: a repeat of that
   * WHOAREYOU (the peer re-sends the same one to our retry) gets these bytes again, not a new
   * handshake that would leave the two sides with different keys.
   */
  lastHandshake?: { challengeData: Uint8Array; data: Uint8Array; nonce: Uint8Array }
  /** Times {@link lastHandshake} was re-sent. */
  resends: number
  /** NODES packets received and expected (from the first packet's `total`). */
  nodesSeen: number
  nodesExpected: number
}

/** Indexes over {@link ActiveRequest}s. BOUNDED: the caller admits at most MAX_ACTIVE_REQUESTS. */
export class RequestTracker {
  /** BOUNDED: one entry per active request. */
  private readonly byKey = new Map<string, ActiveRequest>()
  /** BOUNDED: each request holds at most 1 + retries + handshakes nonces. */
  private readonly byNonce = new Map<string, ActiveRequest>()
  /** BOUNDED: one set per peer with active requests. */
  private readonly byPeer = new Map<string, Set<ActiveRequest>>()
  /** Deadlines of `sent` requests. */
  readonly deadlines = new Deadlines<ActiveRequest>()
  /**
   * Nonces of the packets of requests that gave up (no WHOAREYOU or answer came, or our
   * handshake packet was lost), with the peer they went to. The peer keeps
   * repeating its pending challenge, which references such a packet, until the challenge
   * expires (go-ethereum does the same); our next request to it can then answer that challenge
   * instead of ignoring it until then. BOUNDED: MAX_ABANDONED_NONCES, LRU.
   */
  private readonly abandoned = new Lru<string, string>(MAX_ABANDONED_NONCES)

  get size(): number {
    return this.byKey.size
  }

  /** Register a new request (state `queued`); undefined if its request id is already active with that peer. */
  add(request: OutgoingRequest, peer: string): ActiveRequest | undefined {
    const key = `${peer}#${toHex(request.msg.reqId)}`
    if (this.byKey.has(key)) return undefined
    const r: ActiveRequest = {
      request,
      peer,
      key,
      state: 'queued',
      nonces: [],
      retries: 0,
      handshakes: 0,
      sentAt: 0,
      resends: 0,
      nodesSeen: 0,
      nodesExpected: 1,
    }
    this.byKey.set(key, r)
    const set = this.byPeer.get(peer)
    if (set) set.add(r)
    else this.byPeer.set(peer, new Set([r]))
    return r
  }

  /** True while `r` is outstanding (not yet answered, failed or timed out). */
  has(r: ActiveRequest): boolean {
    return this.byKey.get(r.key) === r
  }

  get(peer: string, reqId: Uint8Array): ActiveRequest | undefined {
    return this.byKey.get(`${peer}#${toHex(reqId)}`)
  }

  byPacketNonce(nonce: Uint8Array): ActiveRequest | undefined {
    return this.byNonce.get(toHex(nonce))
  }

  /** Requests to a peer (sent and queued). */
  forPeer(peer: string): ReadonlySet<ActiveRequest> {
    return this.byPeer.get(peer) ?? new Set()
  }

  /** Record that `r` went out at `now` in a packet with `nonce`, due an answer by `deadline`. */
  sent(r: ActiveRequest, nonce: Uint8Array, now: number, deadline: number): void {
    r.sentAt = now
    const hex = toHex(nonce)
    if (!r.nonces.includes(hex)) r.nonces.push(hex)
    this.byNonce.set(hex, r)
    r.state = 'sent'
    this.deadlines.set(r, deadline)
  }

  /** Back to waiting (for a handshake), without a deadline. */
  requeue(r: ActiveRequest): void {
    r.state = 'queued'
    this.deadlines.delete(r)
  }

  /** Put back to `queued` the other requests sent to `r`'s peer and not partly answered; returns them. */
  requeueOthers(r: ActiveRequest): ActiveRequest[] {
    const out: ActiveRequest[] = []
    for (const o of this.forPeer(r.peer))
      if (o !== r && o.state === 'sent' && o.nodesSeen === 0) {
        this.requeue(o)
        out.push(o)
      }
    return out
  }

  /** Stop matching WHOAREYOU packets that reference earlier packets of `r`. */
  forgetNonces(r: ActiveRequest): void {
    for (const n of r.nonces) if (this.byNonce.get(n) === r) this.byNonce.delete(n)
    r.nonces.length = 0
  }

  /** `r` gave up: remember its nonces (call before {@link remove}). */
  abandon(r: ActiveRequest): void {
    for (const n of r.nonces) this.abandoned.set(n, r.peer)
  }

  /** The peer an abandoned packet with this nonce went to. */
  abandonedPeer(nonce: Uint8Array): string | undefined {
    return this.abandoned.peek(toHex(nonce))
  }

  remove(r: ActiveRequest): void {
    this.byKey.delete(r.key)
    for (const n of r.nonces) if (this.byNonce.get(n) === r) this.byNonce.delete(n)
    this.deadlines.delete(r)
    const set = this.byPeer.get(r.peer)
    if (set) {
      set.delete(r)
      if (set.size === 0) this.byPeer.delete(r.peer)
    }
  }
}

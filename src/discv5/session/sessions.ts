/**
 * The discv5 session layer as a pure state machine: handshakes (both roles), the session cache,
 * WHOAREYOU challenges, and our outstanding requests with timeouts and one retry.
 * Spec: devp2p discv5/discv5-theory.md#sessions, #handshake-steps, #handshake-implementation-considerations.
 *
 * No I/O and no clock: {@link Sessions.handle} takes an input and the current time and returns
 * what to do. The service arms one timer for {@link Sessions.nextDeadline} and feeds `tick`.
 *
 * Deliberate choices beyond the spec text:
 * - A packet from a peer that already has a pending challenge gets the same WHOAREYOU bytes
 *   again (go-ethereum `handleUnknown`, tested by its `HandshakeResend` case): ./challenges.ts.
 * - A repeated challenge gets our same handshake again; a request opening a handshake answers a
 *   challenge the peer still repeats for an abandoned request (./requests.ts `abandon`).
 * - Requests wait 500 ms, or longer while measured round trips run long (./rtt.ts).
 * - Sessions and challenges are keyed by node id and IP:port, so a packet from another endpoint
 *   gets a WHOAREYOU (discv5-theory.md "Session Cache").
 * - While a handshake with a peer is pending, further requests to it wait in a bounded queue and
 *   go out once the peer answers the handshake packet.
 * @module
 */
import { isValidPrivateKey, KeyError, nodeIdFromPublicKey, publicKeyCompressed } from '../../crypto/index.js'
import type { Enr } from '../../enr/index.js'
import { equalBytes } from '../../util/bytes.js'
import { Lru } from '../../util/lru.js'
import {
  aesGcmDecrypt,
  decodeMessage,
  decodePacket,
  encodeMessage,
  encodePacket,
  type HandshakePacket,
  HeaderMasker,
  isForeignPacket,
  isRequest,
  MASKING_IV_SIZE,
  MAX_MESSAGE_PLAINTEXT,
  MAX_REQUEST_ID_SIZE,
  type MessagePacket,
  NONCE_SIZE,
  type ResponseMessage,
  responseTypeOf,
  type WhoareyouPacket,
} from '../wire/index.js'
import { Challenges } from './challenges.js'
import { buildHandshake, type LocalIdentity, verifyHandshake } from './handshake.js'
import { type ActiveRequest, peerKey, RequestTracker } from './requests.js'
import { MAX_REQUEST_TIMEOUT_MS, RttEstimator } from './rtt.js'
import { type PendingHandshake, type Session, sessionNonce } from './state.js'
import {
  HANDSHAKE_TIMEOUT_MS,
  MAX_ACTIVE_REQUESTS,
  MAX_HANDSHAKES_PER_REQUEST,
  MAX_HEADER_MASKERS,
  MAX_NODES_RESPONSES,
  MAX_QUEUED_REQUESTS_PER_PEER,
  MAX_SESSIONS,
  type NodeAddress,
  type OutgoingRequest,
  pooledCryptoRandom,
  RANDOM_MESSAGE_SIZE,
  REQUEST_RETRIES,
  REQUEST_TIMEOUT_MS,
  type RequestFailure,
  type SessionInput,
  type SessionOutput,
  type SessionRandom,
  type SessionsConfig,
  type SocketAddr,
} from './types.js'

const sameAddr = (a: SocketAddr, b: SocketAddr): boolean => a.port === b.port && a.ip === b.ip

/**
 * Sessions with other nodes. Pure: feed {@link SessionInput}s with the time, act on the
 * returned {@link SessionOutput}s.
 */
export class Sessions {
  /** Our node id. */
  readonly localId: Uint8Array
  private enr: Enr
  private readonly privateKey: Uint8Array
  private readonly random: SessionRandom
  private readonly findEnr: (nodeId: Uint8Array) => Enr | undefined
  /** Round trips measured; sets how long each request waits. */
  private readonly rtt: RttEstimator
  private readonly handshakeTimeout: number
  private readonly retries: number
  /** Unmasks headers of packets to us. */
  private readonly masker: HeaderMasker
  /** BOUNDED: MAX_HEADER_MASKERS, LRU eviction. */
  private readonly maskers = new Lru<string, HeaderMasker>(MAX_HEADER_MASKERS)
  /** BOUNDED: maxSessions entries, LRU eviction. */
  private readonly sessions: Lru<string, Session>
  private readonly challenges: Challenges
  /** BOUNDED: at most MAX_ACTIVE_REQUESTS. */
  private readonly requests = new RequestTracker()
  /** BOUNDED: each entry has an initiator among the active requests. */
  private readonly handshakes = new Map<string, PendingHandshake>()

  constructor(cfg: SessionsConfig) {
    if (!isValidPrivateKey(cfg.privateKey)) throw new KeyError('invalid private key')
    this.privateKey = cfg.privateKey
    this.localId = nodeIdFromPublicKey(publicKeyCompressed(cfg.privateKey))
    if (!equalBytes(cfg.enr.nodeId, this.localId)) throw new RangeError('enr does not belong to the private key')
    this.enr = cfg.enr
    this.random = cfg.random ?? pooledCryptoRandom()
    this.challenges = new Challenges(this.random)
    this.masker = new HeaderMasker(this.localId)
    this.findEnr = cfg.findEnr ?? (() => undefined)
    this.sessions = new Lru(cfg.maxSessions ?? MAX_SESSIONS)
    const base = cfg.requestTimeoutMs ?? REQUEST_TIMEOUT_MS
    this.rtt = new RttEstimator(base, Math.max(base, cfg.maxRequestTimeoutMs ?? MAX_REQUEST_TIMEOUT_MS))
    this.handshakeTimeout = cfg.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS
    this.retries = cfg.retries ?? REQUEST_RETRIES
  }

  /** Replace our record (after an IP or port change); handshakes include it when peers hold an older seq. */
  setEnr(enr: Enr): void {
    if (!equalBytes(enr.nodeId, this.localId)) throw new RangeError('enr does not belong to this node')
    this.enr = enr
  }

  /** Sessions held. */
  get sessionCount(): number {
    return this.sessions.size
  }

  /** Requests outstanding (sent or queued). */
  get activeRequests(): number {
    return this.requests.size
  }

  /** How long a request sent now waits for its answer, ms (see {@link RttEstimator}). */
  get requestTimeout(): number {
    return this.rtt.timeout
  }

  /** True if we hold a session (confirmed or not) with this node at this endpoint. */
  hasSession(node: NodeAddress): boolean {
    return this.sessions.has(peerKey(node.nodeId, node.addr))
  }

  /** Earliest time `tick` has work to do, if any. */
  nextDeadline(): number | undefined {
    return this.requests.deadlines.next()
  }

  /**
   * A fresh 8-byte request id. The first byte is never zero, so peers that carry request ids as
   * integers (@chainsafe/discv5 11) mirror them back unchanged.
   */
  newRequestId(): Uint8Array {
    const id = this.random.bytes(MAX_REQUEST_ID_SIZE).slice(0, MAX_REQUEST_ID_SIZE)
    if (id[0] === 0) id[0] = 1
    return id
  }

  /** Process one input at time `now` (milliseconds, monotonic). */
  handle(input: SessionInput, now: number): SessionOutput[] {
    const out: SessionOutput[] = []
    switch (input.kind) {
      case 'send-request':
        this.sendRequest(input.request, now, out)
        break
      case 'send-response':
        this.sendResponse(input.to, input.msg, out)
        break
      case 'datagram':
        this.onDatagram(input.from, input.data, now, out)
        break
      case 'tick':
        for (const r of this.requests.deadlines.popExpired(now)) this.onTimeout(r, now, out)
        break
      default: {
        const never: never = input
        throw new Error(`BUG: unknown input ${(never as { kind: string }).kind}`)
      }
    }
    return out
  }

  // ---------- outgoing ----------

  private sendRequest(request: OutgoingRequest, now: number, out: SessionOutput[]): void {
    if (request.msg.reqId.length > MAX_REQUEST_ID_SIZE) throw new RangeError('request id over 8 bytes')
    let error: RequestFailure | undefined
    let r: ActiveRequest | undefined
    if (encodeMessage(request.msg).length > MAX_MESSAGE_PLAINTEXT) error = 'too-large'
    else if (this.requests.size >= MAX_ACTIVE_REQUESTS) error = 'too-many-requests'
    else {
      r = this.requests.add(request, peerKey(request.contact.nodeId, request.contact.addr))
      if (!r) error = 'duplicate-request-id'
    }
    if (r) this.route(r, now, out)
    else out.push({ kind: 'request-failed', request, error: error ?? 'duplicate-request-id' })
  }

  /** Queue behind a pending handshake with the peer, or send now. */
  private route(r: ActiveRequest, now: number, out: SessionOutput[]): void {
    const hs = this.handshakes.get(r.peer)
    if (!hs) this.dispatch(r, now, out)
    else if (hs.queue.length >= MAX_QUEUED_REQUESTS_PER_PEER) this.fail(r, 'queue-full', now, out)
    else {
      this.requests.requeue(r)
      hs.queue.push(r)
    }
  }

  /** Send over the session with the peer, or open a handshake with a random packet. */
  private dispatch(r: ActiveRequest, now: number, out: SessionOutput[]): void {
    const contact = r.request.contact
    const session = this.sessions.get(r.peer)
    const nonce = session ? sessionNonce(session, this.random) : this.random.bytes(NONCE_SIZE)
    let data: Uint8Array
    if (session) {
      const plaintext = encodeMessage(r.request.msg)
      data = encodePacket(
        contact.nodeId,
        { kind: 'message', srcId: this.localId, nonce, body: { key: session.writeKey, plaintext } },
        this.random.bytes(MASKING_IV_SIZE),
        this.maskerFor(r.peer, contact.nodeId),
      )
    } else {
      // discv5-theory.md step 1: no keys yet, so send random content and expect WHOAREYOU.
      if (!this.handshakes.has(r.peer)) this.handshakes.set(r.peer, { initiator: r, queue: [] })
      data = encodePacket(
        contact.nodeId,
        { kind: 'message', srcId: this.localId, nonce, body: { raw: this.random.bytes(RANDOM_MESSAGE_SIZE) } },
        this.random.bytes(MASKING_IV_SIZE),
      )
    }
    this.requests.sent(r, nonce, now, now + this.rtt.timeoutFor(r.peer))
    out.push({ kind: 'transmit', to: contact.addr, data })
  }

  /** The header masker for packets to `peer` (its node id is the masking key). */
  private maskerFor(peer: string, nodeId: Uint8Array): HeaderMasker {
    let m = this.maskers.get(peer)
    if (!m) {
      m = new HeaderMasker(nodeId)
      this.maskers.set(peer, m)
    }
    return m
  }

  private sendResponse(to: NodeAddress, msg: ResponseMessage, out: SessionOutput[]): void {
    const peer = peerKey(to.nodeId, to.addr)
    const session = this.sessions.get(peer)
    if (!session) {
      out.push({ kind: 'discarded', from: to.addr, reason: 'no-session', detail: msg.type })
      return
    }
    const plaintext = encodeMessage(msg)
    if (plaintext.length > MAX_MESSAGE_PLAINTEXT) {
      out.push({ kind: 'discarded', from: to.addr, reason: 'too-large', detail: msg.type })
      return
    }
    const nonce = sessionNonce(session, this.random)
    const data = encodePacket(
      to.nodeId,
      { kind: 'message', srcId: this.localId, nonce, body: { key: session.writeKey, plaintext } },
      this.random.bytes(MASKING_IV_SIZE),
      this.maskerFor(peer, to.nodeId),
    )
    out.push({ kind: 'transmit', to: to.addr, data })
  }

  private fail(r: ActiveRequest, error: RequestFailure, now: number, out: SessionOutput[]): void {
    this.requests.abandon(r)
    this.requests.remove(r)
    out.push({ kind: 'request-failed', request: r.request, error })
    const hs = this.handshakes.get(r.peer)
    if (!hs) return
    if (hs.initiator !== r) {
      const i = hs.queue.indexOf(r)
      if (i >= 0) hs.queue.splice(i, 1)
      return
    }
    // The handshake this request drove is over.
    this.handshakes.delete(r.peer)
    // An unconfirmed session stays: the peer may yet read our handshake late and answer with it.
    const peerGone = error === 'timeout' || error === 'bad-public-key'
    for (const q of hs.queue) {
      if (!this.requests.has(q)) continue
      if (peerGone) {
        this.requests.remove(q)
        out.push({ kind: 'request-failed', request: q.request, error: 'handshake-failed' })
      } else this.route(q, now, out)
    }
  }

  private onTimeout(r: ActiveRequest, now: number, out: SessionOutput[]): void {
    this.rtt.backOff(r.peer)
    // A partly answered FINDNODE is not re-sent: the caller already has some NODES.
    if (r.retries >= this.retries || r.nodesSeen > 0) this.fail(r, 'timeout', now, out)
    else {
      r.retries++
      this.dispatch(r, now, out)
    }
  }

  // ---------- incoming ----------

  private onDatagram(from: SocketAddr, data: Uint8Array, now: number, out: SessionOutput[]): void {
    const decoded = decodePacket(this.localId, data, this.masker)
    if (!decoded.ok) {
      if (isForeignPacket(decoded.error)) out.push({ kind: 'foreign', from, data })
      else out.push({ kind: 'discarded', from, reason: 'bad-packet', detail: decoded.error.code })
      return
    }
    const p = decoded.value
    if (p.kind === 'message') this.onMessage(from, p, now, out)
    else if (p.kind === 'whoareyou') this.onWhoareyou(from, p, now, out)
    else this.onHandshake(from, p, now, out)
  }

  private onMessage(from: SocketAddr, p: MessagePacket, now: number, out: SessionOutput[]): void {
    const peer = peerKey(p.srcId, from)
    const session = this.sessions.get(peer)
    const current = session && aesGcmDecrypt(session.readKey, p.nonce, p.message, p.messageAd)
    const plaintext =
      current ?? (session?.prevReadKey && aesGcmDecrypt(session.prevReadKey, p.nonce, p.message, p.messageAd))
    if (!session || !plaintext) {
      // A session whose keys do not open the packet: counted, then challenged (theory.md step 2).
      if (session) out.push({ kind: 'discarded', from, reason: 'decrypt-failed', detail: 'session message' })
      this.challenge(from, p, peer, now, out)
      return
    }
    if (current && !session.confirmed) {
      session.confirmed = true
      out.push({ kind: 'established', node: session.node, direction: 'out', ...(session.enr && { enr: session.enr }) })
      this.flushQueue(peer, now, out)
    }
    this.onPlaintext(peer, session.node, plaintext, now, out)
  }

  /** discv5-theory.md step 2: answer an undecryptable packet with WHOAREYOU (the same one while pending). */
  private challenge(from: SocketAddr, p: MessagePacket, peer: string, now: number, out: SessionOutput[]): void {
    // The handshake takes one round trip more than a request: while those run long, so does the challenge.
    const lifetime = Math.max(this.handshakeTimeout, 2 * this.rtt.timeoutFor(peer))
    const data = this.challenges.issue(peer, p.srcId, p.nonce, () => this.findEnr(p.srcId), now, lifetime)
    out.push({ kind: 'transmit', to: from, data })
  }

  /** discv5-theory.md step 3: answer a WHOAREYOU for one of our requests with a handshake packet. */
  private onWhoareyou(from: SocketAddr, w: WhoareyouPacket, now: number, out: SessionOutput[]): void {
    const own = this.requests.byPacketNonce(w.nonce)
    const r = own ?? this.heirOf(w.nonce)
    if (r?.state !== 'sent' || !sameAddr(r.request.contact.addr, from)) {
      out.push({ kind: 'discarded', from, reason: 'unsolicited-whoareyou' })
      return
    }
    this.rtt.answered(r.peer)
    // Karn's rule: only a request sent once gives a round trip that is surely its own.
    if (own && r.retries === 0 && r.handshakes === 0) this.rtt.sample(now - r.sentAt)
    // The same challenge again (our retry met the peer's pending one) gets the same answer, so
    // both sides keep one set of keys; a lost handshake is thereby sent again too.
    const last = r.lastHandshake
    const repeat = last !== undefined && equalBytes(last.challengeData, w.challengeData)
    if ((repeat ? r.resends : r.handshakes) >= MAX_HANDSHAKES_PER_REQUEST) {
      out.push({ kind: 'discarded', from, reason: 'unsolicited-whoareyou', detail: 'handshake limit of the request' })
      return
    }
    if (repeat) {
      r.resends++
      this.requests.sent(r, last.nonce, now, now + this.rtt.timeoutFor(r.peer))
      out.push({ kind: 'transmit', to: from, data: last.data })
      return
    }
    r.handshakes++
    const contact = r.request.contact
    const built = buildHandshake(this.identity(), contact, w, encodeMessage(r.request.msg), this.random)
    if (!built.ok) {
      this.fail(r, built.error, now, out)
      return
    }
    this.storeSession(r.peer, {
      writeKey: built.value.keys.initiatorKey,
      readKey: built.value.keys.recipientKey,
      counter: 0,
      confirmed: false,
      node: { nodeId: contact.nodeId, addr: contact.addr },
      ...(contact.enr && { enr: contact.enr }),
    })
    if (!this.handshakes.has(r.peer)) {
      // The peer lost our session: whatever else is in flight to it cannot be decrypted there.
      // discv5-theory.md "Handshake Implementation Considerations": re-send those after the handshake.
      this.handshakes.set(r.peer, { initiator: r, queue: this.requests.requeueOthers(r) })
    }
    r.lastHandshake = { challengeData: w.challengeData, data: built.value.data, nonce: built.value.nonce }
    this.requests.sent(r, built.value.nonce, now, now + this.rtt.timeoutFor(r.peer))
    out.push({ kind: 'transmit', to: from, data: built.value.data })
  }

  /**
   * The request that answers a challenge to an abandoned packet (`nonce`), which the peer repeats
   * to everything we send until it expires: the one opening a handshake with that peer, if it
   * has not met a challenge yet; with no handshake pending (the peer lost the session we write
   * with), the newest request in flight to it.
   */
  private heirOf(nonce: Uint8Array): ActiveRequest | undefined {
    const peer = this.requests.abandonedPeer(nonce)
    if (peer === undefined) return undefined
    const hs = this.handshakes.get(peer)
    if (hs) return hs.initiator.handshakes === 0 ? hs.initiator : undefined
    let newest: ActiveRequest | undefined
    for (const r of this.requests.forPeer(peer))
      if (r.state === 'sent' && r.handshakes === 0 && r.nodesSeen === 0 && (!newest || r.sentAt >= newest.sentAt))
        newest = r
    return newest
  }

  /** discv5-theory.md step 4: verify a handshake against our challenge and open the session. */
  private onHandshake(from: SocketAddr, p: HandshakePacket, now: number, out: SessionOutput[]): void {
    const peer = peerKey(p.srcId, from)
    const pending = this.challenges.pending(peer, now)
    if (pending.length === 0) {
      out.push({ kind: 'discarded', from, reason: 'unexpected-handshake' })
      return
    }
    let v = verifyHandshake(this.identity(), p, pending[0]!.challengeData, pending[0]!.enr)
    // Only the id-signature tells which challenge was answered; the older one costs a verify more.
    const older = pending[1]
    if (!v.ok && v.error.reason === 'bad-id-signature' && older)
      v = verifyHandshake(this.identity(), p, older.challengeData, older.enr)
    if (!v.ok) {
      out.push({ kind: 'discarded', from, ...v.error })
      return
    }
    const { keys, enr, plaintext } = v.value
    this.challenges.delete(peer)
    const node = { nodeId: p.srcId.slice(), addr: from }
    this.storeSession(peer, {
      writeKey: keys.recipientKey,
      readKey: keys.initiatorKey,
      counter: 0,
      confirmed: true,
      node,
      enr,
    })
    out.push({ kind: 'established', node, direction: 'in', enr })
    this.adoptInboundSession(peer, now, out)
    this.onPlaintext(peer, node, plaintext, now, out)
  }

  private storeSession(peer: string, session: Session): void {
    const replaced = this.sessions.peek(peer)
    if (replaced) session.prevReadKey = replaced.readKey
    this.sessions.set(peer, session)
  }

  private identity(): LocalIdentity {
    return { privateKey: this.privateKey, nodeId: this.localId, enr: this.enr }
  }

  /**
   * Both sides started a handshake at once and the peer's finished first: send our waiting
   * requests over its session instead of finishing ours.
   */
  private adoptInboundSession(peer: string, now: number, out: SessionOutput[]): void {
    const hs = this.handshakes.get(peer)
    if (!hs || hs.initiator.handshakes > 0) return
    this.requests.forgetNonces(hs.initiator)
    this.handshakes.delete(peer)
    this.dispatch(hs.initiator, now, out)
    for (const q of hs.queue) if (this.requests.has(q)) this.route(q, now, out)
  }

  /** The peer answered our handshake: send what waited for it. */
  private flushQueue(peer: string, now: number, out: SessionOutput[]): void {
    const hs = this.handshakes.get(peer)
    if (!hs) return
    this.handshakes.delete(peer)
    for (const q of hs.queue) if (this.requests.has(q)) this.route(q, now, out)
  }

  private onPlaintext(peer: string, from: NodeAddress, plaintext: Uint8Array, now: number, out: SessionOutput[]): void {
    const decoded = decodeMessage(plaintext)
    if (!decoded.ok) {
      out.push({ kind: 'discarded', from: from.addr, reason: 'bad-message', detail: decoded.error.code })
      return
    }
    const msg = decoded.value
    if (isRequest(msg)) {
      out.push({ kind: 'request', from, msg })
      return
    }
    if (msg.type !== 'PONG' && msg.type !== 'NODES' && msg.type !== 'TALKRESP') {
      out.push({ kind: 'discarded', from: from.addr, reason: 'unsupported-message', detail: msg.type })
      return
    }
    const r = this.requests.get(peer, msg.reqId)
    if (!r || responseTypeOf(r.request.msg.type) !== msg.type) {
      out.push({ kind: 'discarded', from: from.addr, reason: 'unsolicited-response', detail: msg.type })
      return
    }
    this.rtt.answered(peer)
    // TALKRESP waits for the application, so only PONG and the first NODES time the round trip.
    if (r.retries === 0 && r.resends === 0 && r.nodesSeen === 0 && msg.type !== 'TALKRESP')
      this.rtt.sample(now - r.sentAt)
    if (msg.type === 'NODES') {
      if (r.nodesSeen === 0) r.nodesExpected = Math.min(Math.max(msg.total, 1), MAX_NODES_RESPONSES)
      r.nodesSeen++
    }
    const done = r.nodesSeen >= r.nodesExpected || msg.type !== 'NODES'
    if (done) this.complete(r, now, out)
    else this.requests.deadlines.set(r, now + this.rtt.timeoutFor(r.peer))
    out.push({ kind: 'response', request: r.request, from, msg, done })
  }

  private complete(r: ActiveRequest, now: number, out: SessionOutput[]): void {
    this.requests.remove(r)
    const hs = this.handshakes.get(r.peer)
    if (hs && hs.initiator !== r) {
      const i = hs.queue.indexOf(r)
      if (i >= 0) hs.queue.splice(i, 1)
    } else if (hs) this.flushQueue(r.peer, now, out)
  }
}

/**
 * Node Discovery v5 service (layer 4): feeds datagrams to the session machine, answers PING,
 * FINDNODE and TALKREQ, runs our requests, lookups, the random-node iterator, revalidation,
 * refresh and ENR auto-update, all on an injected clock with ONE timer.
 *
 * The UDP socket belongs to the caller, so one port can serve discv5 and discv4: hand every
 * datagram to {@link Discv5Service.handle} (it returns false for anything that is not discv5,
 * which then goes to discv4), and give the service a `send` function.
 * Spec: devp2p discv5/discv5.md. Sessions: ./session/; codec: ./wire/; answers: ./findnode.ts,
 * ./talk.ts; record checks: ./node.ts; requests: ./pending.ts; lookups: ./lookups.ts.
 * @module
 */
import { setMaxListeners } from 'node:events'
import { RateLimiter } from '../discv4/ratelimit.js'
import type { Enr } from '../enr/index.js'
import { cryptoRandom, PING_INTERVAL_MS, type Random, REFRESH_INTERVAL_MS, RoutingTable } from '../kademlia/index.js'
import { noopMetrics } from '../metrics/registry.js'
import { raceSignal } from '../util/abort.js'
import { equalBytes } from '../util/bytes.js'
import { type Clock, systemClock, type Timer } from '../util/clock.js'
import { Discv5Error } from './errors.js'
import { answerFindnode, MAX_FINDNODE_DISTANCES } from './findnode.js'
import { ipInfo } from './ipinfo.js'
import { Liveness, type LivenessHost } from './liveness.js'
import {
  JOINING_RANDOM_LOOKUPS,
  LOOKUP_PATIENCE_RTO,
  type LookupHost,
  Lookups,
  REFRESH_RANDOM_LOOKUPS,
  RefreshSchedule,
} from './lookups.js'
import { type ServiceMetrics, serviceMetrics } from './metrics.js'
import { contactOf, type Discv5Node, type IpMode, nodeFromEnr, verifyNodesRecords } from './node.js'
import { type Discv5Options, FAILURE_CODE, type PongInfo, type RequestOptions } from './options.js'
import { type Waiter, Waiters } from './pending.js'
import { RecordBook } from './records.js'
import {
  type NodeAddress,
  type OutgoingRequest,
  type RequestFailure,
  type SessionInput,
  type SessionOutput,
  Sessions,
  type SocketAddr,
} from './session/index.js'
import { protocolBytes, type TalkHandler, TalkRegistry } from './talk.js'
import { AddrVotes, enrChanges } from './votes.js'
import {
  HeaderMasker,
  MAX_PACKET_SIZE,
  MIN_PACKET_SIZE,
  PROTOCOL_ID,
  packNodes,
  type RequestMessage,
  type ResponseMessage,
} from './wire/index.js'

/** The discv5 protocol endpoint. */
export class Discv5Service {
  readonly table: RoutingTable<Discv5Node>
  readonly sessions: Sessions
  readonly localId: Uint8Array
  readonly clock: Clock
  /** Datagrams, messages and records dropped, by reason (bounded by the code's reasons). */
  readonly dropped = new Map<string, number>()
  /** Lookups, the random-node iterator and resolve. */
  readonly lookups: Lookups
  private current: Enr
  private readonly mode: IpMode
  private readonly random: Random
  private readonly limiter: RateLimiter | undefined
  private readonly masker: HeaderMasker
  private readonly waiters = new Waiters()
  /** FINDNODE exchanges in flight by node, record seq and distances. BOUNDED: by the active requests. */
  private readonly findNodes = new Map<string, Promise<readonly Enr[]>>()
  private readonly talk: TalkRegistry
  private readonly votes: AddrVotes | undefined
  private readonly m: ServiceMetrics
  private readonly book: RecordBook
  private readonly closing = new AbortController()
  private timer: Timer | undefined
  private timerAt = Number.POSITIVE_INFINITY
  private refreshAt = Number.POSITIVE_INFINITY
  private readonly refreshPlan: RefreshSchedule
  private refreshing: Promise<void> | undefined
  private readonly liveness: Liveness

  constructor(private readonly opts: Discv5Options) {
    // Every request in flight listens on it (at most MAX_ACTIVE_REQUESTS): not a leak.
    setMaxListeners(0, this.closing.signal)
    this.clock = opts.clock ?? systemClock
    this.random = opts.random ?? cryptoRandom
    this.mode = opts.ipMode ?? 'dual'
    this.current = opts.enr
    this.sessions = new Sessions({
      privateKey: opts.privateKey,
      enr: opts.enr,
      findEnr: (id) => this.recordOf(id),
      ...(opts.random && { random: opts.random }),
      ...(opts.requestTimeoutMs !== undefined && { requestTimeoutMs: opts.requestTimeoutMs }),
      ...(opts.maxRequestTimeoutMs !== undefined && { maxRequestTimeoutMs: opts.maxRequestTimeoutMs }),
    })
    this.localId = opts.enr.nodeId
    this.masker = new HeaderMasker(this.localId)
    this.table = new RoutingTable<Discv5Node>({
      localId: this.localId,
      random: this.random,
      ipLimits: opts.ipLimits,
      pingIntervalMs: opts.pingIntervalMs ?? PING_INTERVAL_MS,
    })
    this.limiter = opts.rateLimit === false ? undefined : new RateLimiter(opts.rateLimit, this.clock.now())
    this.talk = new TalkRegistry(this.clock)
    this.votes = opts.enrAutoUpdate === false ? undefined : new AddrVotes(opts.addrVotes)
    this.m = serviceMetrics(opts.metrics ?? noopMetrics)
    this.book = new RecordBook(this.table, (enr) => this.requestEnr(enr))
    const host: LookupHost & LivenessHost = {
      closed: () => this.closed,
      ping: (enr) => this.ping(enr),
      clock: this.clock,
      random: this.random,
      localId: this.localId,
      table: this.table,
      closing: this.closing.signal,
      mode: this.mode,
      bootnodes: () => this.bootnodes(),
      findNode: (enr, distances) => this.findNodeExchange(enr, distances),
      queryPatienceMs: () => LOOKUP_PATIENCE_RTO * this.sessions.requestTimeout,
      requestEnr: (enr, signal) => this.requestEnr(enr, { signal }),
      recordOf: (id) => this.recordOf(id),
      tableChanged: () => this.tableChanged(),
    }
    this.lookups = new Lookups(host)
    this.liveness = new Liveness(host)
    this.refreshPlan = new RefreshSchedule(opts.refreshIntervalMs ?? REFRESH_INTERVAL_MS, this.random)
  }

  /** Our current record. */
  get enr(): Enr {
    return this.current
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.closing.signal.aborted
  }

  /** Seed the table with the bootnodes, start revalidation and (unless disabled) the refresh loop. */
  start(): void {
    this.seed()
    if (this.opts.refresh !== false) this.refreshAt = this.clock.now()
    this.arm()
  }

  /** Replace our record (e.g. a new TCP port); it must belong to our key and have a higher seq. */
  setEnr(enr: Enr): void {
    if (!equalBytes(enr.nodeId, this.localId)) throw new RangeError('record does not belong to this node')
    if (enr.seq <= this.current.seq) throw new RangeError('record seq must grow')
    this.current = enr
    this.sessions.setEnr(enr)
    this.m.enrUpdates.inc()
    this.opts.onEnrChange?.(enr)
  }

  /** Answer TALKREQs of `protocol` with `handler` (replacing any earlier one). */
  registerTalkProtocol(protocol: string | Uint8Array, handler: TalkHandler): void {
    this.talk.register(protocol, handler)
  }

  /** Stop answering `protocol` (TALKREQs for it then get an empty TALKRESP). */
  unregisterTalkProtocol(protocol: string | Uint8Array): void {
    this.talk.unregister(protocol)
  }

  /**
   * Take one datagram from the shared socket. Returns false when it is not discv5 (its header
   * does not unmask to "discv5"), so the caller can hand it to discv4; true when it was ours,
   * whether processed or dropped.
   */
  handle(data: Uint8Array, from: SocketAddr): boolean {
    if (!this.isDiscv5(data)) {
      this.m.foreign.inc()
      return false
    }
    if (this.closed) return true
    const info = ipInfo(from.ip)
    if (!info) return this.drop('bad-address')
    const ip = info.text
    const now = this.clock.now()
    // Loopback senders are local processes: each port gets its own per-IP bucket.
    const verdict = this.limiter?.admit(info.cls === 'loopback' ? `${ip}:${from.port}` : ip, now) ?? 'ok'
    if (verdict !== 'ok') return this.drop(verdict)
    const outs = this.sessions.handle({ kind: 'datagram', from: { ip, port: from.port }, data }, now)
    const mine = !outs.some((o) => o.kind === 'foreign')
    this.apply(outs, now)
    this.arm()
    return mine
  }

  /** Cheap pre-check (one AES block): does the masked header start with "discv5"? */
  private isDiscv5(data: Uint8Array): boolean {
    if (data.length < MIN_PACKET_SIZE || data.length > MAX_PACKET_SIZE) return false
    const id = this.masker.apply(data.subarray(0, 16), data.subarray(16, 16 + PROTOCOL_ID.length))
    return equalBytes(id, PROTOCOL_ID)
  }

  private drop(reason: string): true {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1)
    this.m.dropped.inc({ reason })
    return true
  }

  private input(input: SessionInput, now = this.clock.now()): void {
    this.apply(this.sessions.handle(input, now), now)
  }

  private apply(outs: SessionOutput[], now: number): void {
    for (const o of outs) {
      switch (o.kind) {
        case 'transmit':
          this.opts.send(o.data, o.to)
          break
        case 'established':
          this.onEstablished(o.node, o.direction, o.enr, now)
          break
        case 'request':
          this.m.received.inc({ kind: o.msg.type })
          this.onRequest(o.from, o.msg)
          break
        case 'response':
          this.m.received.inc({ kind: o.msg.type })
          this.onResponse(o, now)
          break
        case 'request-failed':
          this.onRequestFailed(o.request, o.error)
          break
        case 'foreign':
          break
        case 'discarded':
          this.drop(o.reason)
          break
        default: {
          const never: never = o
          throw new Error(`BUG: unknown output ${(never as { kind: string }).kind}`)
        }
      }
    }
  }

  private onEstablished(node: NodeAddress, direction: 'in' | 'out', enr: Enr | undefined, now: number): void {
    this.m.sessions.set(this.sessions.sessionCount)
    if (!enr) return
    this.book.remember(enr)
    if (direction !== 'in') return
    // Only a node whose record points at where it talks from goes into the table (sigp does the
    // same). Its handshake answered the WHOAREYOU we sent to that endpoint, signing our random
    // id-nonce: it is live there, as surely as if it had answered a PING, so it is relayable at
    // once (go-ethereum adds it unverified and PINGs it first: a round trip more per joiner).
    const n = nodeFromEnr(enr, this.mode)
    if (n && n.ip === node.addr.ip && n.udp === node.addr.port) {
      this.table.addVerified(n, now)
      this.tableChanged()
    }
  }

  private respond(to: NodeAddress, msg: ResponseMessage): void {
    if (this.closed) return
    this.input({ kind: 'send-response', to, msg })
  }

  private onRequest(from: NodeAddress, msg: RequestMessage): void {
    switch (msg.type) {
      case 'PING':
        this.respond(from, { type: 'PONG', reqId: msg.reqId, enrSeq: this.current.seq, ...from.addr })
        if (!this.closed) this.book.fetchIfNewer(from.nodeId, msg.enrSeq)
        return
      case 'FINDNODE': {
        const max = this.opts.maxFindnodeDistances ?? MAX_FINDNODE_DISTANCES
        const a = answerFindnode(this.table, this.current, msg.distances, from.addr.ip, max)
        if (a.kind === 'refused') this.drop(a.reason)
        const records = a.kind === 'nodes' ? a.records.map((e) => e.encode()) : []
        for (const nodes of packNodes(msg.reqId, records)) this.respond(from, nodes)
        return
      }
      case 'TALKREQ': {
        const enr = this.recordOf(from.nodeId)
        const sender = enr ? { ...from, enr } : from
        const r = this.talk.handle(msg.protocol, msg.request, sender, (response) => {
          this.respond(from, { type: 'TALKRESP', reqId: msg.reqId, response })
          this.arm()
        })
        if (r !== 'ok') this.drop(r === 'busy' ? 'talk-busy' : 'talk-unknown-protocol')
        return
      }
    }
  }

  private onResponse(o: Extract<SessionOutput, { kind: 'response' }>, now: number): void {
    const { request, from, msg, done } = o
    const w = this.waiters.get(request)
    const enr = request.contact.enr
    const node = enr && nodeFromEnr(enr, this.mode)
    if (node && node.ip === from.addr.ip && node.udp === from.addr.port) {
      this.table.addVerified(node, now)
      this.tableChanged()
    }
    switch (msg.type) {
      case 'PONG': {
        const stale = node && this.table.revalidation.onPong(node.id, now, msg.enrSeq).recordStale
        if (node && stale && !this.closed) this.book.fetchIfNewer(node.id, msg.enrSeq)
        this.vote(from.addr.ip, { ip: msg.ip, port: msg.port }, now)
        if (w) this.settle(w, 'PING', { enrSeq: msg.enrSeq, ip: msg.ip, port: msg.port, rttMs: now - w.started })
        return
      }
      case 'NODES': {
        if (request.msg.type !== 'FINDNODE') return
        const seen = w?.seen ?? new Set<string>()
        const { accepted, rejected } = verifyNodesRecords(msg.enrs, {
          sender: from.nodeId,
          senderIp: from.addr.ip,
          distances: request.msg.distances,
          mode: this.mode,
          seen,
          decode: (raw) => this.book.cache.decode(raw),
        })
        for (const r of rejected) this.drop(`record-${r}`)
        for (const e of accepted) this.book.remember(e)
        if (!w) return
        w.found.push(...accepted)
        if (done) this.settle(w, 'FINDNODE', w.found)
        return
      }
      case 'TALKRESP':
        if (w) this.settle(w, 'TALKREQ', msg.response)
        return
    }
  }

  private settle(w: Waiter, kind: string, v: unknown): void {
    this.m.requests.inc({ kind, outcome: 'ok' })
    this.waiters.settle(w, v)
  }

  private onRequestFailed(request: OutgoingRequest, error: RequestFailure): void {
    const w = this.waiters.get(request)
    const kind = request.msg.type
    this.m.requests.inc({ kind, outcome: error })
    if (!w) return
    // A FINDNODE answered by some of its NODES packets ends with what arrived.
    if (kind === 'FINDNODE' && error === 'timeout' && w.found.length > 0) this.waiters.settle(w, w.found)
    else this.waiters.fail(w, new Discv5Error(FAILURE_CODE[error], `${kind} to ${request.contact.addr.ip}`))
  }

  private request<T>(enr: Enr, msg: RequestMessage, signal?: AbortSignal): Promise<T> {
    if (this.closed) return Promise.reject(new Discv5Error('CLOSED'))
    if (signal?.aborted) return Promise.reject(signal.reason)
    const contact = contactOf(enr, this.mode)
    if (!contact) return Promise.reject(new Discv5Error('NO_ENDPOINT', 'record has no reachable UDP endpoint'))
    const request: OutgoingRequest = { contact, msg }
    const now = this.clock.now()
    const p = this.waiters.start<T>(request, now, signal)
    this.input({ kind: 'send-request', request }, now)
    this.arm()
    return p
  }

  /** PING the node of `enr`; resolves with its PONG, rejects with a {@link Discv5Error}. */
  ping(enr: Enr, options: RequestOptions = {}): Promise<PongInfo> {
    const msg = { type: 'PING' as const, reqId: this.sessions.newRequestId(), enrSeq: this.current.seq }
    return this.request<PongInfo>(enr, msg, options.signal)
  }

  /**
   * FINDNODE for `distances` at the node of `enr`: resolves with the records that passed the
   * checks (signature, distance, endpoint, relay address), at most 16, from at most 5 NODES packets.
   */
  findNode(enr: Enr, distances: number[], options: RequestOptions = {}): Promise<Enr[]> {
    return raceSignal(this.findNodeExchange(enr, distances), options.signal).then((found) => found.slice())
  }

  /**
   * The FINDNODE exchange with the node of `enr`, which runs to its answer or its own timeout
   * whoever waits for it. Identical queries in flight share one exchange: a lookup and the
   * refresh (or two lookups for one target) ask the same node the same thing, and a joining
   * network asks its bootnode. The array is shared: callers copy it.
   */
  private findNodeExchange(enr: Enr, distances: number[]): Promise<readonly Enr[]> {
    const key = `${enr.nodeIdHex}|${enr.seq}|${distances.join(',')}`
    let shared = this.findNodes.get(key)
    if (!shared) {
      const msg = { type: 'FINDNODE' as const, reqId: this.sessions.newRequestId(), distances }
      shared = this.request<Enr[]>(enr, msg).finally(() => this.findNodes.delete(key))
      this.findNodes.set(key, shared)
    }
    return shared
  }

  /** TALKREQ: resolves with the TALKRESP payload (empty when the node does not know `protocol`). */
  talkReq(enr: Enr, protocol: string | Uint8Array, request: Uint8Array, options: RequestOptions = {}) {
    const msg = {
      type: 'TALKREQ' as const,
      reqId: this.sessions.newRequestId(),
      protocol: protocolBytes(protocol),
      request,
    }
    return this.request<Uint8Array>(enr, msg, options.signal)
  }

  /**
   * The node's current record, asked of the node itself (FINDNODE distance 0). A newer record
   * than the table's replaces it there.
   */
  async requestEnr(enr: Enr, options: RequestOptions = {}): Promise<Enr> {
    const got = (await this.findNode(enr, [0], options))[0]
    if (!got) throw new Discv5Error('BAD_RESPONSE', 'no record in the answer to FINDNODE [0]')
    this.book.remember(got)
    const n = nodeFromEnr(got, this.mode)
    if (n) {
      this.table.update(n, this.clock.now())
      this.tableChanged()
    }
    return got
  }

  /** Iterative lookup (α = 3, 3 distances per FINDNODE, 16 results) for `target` (random when omitted). */
  lookup(target?: Uint8Array, options: RequestOptions = {}): Promise<Enr[]> {
    return this.lookups.lookup(target, options.signal)
  }

  /** The newest record of a node, by id or record: see {@link Lookups.resolve}. */
  resolve(target: Uint8Array | Enr, options: RequestOptions = {}): Promise<Enr | undefined> {
    return this.lookups.resolve(target, options.signal)
  }

  /** Records found by random lookups, pulled one at a time; ends on `signal` or close. */
  randomNodes(options: RequestOptions = {}) {
    return this.lookups.randomNodes(options.signal)
  }

  /** The newest record we hold for a node id (table, then recently met nodes). */
  recordOf(id: Uint8Array): Enr | undefined {
    return this.book.newest(id)
  }

  private vote(voter: string, seen: SocketAddr, now: number): void {
    const p = this.votes?.add(voter, seen, now)
    const changes = p && !this.closed ? enrChanges(this.current, p) : undefined
    if (changes) this.setEnr(this.current.update(this.opts.privateKey, changes))
  }

  private bootnodes(): Discv5Node[] {
    const out: Discv5Node[] = []
    for (const b of this.opts.bootnodes ?? []) {
      const n = nodeFromEnr(b, this.mode)
      if (n) out.push(n)
    }
    return out
  }

  private seed(): void {
    const now = this.clock.now()
    for (const n of this.bootnodes()) this.table.addSeen(n, now)
    this.tableChanged()
  }

  private tableChanged(): void {
    this.m.table.set(this.table.size)
    this.arm()
  }

  private arm(): void {
    if (this.closed) return
    const at = Math.min(
      this.sessions.nextDeadline() ?? Number.POSITIVE_INFINITY,
      this.table.revalidation.nextTime(),
      this.refreshAt,
    )
    if (!Number.isFinite(at) || at >= this.timerAt) return
    this.timer?.cancel()
    this.timerAt = at
    this.timer = this.clock.setTimer(Math.max(0, at - this.clock.now()), () => this.onTimer())
  }

  private onTimer(): void {
    this.timer = undefined
    this.timerAt = Number.POSITIVE_INFINITY
    if (this.closed) return
    const now = this.clock.now()
    this.input({ kind: 'tick' }, now)
    this.liveness.revalidate(now)
    if (now >= this.refreshAt) {
      this.refreshAt = Number.POSITIVE_INFINITY
      void this.refresh().finally(() => this.scheduleRefresh())
    }
    this.arm()
  }

  private scheduleRefresh(): void {
    if (this.closed) return
    this.refreshAt = this.clock.now() + this.refreshPlan.nextDelay()
    this.arm()
  }

  /** One table refresh: seed, a self lookup, then 3 random ones (go-ethereum `doRefresh`; 1 while joining). */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      this.seed()
      await this.lookups.refresh(this.refreshPlan.joining ? JOINING_RANDOM_LOOKUPS : REFRESH_RANDOM_LOOKUPS)
    })().finally(() => {
      this.refreshing = undefined
    })
    return this.refreshing
  }

  /** Stop the timer, fail pending requests with CLOSED, end lookups and iterators. Sends nothing more. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closing.abort(new Discv5Error('CLOSED'))
    this.timer?.cancel()
    this.timer = undefined
    this.talk.close()
    this.waiters.close()
    await this.refreshing?.catch(() => {})
  }
}

/**
 * Node Discovery v4 service (layer 4): turns datagrams into table updates and answers, and runs
 * PING, FINDNODE, ENRREQUEST, lookups, the random-node iterator, refresh and revalidation on an
 * injected clock.
 *
 * The UDP socket belongs to the caller, so one port can serve discv4 and discv5: hand every
 * datagram to {@link Discv4Service.handle} (it returns false for anything not shaped like discv4,
 * which then goes to discv5), and give the service a `send` function. Spec: devp2p discv4.md,
 * EIP-868. Rules: ./core.ts; codec: ./wire/; requests: ./pending.ts; iterator: ./iterator.ts;
 * verified nodes (the node database): ./known.ts; options: ./options.ts.
 * @module
 */
import { keccak256, publicKey64 } from '../crypto/index.js'
import type { Enr } from '../enr/index.js'
import {
  BUCKET_SIZE,
  cryptoRandom,
  Lookup,
  type Random,
  REFRESH_INTERVAL_MS,
  RoutingTable,
  runLookup,
} from '../kademlia/index.js'
import { type Counter, type Gauge, noopMetrics } from '../metrics/registry.js'
import { linkedSignal } from '../util/abort.js'
import { equalBytes, toHex } from '../util/bytes.js'
import { type Clock, systemClock, type Timer } from '../util/clock.js'
import { Discv4Core } from './core.js'
import { Discv4Error } from './errors.js'
import { RandomNodes } from './iterator.js'
import { KnownNodes } from './known.js'
import { canonicalIp, type Discv4Node, isLanText, nodeFromNeighbor, type SocketAddr, withRecord } from './node.js'
import {
  type Discv4Options,
  KNOWN_SEEDS,
  MAX_RECORD_FETCHES,
  type PongInfo,
  REFRESH_RANDOM_LOOKUPS,
  REFRESH_RETRY_MS,
  type RequestOptions,
} from './options.js'
import { PendingRequests, type Waiter } from './pending.js'
import { RateLimiter } from './ratelimit.js'
import { verifyRecord } from './record.js'
import { RESPONSE_TIMEOUT_MS, type ReplyKind } from './replies.js'
import {
  type DecodedPacket,
  DISCV4_VERSION,
  decodePacket,
  encodeNeighbors,
  encodePacket,
  expirationFrom,
  isDiscv4Shaped,
  type NeighborNode,
  type Packet,
} from './wire/index.js'

/** decodePacket options in {@link Discv4Service.handle}, which tested the hash already. */
const HASH_CHECKED = { hashChecked: true } as const

/** The discv4 protocol endpoint. */
export class Discv4Service {
  readonly table: RoutingTable<Discv4Node>
  readonly localId: Uint8Array
  readonly core = new Discv4Core<Waiter>()
  /** Datagrams dropped, by reason (bounded by the code's reasons). */
  readonly dropped = new Map<string, number>()
  readonly clock: Clock
  private readonly unixTime: () => number
  private readonly random: Random
  private readonly limiter: RateLimiter | undefined
  private readonly pending: PendingRequests
  private readonly droppedCounter: Counter
  private readonly receivedCounter: Counter
  private readonly tableGauge: Gauge
  /** BOUNDED: MAX_RECORD_FETCHES node ids (hex). */
  private readonly fetching = new Set<string>()
  /** Nodes that answered our PING (BOUNDED: MAX_KNOWN_NODES, LRU). */
  private readonly store = new KnownNodes()
  private readonly closing = new AbortController()
  private revalTimer: Timer | undefined
  private revalTimerAt = Number.POSITIVE_INFINITY
  private refreshTimer: Timer | undefined
  private refreshing: Promise<void> | undefined

  constructor(private readonly opts: Discv4Options) {
    this.clock = opts.clock ?? systemClock
    this.unixTime = opts.unixTime ?? (() => Date.now() / 1000)
    this.random = opts.random ?? cryptoRandom
    this.localId = keccak256(publicKey64(opts.privateKey))
    this.table = new RoutingTable<Discv4Node>({ localId: this.localId, random: this.random, ipLimits: opts.ipLimits })
    this.limiter = opts.rateLimit === false ? undefined : new RateLimiter(opts.rateLimit, this.clock.now())
    this.pending = new PendingRequests(this.clock, this.core.replies, RESPONSE_TIMEOUT_MS)
    const metrics = opts.metrics ?? noopMetrics
    this.droppedCounter = metrics.counter('discv4_dropped_total', 'discv4 datagrams dropped, by reason')
    this.receivedCounter = metrics.counter('discv4_received_total', 'discv4 packets accepted, by kind')
    this.tableGauge = metrics.gauge('discv4_table_nodes', 'discv4 routing table members')
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.closing.signal.aborted
  }

  /** Seed the table with the bootnodes, start revalidation and the refresh (at once, then periodically). */
  start(): void {
    this.seed()
    this.scheduleRevalidation()
    this.scheduleRefresh(0)
  }

  /**
   * Take one datagram from the shared socket. Returns false when it is not shaped like discv4
   * (hash ≠ keccak256 of the rest), so the caller can hand it to discv5; true when it was ours,
   * whether processed or dropped.
   */
  handle(data: Uint8Array, from: SocketAddr): boolean {
    if (!isDiscv4Shaped(data)) return false
    if (this.closed) return true
    const ip = canonicalIp(from.ip)
    if (!ip) return this.drop('bad-address')
    const now = this.clock.now()
    const verdict = this.limiter?.admit(ip, now) ?? 'ok'
    if (verdict !== 'ok') return this.drop(verdict)
    const r = decodePacket(data, this.unixTime(), HASH_CHECKED)
    if (!r.ok) return this.drop(r.error.code)
    const d = r.value
    if (equalBytes(d.fromId, this.localId)) return this.drop('self')
    this.receivedCounter.inc({ kind: d.packet.kind })
    this.dispatch(d, toHex(d.fromId), ip, from.port, now)
    return true
  }

  private drop(reason: string): true {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1)
    this.droppedCounter.inc({ reason })
    return true
  }

  private dispatch(d: DecodedPacket, key: string, ip: string, port: number, now: number): void {
    const out = this.core.receive(d, key, ip, now)
    const to = { ip, port }
    const p = d.packet
    switch (out.kind) {
      case 'answer-ping': {
        if (p.kind !== 'ping') return
        const expiration = expirationFrom(this.unixTime())
        this.sendPacket(
          { kind: 'pong', to: { ip, udp: port, tcp: p.from.tcp }, replyToken: d.hash, expiration, ...this.seq() },
          to,
        )
        const node = this.current({ id: d.fromId, publicKey: d.fromKey, ip, udp: port, tcp: p.from.tcp })
        if (out.pingBack) {
          void this.ping(node).catch(() => {})
        } else if (this.core.proofs.verified(key, ip, now)) {
          this.table.addVerified(node, now)
          this.tableChanged()
          this.maybeFetchRecord(node, p.enrSeq)
        }
        this.pending.pingReceived(key)
        return
      }
      case 'answer-findnode': {
        const relayLan = isLanText(ip)
        const nodes: NeighborNode[] = []
        for (const n of this.table.closest(keccak256(out.target), BUCKET_SIZE, { liveOnly: true })) {
          if (relayLan || !isLanText(n.ip)) nodes.push({ ip: n.ip, udp: n.udp, tcp: n.tcp, publicKey: n.publicKey })
        }
        for (const b of encodeNeighbors(this.opts.privateKey, nodes, expirationFrom(this.unixTime())))
          this.opts.send(b, to)
        return
      }
      case 'answer-enrrequest': {
        const record = this.opts.record?.()
        if (!record) {
          this.drop('no-record')
          return
        }
        this.sendPacket({ kind: 'enrresponse', replyToken: d.hash, record }, to)
        return
      }
      case 'drop':
        this.drop(out.reason)
        if (out.reason === 'late-pong') this.lateProof(d, ip, port, now)
        return
      case 'reply':
        this.onReply(out.pending.ctx, out.done, out.nodes, d, ip, now)
        return
    }
  }

  private onReply(w: Waiter, done: boolean, found: NeighborNode[], d: DecodedPacket, ip: string, now: number): void {
    const p = d.packet
    if (p.kind === 'pong') {
      const node = this.current(w.node)
      this.store.add(node, now, p.enrSeq)
      this.table.addVerified(node, now)
      const outcome = this.table.revalidation.onPong(node.id, now, p.enrSeq)
      this.tableChanged()
      if (outcome.recordStale) this.maybeFetchRecord(node, p.enrSeq)
      this.pending.settle(w, p.enrSeq === undefined ? { to: p.to } : { to: p.to, enrSeq: p.enrSeq })
    } else if (p.kind === 'neighbors') {
      const relayLan = isLanText(ip)
      for (const n of found) {
        const node = nodeFromNeighbor(n, relayLan)
        if (node && !equalBytes(node.id, this.localId)) w.nodes.push(node)
      }
      if (done) this.pending.settle(w, w.nodes)
    } else if (p.kind === 'enrresponse') {
      const r = verifyRecord(p.record, d.fromKey)
      if (r.ok) this.pending.settle(w, r.value)
      else this.pending.fail(w, r.error)
    }
  }

  /** The table's (else the store's) copy of `n` when its endpoint is unchanged (it may carry a fetched record), else `n`. */
  private current(n: Discv4Node): Discv4Node {
    const cur = this.table.get(n.id) ?? this.store.get(n.id, this.clock.now())?.node
    return cur && cur.ip === n.ip && cur.udp === n.udp ? cur : n
  }

  /** A PONG echoing a PING of ours that had timed out still proves its sender: it is known. */
  private lateProof(d: DecodedPacket, ip: string, port: number, now: number): void {
    const tcp = (this.table.get(d.fromId) ?? this.store.get(d.fromId, now)?.node)?.tcp ?? port
    const pong = d.packet.kind === 'pong' ? d.packet : undefined
    this.store.add(this.current({ id: d.fromId, publicKey: d.fromKey, ip, udp: port, tcp }), now, pong?.enrSeq)
  }

  /** Nodes that answered one of our PINGs within the last 24 h (our node database, ./known.ts). */
  get knownNodes(): number {
    return this.store.size(this.clock.now())
  }

  /**
   * The nodes behind {@link knownNodes}, most recently verified first, at the endpoint that
   * answered and with the newest record we fetched. Many are not in the table: a bucket holds 16.
   */
  known(): Discv4Node[] {
    return this.store.values(this.clock.now()).map((e) => e.node)
  }

  /** Fetch `node`'s record when it announced a newer one than the table holds (EIP-868). */
  private maybeFetchRecord(node: Discv4Node, remoteSeq: bigint | undefined): void {
    const cur = this.table.get(node.id)
    if (remoteSeq === undefined || !cur || remoteSeq <= (cur.seq ?? 0n)) return
    const key = toHex(node.id)
    if (this.fetching.has(key) || this.fetching.size >= MAX_RECORD_FETCHES) return
    this.fetching.add(key)
    this.requestEnr(cur)
      .catch(() => {})
      .finally(() => this.fetching.delete(key))
  }

  private tableChanged(): void {
    this.tableGauge.set(this.table.size)
    this.scheduleRevalidation()
  }

  private seq(): { enrSeq?: bigint } {
    const s = this.opts.enrSeq?.()
    return s === undefined ? {} : { enrSeq: s }
  }

  private sendPacket(p: Packet, to: SocketAddr): void {
    this.opts.send(encodePacket(this.opts.privateKey, p).bytes, to)
  }

  /** Send `packet` to `node` and wait for the reply of `kind`, or the reply deadline. */
  private request<T>(node: Discv4Node, packet: Packet, kind: ReplyKind, signal?: AbortSignal): Promise<T> {
    if (this.closed) return Promise.reject(new Discv4Error('CLOSED'))
    const { bytes, hash } = encodePacket(this.opts.privateKey, packet)
    const token = kind === 'neighbors' ? undefined : hash
    const transmit = () => this.opts.send(bytes, { ip: node.ip, port: node.udp })
    return this.pending.start<T>(node, toHex(node.id), kind, token, transmit, signal)
  }

  private scheduleRevalidation(): void {
    if (this.closed) return
    const at = this.table.revalidation.nextTime()
    if (!Number.isFinite(at) || at >= this.revalTimerAt) return
    this.revalTimer?.cancel()
    this.revalTimerAt = at
    this.revalTimer = this.clock.setTimer(Math.max(0, at - this.clock.now()), () => {
      this.revalTimer = undefined
      this.revalTimerAt = Number.POSITIVE_INFINITY
      this.revalidate()
    })
  }

  private revalidate(): void {
    const now = this.clock.now()
    for (let s = this.table.revalidation.next(now); s.kind === 'ping'; s = this.table.revalidation.next(now)) {
      const n = s.node
      this.ping(n).catch(() => {
        if (this.closed) return
        this.table.revalidation.onTimeout(n.id, this.clock.now())
        this.tableChanged()
      })
    }
    this.scheduleRevalidation()
  }

  /** Put the bootnodes and up to {@link KNOWN_SEEDS} known nodes into the table (go-ethereum does on every refresh). */
  private seed(): void {
    const now = this.clock.now()
    for (const b of this.seedNodes(now)) this.table.addSeen(b, now)
    this.tableChanged()
  }

  /** The bootnodes, then the most recently verified known nodes the table does not hold (go-ethereum `loadSeedNodes`). */
  private seedNodes(now: number): Discv4Node[] {
    const known = this.store.seeds(KNOWN_SEEDS, now, (n) => this.table.info(n.id) !== undefined)
    return [...(this.opts.bootnodes ?? []), ...known]
  }

  /** `sizeBefore`: the members after the previous refresh. */
  private scheduleRefresh(ms: number, retry = REFRESH_RETRY_MS, sizeBefore = 0): void {
    if (this.closed) return
    this.refreshTimer = this.clock.setTimer(ms, () => {
      this.refreshTimer = undefined
      void this.refresh().finally(() => {
        const interval = this.opts.refreshIntervalMs ?? REFRESH_INTERVAL_MS
        const size = this.table.size
        if ((size < BUCKET_SIZE || size > sizeBefore) && retry < interval)
          return this.scheduleRefresh(retry, retry * 2, size)
        const half = interval / 2
        this.scheduleRefresh(half + this.random.int(Math.max(1, Math.floor(half))))
      })
    })
  }

  /** One table refresh: seed, a lookup for our own id, then {@link REFRESH_RANDOM_LOOKUPS} random ones (go-ethereum `doRefresh`). */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      this.seed()
      await this.lookup(publicKey64(this.opts.privateKey)).catch(() => {})
      for (let i = 0; i < REFRESH_RANDOM_LOOKUPS && !this.closed; i++) await this.lookup(undefined).catch(() => {})
    })().finally(() => {
      this.refreshing = undefined
    })
    return this.refreshing
  }

  /** PING `node`; resolves with what its PONG said, rejects with TIMEOUT after 500 ms. */
  ping(node: Discv4Node, options: RequestOptions = {}): Promise<PongInfo> {
    const packet: Packet = {
      kind: 'ping',
      version: DISCV4_VERSION,
      from: this.opts.endpoint ?? { ip: undefined, udp: 0, tcp: 0 },
      to: { ip: node.ip, udp: node.udp, tcp: 0 },
      expiration: expirationFrom(this.unixTime()),
      ...this.seq(),
    }
    return this.request<PongInfo>(node, packet, 'pong', options.signal)
  }

  /**
   * Make sure `node` has a recent proof of us, so that it will answer: if we have not answered
   * its PING within 24 h, PING it and give it one reply timeout to PING us back (as go-ethereum's
   * ensureBond does).
   */
  private async ensureBond(node: Discv4Node, key: string, signal?: AbortSignal): Promise<void> {
    if (this.core.proofs.knowsUs(key, node.ip, this.clock.now())) return
    await this.ping(node, { signal })
    if (this.core.proofs.knowsUs(key, node.ip, this.clock.now())) return
    await this.pending.waitForPing(key, RESPONSE_TIMEOUT_MS)
  }

  /**
   * A FINDNODE or ENRREQUEST after {@link ensureBond}. When it goes unanswered although we believed
   * the node held a proof of us, that belief was wrong as often as the packet was lost (our PONG
   * to its PING lost or late, so it drops our queries as unverified until its proof of us exists):
   * PING it again, wait for its PING, and ask once more.
   */
  private async bondedRequest<T>(
    node: Discv4Node,
    packet: () => Packet,
    kind: ReplyKind,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const key = toHex(node.id)
    const proofs = this.core.proofs
    const assumed = proofs.knowsUs(key, node.ip, this.clock.now())
    for (let attempt = 0; ; attempt++) {
      await this.ensureBond(node, key, signal)
      try {
        const r = await this.request<T>(node, packet(), kind, signal)
        proofs.answeredUs(key, node.ip, this.clock.now())
        return r
      } catch (e) {
        if (!(e instanceof Discv4Error && e.code === 'TIMEOUT')) throw e
        proofs.doubtUs(key, node.ip)
        if (!assumed || attempt > 0) throw e
      }
    }
  }

  /** FINDNODE `targetKey` (a 64-byte public key) at `node`; resolves with up to 16 nodes. */
  findNode(node: Discv4Node, targetKey: Uint8Array, options: RequestOptions = {}): Promise<Discv4Node[]> {
    const packet = (): Packet => ({ kind: 'findnode', target: targetKey, expiration: expirationFrom(this.unixTime()) })
    return this.bondedRequest<Discv4Node[]>(node, packet, 'neighbors', options.signal)
  }

  /**
   * ENRREQUEST: fetch and verify `node`'s current record (EIP-868). A newer record than the
   * table's replaces it there.
   */
  async requestEnr(node: Discv4Node, options: RequestOptions = {}): Promise<Enr> {
    const packet = (): Packet => ({ kind: 'enrrequest', expiration: expirationFrom(this.unixTime()) })
    const enr = await this.bondedRequest<Enr>(node, packet, 'enrresponse', options.signal)
    this.store.setRecord(node.id, enr)
    const cur = this.table.get(node.id)
    if (cur && enr.seq > (cur.seq ?? 0n)) {
      this.table.update(withRecord(cur, enr), this.clock.now())
      this.tableChanged()
    }
    return enr
  }

  /**
   * Iterative lookup (α = 3, k = 16) for the node id of `targetKey` (a 64-byte public key; random
   * when omitted). Resolves with the closest nodes that answered, nearest first.
   */
  lookup(targetKey: Uint8Array | undefined, options: RequestOptions = {}): Promise<Discv4Node[]> {
    return this.runLookup(targetKey ?? this.random.bytes(64), options.signal)
  }

  private async runLookup(
    key: Uint8Array,
    userSignal: AbortSignal | undefined,
    onVerified?: (n: Discv4Node) => void,
  ): Promise<Discv4Node[]> {
    if (this.closed) throw new Discv4Error('CLOSED')
    const target = keccak256(key)
    let seeds = this.table.closest(target, BUCKET_SIZE)
    if (seeds.length === 0) seeds = this.seedNodes(this.clock.now())
    const linked = linkedSignal(userSignal, this.closing.signal)
    const signal = linked.signal
    const lk = new Lookup<Discv4Node>(target, seeds, { localId: this.localId })
    try {
      return await runLookup(lk, (peer) => this.findNode(peer, key, { signal }), {
        now: () => this.clock.now(),
        signal,
        onResult: (peer, found) => {
          const now = this.clock.now()
          this.table.onFindnodeResult(peer.id, found !== undefined && found.length > 0, now)
          for (const n of found ?? []) this.table.addSeen(n, now)
          this.tableChanged()
          if (found !== undefined) onVerified?.(this.current(peer))
        },
      })
    } finally {
      linked.dispose()
    }
  }

  /**
   * Nodes that answered our queries during random lookups, pulled one at a time (see
   * {@link RandomNodes}). Ends on `signal`, on `return()`, or when the service closes.
   */
  randomNodes(options: RequestOptions = {}): RandomNodes<Discv4Node> {
    const host = {
      clock: this.clock,
      randomLookup: (signal: AbortSignal, onVerified: (n: Discv4Node) => void) => {
        if (this.table.size === 0) this.seed()
        return this.runLookup(this.random.bytes(64), signal, onVerified)
      },
    }
    return new RandomNodes<Discv4Node>(
      host,
      options.signal ? [this.closing.signal, options.signal] : [this.closing.signal],
    )
  }

  /**
   * Find `publicKey`'s node and fetch its current record: from the table, else from the known
   * nodes, else by a lookup for it, then ENRREQUEST (discv4.md "Node Records"). Resolves undefined when the node is not found;
   * `enr` is absent when the node did not answer ENRREQUEST.
   */
  async resolve(
    publicKey: Uint8Array,
    options: RequestOptions = {},
  ): Promise<{ node: Discv4Node; enr?: Enr } | undefined> {
    const id = keccak256(publicKey)
    let node = this.table.get(id) ?? this.store.get(id, this.clock.now())?.node
    if (!node) node = (await this.lookup(publicKey, options)).find((n) => equalBytes(n.id, id))
    if (!node) return undefined
    try {
      return { node, enr: await this.requestEnr(node, options) }
    } catch {
      return { node }
    }
  }

  /** Stop timers, fail pending requests with CLOSED and end running lookups and iterators. Sends nothing more. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closing.abort(new Discv4Error('CLOSED'))
    this.refreshTimer?.cancel()
    this.revalTimer?.cancel()
    this.pending.close()
    await this.refreshing?.catch(() => {})
  }
}

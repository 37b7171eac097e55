/**
 * Node Discovery v4 service (layer 4): turns datagrams into table updates and answers, and runs
 * PING, FINDNODE, ENRREQUEST, lookups and revalidation on an injected clock.
 *
 * The UDP socket belongs to the caller, so one port can serve discv4 and discv5: hand every
 * datagram to {@link Discv4Service.handle} (it returns false for anything not shaped like discv4,
 * which then goes to discv5), and give the service a `send` function. Spec: devp2p discv4.md,
 * EIP-868. Rules: ./core.ts; codec: ./wire/.
 * @module
 */
import { keccak256, publicKey64 } from '../crypto/index.js'
import { decompressPublicKey } from '../crypto/secp256k1.js'
import { Enr } from '../enr/index.js'
import {
  BUCKET_SIZE,
  type IpLimitOptions,
  Lookup,
  type Random,
  REFRESH_INTERVAL_MS,
  RoutingTable,
  runLookup,
} from '../kademlia/index.js'
import { cryptoRandom } from '../kademlia/random.js'
import { type Counter, type Metrics, noopMetrics } from '../metrics/registry.js'
import { equalBytes, toHex } from '../util/bytes.js'
import { type Clock, systemClock, type Timer } from '../util/clock.js'
import { isLan, normalizeIp, parseIp } from '../util/ip.js'
import { Discv4Core } from './core.js'
import { RateLimiter, type RateLimitOptions } from './ratelimit.js'
import { RESPONSE_TIMEOUT_MS, type ReplyKind } from './replies.js'
import {
  type DecodedPacket,
  DISCV4_VERSION,
  decodePacket,
  type Endpoint,
  encodeNeighbors,
  encodePacket,
  expirationFrom,
  isDiscv4Shaped,
  type NeighborNode,
  type Packet,
} from './wire/index.js'

/** A node as discv4 knows it: public key and endpoint (and, once fetched, its record's seq). */
export interface Discv4Node {
  /** keccak256(publicKey). */
  readonly id: Uint8Array
  /** 64-byte public key. */
  readonly publicKey: Uint8Array
  readonly ip: string
  readonly udp: number
  readonly tcp: number
  readonly seq?: bigint
}

/** Where a datagram came from or goes to. */
export interface SocketAddr {
  ip: string
  port: number
}

/** Lowest UDP port we accept for a relayed node. go-ethereum v4_udp.go nodeFromRPC `errLowPort` (≤ 1024). */
export const MIN_RELAYED_UDP_PORT = 1025

/** Options of a {@link Discv4Service}. */
export interface Discv4Options {
  privateKey: Uint8Array
  /** Send one datagram; the socket owner's job. */
  send: (bytes: Uint8Array, to: SocketAddr) => void
  /** What we advertise in PING `from`. Default: no IP, ports 0. */
  endpoint?: Endpoint
  /** Our current record (RLP), served to ENRREQUEST; without one ENRREQUEST is ignored. */
  record?: () => Uint8Array | undefined
  /** Our record's sequence number, sent in PING and PONG (EIP-868). */
  enrSeq?: () => bigint | undefined
  clock?: Clock
  /** Wall-clock seconds since the epoch, for packet expirations. Default `Date.now() / 1000`. */
  unixTime?: () => number
  random?: Random
  bootnodes?: Discv4Node[]
  /** Receive-side rate limits, on by default; `false` turns them off. */
  rateLimit?: RateLimitOptions | false
  /** Routing table IP limits, on by default. */
  ipLimits?: IpLimitOptions | false
  metrics?: Metrics
}

/** Error codes of our own requests. */
export type Discv4ErrorCode = 'TIMEOUT' | 'CLOSED' | 'BUSY' | 'BAD_RECORD'

/** Why a discv4 request of ours failed. */
export class Discv4Error extends Error {
  override name = 'Discv4Error'
  constructor(
    readonly code: Discv4ErrorCode,
    detail = '',
  ) {
    super(detail ? `${code}: ${detail}` : code)
  }
}

/** What a PONG told us. */
export interface PongInfo {
  /** Our endpoint as the node saw it. */
  to: Endpoint
  /** The node's record sequence number (EIP-868), if it sent one. */
  enrSeq?: bigint
}

interface Waiter {
  node: Discv4Node
  nodes: Discv4Node[]
  resolve(v: unknown): void
  reject(e: Error): void
  detach(): void
}

/** Most callers waiting for a node's PING after ours (the second half of a bond). Ours. */
const MAX_BOND_WAITERS = 256

/** Convert an enode-style key and endpoint to a {@link Discv4Node}. */
export function makeNode(publicKey: Uint8Array, ip: string, udp: number, tcp = udp): Discv4Node {
  const key = publicKey.length === 64 ? publicKey : decompressPublicKey(publicKey)
  const norm = normalizeIp(ip)
  if (!norm) throw new RangeError(`not an IP address: ${ip}`)
  return { id: keccak256(key), publicKey: key, ip: norm, udp, tcp }
}

/** The discv4 protocol endpoint. */
export class Discv4Service {
  readonly table: RoutingTable<Discv4Node>
  readonly localId: Uint8Array
  readonly core = new Discv4Core<Waiter>()
  /** Datagrams dropped, by reason (bounded by the code's reasons). */
  readonly dropped = new Map<string, number>()
  private readonly clock: Clock
  private readonly unixTime: () => number
  private readonly random: Random
  private readonly limiter: RateLimiter | undefined
  private readonly metrics: Metrics
  private readonly droppedCounter: Counter
  /** BOUNDED: MAX_BOND_WAITERS callbacks. */
  private readonly bondWaiters = new Map<string, (() => void)[]>()
  private bondWaiterCount = 0
  private replyTimer: Timer | undefined
  private replyTimerAt = Number.POSITIVE_INFINITY
  private revalTimer: Timer | undefined
  private revalTimerAt = Number.POSITIVE_INFINITY
  private refreshTimer: Timer | undefined
  private readonly lookups = new Set<AbortController>()
  private closed = false

  constructor(private readonly opts: Discv4Options) {
    this.clock = opts.clock ?? systemClock
    this.unixTime = opts.unixTime ?? (() => Date.now() / 1000)
    this.random = opts.random ?? cryptoRandom
    this.localId = keccak256(publicKey64(opts.privateKey))
    this.table = new RoutingTable<Discv4Node>({ localId: this.localId, random: this.random, ipLimits: opts.ipLimits })
    this.limiter = opts.rateLimit === false ? undefined : new RateLimiter(opts.rateLimit, this.clock.now())
    this.metrics = opts.metrics ?? noopMetrics
    this.droppedCounter = this.metrics.counter('discv4_dropped_total', 'discv4 datagrams dropped, by reason')
  }

  /** Seed the table with the bootnodes, start revalidation and the periodic refresh lookups. */
  start(): void {
    const now = this.clock.now()
    for (const b of this.opts.bootnodes ?? []) this.table.addSeen(b, now)
    this.scheduleRevalidation()
    const refresh = () => {
      if (this.closed) return
      void this.lookup(undefined).catch(() => {})
      this.refreshTimer = this.clock.setTimer(REFRESH_INTERVAL_MS, refresh)
    }
    this.refreshTimer = this.clock.setTimer(0, refresh)
  }

  /**
   * Take one datagram from the shared socket. Returns false when it is not shaped like discv4
   * (hash ≠ keccak256 of the rest), so the caller can hand it to discv5; true when it was ours,
   * whether processed or dropped.
   */
  handle(data: Uint8Array, from: SocketAddr): boolean {
    if (!isDiscv4Shaped(data)) return false
    if (this.closed) return true
    const ip = normalizeIp(from.ip)
    if (!ip) return this.drop('bad-address')
    const now = this.clock.now()
    const verdict = this.limiter?.admit(ip, now) ?? 'ok'
    if (verdict !== 'ok') return this.drop(verdict)
    const r = decodePacket(data, this.unixTime())
    if (!r.ok) return this.drop(r.error.code)
    const d = r.value
    if (equalBytes(d.fromId, this.localId)) return this.drop('self')
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
        const node: Discv4Node = { id: d.fromId, publicKey: d.fromKey, ip, udp: port, tcp: p.from.tcp }
        if (out.pingBack) {
          void this.ping(node).catch(() => {})
        } else if (this.core.proofs.verified(key, ip, now)) {
          this.table.addVerified(node, now)
          this.scheduleRevalidation()
        }
        for (const w of [...(this.bondWaiters.get(key) ?? [])]) w()
        return
      }
      case 'answer-findnode': {
        const target = keccak256(out.target)
        const relayLan = isLan(parseIp(ip) ?? new Uint8Array(4))
        const nodes: NeighborNode[] = []
        for (const n of this.table.closest(target, BUCKET_SIZE, { liveOnly: true })) {
          if (!relayLan && isLan(parseIp(n.ip) ?? new Uint8Array(4))) continue
          nodes.push({ ip: n.ip, udp: n.udp, tcp: n.tcp, publicKey: n.publicKey })
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
        return
      case 'reply':
        this.onReply(out.pending.ctx, out.done, out.nodes, d, ip, now)
        return
    }
  }

  private onReply(w: Waiter, done: boolean, found: NeighborNode[], d: DecodedPacket, ip: string, now: number): void {
    const p = d.packet
    if (p.kind === 'pong') {
      this.table.addVerified(w.node, now)
      this.table.revalidation.onPong(w.node.id, now, p.enrSeq)
      this.scheduleRevalidation()
      const info: PongInfo = { to: p.to }
      if (p.enrSeq !== undefined) info.enrSeq = p.enrSeq
      this.settle(w, info)
      return
    }
    if (p.kind === 'neighbors') {
      const relayLan = isLan(parseIp(ip) ?? new Uint8Array(4))
      for (const n of found) {
        const b = parseIp(n.ip)
        if (!b || n.udp < MIN_RELAYED_UDP_PORT || (!relayLan && isLan(b))) continue
        const node: Discv4Node = {
          id: keccak256(n.publicKey),
          publicKey: n.publicKey,
          ip: n.ip,
          udp: n.udp,
          tcp: n.tcp,
        }
        if (!equalBytes(node.id, this.localId)) w.nodes.push(node)
      }
      if (done) this.settle(w, w.nodes)
      return
    }
    if (p.kind === 'enrresponse') {
      const r = Enr.tryDecode(p.record)
      if (!r.ok) {
        this.fail(w, new Discv4Error('BAD_RECORD', r.error.message))
        return
      }
      let key: Uint8Array | undefined
      try {
        key = decompressPublicKey(r.value.publicKey)
      } catch {
        key = undefined
      }
      if (!key || !equalBytes(key, d.fromKey)) this.fail(w, new Discv4Error('BAD_RECORD', 'signed by another key'))
      else this.settle(w, r.value)
    }
  }

  private settle(w: Waiter, v: unknown): void {
    w.detach()
    w.resolve(v)
  }

  private fail(w: Waiter, e: Error): void {
    w.detach()
    w.reject(e)
  }

  private seq(): { enrSeq?: bigint } {
    const s = this.opts.enrSeq?.()
    return s === undefined ? {} : { enrSeq: s }
  }

  private sendPacket(p: Packet, to: SocketAddr): Uint8Array {
    const { bytes, hash } = encodePacket(this.opts.privateKey, p)
    this.opts.send(bytes, to)
    return hash
  }

  /** Send `packet` to `node` and wait for the reply of `kind`, or the reply deadline. */
  private request<T>(node: Discv4Node, packet: Packet, kind: ReplyKind, signal?: AbortSignal): Promise<T> {
    if (this.closed) return Promise.reject(new Discv4Error('CLOSED'))
    if (signal?.aborted) return Promise.reject(signal.reason)
    const { bytes, hash } = encodePacket(this.opts.privateKey, packet)
    return new Promise<unknown>((resolve, reject) => {
      const w: Waiter = { node, nodes: [], resolve, reject, detach: () => {} }
      const deadline = this.clock.now() + RESPONSE_TIMEOUT_MS
      const token = kind === 'neighbors' ? undefined : hash
      const p = this.core.replies.expect(toHex(node.id), node.ip, kind, deadline, token, w)
      if (typeof p === 'string') return reject(new Discv4Error('BUSY', `${p}: too many requests pending`))
      if (signal) {
        const onAbort = () => {
          this.core.replies.cancel(p.id)
          reject(signal.reason)
        }
        signal.addEventListener('abort', onAbort, { once: true })
        w.detach = () => signal.removeEventListener('abort', onAbort)
      }
      this.opts.send(bytes, { ip: node.ip, port: node.udp })
      this.armReplyTimer()
    }) as Promise<T>
  }

  private armReplyTimer(): void {
    const next = this.core.replies.nextDeadline()
    if (next === undefined || next >= this.replyTimerAt) return
    this.replyTimer?.cancel()
    this.replyTimerAt = next
    this.replyTimer = this.clock.setTimer(next - this.clock.now(), () => {
      this.replyTimer = undefined
      this.replyTimerAt = Number.POSITIVE_INFINITY
      for (const p of this.core.replies.popExpired(this.clock.now())) {
        const w = p.ctx
        if (p.kind === 'neighbors' && w.nodes.length > 0) this.settle(w, w.nodes)
        else this.fail(w, new Discv4Error('TIMEOUT', `no ${p.kind} from ${p.ip}`))
      }
      this.armReplyTimer()
    })
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
        this.table.revalidation.onTimeout(n.id, this.clock.now())
        this.scheduleRevalidation()
      })
    }
    this.scheduleRevalidation()
  }

  /** PING `node`; resolves with what its PONG said, rejects with TIMEOUT after 500 ms. */
  ping(node: Discv4Node, options: { signal?: AbortSignal } = {}): Promise<PongInfo> {
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
  private async ensureBond(node: Discv4Node, signal?: AbortSignal): Promise<void> {
    const key = toHex(node.id)
    if (this.core.proofs.knowsUs(key, node.ip, this.clock.now())) return
    await this.ping(node, { signal })
    if (this.core.proofs.knowsUs(key, node.ip, this.clock.now())) return
    await new Promise<void>((resolve) => {
      const done = () => {
        t.cancel()
        const list = this.bondWaiters.get(key) ?? []
        const i = list.indexOf(done)
        if (i >= 0) {
          list.splice(i, 1)
          this.bondWaiterCount--
        }
        if (list.length === 0) this.bondWaiters.delete(key)
        resolve()
      }
      const t = this.clock.setTimer(RESPONSE_TIMEOUT_MS, done)
      if (this.bondWaiterCount >= MAX_BOND_WAITERS) return
      const list = this.bondWaiters.get(key) ?? []
      list.push(done)
      this.bondWaiters.set(key, list)
      this.bondWaiterCount++
    })
  }

  /** FINDNODE `targetKey` (a 64-byte public key) at `node`; resolves with up to 16 nodes. */
  async findNode(
    node: Discv4Node,
    targetKey: Uint8Array,
    options: { signal?: AbortSignal } = {},
  ): Promise<Discv4Node[]> {
    await this.ensureBond(node, options.signal)
    const packet: Packet = { kind: 'findnode', target: targetKey, expiration: expirationFrom(this.unixTime()) }
    return this.request<Discv4Node[]>(node, packet, 'neighbors', options.signal)
  }

  /** ENRREQUEST: fetch and verify `node`'s current record (EIP-868). */
  async requestEnr(node: Discv4Node, options: { signal?: AbortSignal } = {}): Promise<Enr> {
    await this.ensureBond(node, options.signal)
    const packet: Packet = { kind: 'enrrequest', expiration: expirationFrom(this.unixTime()) }
    return this.request<Enr>(node, packet, 'enrresponse', options.signal)
  }

  /**
   * Iterative lookup (α = 3, k = 16) for the node id of `targetKey` (a 64-byte public key; random
   * when omitted). Resolves with the closest nodes that answered, nearest first.
   */
  async lookup(targetKey: Uint8Array | undefined, options: { signal?: AbortSignal } = {}): Promise<Discv4Node[]> {
    if (this.closed) throw new Discv4Error('CLOSED')
    const key = targetKey ?? this.random.bytes(64)
    const target = keccak256(key)
    let seeds = this.table.closest(target, BUCKET_SIZE)
    if (seeds.length === 0) seeds = this.opts.bootnodes ?? []
    const ctl = new AbortController()
    this.lookups.add(ctl)
    const signal = options.signal ? AbortSignal.any([options.signal, ctl.signal]) : ctl.signal
    try {
      const lk = new Lookup<Discv4Node>(target, seeds, { localId: this.localId })
      return await runLookup(lk, (peer) => this.findNode(peer, key, { signal }), {
        now: () => this.clock.now(),
        signal,
        onResult: (peer, found) => {
          const now = this.clock.now()
          this.table.onFindnodeResult(peer.id, found !== undefined && found.length > 0, now)
          for (const n of found ?? []) this.table.addSeen(n, now)
          this.scheduleRevalidation()
        },
      })
    } finally {
      this.lookups.delete(ctl)
    }
  }

  /**
   * Find `publicKey`'s node and fetch its current record: a lookup for it, then ENRREQUEST
   * (discv4.md "Node Records"). Resolves undefined when the node is not found.
   */
  async resolve(
    publicKey: Uint8Array,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ node: Discv4Node; enr?: Enr } | undefined> {
    const id = keccak256(publicKey)
    let node = this.table.get(id)
    if (!node) node = (await this.lookup(publicKey, options)).find((n) => equalBytes(n.id, id))
    if (!node) return undefined
    try {
      return { node, enr: await this.requestEnr(node, options) }
    } catch {
      return { node }
    }
  }

  /** Stop timers, fail pending requests with CLOSED and end running lookups. Sends nothing more. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.refreshTimer?.cancel()
    this.replyTimer?.cancel()
    this.revalTimer?.cancel()
    for (const ctl of this.lookups) ctl.abort(new Discv4Error('CLOSED'))
    for (const p of this.core.replies.clear()) this.fail(p.ctx, new Discv4Error('CLOSED'))
    for (const list of [...this.bondWaiters.values()]) for (const w of [...list]) w()
  }
}

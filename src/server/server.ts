/**
 * The RLPx server: a listener with a bound on pending handshakes, the checks after each handshake
 * (self, already connected, peer limits with a dial ratio, trusted peers, net restrictions), the
 * protocols run on each peer, peer events, and a shutdown that says ClientQuitting to everyone.
 * The dial scheduler (./dialer.ts) feeds it outbound connections.
 */
import { EventEmitter } from 'node:events'
import type { Enr } from '../enr/record.js'
import type { Metrics } from '../metrics/registry.js'
import { noopMetrics } from '../metrics/registry.js'
import type { AnyProtocol } from '../protocol/define.js'
import type { ProtocolHost } from '../protocol/host.js'
import type { RlpxTimeouts } from '../rlpx/config.js'
import type { RlpxConnection } from '../rlpx/connection.js'
import { type DialTarget, dial } from '../rlpx/dial.js'
import { DisconnectReason, disconnectReasonName } from '../rlpx/disconnect.js'
import { RlpxError } from '../rlpx/errors.js'
import { RlpxListener } from '../rlpx/listener.js'
import { compareBytes, toHex } from '../util/bytes.js'
import { type Clock, systemClock } from '../util/clock.js'
import { type Logger, silentLogger } from '../util/logger.js'
import type { Netlist } from './netlist.js'
import { Peer } from './peer.js'
import { capabilityConnections } from './rlpx-adapter.js'
import { InboundThrottle } from './throttle.js'

/** Default peer limit. go-ethereum's default MaxPeers for a full node is 50. */
export const DEFAULT_MAX_PEERS = 50
/** A third of the peer slots may be dialed by us. go-ethereum p2p/server.go defaultDialRatio (3). */
export const DEFAULT_DIAL_RATIO = 3

/** A node to dial: its id, key and TCP endpoint, and its record when discovery gave one. */
export interface DialCandidate extends DialTarget {
  nodeId: Uint8Array
  enr?: Enr
}

export interface ServerOptions {
  privateKey: Uint8Array
  /** Listen address. Default 127.0.0.1. */
  host?: string
  /** TCP port (0 picks one). Default 30303. `undefined` with `listen: false` for dial-only. */
  port?: number
  /** Accept inbound connections. Default true. */
  listen?: boolean
  clientId?: string
  /** The protocols this node runs, one host each. */
  protocols?: ProtocolHost<AnyProtocol>[]
  maxPeers?: number
  /** 1/dialRatio of the slots are for outbound peers. */
  dialRatio?: number
  maxPendingInbound?: number
  /** Only addresses in this list may connect or be dialed. */
  netRestrict?: Netlist
  /** Node ids exempt from the peer limits. */
  trusted?: Iterable<Uint8Array>
  rlpxTimeouts?: Partial<RlpxTimeouts>
  clock?: Clock
  logger?: Logger
  metrics?: Metrics
}

/** Why a connection was turned away after its handshake. */
export type RejectReason = 'self' | 'already-connected' | 'too-many-peers' | 'net-restrict' | 'protocol-handshake'

export interface PeerRemovedEvent {
  peer: Peer
  /** Disconnect reason (sent or received). */
  reason: number
  /** Who ended it. */
  by: 'local' | 'remote' | 'transport'
}

interface ServerEvents {
  'peer:added': [Peer]
  'peer:removed': [PeerRemovedEvent]
}

/** An RLPx server. Create with {@link Server.start}. */
export class Server extends EventEmitter<ServerEvents> {
  /** Connected peers by node id hex. BOUNDED: maxPeers plus trusted peers. */
  readonly peers = new Map<string, Peer>()
  readonly localId: Uint8Array
  private listener?: RlpxListener
  /** Node ids being set up (dial or inbound) but not yet peers. BOUNDED: dials + pending inbound. */
  private readonly connecting = new Set<string>()
  /** Connections running their protocol handshakes. BOUNDED: like `connecting`. */
  private readonly starting = new Set<RlpxConnection>()
  /** Node ids we are dialing, from `dial()` until it settles. BOUNDED: by concurrent dials. */
  private readonly dialingOut = new Set<string>()
  private readonly trusted = new Set<string>()
  private readonly throttle = new InboundThrottle()
  private readonly clock: Clock
  private readonly log: Logger
  private readonly m: ReturnType<typeof serverMetrics>
  private stopping = false
  readonly maxPeers: number
  readonly maxOutbound: number
  /** Static node ids, set by the dialer (so peers can be tagged). */
  readonly staticIds = new Set<string>()

  private constructor(
    private readonly opts: ServerOptions,
    localId: Uint8Array,
  ) {
    super()
    this.localId = localId
    this.clock = opts.clock ?? systemClock
    this.log = opts.logger ?? silentLogger
    this.m = serverMetrics(opts.metrics ?? noopMetrics)
    this.maxPeers = opts.maxPeers ?? DEFAULT_MAX_PEERS
    // go-ethereum maxDialedConns: MaxPeers / DialRatio, at least 1.
    this.maxOutbound = Math.max(1, Math.floor(this.maxPeers / (opts.dialRatio ?? DEFAULT_DIAL_RATIO)))
    for (const id of opts.trusted ?? []) this.trusted.add(toHex(id))
  }

  /** Start listening (unless `listen: false`). */
  static async start(opts: ServerOptions, localId: Uint8Array): Promise<Server> {
    const s = new Server(opts, localId)
    if (opts.listen !== false) {
      s.listener = await RlpxListener.listen({
        ...s.rlpxOptions(),
        host: opts.host ?? '127.0.0.1',
        port: opts.port ?? 30303,
        maxPendingHandshakes: opts.maxPendingInbound ?? 50,
        accept: (ip: string) => s.acceptInbound(ip),
        onConnection: (conn) => void s.addConnection(conn),
      })
    }
    return s
  }

  /** The TCP address we listen on. */
  get address(): { address: string; port: number } | undefined {
    return this.listener?.address
  }

  private rlpxOptions() {
    return {
      privateKey: this.opts.privateKey,
      ...(this.opts.clientId ? { clientId: this.opts.clientId } : {}),
      protocols: (this.opts.protocols ?? []).map((h) => ({
        name: h.protocol.name,
        version: h.protocol.version,
        length: h.protocol.length,
      })),
      listenPort: this.opts.port ?? 0,
      ...(this.opts.rlpxTimeouts ? { timeouts: this.opts.rlpxTimeouts } : {}),
      clock: this.clock,
      metrics: this.opts.metrics ?? noopMetrics,
      logger: this.log,
    }
  }

  /** Pre-handshake check of an inbound TCP connection (go-ethereum checkInboundConn). */
  private acceptInbound(ip: string): boolean {
    if (this.stopping) return false
    if (this.opts.netRestrict && !this.opts.netRestrict.contains(ip)) {
      this.m.rejected.inc({ reason: 'net-restrict' })
      return false
    }
    if (!this.throttle.allow(ip, this.clock.now())) {
      this.m.rejected.inc({ reason: 'throttled' })
      return false
    }
    return true
  }

  /** Counts by direction (trusted peers count too, but are never refused for it). */
  count(direction?: 'inbound' | 'outbound'): number {
    if (!direction) return this.peers.size
    let n = 0
    for (const p of this.peers.values()) if (p.direction === direction) n++
    return n
  }

  isTrusted(id: Uint8Array): boolean {
    return this.trusted.has(toHex(id))
  }

  addTrusted(id: Uint8Array): void {
    this.trusted.add(toHex(id))
  }

  /** True if `id` is connected or being connected. */
  isBusy(id: Uint8Array): boolean {
    const k = toHex(id)
    return this.peers.has(k) || this.connecting.has(k)
  }

  /** Outbound slots left for the dialer. */
  get freeOutboundSlots(): number {
    return Math.max(0, Math.min(this.maxOutbound - this.count('outbound'), this.maxPeers - this.peers.size))
  }

  /**
   * Dial a node and run the protocols on it. Resolves with the peer once every protocol
   * handshake succeeded; rejects with RlpxError (or the protocol's error) otherwise.
   */
  async dial(target: DialCandidate, opts: { signal?: AbortSignal } = {}): Promise<Peer> {
    const key = toHex(target.nodeId)
    if (this.stopping) throw new RlpxError('ABORTED', 'server is stopping')
    if (key === toHex(this.localId)) throw new RlpxError('CONNECT_FAILED', 'refusing to dial ourselves')
    if (this.peers.has(key) || this.connecting.has(key)) throw new RlpxError('CONNECT_FAILED', 'already connected')
    const ip = target.ip ?? target.host
    if (this.opts.netRestrict && ip && !this.opts.netRestrict.contains(ip))
      throw new RlpxError('CONNECT_FAILED', `${ip} is outside --netrestrict`)
    this.connecting.add(key)
    this.dialingOut.add(key)
    try {
      let conn: RlpxConnection
      try {
        conn = await dial(target, { ...this.rlpxOptions(), ...(opts.signal ? { signal: opts.signal } : {}) })
      } catch (e) {
        this.connecting.delete(key)
        this.m.dials.inc({ outcome: e instanceof RlpxError ? e.code.toLowerCase() : 'error' })
        throw e
      }
      // `addConnection` takes over the `connecting` entry
      this.connecting.delete(key)
      this.m.dials.inc({ outcome: 'connected' })
      const peer = await this.addConnection(conn)
      if (!peer) {
        const info = await conn.closed
        throw new RlpxError('DISCONNECTED', 'refused after the handshake', info.reason, info.by)
      }
      return peer
    } finally {
      this.dialingOut.delete(key)
    }
  }

  /**
   * Both sides dialed each other at once (mutual static peers do, in step). Refusing the inbound
   * on both sides would close both connections, again at every retry; instead both sides keep the
   * connection dialed by the node with the smaller id, and the remote refuses our dial.
   */
  private keepsInbound(conn: RlpxConnection, key: string): boolean {
    if (!this.dialingOut.has(key) || compareBytes(conn.remoteNodeId, this.localId) >= 0) return false
    for (const c of this.starting) if (c.direction === 'inbound' && toHex(c.remoteNodeId) === key) return false
    return true
  }

  /** The post-handshake checks (go-ethereum postHandshakeChecks), as a disconnect reason or undefined. */
  private check(conn: RlpxConnection): number | undefined {
    const key = toHex(conn.remoteNodeId)
    if (this.stopping) return DisconnectReason.ClientQuitting
    if (key === toHex(this.localId)) return DisconnectReason.SelfIdentity
    if (this.peers.has(key)) return DisconnectReason.AlreadyConnected
    if (conn.direction === 'inbound' && this.connecting.has(key) && !this.keepsInbound(conn, key))
      return DisconnectReason.AlreadyConnected
    if (this.trusted.has(key)) return undefined
    if (this.peers.size >= this.maxPeers) return DisconnectReason.TooManyPeers
    if (conn.direction === 'inbound' && this.count('inbound') >= this.maxPeers - this.maxOutbound)
      return DisconnectReason.TooManyPeers
    return undefined
  }

  /** Check a fresh connection, run the protocols, and register the peer. Undefined if refused. */
  private async addConnection(conn: RlpxConnection): Promise<Peer | undefined> {
    const key = toHex(conn.remoteNodeId)
    const refuse = this.check(conn)
    if (refuse !== undefined) {
      this.m.rejected.inc({ reason: disconnectReasonName(refuse) })
      this.log.debug('peer refused', { id: key.slice(0, 16), reason: disconnectReasonName(refuse) })
      void conn.disconnect(refuse)
      return undefined
    }
    this.connecting.add(key)
    this.starting.add(conn)
    const peer = new Peer(conn, this.trusted.has(key), this.staticIds.has(key))
    try {
      const caps = capabilityConnections(conn)
      const starts: Promise<unknown>[] = []
      for (const host of this.opts.protocols ?? []) {
        const c = caps.get(host.protocol.name)
        if (!c || c.capability.version !== host.protocol.version) continue
        const p = host.attach(c)
        peer.protocols.set(host.protocol.name, p)
        starts.push(p.start())
      }
      await Promise.all(starts)
    } catch (e) {
      this.starting.delete(conn)
      this.connecting.delete(key)
      this.m.rejected.inc({ reason: 'protocol-handshake' })
      this.log.debug('protocol handshake failed', { id: key.slice(0, 16), error: e })
      if (conn.isOpen) void conn.disconnect(DisconnectReason.SubprotocolError)
      return undefined
    }
    this.starting.delete(conn)
    this.connecting.delete(key)
    if (!conn.isOpen || this.stopping) return undefined
    if (this.peers.has(key)) {
      // the other connection of a simultaneous dial got there first
      void conn.disconnect(DisconnectReason.AlreadyConnected)
      return undefined
    }
    this.peers.set(key, peer)
    this.m.peers.set(this.count('inbound'), { direction: 'inbound' })
    this.m.peers.set(this.count('outbound'), { direction: 'outbound' })
    void conn.closed.then((info) => {
      if (this.peers.get(key) === peer) this.peers.delete(key)
      this.m.peers.set(this.count('inbound'), { direction: 'inbound' })
      this.m.peers.set(this.count('outbound'), { direction: 'outbound' })
      this.emit('peer:removed', { peer, reason: info.reason, by: info.by })
    })
    this.emit('peer:added', peer)
    return peer
  }

  /** Disconnect every peer with ClientQuitting, stop listening, and wait until all is closed. */
  async stop(): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    const closing = [
      ...[...this.peers.values()].map((p) => p.disconnect(DisconnectReason.ClientQuitting)),
      ...[...this.starting].map((c) => c.disconnect(DisconnectReason.ClientQuitting)),
    ]
    await Promise.all([this.listener?.close(), ...closing])
  }
}

function serverMetrics(m: Metrics) {
  return {
    peers: m.gauge('ethp2p_peers', 'Connected peers by direction'),
    dials: m.counter('ethp2p_dials_total', 'Outbound dials by outcome'),
    rejected: m.counter('ethp2p_connections_rejected_total', 'Connections refused, by reason'),
  }
}

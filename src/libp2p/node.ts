/**
 * An Eth2-style node on js-libp2p: TCP, noise, yamux (mplex optional), identify, ping and
 * gossipsub, with the node's secp256k1 key as both its libp2p and its discovery identity, our
 * protocol definitions served over streams (./session.ts), gossip (./gossip.ts) and the discovery
 * loop (./discovery.ts).
 *
 * Sessions (one per peer and protocol) start when identify shows the peer speaks one of the
 * protocol's ids, or when the peer opens a stream on one; each runs the protocol's handshake
 * first. A failed handshake or a breach closes the libp2p connection and is recorded in the
 * shared dial backoff.
 * @module
 */
import './polyfill.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { type GossipSub, gossipsub } from '@libp2p/gossipsub'
import { type Identify, identify } from '@libp2p/identify'
import type { Connection, IdentifyResult, Libp2p, PeerId, Stream } from '@libp2p/interface'
import { mplex } from '@libp2p/mplex'
import { type Ping, ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import type { Enr } from '../enr/index.js'
import { type Metrics, noopMetrics } from '../metrics/registry.js'
import {
  type AnyProtocol,
  type CloseInfo,
  DisconnectedError,
  DisconnectReason,
  HandshakeError,
  type ProtocolConnection,
  type ProtocolHost,
  type ProtocolPeer,
} from '../protocol/index.js'
import { DialHistory, type FailureClass } from '../server/backoff.js'
import { linkedSignal } from '../util/abort.js'
import { equalBytes } from '../util/bytes.js'
import { type Clock, systemClock } from '../util/clock.js'
import { type Logger, silentLogger } from '../util/logger.js'
import { MAX_INBOUND_STREAMS_PER_PEER, MAX_OUTBOUND_STREAMS_PER_PEER } from './constants.js'
import { type DialTarget, DiscoveryLoop, type DiscoveryLoopOptions, type DiscoverySource } from './discovery.js'
import { createLocalEnr, enrToPeerInfo } from './enr.js'
import { Libp2pNodeError } from './errors.js'
import { Gossip, type GossipOptions, gossipsubOptions } from './gossip.js'
import { type ProtocolIdOptions, type ProtocolIdTable, protocolIds } from './ids.js'
import { historyKey, libp2pPrivateKey } from './keys.js'
import { checkServable, StreamConnection, type StreamEvent } from './session.js'

/** Connections kept at most. Our default; consensus clients target 50-100 peers. */
export const DEFAULT_MAX_CONNECTIONS = 100

/** What the node uses of a started peer (a ProtocolPeer of any protocol fits). */
export interface PeerHandle {
  start(opts: { signal?: AbortSignal }): Promise<unknown>
  readonly closed: Promise<CloseInfo>
}

/**
 * What the node uses of a {@link ProtocolHost}: any host fits (ProtocolHost is invariant in its
 * protocol type, so a list of different hosts is typed by this shape instead).
 */
export interface HostLike {
  readonly protocol: AnyProtocol
  attach(conn: ProtocolConnection): PeerHandle
}

/** A protocol definition served by the node, with its host (handlers, node state) and id options. */
export interface ProtocolBinding extends ProtocolIdOptions {
  host: HostLike
}

/** A session whose handshake completed. Get the typed peer with `node.peer(peerId, host)`. */
export interface PeerReadyEvent {
  peerId: PeerId
  /** The protocol's id, e.g. `ping/1`. */
  protocol: string
}

/** Options of {@link Libp2pNode.create}. */
export interface Libp2pNodeOptions {
  /** The node's 32-byte secp256k1 private key (also its discovery identity). */
  privateKey: Uint8Array
  /** TCP listen address; default 0.0.0.0, port 0 (the OS picks). */
  listen?: { ip?: string; port?: number }
  /** IP advertised in our ENR; default the listen IP unless unspecified. */
  announceIp?: string
  /** discv5 UDP port advertised in our ENR. */
  udpPort?: number
  /** Extra ENR entries, e.g. `eth2` and `attnets`. */
  enrExtra?: Record<string, Uint8Array>
  protocols?: ProtocolBinding[]
  gossip?: GossipOptions
  /** Offer mplex after yamux, for peers that need it. Default false. */
  mplex?: boolean
  maxConnections?: number
  /** Inbound connections accepted per second from one host; js-libp2p's default (5) when absent. */
  inboundPerHostPerSecond?: number
  /** Shared dial backoff (RLPx uses the same); created if absent. */
  history?: DialHistory
  clock?: Clock
  logger?: Logger
  metrics?: Metrics
  /** Stream deadlines (tests shorten them); defaults TTFB_TIMEOUT_MS and RESP_TIMEOUT_MS. */
  timeouts?: { ttfbMs?: number; respMs?: number }
  /** Called when a session's handshake completes. */
  onPeerReady?: (e: PeerReadyEvent) => void
}

interface Binding {
  readonly host: HostLike
  readonly protocol: AnyProtocol
  readonly ids: ProtocolIdTable
}

interface Session {
  readonly conn: StreamConnection
  readonly peer: PeerHandle
}

type Services = { identify: Identify; ping: Ping; pubsub: GossipSub }

/** An Eth2-style libp2p node. Create with {@link Libp2pNode.create}, then `start()`. */
export class Libp2pNode implements DialTarget {
  readonly peerId: PeerId
  readonly gossip: Gossip
  /** Dial backoff shared with the discovery loop (and, if given, other dialers). */
  readonly history: DialHistory
  private localEnr: Enr | undefined
  private started = false
  private stopped = false
  private readonly stopping = new AbortController()
  private readonly bindings: Binding[]
  /** Sessions by peer id text, then protocol id. BOUNDED: maxConnections x protocols (removed on close). */
  private readonly sessions = new Map<string, Map<string, Session>>()
  /**
   * Connected peers by peer id text, with their node ids. Kept from connect/disconnect events
   * because js-libp2p's getPeers() re-parses every peer id (a secp256k1 point decompression in
   * JS each), which the discovery loop would pay per record. BOUNDED: open connections (maxConnections).
   */
  private readonly connected = new Map<string, { peerId: PeerId; nodeIdHex: string }>()
  /** Node ids of {@link connected}, with how many peer ids map to each (always 1 for secp256k1 peers). */
  private readonly connectedIds = new Map<string, number>()
  private loop: DiscoveryLoop | undefined
  private readonly log: Logger
  private readonly clock: Clock
  private readonly count: (event: StreamEvent, protocol: string) => void

  private constructor(
    readonly libp2p: Libp2p<Services>,
    private readonly opts: Libp2pNodeOptions,
    bindings: Binding[],
  ) {
    this.peerId = libp2p.peerId
    this.bindings = bindings
    this.history = opts.history ?? new DialHistory()
    this.log = (opts.logger ?? silentLogger).child({ component: 'libp2p' })
    this.clock = opts.clock ?? systemClock
    const counter = (opts.metrics ?? noopMetrics).counter(
      'ethp2p_libp2p_stream_events_total',
      'libp2p req/resp stream events by protocol and kind',
    )
    this.count = (event, protocol) => counter.inc({ event, protocol })
    this.gossip = new Gossip(libp2p.services.pubsub, this.log)
  }

  /** Build the node (nothing listens until `start()`). Throws Libp2pNodeError for a bad key or config. */
  static async create(opts: Libp2pNodeOptions): Promise<Libp2pNode> {
    const privateKey = libp2pPrivateKey(opts.privateKey)
    const bindings: Binding[] = []
    const seen = new Set<string>()
    for (const b of opts.protocols ?? []) {
      checkServable(b.host.protocol)
      const ids = protocolIds(b.host.protocol, b)
      for (const id of ids.ids) {
        if (seen.has(id)) throw new Libp2pNodeError('BAD_CONFIG', `protocol id ${id} registered twice`)
        seen.add(id)
      }
      bindings.push({ host: b.host, protocol: b.host.protocol, ids })
    }
    const ip = opts.listen?.ip ?? '0.0.0.0'
    const family = ip.includes(':') ? 'ip6' : 'ip4'
    const libp2p = await createLibp2p<Services>({
      start: false,
      privateKey,
      addresses: { listen: [`/${family}/${ip}/tcp/${opts.listen?.port ?? 0}`] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: opts.mplex ? [yamux(), mplex()] : [yamux()],
      connectionManager: {
        maxConnections: opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
        ...(opts.inboundPerHostPerSecond !== undefined
          ? { inboundConnectionThreshold: opts.inboundPerHostPerSecond }
          : {}),
      },
      services: { identify: identify(), ping: ping(), pubsub: gossipsub(gossipsubOptions(opts.gossip)) },
    })
    return new Libp2pNode(libp2p, opts, bindings)
  }

  /** Listen, register the protocol handlers and build our ENR. */
  async start(): Promise<void> {
    if (this.stopped) throw new Libp2pNodeError('STOPPED', 'a stopped node cannot be restarted; create a new one')
    if (this.started) return
    this.started = true
    for (const b of this.bindings)
      for (const id of b.ids.ids) {
        const code = b.ids.codeOf(id) as number
        await this.libp2p.handle(id, (stream, connection) => this.onInbound(b, code, stream, connection), {
          maxInboundStreams: MAX_INBOUND_STREAMS_PER_PEER,
          maxOutboundStreams: MAX_OUTBOUND_STREAMS_PER_PEER,
        })
      }
    this.libp2p.addEventListener('peer:identify', this.onIdentify)
    this.libp2p.addEventListener('peer:disconnect', this.onDisconnect)
    this.libp2p.addEventListener('peer:connect', this.onConnect)
    await this.libp2p.start()
    const port = this.tcpPort
    const announce = this.opts.announceIp ?? this.opts.listen?.ip
    const v6 = announce?.includes(':') ?? false
    this.localEnr = createLocalEnr(this.opts.privateKey, {
      ...(announce && !v6 ? { ip: announce, tcp: port } : {}),
      ...(announce && v6 ? { ip6: announce, tcp6: port } : {}),
      ...(!announce ? { tcp: port } : {}),
      ...(this.opts.udpPort !== undefined ? (v6 ? { udp6: this.opts.udpPort } : { udp: this.opts.udpPort }) : {}),
      ...(this.opts.enrExtra ? { extra: this.opts.enrExtra } : {}),
    })
  }

  /** Stop the discovery loop, close every session and stop libp2p (no sockets or timers left). */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.stopping.abort(new Libp2pNodeError('STOPPED', 'node stopped'))
    await this.loop?.stop()
    this.gossip.close()
    for (const [, m] of this.sessions)
      for (const s of m.values()) s.conn.closeFromNode({ reason: DisconnectReason.Requested, remote: false })
    this.sessions.clear()
    this.libp2p.removeEventListener('peer:identify', this.onIdentify)
    this.libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
    this.libp2p.removeEventListener('peer:connect', this.onConnect)
    this.connected.clear()
    this.connectedIds.clear()
    if (this.started) await this.libp2p.stop()
  }

  /** Our ENR: key, advertised IP, the libp2p TCP port, the UDP port and the custom entries. */
  get enr(): Enr {
    if (!this.localEnr) throw new Libp2pNodeError('NOT_STARTED', 'the ENR is built by start()')
    return this.localEnr
  }

  /**
   * Adopt a newer record of ours made elsewhere (discv5's address update, an Eth2 node's
   * `updateEnr`): it must carry our key and a higher seq. Throws Libp2pNodeError BAD_CONFIG otherwise.
   */
  setEnr(enr: Enr): void {
    const cur = this.enr
    if (!equalBytes(enr.nodeId, cur.nodeId)) throw new Libp2pNodeError('BAD_CONFIG', 'the record is not ours')
    if (enr.seq <= cur.seq) throw new Libp2pNodeError('BAD_CONFIG', `record seq ${enr.seq} is not above ${cur.seq}`)
    this.localEnr = enr
  }

  /** Replace custom ENR entries (e.g. new `attnets`); the record's seq grows by one. */
  updateEnr(extra: Record<string, Uint8Array>): Enr {
    this.localEnr = this.enr.update(this.opts.privateKey, { extra })
    return this.localEnr
  }

  /** Listen addresses with our `/p2p/<peer id>`. */
  get multiaddrs(): Multiaddr[] {
    return this.libp2p.getMultiaddrs()
  }

  /** The TCP port libp2p listens on. */
  get tcpPort(): number {
    for (const ma of this.libp2p.getMultiaddrs()) {
      const tcpPart = ma.getComponents().find((c) => c.name === 'tcp')
      if (tcpPart?.value) return Number(tcpPart.value)
    }
    throw new Libp2pNodeError('NO_ADDRESS', 'libp2p is not listening on TCP')
  }

  /** Peers connected now. */
  peerCount(): number {
    return this.connected.size
  }

  /** Peer ids connected now. */
  connectedPeers(): PeerId[] {
    return [...this.connected.values()].map((c) => c.peerId)
  }

  /** Hex node id of a peer (from the connected set when it is there; see {@link historyKey}). */
  nodeIdHexOf(peerId: PeerId): string {
    return this.connected.get(peerId.toString())?.nodeIdHex ?? historyKey(peerId)
  }

  /** True if the node with hex node id `nodeIdHex` is connected. */
  isConnected(nodeIdHex: string): boolean {
    return this.connectedIds.has(nodeIdHex)
  }

  /** The session of `peerId` for the protocol `host` serves, if any (typed by the host). */
  peer<P extends AnyProtocol>(peerId: PeerId | string, host: ProtocolHost<P>): ProtocolPeer<P> | undefined {
    return this.sessions.get(peerId.toString())?.get(host.protocol.id)?.peer as ProtocolPeer<P> | undefined
  }

  /** Protocol ids (e.g. `ping/1`) with a session to `peerId`. */
  sessionsOf(peerId: PeerId | string): string[] {
    return [...(this.sessions.get(peerId.toString())?.keys() ?? [])]
  }

  /**
   * Dial a record's TCP addresses (or a multiaddr ending in `/p2p/<id>`), with the peer id checked
   * by noise. Rejects with Libp2pNodeError NO_ADDRESS for a record without a usable TCP address.
   */
  async dial(target: Enr | Multiaddr, signal?: AbortSignal): Promise<void> {
    if (!this.started || this.stopped) throw new Libp2pNodeError('NOT_STARTED', 'start the node before dialing')
    let addrs: Multiaddr[]
    if ('nodeId' in target) {
      const info = enrToPeerInfo(target)
      if (!info.ok) throw new Libp2pNodeError('NO_ADDRESS', `record cannot be dialed: ${info.error}`)
      const suffix = multiaddr(`/p2p/${info.value.peerId.toString()}`)
      addrs = info.value.multiaddrs.map((a) => a.encapsulate(suffix))
    } else addrs = [target]
    const linked = linkedSignal(signal, this.stopping.signal)
    try {
      await this.libp2p.dial(addrs, { signal: linked.signal })
    } finally {
      linked.dispose()
    }
  }

  /** Close the connection to `peerId`. */
  async hangUp(peerId: PeerId): Promise<void> {
    await this.libp2p.hangUp(peerId)
  }

  /**
   * The Nimbus flow: bootnodes to discovery (and dialed when they have TCP), then a loop of random
   * lookups while fewer than `targetPeers` are connected, filtered, backed off and bounded. Stop
   * it with `stop()` on the node. Returns the loop (for its stats).
   */
  connectToNetwork(
    bootnodes: readonly Enr[],
    discovery: DiscoverySource,
    opts: Omit<DiscoveryLoopOptions, 'history' | 'clock' | 'logger'>,
  ): DiscoveryLoop {
    if (!this.started || this.stopped) throw new Libp2pNodeError('NOT_STARTED', 'start the node first')
    if (this.loop) throw new Libp2pNodeError('BAD_CONFIG', 'connectToNetwork was already called')
    this.loop = new DiscoveryLoop(discovery, this, {
      ...opts,
      history: this.history,
      clock: this.clock,
      logger: this.log,
    })
    this.loop.start(bootnodes)
    return this.loop
  }

  // ---------- sessions ----------

  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>) => {
    const remote = new Set(evt.detail.protocols)
    for (const b of this.bindings) if (b.ids.ids.some((id) => remote.has(id))) this.ensureSession(evt.detail.peerId, b)
  }

  private readonly onConnect = (evt: CustomEvent<PeerId>) => {
    const key = evt.detail.toString()
    if (this.connected.has(key)) return
    const nodeIdHex = historyKey(evt.detail)
    this.connected.set(key, { peerId: evt.detail, nodeIdHex })
    this.connectedIds.set(nodeIdHex, (this.connectedIds.get(nodeIdHex) ?? 0) + 1)
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>) => {
    const gone = this.connected.get(evt.detail.toString())
    if (gone) {
      this.connected.delete(evt.detail.toString())
      const n = (this.connectedIds.get(gone.nodeIdHex) ?? 1) - 1
      if (n > 0) this.connectedIds.set(gone.nodeIdHex, n)
      else this.connectedIds.delete(gone.nodeIdHex)
    }
    this.closeSessions(evt.detail.toString(), { reason: DisconnectReason.Requested, remote: true })
    this.loop?.wake()
  }

  private onInbound(b: Binding, code: number, stream: Stream, connection: Connection): void {
    const s = this.ensureSession(connection.remotePeer, b)
    if (!s) stream.abort(new Error('no session'))
    else s.conn.accept(stream, code)
  }

  private closeSessions(key: string, info: CloseInfo, except?: Session): void {
    const m = this.sessions.get(key)
    if (!m) return
    this.sessions.delete(key)
    for (const s of m.values()) if (s !== except) s.conn.closeFromNode(info)
  }

  private ensureSession(peerId: PeerId, b: Binding): Session | undefined {
    if (this.stopped) return undefined
    const key = peerId.toString()
    const existing = this.sessions.get(key)?.get(b.protocol.id)
    if (existing) return existing
    if (this.libp2p.getConnections(peerId).length === 0) return undefined
    const protocol = b.protocol.id
    let self: Session | undefined
    const conn = new StreamConnection(b.protocol, b.ids, {
      openStream: (pid, signal) => this.openStream(peerId, pid, signal),
      hangUp: (reason) => {
        this.closeSessions(key, { reason, remote: false }, self)
        this.libp2p.hangUp(peerId).catch((e: unknown) => this.log.debug('hang up failed', { error: e }))
      },
      clock: this.clock,
      logger: this.log.child({ peer: key }),
      count: (event) => this.count(event, protocol),
      ...this.opts.timeouts,
    })
    const peer = b.host.attach(conn)
    self = { conn, peer }
    let m = this.sessions.get(key)
    if (!m) {
      m = new Map()
      this.sessions.set(key, m)
    }
    m.set(protocol, self)
    const session = self
    void peer.closed.then(() => {
      if (this.sessions.get(key)?.get(protocol) === session) this.sessions.get(key)?.delete(protocol)
    })
    peer.start({ signal: this.stopping.signal }).then(
      () => {
        this.history.succeed(historyKey(peerId))
        this.opts.onPeerReady?.({ peerId, protocol })
      },
      (e: unknown) => this.sessionFailed(peerId, protocol, e),
    )
    return self
  }

  private sessionFailed(peerId: PeerId, protocol: string, e: unknown): void {
    if (this.stopped) return
    // The side that detects a bad handshake first hangs up; the other sees a remote close.
    let cls: FailureClass = 'disconnected'
    if (e instanceof HandshakeError)
      cls =
        e.reason === DisconnectReason.BreachOfProtocol
          ? 'breach'
          : e.reason === DisconnectReason.ReadTimeout
            ? 'unreachable'
            : 'useless'
    else if (!(e instanceof DisconnectedError)) cls = 'unreachable'
    this.history.fail(historyKey(peerId), cls, this.clock.now())
    this.log.debug('session failed', { peer: peerId.toString(), protocol, error: e })
  }

  private async openStream(peerId: PeerId, protocolId: string, signal: AbortSignal): Promise<Stream> {
    const conn = this.libp2p.getConnections(peerId).find((c) => c.status === 'open')
    if (!conn) throw new Libp2pNodeError('NO_ADDRESS', 'no open connection to the peer')
    return conn.newStream(protocolId, { signal })
  }
}

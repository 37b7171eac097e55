/**
 * The Eth2-style node, composed (the Nimbus `createEth2Node` + `connectToNetwork` flow): a
 * {@link Discv5Service} on a UDP socket finds peers, a {@link Libp2pNode} on TCP connects them and
 * runs our protocols over streams, and the discovery loop joins the two. One secp256k1 key is the
 * discv5 identity and the libp2p peer id; one record advertises the libp2p TCP port, the discv5
 * UDP port and the Eth2 entries (`eth2` fork id, `attnets`, `syncnets`).
 *
 * The record has one owner, discv5: it may update the address from PONG votes, and
 * {@link Eth2Node.updateEnr} goes through it; libp2p's copy follows.
 * @module
 */
import './polyfill.js'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { publicKey64 } from '../crypto/index.js'
import { type Discv5Options, Discv5Service, nodeFromEnr } from '../discv5/index.js'
import { type Enr, formatEnode } from '../enr/index.js'
import { type Metrics, noopMetrics } from '../metrics/registry.js'
import type { AnyProtocol, ProtocolHost, ProtocolPeer } from '../protocol/index.js'
import { DialHistory } from '../server/backoff.js'
import { demultiplex, UdpTransport } from '../transport/udp.js'
import { type Clock, systemClock } from '../util/clock.js'
import { type Logger, silentLogger } from '../util/logger.js'
import type { DiscoveryLoop, DiscoveryLoopOptions, DiscoverySource } from './discovery.js'
import {
  ATTNETS_ENR_KEY,
  ATTNETS_SIZE,
  type EnrFilter,
  type EnrForkId,
  ETH2_ENR_KEY,
  encodeEnrForkId,
  eth2Filter,
  hasTcp,
  SYNCNETS_ENR_KEY,
  SYNCNETS_SIZE,
} from './enr.js'
import { Libp2pNodeError } from './errors.js'
import type { GossipOptions } from './gossip.js'
import { Libp2pNode, type PeerReadyEvent, type ProtocolBinding } from './node.js'

/** Default TCP (and UDP) port. The port consensus clients use (Lighthouse, Prysm, Teku, Nimbus: 9000). */
export const ETH2_DEFAULT_PORT = 9000
/** Peers wanted by default. Ours: half of Libp2pNode's DEFAULT_MAX_CONNECTIONS, leaving room for inbound peers. */
export const DEFAULT_TARGET_PEERS = 50

/** Options of {@link createEth2Node}. */
export interface Eth2NodeOptions {
  /** 32-byte secp256k1 private key: discv5 identity and libp2p peer id. */
  privateKey: Uint8Array
  /** Listen address of TCP and UDP. Default 127.0.0.1. */
  host?: string
  /** libp2p TCP port. Default {@link ETH2_DEFAULT_PORT}; 0 picks a free one. */
  tcpPort?: number
  /** discv5 UDP port. Default the TCP port (a free one when that is 0). */
  udpPort?: number
  /** Address to advertise instead of `host`; when given, discv5 does not change it from votes. */
  announceIp?: string
  /** Bootnode records: seeded into discv5 and dialed when they have a TCP port. */
  bootnodes?: readonly Enr[]
  /** Peers the discovery loop keeps connected. Default {@link DEFAULT_TARGET_PEERS}. */
  targetPeers?: number
  /** Which discovered records are dialed. Default: {@link eth2Filter} on `forkId`, else {@link hasTcp}. */
  filter?: EnrFilter
  /** Our `eth2` entry (fork digest, next fork). */
  forkId?: EnrForkId
  /** Our `attnets` bitfield ({@link ATTNETS_SIZE} bytes). */
  attnets?: Uint8Array
  /** Our `syncnets` bitfield ({@link SYNCNETS_SIZE} byte). */
  syncnets?: Uint8Array
  /** More ENR entries. */
  enrExtra?: Record<string, Uint8Array>
  protocols?: ProtocolBinding[]
  gossip?: GossipOptions
  /** Offer mplex after yamux. */
  mplex?: boolean
  /** libp2p connection limit; default Libp2pNode's. */
  maxConnections?: number
  inboundPerHostPerSecond?: number
  /** Stream deadlines (tests shorten them). */
  timeouts?: { ttfbMs?: number; respMs?: number }
  /** discv5 tuning (timeouts, refresh, limits). */
  discv5?: Omit<Discv5Options, 'privateKey' | 'enr' | 'send' | 'bootnodes' | 'clock' | 'metrics' | 'onEnrChange'>
  /** Discovery loop tuning. */
  discovery?: Pick<
    DiscoveryLoopOptions,
    'maxConcurrentDials' | 'bootnodeCheckMs' | 'idleMs' | 'dialTimeoutMs' | 'onNoBootnode'
  >
  /** Dial backoff (shared with an RLPx dialer if wanted); a fresh one by default. */
  history?: DialHistory
  /** Called when a protocol handshake with a peer completed. */
  onPeerReady?: (e: PeerReadyEvent) => void
  /** Called after our record changed. */
  onEnrChange?: (enr: Enr) => void
  clock?: Clock
  logger?: Logger
  metrics?: Metrics
}

/** One libp2p connection, as the devnet and dashboards show it. */
export interface Eth2Connection {
  peerId: PeerId
  /** Hex node id (from the peer id's secp256k1 key). */
  nodeIdHex: string
  direction: 'inbound' | 'outbound'
}

/** discv5 as the discovery loop's source: bootnodes go into the table, random lookups feed the dialer. */
export function discv5Source(discv5: Discv5Service): DiscoverySource {
  return {
    addEnr(enr) {
      const n = nodeFromEnr(enr)
      if (n) discv5.table.addSeen(n, discv5.clock.now())
    },
    randomNodes: (signal) => discv5.randomNodes({ signal }),
  }
}

/** A running Eth2-style node. Create with {@link createEth2Node}; `stop()` closes everything. */
export class Eth2Node {
  private stopped: Promise<void> | undefined

  private constructor(
    private readonly privateKey: Uint8Array,
    readonly libp2p: Libp2pNode,
    readonly discv5: Discv5Service,
    private readonly udp: UdpTransport,
    readonly loop: DiscoveryLoop,
    private readonly counts: { handshakes: number },
  ) {}

  /** @internal use {@link createEth2Node} */
  static async create(opts: Eth2NodeOptions): Promise<Eth2Node> {
    const host = opts.host ?? '127.0.0.1'
    const tcpPort = opts.tcpPort ?? ETH2_DEFAULT_PORT
    const clock = opts.clock ?? systemClock
    const logger = opts.logger ?? silentLogger
    const metrics = opts.metrics ?? noopMetrics
    const counts = { handshakes: 0 }
    const udp = await UdpTransport.bind(host, opts.udpPort ?? tcpPort)
    let node: Libp2pNode | undefined
    try {
      node = await Libp2pNode.create({
        privateKey: opts.privateKey,
        listen: { ip: host, port: tcpPort },
        ...(opts.announceIp !== undefined ? { announceIp: opts.announceIp } : {}),
        udpPort: udp.address.port,
        enrExtra: eth2Entries(opts),
        ...(opts.protocols ? { protocols: opts.protocols } : {}),
        ...(opts.gossip ? { gossip: opts.gossip } : {}),
        ...(opts.mplex !== undefined ? { mplex: opts.mplex } : {}),
        ...(opts.maxConnections !== undefined ? { maxConnections: opts.maxConnections } : {}),
        ...(opts.inboundPerHostPerSecond !== undefined
          ? { inboundPerHostPerSecond: opts.inboundPerHostPerSecond }
          : {}),
        ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
        history: opts.history ?? new DialHistory(),
        clock,
        logger,
        metrics,
        onPeerReady: (e) => {
          counts.handshakes++
          opts.onPeerReady?.(e)
        },
      })
      await node.start()
      const libp2p = node
      const discv5 = new Discv5Service({
        ...opts.discv5,
        privateKey: opts.privateKey,
        enr: libp2p.enr,
        send: (bytes, to) => udp.send(bytes, to),
        bootnodes: [...(opts.bootnodes ?? [])],
        enrAutoUpdate: opts.discv5?.enrAutoUpdate ?? opts.announceIp === undefined,
        onEnrChange: (e) => {
          libp2p.setEnr(e)
          opts.onEnrChange?.(e)
        },
        clock,
        metrics,
      })
      demultiplex(udp, { v5: (d, f) => void discv5.handle(d, f) })
      discv5.start()
      const filter = opts.filter ?? (opts.forkId ? eth2Filter(opts.forkId.forkDigest) : hasTcp)
      const loop = libp2p.connectToNetwork(opts.bootnodes ?? [], discv5Source(discv5), {
        ...opts.discovery,
        targetPeers: opts.targetPeers ?? DEFAULT_TARGET_PEERS,
        filter,
      })
      return new Eth2Node(opts.privateKey, libp2p, discv5, udp, loop, counts)
    } catch (e) {
      await node?.stop().catch(() => {})
      await udp.close()
      throw e
    }
  }

  /** Our current record (owned by discv5). */
  get enr(): Enr {
    return this.discv5.enr
  }

  /** `enode://<key>@<ip>:<tcp>[?discport=<udp>]`, for tools that take enode URLs. */
  get enode(): string {
    const r = this.enr
    return formatEnode({
      publicKey: publicKey64(this.privateKey),
      ip: r.ip ?? r.ip6 ?? this.udp.address.ip,
      tcp: this.tcpPort,
      udp: this.udpPort,
    })
  }

  get peerId(): PeerId {
    return this.libp2p.peerId
  }

  /** Listen addresses with `/p2p/<peer id>`. */
  get multiaddrs(): Multiaddr[] {
    return this.libp2p.multiaddrs
  }

  get tcpPort(): number {
    return this.libp2p.tcpPort
  }

  get udpPort(): number {
    return this.udp.address.port
  }

  /** Protocol handshakes completed since start. */
  get handshakes(): number {
    return this.counts.handshakes
  }

  peerCount(): number {
    return this.libp2p.peerCount()
  }

  connectedPeers(): PeerId[] {
    return this.libp2p.connectedPeers()
  }

  /** Open libp2p connections (a peer may briefly have two). */
  connections(): Eth2Connection[] {
    return this.libp2p.libp2p
      .getConnections()
      .filter((c) => c.status === 'open')
      .map((c) => ({ peerId: c.remotePeer, nodeIdHex: this.libp2p.nodeIdHexOf(c.remotePeer), direction: c.direction }))
  }

  /** The session of `peerId` for the protocol `host` serves. */
  peer<P extends AnyProtocol>(peerId: PeerId | string, host: ProtocolHost<P>): ProtocolPeer<P> | undefined {
    return this.libp2p.peer(peerId, host)
  }

  /** Dial a record or a `/p2p/` multiaddr now. */
  dial(target: Enr | Multiaddr, signal?: AbortSignal): Promise<void> {
    return this.libp2p.dial(target, signal)
  }

  /** Replace Eth2 entries (e.g. new `attnets`); seq grows by one and discv5 serves the new record. */
  updateEnr(extra: Record<string, Uint8Array>): Enr {
    if (this.stopped) throw new Libp2pNodeError('STOPPED', 'node stopped')
    const next = this.enr.update(this.privateKey, { extra })
    this.discv5.setEnr(next)
    return next
  }

  /** Stop the loop, libp2p (every connection), discv5 and the UDP socket; idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      await this.libp2p.stop()
      await this.discv5.close()
      await this.udp.close()
    })()
    return this.stopped
  }
}

function eth2Entries(o: Eth2NodeOptions): Record<string, Uint8Array> {
  const extra: Record<string, Uint8Array> = { ...o.enrExtra }
  if (o.forkId) extra[ETH2_ENR_KEY] = encodeEnrForkId(o.forkId)
  if (o.attnets) {
    if (o.attnets.length !== ATTNETS_SIZE) throw new Libp2pNodeError('BAD_CONFIG', `attnets is ${ATTNETS_SIZE} bytes`)
    extra[ATTNETS_ENR_KEY] = o.attnets
  }
  if (o.syncnets) {
    if (o.syncnets.length !== SYNCNETS_SIZE)
      throw new Libp2pNodeError('BAD_CONFIG', `syncnets is ${SYNCNETS_SIZE} byte`)
    extra[SYNCNETS_ENR_KEY] = o.syncnets
  }
  return extra
}

/**
 * Create and start an Eth2-style node: UDP bound, libp2p listening, discv5 running, the discovery
 * loop dialing toward `targetPeers`. Rejects (with everything closed) if a port is taken.
 */
export function createEth2Node(opts: Eth2NodeOptions): Promise<Eth2Node> {
  return Eth2Node.create(opts)
}

/**
 * One config, one node: the key and node database, the local ENR, discovery (v4, v5, both on one
 * UDP port, or none), the RLPx server with its dial scheduler, the protocols it runs, and metrics.
 */
import { EventEmitter } from 'node:events'
import { nodeIdFromPublicKey } from '../crypto/nodeid.js'
import { generatePrivateKey, publicKey64 } from '../crypto/secp256k1.js'
import { makeNode } from '../discv4/node.js'
import { Discv4Service } from '../discv4/service.js'
import { Discv5Service } from '../discv5/service.js'
import { formatEnode } from '../enr/enode.js'
import { Enr, type EnrFields } from '../enr/record.js'
import { type MetricsServer, serveMetrics } from '../metrics/http.js'
import { MetricsRegistry } from '../metrics/registry.js'
import type { AnyProtocol } from '../protocol/define.js'
import { ProtocolHost } from '../protocol/host.js'
import { forkIdFilter, forkIdFromRlp, forkIdToRlp } from '../protocols/eth/forkid.js'
import { type ChainConfig, computeForkId, type EthHead, eth68, eth69 } from '../protocols/eth/index.js'
import type { RlpxTimeouts } from '../rlpx/config.js'
import { DialHistory } from '../server/backoff.js'
import { Dialer } from '../server/dialer.js'
import { Netlist } from '../server/netlist.js'
import { NodeDb } from '../server/nodedb.js'
import type { Peer } from '../server/peer.js'
import { type DialCandidate, type PeerRemovedEvent, Server } from '../server/server.js'
import { demultiplex, UdpTransport } from '../transport/udp.js'
import { equalBytes } from '../util/bytes.js'
import { type Clock, systemClock, type Timer } from '../util/clock.js'
import { type Logger, silentLogger } from '../util/logger.js'
import { type NodeRef, nodeRefOf, parseNodeList, toDialCandidate } from './bootnodes.js'

/** How often the live nodes of the tables are written to the node database. */
export const SAVE_INTERVAL_MS = 5 * 60_000

/** Discovery protocols a node can run. */
export type DiscoveryProtocol = 'v4' | 'v5'

export interface NodeOptions {
  /** 32-byte private key. Default: the datadir's key, or a new one. */
  privateKey?: Uint8Array
  /** Where the node database lives (key, ENR seq, known nodes). None: nothing persists. */
  datadir?: string
  /** Listen address for TCP and UDP. Default 127.0.0.1. */
  host?: string
  /** RLPx TCP port. Default 30303; 0 picks a free one. */
  tcpPort?: number
  /** Discovery UDP port. Default: the TCP port (0: a free one). */
  udpPort?: number
  /** Address to advertise instead of `host` (`--nat extip:IP`). */
  externalIp?: string
  /** Default ['v4', 'v5']. */
  discovery?: readonly DiscoveryProtocol[]
  /** Discovery bootnodes (`enr:` or `enode://`); also dialed when discovery is off. */
  bootnodes?: readonly string[]
  /** Nodes kept connected. */
  staticNodes?: readonly string[]
  /** Nodes allowed past the peer limits. */
  trustedNodes?: readonly string[]
  maxPeers?: number
  dialRatio?: number
  maxPendingInbound?: number
  maxConcurrentDials?: number
  /** Comma-separated CIDRs: only these may connect or be dialed. */
  netRestrict?: string
  /** Chain for the default eth/68 + eth/69 protocols. Default mainnet is the caller's choice; required when `protocols` is not given. */
  chain?: ChainConfig
  /** The protocols to run (overrides the default eth on `chain`). */
  protocols?: ProtocolHost<AnyProtocol>[]
  clientId?: string
  rlpxTimeouts?: Partial<RlpxTimeouts>
  /** Serve Prometheus metrics on this port (on `host`). */
  metricsPort?: number
  clock?: Clock
  logger?: Logger
  metrics?: MetricsRegistry
}

interface NodeEvents {
  'peer:added': [Peer]
  'peer:removed': [PeerRemovedEvent]
}

/** The head a node without a chain database announces: the genesis block. */
function genesisHead(chain: ChainConfig): EthHead {
  return { number: 0n, time: chain.genesisTime, hash: chain.genesisHash, td: 0n, earliest: 0n }
}

/**
 * eth/68 and eth/69 hosts on `chain`, announcing its genesis as our head. A node without a chain
 * database answers every request with an empty list, as go-ethereum does for data it lacks, so
 * peers do not wait out their timeouts.
 */
export function defaultEthProtocols(
  chain: ChainConfig,
  opts: { clock?: Clock; metrics?: MetricsRegistry; logger?: Logger } = {},
) {
  const init = { chain, head: () => genesisHead(chain) }
  const common = {
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  }
  const v68 = new ProtocolHost(eth68, { ...common, init })
    .handle(eth68.requests.getBlockHeaders, () => [])
    .handle(eth68.requests.getBlockBodies, () => [])
    .handle(eth68.requests.getPooledTransactions, () => [])
    .handle(eth68.requests.getReceipts, () => [])
  const v69 = new ProtocolHost(eth69, { ...common, init })
    .handle(eth69.requests.getBlockHeaders, () => [])
    .handle(eth69.requests.getBlockBodies, () => [])
    .handle(eth69.requests.getPooledTransactions, () => [])
    .handle(eth69.requests.getReceipts, () => [])
  return [v68, v69] as unknown as ProtocolHost<AnyProtocol>[]
}

/** A running node. Create with {@link createNode}. */
export class EthP2pNode extends EventEmitter<NodeEvents> {
  private stopped?: Promise<void>

  private constructor(
    readonly privateKey: Uint8Array,
    private readonly record: { current: Enr },
    readonly server: Server,
    readonly dialer: Dialer,
    readonly metrics: MetricsRegistry,
    private readonly parts: {
      db?: NodeDb
      udp?: UdpTransport
      discv4?: Discv4Service
      discv5?: Discv5Service
      metricsServer?: MetricsServer
      bootnodes: NodeRef[]
      logger: Logger
      clock: Clock
    },
  ) {
    super()
    server.on('peer:added', (p) => this.emit('peer:added', p))
    server.on('peer:removed', (e) => this.emit('peer:removed', e))
  }

  /** @internal use {@link createNode} */
  static async create(opts: NodeOptions): Promise<EthP2pNode> {
    const logger = opts.logger ?? silentLogger
    const clock = opts.clock ?? systemClock
    const metrics = opts.metrics ?? new MetricsRegistry()
    const host = opts.host ?? '127.0.0.1'
    const discovery = opts.discovery ?? ['v4', 'v5']
    const cleanup: (() => Promise<void>)[] = []
    try {
      const db = opts.datadir ? await NodeDb.open(opts.datadir) : undefined
      if (db) cleanup.push(() => db.close())
      let privateKey = opts.privateKey
      if (db) {
        if (privateKey) await db.storeKey(privateKey)
        else privateKey = await db.loadOrCreateKey()
      }
      privateKey ??= generatePrivateKey()

      const protocols =
        opts.protocols ?? (opts.chain ? defaultEthProtocols(opts.chain, { clock, metrics, logger }) : [])
      const netRestrict = opts.netRestrict ? Netlist.parse(opts.netRestrict) : undefined
      const trusted = parseNodeList(opts.trustedNodes).map((n) => n.nodeId)
      const localId = nodeIdFromPublicKey(publicKey64(privateKey))
      const server = await Server.start(
        {
          privateKey,
          host,
          port: opts.tcpPort ?? 30303,
          protocols,
          ...(opts.clientId ? { clientId: opts.clientId } : {}),
          ...(opts.maxPeers !== undefined ? { maxPeers: opts.maxPeers } : {}),
          ...(opts.dialRatio !== undefined ? { dialRatio: opts.dialRatio } : {}),
          ...(opts.maxPendingInbound !== undefined ? { maxPendingInbound: opts.maxPendingInbound } : {}),
          ...(netRestrict ? { netRestrict } : {}),
          trusted,
          ...(opts.rlpxTimeouts ? { rlpxTimeouts: opts.rlpxTimeouts } : {}),
          clock,
          logger,
          metrics,
        },
        localId,
      )
      cleanup.push(() => server.stop())
      const tcpPort = server.address?.port ?? 0

      const udp =
        discovery.length > 0
          ? await UdpTransport.bind(host, opts.udpPort ?? (opts.tcpPort === 0 ? 0 : tcpPort))
          : undefined
      if (udp) cleanup.push(() => udp.close())
      const advertised = opts.externalIp ?? host
      const seq = ((await db?.localSeq()) ?? 0n) + 1n
      const fields: EnrFields = { seq, ...ipFields(advertised, tcpPort, udp?.address.port) }
      if (opts.chain) fields.extra = { eth: [forkIdToRlp(computeForkId(opts.chain, genesisHead(opts.chain)))] }
      const record = { current: Enr.create(privateKey, fields) }
      await db?.setLocalSeq(record.current.seq)

      const bootnodes = parseNodeList(opts.bootnodes)
      // Nodes that answered us recently seed the tables, so a restart needs no bootnodes.
      if (db) {
        await db.expire(Date.now())
        for (const rec of await db.seedNodes(Date.now())) {
          if (!bootnodes.some((b) => equalBytes(b.nodeId, rec.enr.nodeId))) bootnodes.push(nodeRefOf(rec.enr))
        }
      }
      let discv4: Discv4Service | undefined
      if (udp && discovery.includes('v4')) {
        const v4Boot = bootnodes
          .filter((b) => b.ip && b.udp)
          .map((b) => makeNode(b.publicKey, b.ip as string, b.udp, b.tcp))
        discv4 = new Discv4Service({
          privateKey,
          send: (bytes, to) => udp.send(bytes, to),
          endpoint: { ip: advertised, udp: udp.address.port, tcp: tcpPort },
          record: () => record.current.encode(),
          enrSeq: () => record.current.seq,
          bootnodes: v4Boot,
          clock,
          metrics,
        })
        cleanup.push(() => discv4?.close() ?? Promise.resolve())
      }
      let discv5: Discv5Service | undefined
      if (udp && discovery.includes('v5')) {
        discv5 = new Discv5Service({
          privateKey,
          enr: record.current,
          send: (bytes, to) => udp.send(bytes, to),
          bootnodes: bootnodes.flatMap((b) => (b.enr ? [b.enr] : [])),
          // An address given with --nat is ours to announce; otherwise learn it from PONG votes.
          enrAutoUpdate: opts.externalIp === undefined,
          onEnrChange: (e) => {
            record.current = e
            void db?.setLocalSeq(e.seq).catch(() => {})
          },
          clock,
          metrics,
        })
        cleanup.push(() => discv5?.close() ?? Promise.resolve())
      }
      if (udp)
        demultiplex(udp, {
          ...(discv4 ? { v4: (d, f) => void discv4?.handle(d, f) } : {}),
          ...(discv5 ? { v5: (d, f) => void discv5?.handle(d, f) } : {}),
        })

      const dialer = new Dialer(server, {
        ...(opts.chain ? { filter: ethForkFilter(opts.chain) } : {}),
        ...(opts.maxConcurrentDials !== undefined ? { maxConcurrentDials: opts.maxConcurrentDials } : {}),
        history: new DialHistory(),
        clock,
        logger,
      })
      for (const s of parseNodeList(opts.staticNodes)) dialer.addStatic(toDialCandidate(s))
      // Bootnodes are dial candidates too (issue 8: static, boot and discovery sources mixed).
      const bootDial = bootnodes.filter((b) => b.tcp > 0).map(toDialCandidate)
      if (bootDial.length > 0) dialer.addSource('boot', once(bootDial))
      if (discv4)
        dialer.addSource(
          'discv4',
          mapIter(discv4.randomNodes(), (n) => ({
            nodeId: n.id,
            publicKey: n.publicKey,
            ip: n.ip,
            tcp: n.tcp,
            ...(n.enr ? { enr: n.enr } : {}),
          })),
        )
      if (discv5)
        dialer.addSource(
          'discv5',
          mapIter(discv5.randomNodes(), (e) => toDialCandidate(nodeRefOf(e))),
        )

      const metricsServer =
        opts.metricsPort !== undefined ? await serveMetrics(metrics, host, opts.metricsPort) : undefined
      if (metricsServer) cleanup.push(() => metricsServer.close())

      const node = new EthP2pNode(privateKey, record, server, dialer, metrics, {
        ...(db ? { db } : {}),
        ...(udp ? { udp } : {}),
        ...(discv4 ? { discv4 } : {}),
        ...(discv5 ? { discv5 } : {}),
        ...(metricsServer ? { metricsServer } : {}),
        bootnodes,
        logger,
        clock,
      })
      discv4?.start()
      discv5?.start()
      dialer.start()
      if (db) node.scheduleSave()
      return node
    } catch (e) {
      for (const c of cleanup.reverse()) await c().catch(() => {})
      throw e
    }
  }

  /** Our current signed record (discv5 may update it from PONG votes). */
  get enr(): Enr {
    return this.record.current
  }

  /** `enode://<key>@<ip>:<tcp>[?discport=<udp>]`. */
  get enode(): string {
    const r = this.record.current
    const udp = r.udp ?? r.udp6 ?? this.tcpPort
    return formatEnode({
      publicKey: publicKey64(this.privateKey),
      ip: r.ip ?? r.ip6 ?? '127.0.0.1',
      tcp: this.tcpPort,
      udp,
    })
  }

  get tcpPort(): number {
    return this.server.address?.port ?? 0
  }

  get udpPort(): number | undefined {
    return this.parts.udp?.address.port
  }

  get nodeId(): Uint8Array {
    return this.record.current.nodeId
  }

  get discv4(): Discv4Service | undefined {
    return this.parts.discv4
  }

  get discv5(): Discv5Service | undefined {
    return this.parts.discv5
  }

  get metricsPort(): number | undefined {
    return this.parts.metricsServer?.port
  }

  /** Connected peers. */
  get peers(): Peer[] {
    return [...this.server.peers.values()]
  }

  /** Dial a node (`enr:` or `enode://`) now and resolve with the peer. */
  async connect(target: string | DialCandidate, opts: { signal?: AbortSignal } = {}): Promise<Peer> {
    const c = typeof target === 'string' ? toDialCandidate(parseNodeList(target)[0] as NodeRef) : target
    return this.server.dial(c, opts)
  }

  /** Keep a node connected from now on. */
  addStatic(target: string): void {
    for (const n of parseNodeList(target)) this.dialer.addStatic(toDialCandidate(n))
  }

  private saveTimer?: Timer

  /** Write the live nodes of the discovery tables (with their records) to the database. */
  private async saveNodes(): Promise<void> {
    const db = this.parts.db
    if (!db) return
    const now = Date.now()
    const live = [
      ...(this.parts.discv5?.table.nodes({ liveOnly: true }) ?? []),
      ...(this.parts.discv4?.table.nodes({ liveOnly: true }) ?? []),
    ]
    for (const n of live) if (n.enr) await db.putNode(n.enr, { lastPong: now }, now).catch(() => {})
  }

  /** @internal Save the tables every {@link SAVE_INTERVAL_MS} until stopped. */
  scheduleSave(): void {
    this.saveTimer = this.parts.clock.setTimer(SAVE_INTERVAL_MS, () => {
      void this.saveNodes().then(() => {
        if (!this.stopped) this.scheduleSave()
      })
    })
  }

  /**
   * Stop: dialer first, then ClientQuitting to every peer, then discovery, sockets, metrics and the
   * database. Resolves when everything is closed; idempotent.
   */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.saveTimer?.cancel()
      await this.saveNodes()
      await this.dialer.stop()
      await this.server.stop()
      await this.parts.discv4?.close()
      await this.parts.discv5?.close()
      await this.parts.udp?.close()
      await this.parts.metricsServer?.close()
      await this.parts.db?.close()
    })()
    return this.stopped
  }
}

function ipFields(ip: string, tcp: number, udp: number | undefined): EnrFields {
  return ip.includes(':')
    ? { ip6: ip, tcp6: tcp, ...(udp !== undefined ? { udp6: udp } : {}) }
    : { ip, tcp, ...(udp !== undefined ? { udp } : {}) }
}

/**
 * go-ethereum's eth dial filter (eth/protocols/eth NewNodeFilter): a candidate whose record carries
 * an `eth` entry must have a fork id our chain accepts (EIP-2124); a record without one is not an eth
 * node. Candidates known only by enode (no record) are dialed and judged by the Status handshake.
 */
export function ethForkFilter(chain: ChainConfig): (c: DialCandidate) => boolean {
  const check = forkIdFilter(chain)
  const head = genesisHead(chain)
  return (c) => {
    if (!c.enr) return true
    const eth = c.enr.getItem('eth')
    if (!Array.isArray(eth) || eth.length === 0) return false
    try {
      return check(head, forkIdFromRlp(eth[0])).ok
    } catch {
      return false
    }
  }
}

async function* once<T>(items: T[]): AsyncGenerator<T> {
  yield* items
}

async function* mapIter<A, B>(it: AsyncIterable<A>, f: (a: A) => B): AsyncGenerator<B> {
  for await (const a of it) yield f(a)
}

/** Create and start a node. */
export function createNode(opts: NodeOptions): Promise<EthP2pNode> {
  return EthP2pNode.create(opts)
}

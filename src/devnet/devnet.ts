/**
 * A local network on 127.0.0.1 in one process: one bootnode and N-1 nodes that find each other by
 * discovery, connect over RLPx and run eth Status on the devnet chain. With `transport: 'libp2p'`
 * they are Eth2-style nodes instead: discv5, libp2p, and the fork-status handshake.
 */
import { generatePrivateKey } from '../crypto/index.js'
import {
  createEth2Node,
  DEVNET_FORK_DIGEST,
  type Eth2Node,
  FAR_FUTURE_EPOCH,
  forkStatusHost,
  genesisStatus,
} from '../libp2p/index.js'
import type { MetricsRegistry } from '../metrics/registry.js'
import { createNode, type DiscoveryProtocol, EthP2pNode } from '../node/node.js'
import { devnet } from '../protocols/eth/chains.js'
import { type Logger, silentLogger } from '../util/logger.js'

export interface DevnetOptions {
  /** Nodes including the bootnode. Default 16. */
  nodes?: number
  discovery?: readonly DiscoveryProtocol[]
  /** Peer limit of each node. Default 12. */
  maxPeers?: number
  host?: string
  logger?: Logger
  /** `rlpx` (default) or `libp2p` (Eth2-style nodes; discovery is discv5 and `discovery` is ignored). */
  transport?: 'rlpx' | 'libp2p'
}

/** A devnet node of either transport. */
export type DevnetNode = EthP2pNode | Eth2Node

/** One node's figures, as shown by the terminal and the dashboard. */
export interface NodeStatus {
  index: number
  nodeId: string
  enode: string
  peers: number
  inbound: number
  outbound: number
  /** Discovery table size (discv4 and discv5 summed). */
  table: number
  dials: number
  dialFailures: number
  /** Indexes of the devnet nodes this node is connected to. */
  links: number[]
}

export interface DevnetStatus {
  uptimeMs: number
  nodes: NodeStatus[]
  /** Nodes with at least one peer. */
  connected: number
  totalPeers: number
  handshakes: number
}

export class Devnet {
  private readonly started = performance.now()

  private constructor(readonly nodes: DevnetNode[]) {}

  /** Start the bootnode, then the others, all on free ports. */
  static async start(opts: DevnetOptions = {}): Promise<Devnet> {
    const n = Math.max(2, opts.nodes ?? 16)
    if (opts.transport === 'libp2p') return new Devnet(await startLibp2p(n, opts))
    const base = {
      host: opts.host ?? '127.0.0.1',
      tcpPort: 0,
      udpPort: 0,
      discovery: opts.discovery ?? (['v4', 'v5'] as DiscoveryProtocol[]),
      chain: devnet,
      maxPeers: opts.maxPeers ?? 12,
      logger: opts.logger ?? silentLogger,
      clientId: 'eth-p2p/devnet',
    }
    const nodes: EthP2pNode[] = []
    try {
      // The bootnode takes everyone (as public bootnodes run with high peer limits); the mesh
      // between the other nodes comes from discovery.
      const boot = await createNode({ ...base, maxPeers: Math.max(base.maxPeers, 2 * n) })
      nodes.push(boot)
      const bootnodes = [boot.enr.encodeText()]
      for (let i = 1; i < n; i++) nodes.push(await createNode({ ...base, bootnodes }))
    } catch (e) {
      await Promise.all(nodes.map((x) => x.stop()))
      throw e
    }
    return new Devnet(nodes)
  }

  get bootnode(): DevnetNode {
    return this.nodes[0] as DevnetNode
  }

  status(): DevnetStatus {
    const indexOf = new Map(this.nodes.map((n, i) => [n.enr.nodeIdHex, i]))
    const nodes = this.nodes.map((node, index): NodeStatus => {
      if (!(node instanceof EthP2pNode)) return eth2Status(node, index, indexOf)
      const peers = node.peers
      return {
        index,
        nodeId: node.enr.nodeIdHex,
        enode: node.enode,
        peers: peers.length,
        inbound: peers.filter((p) => p.direction === 'inbound').length,
        outbound: peers.filter((p) => p.direction === 'outbound').length,
        table: (node.discv4?.table.size ?? 0) + (node.discv5?.table.size ?? 0),
        dials: node.dialer.stats.attempts,
        dialFailures: node.dialer.stats.failures,
        links: peers.flatMap((p) => {
          const i = indexOf.get(p.idHex)
          return i === undefined ? [] : [i]
        }),
      }
    })
    const handshakes = this.nodes.reduce(
      (s, x) => s + (x instanceof EthP2pNode ? total(x.metrics, 'ethp2p_dials_total', 'connected') : x.handshakes),
      0,
    )
    return {
      uptimeMs: performance.now() - this.started,
      nodes,
      connected: nodes.filter((x) => x.peers > 0).length,
      totalPeers: nodes.reduce((s, x) => s + x.peers, 0),
      handshakes,
    }
  }

  /** Stop every node (ClientQuitting to all peers). */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((x) => x.stop()))
  }
}

/** Eth2-style nodes: a bootnode taking everyone, the others joining through it. */
async function startLibp2p(n: number, opts: DevnetOptions): Promise<Eth2Node[]> {
  const maxPeers = opts.maxPeers ?? 12
  const base = {
    host: opts.host ?? '127.0.0.1',
    tcpPort: 0,
    forkId: { forkDigest: DEVNET_FORK_DIGEST, nextForkVersion: new Uint8Array(4), nextForkEpoch: FAR_FUTURE_EPOCH },
    protocols: [{ host: forkStatusHost(genesisStatus(DEVNET_FORK_DIGEST)), encoding: 'ssz_snappy' as const }],
    // every node dials from 127.0.0.1: js-libp2p's per-host inbound rate (5/s) would refuse them
    inboundPerHostPerSecond: 10 * n,
    ...(opts.logger ? { logger: opts.logger } : {}),
  }
  const nodes: Eth2Node[] = []
  try {
    const boot = await createEth2Node({
      ...base,
      privateKey: generatePrivateKey(),
      targetPeers: Math.max(maxPeers, 2 * n),
      maxConnections: Math.max(maxPeers, 2 * n),
    })
    nodes.push(boot)
    for (let i = 1; i < n; i++)
      nodes.push(
        await createEth2Node({
          ...base,
          privateKey: generatePrivateKey(),
          bootnodes: [boot.enr],
          targetPeers: maxPeers,
          maxConnections: maxPeers,
        }),
      )
  } catch (e) {
    await Promise.all(nodes.map((x) => x.stop()))
    throw e
  }
  return nodes
}

function eth2Status(node: Eth2Node, index: number, indexOf: Map<string, number>): NodeStatus {
  const byPeer = new Map(node.connections().map((c) => [c.nodeIdHex, c.direction]))
  const dirs = [...byPeer.values()]
  return {
    index,
    nodeId: node.enr.nodeIdHex,
    enode: node.enode,
    peers: byPeer.size,
    inbound: dirs.filter((d) => d === 'inbound').length,
    outbound: dirs.filter((d) => d === 'outbound').length,
    table: node.discv5.table.size,
    dials: node.loop.stats.dials,
    dialFailures: node.loop.stats.dialFailures,
    links: [...byPeer.keys()].flatMap((id) => {
      const i = indexOf.get(id)
      return i === undefined ? [] : [i]
    }),
  }
}

function total(m: MetricsRegistry, name: string, outcome: string): number {
  return m.value(name, { outcome })
}

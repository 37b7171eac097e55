/**
 * A local network on 127.0.0.1 in one process: one bootnode and N-1 nodes that find each other by
 * discovery, connect over RLPx and run eth Status on the devnet chain.
 */
import type { MetricsRegistry } from '../metrics/registry.js'
import { createNode, type DiscoveryProtocol, type EthP2pNode } from '../node/node.js'
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
}

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

  private constructor(readonly nodes: EthP2pNode[]) {}

  /** Start the bootnode, then the others, all on free ports. */
  static async start(opts: DevnetOptions = {}): Promise<Devnet> {
    const n = Math.max(2, opts.nodes ?? 16)
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

  get bootnode(): EthP2pNode {
    return this.nodes[0] as EthP2pNode
  }

  status(): DevnetStatus {
    const indexOf = new Map(this.nodes.map((n, i) => [n.enr.nodeIdHex, i]))
    const nodes = this.nodes.map((node, index): NodeStatus => {
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
    const handshakes = this.nodes.reduce((s, x) => s + total(x.metrics, 'ethp2p_dials_total', 'connected'), 0)
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

function total(m: MetricsRegistry, name: string, outcome: string): number {
  return m.value(name, { outcome })
}

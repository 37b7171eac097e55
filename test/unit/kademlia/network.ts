/** An in-memory network of routing tables that answers FINDNODE the way discv4 and discv5 do. */
import { compareDistance, logDistance } from '../../../src/crypto/nodeid.js'
import { BUCKET_SIZE, type Random, RoutingTable, seededRandom } from '../../../src/kademlia/index.js'
import { toHex } from '../../../src/util/bytes.js'
import type { TestNode } from './helpers.js'

/** One simulated peer. */
export interface SimPeer {
  node: TestNode
  table: RoutingTable<TestNode>
}

/** A synthetic network: every peer's table holds up to 16 random peers per bucket, all live. */
export class SimNetwork {
  readonly peers: SimPeer[] = []
  readonly byKey = new Map<string, SimPeer>()

  constructor(size: number, random: Random) {
    for (let i = 0; i < size; i++) {
      const node: TestNode = {
        id: random.bytes(32),
        ip: `${11 + (i >> 16)}.${(i >> 8) & 0xff}.${i & 0xff}.1`,
        udp: 30303,
        seq: 1n,
      }
      const peer = { node, table: new RoutingTable<TestNode>({ localId: node.id, random: seededRandom(i + 1) }) }
      this.peers.push(peer)
      this.byKey.set(toHex(node.id), peer)
    }
    for (const peer of this.peers) {
      const buckets = new Map<number, TestNode[]>()
      for (const other of this.peers) {
        if (other === peer) continue
        const d = logDistance(peer.node.id, other.node.id)
        let b = buckets.get(d)
        if (b === undefined) {
          b = []
          buckets.set(d, b)
        }
        b.push(other.node)
      }
      for (const b of buckets.values()) {
        // a random BUCKET_SIZE of each bucket, as a converged table would hold
        for (let i = 0; i < Math.min(BUCKET_SIZE, b.length); i++) {
          const j = i + random.int(b.length - i)
          const t = b[i] as TestNode
          b[i] = b[j] as TestNode
          b[j] = t
          peer.table.addVerified(b[i] as TestNode, 0)
        }
      }
    }
  }

  /** discv4 NEIGHBORS: the 16 live nodes closest to `target`. */
  findnodeV4(peer: TestNode, target: Uint8Array): TestNode[] {
    return this.peer(peer).table.closest(target, BUCKET_SIZE, { liveOnly: true })
  }

  /** discv5 NODES: live nodes at the asked distances, at most 16. */
  findnodeV5(peer: TestNode, distances: number[]): TestNode[] {
    const out: TestNode[] = []
    for (const d of distances) out.push(...this.peer(peer).table.nodesAtDistance(d, { liveOnly: true }))
    return out.slice(0, BUCKET_SIZE)
  }

  /** The true `k` closest peers to `target` among those `alive`. */
  trueClosest(target: Uint8Array, k: number, alive: (n: TestNode) => boolean = () => true): string[] {
    return this.peers
      .map((p) => p.node)
      .filter(alive)
      .sort((a, b) => compareDistance(target, a.id, b.id))
      .slice(0, k)
      .map((n) => toHex(n.id))
  }

  peer(n: TestNode): SimPeer {
    const p = this.byKey.get(toHex(n.id))
    if (p === undefined) throw new Error('unknown peer')
    return p
  }
}

/**
 * The nodes a discv4 service knows: every node that answered one of our PINGs with the right
 * reply token, with the endpoint it answered at and when. This is what go-ethereum keeps in its
 * node database (p2p/enode/nodedb.go, `lastPongReceived` per node), apart from the routing table,
 * and uses to seed the table (p2p/discover/table.go `loadSeedNodes` → `db.QuerySeeds`). The
 * routing table holds at most k = 16 per log-distance bucket, so most of a network (half of it
 * sits at distance 256) can be known without being in the table.
 *
 * Only a PONG proves a node: nodes named in NEIGHBORS are hearsay and never enter. Pure: time
 * (milliseconds on the service's monotonic clock) is passed in.
 * @module
 */
import type { Enr } from '../enr/index.js'
import { toHex } from '../util/bytes.js'
import { type Discv4Node, withRecord } from './node.js'
import { BOND_EXPIRATION_MS } from './proof.js'

/**
 * Most verified nodes kept. Ours: go-ethereum's node database has no cap (it lives on disk and
 * only drops nodes unseen for 24 h). A thousand entries of ~0.5 KiB (key, endpoint, record) is
 * about 0.5 MiB, more than the ~200 a mainnet node's table and replacement caches can hold; the
 * least recently verified node is forgotten first.
 */
export const MAX_KNOWN_NODES = 1_000

/**
 * How long a PONG keeps a node known, ms: the endpoint proof's lifetime, {@link BOND_EXPIRATION_MS}
 * (24 h), which is also go-ethereum's `dbNodeExpiration` (p2p/enode/nodedb.go), after which its
 * database deletes a node that has not answered since.
 */
export const KNOWN_NODE_MAX_AGE_MS = BOND_EXPIRATION_MS

/** One known node. */
export interface KnownNode {
  /** The node at the endpoint that answered, with the newest record we fetched, if any. */
  readonly node: Discv4Node
  /** When it last answered our PING (monotonic ms). */
  readonly lastPong: number
  /** The record sequence number its newest PONG announced (EIP-868), if any; may exceed `node.seq`. */
  readonly announcedSeq?: bigint
}

/** Verified nodes, most recently verified last, bounded and expiring. */
export class KnownNodes {
  /**
   * BOUNDED: `capacity` entries (default {@link MAX_KNOWN_NODES}), least recently verified evicted
   * first. Keyed by node id (hex), in insertion order: only {@link add} moves an entry (to the
   * end), and time does not go back, so the order is by `lastPong`, oldest first.
   */
  private readonly entries = new Map<string, KnownNode>()

  constructor(
    private readonly capacity = MAX_KNOWN_NODES,
    private readonly maxAgeMs = KNOWN_NODE_MAX_AGE_MS,
  ) {
    if (!(capacity > 0)) throw new RangeError('capacity must be positive')
  }

  /**
   * `node` answered our PING with the matching reply token at `now`: remember it, or refresh it.
   * A record we already hold is kept unless `node` carries a newer one.
   */
  add(node: Discv4Node, now: number, announcedSeq?: bigint): void {
    const key = toHex(node.id)
    const prev = this.entries.get(key)
    let n = node
    if (prev?.node.enr && (node.seq ?? -1n) < (prev.node.seq ?? 0n)) n = withRecord(node, prev.node.enr)
    const seq = announcedSeq ?? prev?.announcedSeq
    this.entries.delete(key)
    this.entries.set(
      key,
      seq === undefined ? { node: n, lastPong: now } : { node: n, lastPong: now, announcedSeq: seq },
    )
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string
      this.entries.delete(oldest)
    }
  }

  /** A verified record of a known node: replaces the held one when newer. Unknown nodes are ignored. */
  setRecord(id: Uint8Array, enr: Enr): void {
    const key = toHex(id)
    const e = this.entries.get(key)
    if (!e || enr.seq <= (e.node.seq ?? -1n)) return
    // Map.set on an existing key keeps its place, so the order by lastPong stands.
    this.entries.set(key, { ...e, node: withRecord(e.node, enr) })
  }

  /** The entry for `id` if it answered a PING within the last 24 h. */
  get(id: Uint8Array, now: number): KnownNode | undefined {
    const e = this.entries.get(toHex(id))
    return e && this.fresh(e, now) ? e : undefined
  }

  /** Number of nodes that answered a PING within the last 24 h (forgets the older ones). */
  size(now: number): number {
    this.prune(now)
    return this.entries.size
  }

  /**
   * Up to `n` nodes to seed the routing table with: most recently verified first, at most 24 h
   * ago, skipping those for which `skip` says true (e.g. already in the table).
   */
  seeds(n: number, now: number, skip?: (node: Discv4Node) => boolean): Discv4Node[] {
    const out: Discv4Node[] = []
    for (const e of this.newestFirst(now)) {
      if (out.length >= n) break
      if (!skip?.(e.node)) out.push(e.node)
    }
    return out
  }

  /** Every node verified within the last 24 h, most recently verified first. */
  values(now: number): KnownNode[] {
    return this.newestFirst(now)
  }

  private newestFirst(now: number): KnownNode[] {
    this.prune(now)
    return [...this.entries.values()].reverse()
  }

  private fresh(e: KnownNode, now: number): boolean {
    return now - e.lastPong < this.maxAgeMs
  }

  /** Drop expired entries: they are the oldest, at the front of the LRU order. */
  private prune(now: number): void {
    for (const [key, e] of this.entries.entries()) {
      if (this.fresh(e, now)) return
      this.entries.delete(key)
    }
  }
}

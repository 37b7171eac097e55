/**
 * The records a service holds besides its routing table: nodes met in handshakes and NODES
 * answers (for WHOAREYOU's enr-seq, handshake verification and `resolve`), record fetches after a
 * higher enr-seq in PING or PONG, and the cache of verified record bytes.
 * @module
 */
import type { Enr } from '../enr/index.js'
import type { RoutingTable } from '../kademlia/index.js'
import { toHex } from '../util/bytes.js'
import { Lru } from '../util/lru.js'
import { type Discv5Node, RecordCache } from './node.js'
import { MAX_KNOWN_RECORDS, MAX_RECORD_FETCHES } from './options.js'

/** Records of one service. @internal */
export class RecordBook {
  /** Verified record bytes (NODES answers repeat the same records). */
  readonly cache = new RecordCache()
  /** BOUNDED: MAX_KNOWN_RECORDS, LRU eviction. */
  private readonly known = new Lru<string, Enr>(MAX_KNOWN_RECORDS)
  /** BOUNDED: MAX_RECORD_FETCHES hex ids. */
  private readonly fetching = new Set<string>()

  constructor(
    private readonly table: RoutingTable<Discv5Node>,
    /** Ask the node for its current record (FINDNODE [0]). */
    private readonly fetch: (enr: Enr) => Promise<unknown>,
  ) {}

  /** The newest record we hold for a node id (table, then recently met nodes). */
  newest(id: Uint8Array): Enr | undefined {
    const a = this.table.get(id)?.enr
    const b = this.known.peek(toHex(id))
    if (!a) return b
    return b && b.seq > a.seq ? b : a
  }

  /** Keep `enr` unless we hold a newer one. */
  remember(enr: Enr): void {
    const key = toHex(enr.nodeId)
    const cur = this.known.peek(key)
    if (!cur || enr.seq >= cur.seq) this.known.set(key, enr)
  }

  /** Fetch a node's record when it announced a newer one than we hold. */
  fetchIfNewer(id: Uint8Array, remoteSeq: bigint): void {
    const cur = this.newest(id)
    if (!cur || remoteSeq <= cur.seq) return
    const key = toHex(id)
    if (this.fetching.has(key) || this.fetching.size >= MAX_RECORD_FETCHES) return
    this.fetching.add(key)
    this.fetch(cur)
      .catch(() => {})
      .finally(() => this.fetching.delete(key))
  }
}

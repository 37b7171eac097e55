/**
 * Kademlia routing table shared by discv5 and discv4: 256 log-distance buckets of 16 members
 * with a replacement cache of 10 each, IP limits on by default, liveness flags and a revalidation
 * scheduler. Pure: every call takes `now` and returns what changed; no timers, no I/O.
 * Behaviour follows go-ethereum p2p/discover/table.go; spec discv5-theory.md "Node Table".
 * @module
 */
import { compareDistance, logDistance } from '../crypto/nodeid.js'
import { isLan } from '../util/ip.js'
import {
  BUCKET_IP_LIMIT,
  BUCKET_SIZE,
  IPV4_SUBNET_BITS,
  IPV6_SUBNET_BITS,
  MAX_FINDNODE_FAILURES,
  MAX_REPLACEMENTS,
  NODE_ID_LENGTH,
  NUM_BUCKETS,
  PING_INTERVAL_MS,
  TABLE_IP_LIMIT,
} from './constants.js'
import { DistinctNetSet, isUnspecifiedIp, parseTableIp } from './iplimit.js'
import { cryptoRandom, type Random, shuffle } from './random.js'
import { Revalidation } from './revalidation.js'
import {
  type Entry,
  idKey,
  type KadNode,
  type NodeInfo,
  type RejectReason,
  type RemoveReason,
  type TableEvent,
} from './types.js'

/** IP limit settings; every field defaults to go-ethereum's value. */
export interface IpLimitOptions {
  /** Addresses per subnet in one bucket (entries and replacements). Default {@link BUCKET_IP_LIMIT}. */
  bucketLimit?: number
  /** Addresses per subnet in the table. Default {@link TABLE_IP_LIMIT}. */
  tableLimit?: number
  /** IPv4 prefix length. Default {@link IPV4_SUBNET_BITS}. */
  ipv4SubnetBits?: number
  /** IPv6 prefix length. Default {@link IPV6_SUBNET_BITS}. */
  ipv6SubnetBits?: number
  /**
   * Exempt loopback, private and link-local addresses from the limits. Default `true`, as
   * go-ethereum (`AddrIsLAN` addresses skip `addIP`); set `false` to limit them too.
   */
  exemptLan?: boolean
}

/** Options of a {@link RoutingTable}. */
export interface RoutingTableOptions {
  /** The local node id (32 bytes); buckets are log-distances from it. */
  localId: Uint8Array
  /** Randomness for replacement choice, revalidation and result shuffling. Default {@link cryptoRandom}. */
  random?: Random
  /** Members per bucket. Default {@link BUCKET_SIZE}. */
  bucketSize?: number
  /** Replacement cache per bucket. Default {@link MAX_REPLACEMENTS}. */
  maxReplacements?: number
  /** IP limits, or `false` to turn them off (tests and private networks only). */
  ipLimits?: IpLimitOptions | false
  /** Fast-list revalidation interval in ms (slow list: ×3). Default {@link PING_INTERVAL_MS}. */
  pingIntervalMs?: number
}

/** What an add call did. */
export type AddOutcome =
  /** The node became a bucket member. */
  | 'added'
  /** It was a member and its record was replaced by a newer one. */
  | 'updated'
  /** It was a member already; nothing but perhaps its liveness changed. */
  | 'present'
  /** Its bucket is full: it is (now) in the replacement cache. */
  | 'replacement'
  /** Refused, see `reason`. */
  | 'rejected'

/** Result of {@link RoutingTable.addSeen}, {@link RoutingTable.addInbound} and {@link RoutingTable.addVerified}. */
export interface AddResult<N extends KadNode> {
  outcome: AddOutcome
  /** Set when `outcome` is `rejected`, or when a record update was refused by the IP limits. */
  reason?: RejectReason
  /** Changes to bucket membership to act on (metrics, dial candidates, dashboards). */
  events: TableEvent<N>[]
}

/** Options of {@link RoutingTable.closest} and {@link RoutingTable.nodesAtDistance}. */
export interface QueryOptions {
  /** Only nodes that have answered us: required when answering FINDNODE (discv5-theory.md). */
  liveOnly?: boolean
}

type Source = 'found' | 'inbound' | 'verified'

interface Bucket<N extends KadNode> {
  /** BOUNDED: bucketSize members. */
  readonly entries: Entry<N>[]
  /** BOUNDED: maxReplacements, most recent first; the oldest is dropped. */
  readonly replacements: Entry<N>[]
  /** Per-bucket subnet counter, created on first counted address. */
  ips: DistinctNetSet | undefined
}

/** Resolved IP limit settings. */
type Limits = Required<IpLimitOptions>

/**
 * The routing table. Generic over the node type so discv5 can store ENRs and discv4 enode
 * endpoints; only {@link KadNode}'s fields are read.
 */
export class RoutingTable<N extends KadNode> {
  /** The local node id. */
  readonly localId: Uint8Array
  /** The liveness revalidation scheduler of this table. */
  readonly revalidation: Revalidation<N>
  readonly #localKey: string
  readonly #random: Random
  readonly #bucketSize: number
  readonly #maxReplacements: number
  readonly #limits: Limits | undefined
  readonly #tableIps: DistinctNetSet | undefined
  /** BOUNDED: NUM_BUCKETS, created on first use. */
  readonly #buckets: (Bucket<N> | undefined)[] = new Array(NUM_BUCKETS).fill(undefined)
  /** BOUNDED: NUM_BUCKETS × (bucketSize + maxReplacements): members and replacements by hex id. */
  readonly #byKey = new Map<string, Entry<N>>()
  #size = 0

  /** Create an empty table. */
  constructor(options: RoutingTableOptions) {
    if (options.localId.length !== NODE_ID_LENGTH) throw new RangeError('localId must be 32 bytes')
    this.localId = options.localId
    this.#localKey = idKey(options.localId)
    this.#random = options.random ?? cryptoRandom
    this.#bucketSize = options.bucketSize ?? BUCKET_SIZE
    this.#maxReplacements = options.maxReplacements ?? MAX_REPLACEMENTS
    if (this.#bucketSize < 1 || this.#maxReplacements < 0) throw new RangeError('bad bucket sizes')
    if (options.ipLimits !== false) {
      const o = options.ipLimits ?? {}
      this.#limits = {
        bucketLimit: o.bucketLimit ?? BUCKET_IP_LIMIT,
        tableLimit: o.tableLimit ?? TABLE_IP_LIMIT,
        ipv4SubnetBits: o.ipv4SubnetBits ?? IPV4_SUBNET_BITS,
        ipv6SubnetBits: o.ipv6SubnetBits ?? IPV6_SUBNET_BITS,
        exemptLan: o.exemptLan ?? true,
      }
      this.#tableIps = this.#netSet(this.#limits.tableLimit)
    }
    this.revalidation = new Revalidation<N>(
      { entryByKey: (key) => this.#byKey.get(key), removeDead: (e, now) => this.#removeEntry(e, now, 'dead') },
      this.#random,
      options.pingIntervalMs ?? PING_INTERVAL_MS,
    )
  }

  /**
   * Add a node learnt from a NODES/NEIGHBORS answer ("seen", not live). A known node's record is
   * replaced only by one with a higher `seq`.
   */
  addSeen(node: N, now: number): AddResult<N> {
    return this.#add(node, now, 'found')
  }

  /**
   * Add a node that contacted us (a completed discv5 handshake, a discv4 PING). The record came
   * from the node itself, so it replaces ours whatever its `seq` (go-ethereum `addInboundNode`).
   * Not live until it answers us.
   */
  addInbound(node: N, now: number): AddResult<N> {
    return this.#add(node, now, 'inbound')
  }

  /** Add a node that answered one of our requests: like {@link addInbound}, and marks it live. */
  addVerified(node: N, now: number): AddResult<N> {
    return this.#add(node, now, 'verified')
  }

  /** Replace a known node's record in place when `node.seq` is higher; unknown nodes are ignored. */
  update(node: N, now: number): TableEvent<N>[] {
    const e = node.id.length === NODE_ID_LENGTH ? this.#byKey.get(idKey(node.id)) : undefined
    return e === undefined ? [] : this.#add(node, now, 'found').events
  }

  /** Remove a node; a member's slot goes to a replacement (live ones first, then at random). */
  remove(id: Uint8Array, now: number): TableEvent<N>[] {
    const e = this.#byKey.get(idKey(id))
    return e === undefined ? [] : this.#removeEntry(e, now, 'removed')
  }

  /**
   * Record the outcome of a lookup query to `id` (success: it returned at least one node, as
   * go-ethereum counts it). After {@link MAX_FINDNODE_FAILURES} failures in a row the node is
   * dropped, unless its bucket holds fewer than a quarter of `bucketSize` (keeps small networks alive).
   */
  onFindnodeResult(id: Uint8Array, success: boolean, now: number): TableEvent<N>[] {
    const e = this.#byKey.get(idKey(id))
    if (e === undefined) return []
    if (success) {
      e.findFails = 0
      return []
    }
    e.findFails++
    const bucket = this.#buckets[e.distance - 1] as Bucket<N>
    if (e.inBucket && e.findFails >= MAX_FINDNODE_FAILURES && bucket.entries.length >= this.#bucketSize / 4) {
      return this.#removeEntry(e, now, 'findnode-failures')
    }
    return []
  }

  /** The member or replacement with this id. */
  get(id: Uint8Array): N | undefined {
    return this.#byKey.get(idKey(id))?.node
  }

  /** What the table knows about this id (members and replacements). */
  info(id: Uint8Array): NodeInfo<N> | undefined {
    return this.#byKey.get(idKey(id))
  }

  /** Whether `id` is a bucket member. */
  has(id: Uint8Array): boolean {
    return this.#byKey.get(idKey(id))?.inBucket === true
  }

  /** Number of bucket members (replacements not counted). */
  get size(): number {
    return this.#size
  }

  /** Number of live bucket members (O(size)). */
  liveSize(): number {
    let n = 0
    for (const e of this.#members()) if (e.live) n++
    return n
  }

  /** Members per bucket, index `d - 1` for log-distance `d`. */
  bucketSizes(): number[] {
    return this.#buckets.map((b) => b?.entries.length ?? 0)
  }

  /** All bucket members, nearest bucket first. */
  nodes(options: QueryOptions = {}): N[] {
    const out: N[] = []
    for (const e of this.#members()) if (!options.liveOnly || e.live) out.push(e.node)
    return out
  }

  /** The replacement cache of bucket `d`, most recent first. */
  replacements(d: number): N[] {
    return this.#buckets[d - 1]?.replacements.map((e) => e.node) ?? []
  }

  /**
   * The `n` members closest to `target` by XOR distance, nearest first. Use `liveOnly` when
   * answering FINDNODE/NEIGHBORS; seed lookups with all members. O(size × log n).
   */
  closest(target: Uint8Array, n: number, options: QueryOptions = {}): N[] {
    const out: N[] = []
    if (n <= 0) return out
    const liveOnly = options.liveOnly === true
    for (const b of this.#buckets) {
      if (b === undefined) continue
      for (const e of b.entries) {
        if (liveOnly && !e.live) continue
        const id = e.node.id
        if (out.length === n && compareDistance(target, id, (out[n - 1] as N).id) >= 0) continue
        let lo = 0
        let hi = out.length
        while (lo < hi) {
          const mid = (lo + hi) >> 1
          if (compareDistance(target, (out[mid] as N).id, id) <= 0) lo = mid + 1
          else hi = mid
        }
        out.splice(lo, 0, e.node)
        if (out.length > n) out.pop()
      }
    }
    return out
  }

  /**
   * Members at log-distance `d` (1..256) from the local id, shuffled with the table's random
   * source (go-ethereum `appendBucketNodes`). Distance 0 (our own record) and > 256 give `[]`:
   * the service answers distance 0 itself.
   */
  nodesAtDistance(d: number, options: QueryOptions = {}): N[] {
    if (!Number.isInteger(d) || d < 1 || d > NUM_BUCKETS) return []
    const b = this.#buckets[d - 1]
    if (b === undefined) return []
    const out: N[] = []
    for (const e of b.entries) if (!options.liveOnly || e.live) out.push(e.node)
    return shuffle(out, this.#random)
  }

  *#members(): Generator<Entry<N>> {
    for (const b of this.#buckets) if (b !== undefined) yield* b.entries
  }

  #netSet(limit: number): DistinctNetSet {
    const l = this.#limits as Limits
    return new DistinctNetSet({ limit, ipv4Bits: l.ipv4SubnetBits, ipv6Bits: l.ipv6SubnetBits })
  }

  #add(node: N, now: number, source: Source): AddResult<N> {
    if (node.id.length !== NODE_ID_LENGTH) return rejected('bad-id')
    const key = idKey(node.id)
    if (key === this.#localKey) return rejected('self')
    const existing = this.#byKey.get(key)
    // The common case is a known node seen again: reuse its parsed address.
    const ip =
      existing !== undefined && node.ip === existing.node.ip
        ? existing.ip
        : node.ip === undefined
          ? undefined
          : parseTableIp(node.ip)
    if (ip === undefined || isUnspecifiedIp(ip)) return rejected('no-ip')
    if (existing !== undefined) return this.#bump(existing, node, ip, now, source)

    const distance = logDistance(this.localId, node.id)
    let bucket = this.#buckets[distance - 1]
    if (bucket === undefined) {
      bucket = { entries: [], replacements: [], ips: undefined }
      this.#buckets[distance - 1] = bucket
    }
    const full = bucket.entries.length >= this.#bucketSize
    const counted = this.#addIp(bucket, ip)
    if (typeof counted === 'string') return rejected(counted)
    const verified = source === 'verified'
    const e: Entry<N> = {
      node,
      key,
      distance,
      ip,
      ipCounted: counted,
      inBucket: false,
      live: verified,
      checks: verified ? 1 : 0,
      findFails: 0,
      firstSeen: now,
      addedToBucket: -1,
      reval: { list: undefined, index: -1 },
    }
    this.#byKey.set(key, e)
    if (full) {
      this.#pushReplacement(bucket, e)
      return { outcome: 'replacement', events: [] }
    }
    return { outcome: 'added', events: [this.#enterBucket(bucket, e, now)] }
  }

  /** A known node was added again: maybe take its record, maybe mark it live. */
  #bump(e: Entry<N>, node: N, ip: Uint8Array, now: number, source: Source): AddResult<N> {
    const bucket = this.#buckets[e.distance - 1] as Bucket<N>
    const events: TableEvent<N>[] = []
    let outcome: AddOutcome = e.inBucket ? 'present' : 'replacement'
    let reason: RejectReason | undefined
    const newSeq = node.seq ?? 0n
    const oldSeq = e.node.seq ?? 0n
    if (node !== e.node && (source !== 'found' || newSeq > oldSeq)) {
      const r = this.#applyRecord(bucket, e, node, ip, now)
      if (typeof r === 'string') reason = r
      else if (r !== undefined) {
        events.push(r)
        outcome = 'updated'
      }
    }
    if (source === 'verified') {
      e.live = true
      if (e.checks === 0) e.checks = 1
    }
    if (!e.inBucket) {
      // Most recently seen first.
      const i = bucket.replacements.indexOf(e)
      bucket.replacements.splice(i, 1)
      bucket.replacements.unshift(e)
      if (bucket.entries.length < this.#bucketSize) {
        bucket.replacements.shift()
        events.push(this.#enterBucket(bucket, e, now))
        outcome = 'added'
      }
    }
    return reason === undefined ? { outcome, events } : { outcome, reason, events }
  }

  /** Swap in a new record for `e`; IP limits re-checked on an address change. */
  #applyRecord(
    bucket: Bucket<N>,
    e: Entry<N>,
    node: N,
    ip: Uint8Array,
    now: number,
  ): TableEvent<N> | RejectReason | undefined {
    const ipChanged = !sameBytes(ip, e.ip)
    const endpointChanged = ipChanged || node.udp !== e.node.udp
    if (ipChanged) {
      if (e.ipCounted) this.#removeIp(bucket, e.ip)
      const counted = this.#addIp(bucket, ip)
      if (typeof counted === 'string') {
        if (e.ipCounted) this.#addIp(bucket, e.ip) // just freed, so it fits again
        return counted
      }
      e.ip = ip
      e.ipCounted = counted
    }
    const previous = e.node
    e.node = node
    if (!e.inBucket) return undefined
    if (endpointChanged) this.revalidation.endpointChanged(e, now)
    if (!endpointChanged && (node.seq ?? 0n) === (previous.seq ?? 0n)) return undefined
    return { kind: 'updated', node, previous, endpointChanged }
  }

  #enterBucket(bucket: Bucket<N>, e: Entry<N>, now: number): TableEvent<N> {
    e.inBucket = true
    e.addedToBucket = now
    bucket.entries.push(e)
    this.#size++
    this.revalidation.nodeAdded(e, now)
    return { kind: 'added', node: e.node, live: e.live }
  }

  #pushReplacement(bucket: Bucket<N>, e: Entry<N>): void {
    bucket.replacements.unshift(e)
    if (bucket.replacements.length > this.#maxReplacements) {
      const dropped = bucket.replacements.pop() as Entry<N>
      if (dropped.ipCounted) this.#removeIp(bucket, dropped.ip)
      this.#byKey.delete(dropped.key)
    }
  }

  #removeEntry(e: Entry<N>, now: number, reason: RemoveReason): TableEvent<N>[] {
    const bucket = this.#buckets[e.distance - 1] as Bucket<N>
    this.#byKey.delete(e.key)
    if (e.ipCounted) this.#removeIp(bucket, e.ip)
    if (!e.inBucket) {
      bucket.replacements.splice(bucket.replacements.indexOf(e), 1)
      return []
    }
    bucket.entries.splice(bucket.entries.indexOf(e), 1)
    this.#size--
    this.revalidation.nodeRemoved(e)
    e.inBucket = false
    const events: TableEvent<N>[] = [{ kind: 'removed', node: e.node, reason }]
    const reps = bucket.replacements
    if (reps.length > 0) {
      // go-ethereum picks a random replacement; we prefer ones that have answered us.
      const live = reps.filter((r) => r.live)
      const pool = live.length > 0 ? live : reps
      const pick = pool[this.#random.int(pool.length)] as Entry<N>
      reps.splice(reps.indexOf(pick), 1)
      events.push(this.#enterBucket(bucket, pick, now))
    }
    return events
  }

  /** Count `ip` against the limits: true if counted, false if exempt, or why it does not fit. */
  #addIp(bucket: Bucket<N>, ip: Uint8Array): boolean | RejectReason {
    const limits = this.#limits
    const tableIps = this.#tableIps
    if (limits === undefined || tableIps === undefined) return false
    if (limits.exemptLan && isLan(ip)) return false
    if (!tableIps.canAdd(ip)) return 'table-ip-limit'
    bucket.ips ??= this.#netSet(limits.bucketLimit)
    if (!bucket.ips.canAdd(ip)) return 'bucket-ip-limit'
    tableIps.add(ip)
    bucket.ips.add(ip)
    return true
  }

  #removeIp(bucket: Bucket<N>, ip: Uint8Array): void {
    this.#tableIps?.remove(ip)
    bucket.ips?.remove(ip)
  }
}

function rejected<N extends KadNode>(reason: RejectReason): AddResult<N> {
  return { outcome: 'rejected', reason, events: [] }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * discv5 lookups on top of the pure kademlia {@link Lookup}: iterative lookups (α = 3, 3
 * distances per FINDNODE, k = 16), the table refresh, `resolve`, and the random-node iterator.
 * Spec: devp2p discv5/discv5-theory.md "Lookup"; refresh as go-ethereum table.go `doRefresh`;
 * resolve as go-ethereum v5_udp.go `Resolve`.
 * @module
 */
import type { Enr } from '../enr/index.js'
import { BUCKET_SIZE, Lookup, type Random, type RoutingTable, runLookup } from '../kademlia/index.js'
import { linkedSignal, raceSignal } from '../util/abort.js'
import { equalBytes } from '../util/bytes.js'
import type { Clock } from '../util/clock.js'
import { Discv5Error } from './errors.js'
import { RandomNodes } from './iterator.js'
import { type Discv5Node, type IpMode, nodeFromEnr } from './node.js'
import { FAST_REFRESH_MS } from './options.js'

/** Random lookups per refresh, after the self lookup. go-ethereum table.go `doRefresh` (3). */
export const REFRESH_RANDOM_LOOKUPS = 3
/**
 * Random lookups per refresh while joining (the quick refreshes of {@link RefreshSchedule}).
 * Ours: the self lookup finds the near buckets, which only it can fill; the far ones fill from
 * any lookup and from the nodes that contact us. In a 200-node network one random lookup
 * converges as fast as 3 for 13% less CPU; with lookups driven from outside, 3 cost 30% more.
 */
export const JOINING_RANDOM_LOOKUPS = 1

/**
 * How long a lookup waits for one query, in request timeouts (the service's current one, 500 ms
 * while round trips are short): a first contact takes two round trips (challenge, then the
 * answer). Ours. A query not answered by then no longer holds the lookup up, but its exchange
 * runs on to its own end (per-peer back-off may let it wait seconds for a slow peer), and what
 * it then brings still goes into the table, and counts for or against the node there.
 */
export const LOOKUP_PATIENCE_RTO = 2

/** What lookups need from the service. @internal */
export interface LookupHost {
  readonly clock: Clock
  readonly random: Random
  readonly localId: Uint8Array
  readonly table: RoutingTable<Discv5Node>
  /** Aborts when the service closes. */
  readonly closing: AbortSignal
  readonly mode: IpMode
  bootnodes(): Discv5Node[]
  /** The FINDNODE exchange (shared by identical queries; runs to its own end). */
  findNode(enr: Enr, distances: number[]): Promise<readonly Enr[]>
  /** How long a lookup waits for one query, ms. */
  queryPatienceMs(): number
  requestEnr(enr: Enr, signal?: AbortSignal): Promise<Enr>
  recordOf(id: Uint8Array): Enr | undefined
  tableChanged(): void
}

const newer = (a: Enr | undefined, b: Enr | undefined): Enr | undefined => (!a ? b : !b ? a : b.seq > a.seq ? b : a)

/** Lookups of one service. */
export class Lookups {
  /** Exchanges whose outcome the table already awaits (two lookups may share one). */
  private readonly recorded = new WeakSet<Promise<readonly Enr[]>>()

  /** @internal */
  constructor(private readonly host: LookupHost) {}

  /** Iterative lookup for `target` (a 32-byte node id; random when omitted): the closest records that answered. */
  async lookup(target: Uint8Array | undefined, signal?: AbortSignal): Promise<Enr[]> {
    const nodes = await this.run(target ?? this.host.random.bytes(32), signal)
    return nodes.map((n) => n.enr)
  }

  /** One refresh: a lookup for our own id, then `randomLookups` random ones. */
  async refresh(randomLookups = REFRESH_RANDOM_LOOKUPS): Promise<void> {
    await this.run(this.host.localId, undefined).catch(() => {})
    for (let i = 0; i < randomLookups && !this.host.closing.aborted; i++)
      await this.run(this.host.random.bytes(32), undefined).catch(() => {})
  }

  /**
   * Run one lookup; `onFound` gets, once each, the record of every node that answered a query
   * and every verified record new to the lookup.
   * @internal
   */
  async run(
    target: Uint8Array,
    userSignal: AbortSignal | undefined,
    onFound?: (e: Enr) => void,
  ): Promise<Discv5Node[]> {
    const h = this.host
    if (h.closing.aborted) throw new Discv5Error('CLOSED')
    if (target.length !== 32) throw new RangeError('lookup target must be a 32-byte node id')
    let seeds = h.table.closest(target, BUCKET_SIZE)
    if (seeds.length === 0) seeds = h.bootnodes()
    const linked = linkedSignal(userSignal, h.closing)
    const signal = linked.signal
    const lk = new Lookup<Discv5Node>(target, seeds, { localId: h.localId })
    const query = async (peer: Discv5Node, distances: number[]) => {
      const exchange = h.findNode(peer.enr, distances)
      this.record(peer, exchange)
      const patience = new AbortController()
      const timer = h.clock.setTimer(h.queryPatienceMs(), () =>
        patience.abort(new Discv5Error('TIMEOUT', 'the lookup stopped waiting')),
      )
      const found: Discv5Node[] = []
      try {
        // `closing` too: a query may outlive its lookup (and the link below), never the service.
        for (const e of await raceSignal(exchange, signal, h.closing, patience.signal)) {
          const n = nodeFromEnr(e, h.mode)
          if (n) found.push(n)
        }
      } finally {
        timer.cancel()
      }
      return found
    }
    /** BOUNDED: by the lookup's query and candidate caps. */
    const yielded = new Set<string>()
    const found = (n: Discv5Node) => {
      const key = n.enr.nodeIdHex
      if (!onFound || yielded.has(key)) return
      yielded.add(key)
      onFound(n.enr)
    }
    try {
      return await runLookup(lk, query, {
        now: () => h.clock.now(),
        signal,
        onResult: (peer, answer, fresh) => {
          if (h.closing.aborted) return
          if (answer !== undefined) found(peer)
          for (const n of fresh) found(n)
        },
      })
    } finally {
      linked.dispose()
    }
  }

  /** When `exchange` ends, however late: the table learns its answer and how `peer` did. */
  private record(peer: Discv5Node, exchange: Promise<readonly Enr[]>): void {
    if (this.recorded.has(exchange)) return
    this.recorded.add(exchange)
    const h = this.host
    const done = (answer: readonly Enr[] | undefined) => {
      if (h.closing.aborted) return
      const now = h.clock.now()
      h.table.onFindnodeResult(peer.id, answer !== undefined && answer.length > 0, now)
      for (const e of answer ?? []) {
        const n = nodeFromEnr(e, h.mode)
        if (n) h.table.addSeen(n, now)
      }
      h.tableChanged()
    }
    exchange.then(done, () => done(undefined))
  }

  /**
   * The newest record of a node: ask the node itself (FINDNODE [0]) when we hold a record for
   * it; otherwise, or when it does not answer, look it up and ask again. Resolves undefined
   * when the node was not found; returns the best record held when it could not be reached.
   */
  async resolve(target: Uint8Array | Enr, signal?: AbortSignal): Promise<Enr | undefined> {
    const h = this.host
    const id = target instanceof Uint8Array ? target : target.nodeId
    let best = newer(target instanceof Uint8Array ? undefined : target, h.recordOf(id))
    if (best) {
      const fresh = await h.requestEnr(best, signal).catch(() => undefined)
      if (fresh) return newer(best, fresh)
    }
    signal?.throwIfAborted()
    const found = await this.lookup(id, signal).catch(() => [] as Enr[])
    const hit = newer(
      found.find((e) => equalBytes(e.nodeId, id)),
      h.recordOf(id),
    )
    if (!hit) return best
    best = newer(best, hit)
    const fresh = await h.requestEnr(hit, signal).catch(() => undefined)
    return newer(best, fresh)
  }

  /** Records found by random lookups, pulled one at a time (see {@link RandomNodes}). */
  randomNodes(signal?: AbortSignal): RandomNodes<Enr> {
    const source = {
      clock: this.host.clock,
      randomLookup: (s: AbortSignal, onFound: (e: Enr) => void) => {
        if (this.host.table.size === 0)
          for (const b of this.host.bootnodes()) this.host.table.addSeen(b, this.host.clock.now())
        return this.run(this.host.random.bytes(32), s, onFound)
      },
    }
    return new RandomNodes<Enr>(source, signal ? [this.host.closing, signal] : [this.host.closing])
  }
}

/**
 * When to refresh next: soon ({@link FAST_REFRESH_MS}), then twice as long after each refresh
 * until the interval is reached, then at a random time in [½, 1] of the interval (go-ethereum).
 * A joining node thus fills its table in seconds even when its first refreshes found nothing
 * (a network that is forming, a bootnode that does not yet vouch for anyone), and settles at
 * go-ethereum's pace after about as long as one interval. Pure.
 */
export class RefreshSchedule {
  private fast = FAST_REFRESH_MS

  constructor(
    private readonly intervalMs: number,
    private readonly random: Random,
  ) {}

  /** True until the quick refreshes are over (the next delay is the interval's). */
  get joining(): boolean {
    return this.fast < this.intervalMs
  }

  /** The time until the next refresh, ms. */
  nextDelay(): number {
    if (this.fast < this.intervalMs) {
      const wait = this.fast
      this.fast *= 2
      return wait
    }
    const half = this.intervalMs / 2
    return half + this.random.int(Math.max(1, Math.floor(half)))
  }
}

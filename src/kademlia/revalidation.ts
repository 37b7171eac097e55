/**
 * Liveness revalidation of routing-table members with a fast and a slow list, after go-ethereum
 * p2p/discover/table_reval.go. Pure: the service asks {@link Revalidation.next} what to PING and
 * {@link Revalidation.nextTime} when to ask again, then reports {@link Revalidation.onPong} or
 * {@link Revalidation.onTimeout}. No timers.
 *
 * New members and members whose endpoint changed sit in the fast list (one random PING every
 * random delay in `[0, interval)`); members that answered move to the slow list (interval × 3).
 * A failed check divides the member's credit by 3 and moves it to the fast list; at zero credit
 * it is removed and a replacement promoted.
 * Spec: discv5-theory.md "Table Maintenance In Practice".
 * @module
 */
import { PING_INTERVAL_MS, SLOW_REVALIDATION_FACTOR } from './constants.js'
import type { Random } from './random.js'
import { type Entry, idKey, type KadNode, type TableEvent } from './types.js'

/** What the revalidation scheduler wants next. */
export type RevalidationStep<N extends KadNode> =
  /** Send a PING to `node` now, then report `onPong` or `onTimeout`. */
  | { kind: 'ping'; node: N }
  /** Nothing due; call `next` again at `until` (`Infinity` when the table is empty). */
  | { kind: 'wait'; until: number }

/** Outcome of {@link Revalidation.onPong}. */
export interface PongOutcome {
  /** Whether the node is a bucket member (false: unknown, or waiting in the replacement cache). */
  known: boolean
  /** The PONG announced a newer record than ours: fetch it (ENRREQUEST / FINDNODE [0]) and `table.update` it. */
  recordStale: boolean
}

/** The table side the scheduler needs. @internal */
export interface RevalidationHost<N extends KadNode> {
  entryByKey(key: string): Entry<N> | undefined
  removeDead(entry: Entry<N>, now: number): TableEvent<N>[]
}

class RevalList<N extends KadNode> {
  /** BOUNDED: bucket members only (≤ NUM_BUCKETS × BUCKET_SIZE). */
  readonly nodes: Entry<N>[] = []
  nextTime = Number.POSITIVE_INFINITY

  constructor(
    readonly name: 'fast' | 'slow',
    readonly interval: number,
  ) {}

  schedule(now: number, random: Random): void {
    this.nextTime = now + random.int(this.interval)
  }

  push(e: Entry<N>, now: number, random: Random): void {
    e.reval.list = this.name
    e.reval.index = this.nodes.length
    this.nodes.push(e)
    if (this.nextTime === Number.POSITIVE_INFINITY) this.schedule(now, random)
  }

  remove(e: Entry<N>): void {
    const i = e.reval.index
    const last = this.nodes.pop() as Entry<N>
    if (last !== e) {
      this.nodes[i] = last
      last.reval.index = i
    }
    e.reval.list = undefined
    e.reval.index = -1
    if (this.nodes.length === 0) this.nextTime = Number.POSITIVE_INFINITY
  }

  /** A random member not being checked already (go-ethereum tries 3 × length times). */
  pick(random: Random, active: Set<string>): Entry<N> | undefined {
    const n = this.nodes.length
    for (let i = 0; i < n * 3; i++) {
      const e = this.nodes[random.int(n)] as Entry<N>
      if (!active.has(e.key)) return e
    }
    return undefined
  }
}

/** The revalidation scheduler of one routing table; reach it as `table.revalidation`. */
export class Revalidation<N extends KadNode> {
  readonly #fast: RevalList<N>
  readonly #slow: RevalList<N>
  /** BOUNDED: keys of bucket members with a PING in flight; cleared on removal. */
  readonly #active = new Set<string>()

  /** @internal Created by the routing table. */
  constructor(
    private readonly host: RevalidationHost<N>,
    private readonly random: Random,
    intervalMs: number = PING_INTERVAL_MS,
  ) {
    if (!(intervalMs >= 1)) throw new RangeError('revalidation interval must be at least 1 ms')
    this.#fast = new RevalList('fast', intervalMs)
    this.#slow = new RevalList('slow', intervalMs * SLOW_REVALIDATION_FACTOR)
  }

  /**
   * The next PING to send, or when to ask again. Call repeatedly until it returns `wait`
   * (each list yields at most one PING per due time), then arm one timer for `until`.
   */
  next(now: number): RevalidationStep<N> {
    for (const list of [this.#fast, this.#slow]) {
      if (list.nextTime > now) continue
      const e = list.pick(this.random, this.#active)
      // Reschedule whether or not a node was picked: the due time has passed.
      list.schedule(now, this.random)
      if (e !== undefined) {
        this.#active.add(e.key)
        return { kind: 'ping', node: e.node }
      }
    }
    return { kind: 'wait', until: this.nextTime() }
  }

  /** When `next` will next return a PING (`Infinity` when the table is empty). */
  nextTime(): number {
    return Math.min(this.#fast.nextTime, this.#slow.nextTime)
  }

  /**
   * `node` answered a PING: it is live, earns one credit and moves to the slow list.
   * `remoteSeq` is the record sequence number the PONG carried.
   */
  onPong(id: Uint8Array, now: number, remoteSeq?: bigint): PongOutcome {
    const key = idKey(id)
    this.#active.delete(key)
    const e = this.host.entryByKey(key)
    if (e === undefined) return { known: false, recordStale: false }
    if (!e.inBucket) {
      // A replacement that answers is preferred when a slot frees up.
      e.live = true
      return { known: false, recordStale: false }
    }
    e.checks++
    e.live = true
    this.#moveTo(this.#slow, e, now)
    return { known: true, recordStale: remoteSeq !== undefined && remoteSeq > (e.node.seq ?? 0n) }
  }

  /**
   * A PING to `node` went unanswered: its credit is divided by 3; at zero it is removed and a
   * replacement promoted (the returned events), otherwise it moves to the fast list.
   */
  onTimeout(id: Uint8Array, now: number): TableEvent<N>[] {
    const key = idKey(id)
    this.#active.delete(key)
    const e = this.host.entryByKey(key)
    if (e === undefined || !e.inBucket) return []
    e.checks = Math.floor(e.checks / 3)
    if (e.checks <= 0) return this.host.removeDead(e, now)
    this.#moveTo(this.#fast, e, now)
    return []
  }

  /** Number of members in the fast and slow lists and of PINGs in flight. */
  get counts(): { fast: number; slow: number; active: number } {
    return { fast: this.#fast.nodes.length, slow: this.#slow.nodes.length, active: this.#active.size }
  }

  /** @internal A new bucket member starts in the fast list. */
  nodeAdded(e: Entry<N>, now: number): void {
    this.#fast.push(e, now, this.random)
  }

  /** @internal A member left its bucket. */
  nodeRemoved(e: Entry<N>): void {
    this.#listOf(e)?.remove(e)
    this.#active.delete(e.key)
  }

  /** @internal A member's IP or port changed: it is unverified again and checked soon. */
  endpointChanged(e: Entry<N>, now: number): void {
    e.live = false
    this.#moveTo(this.#fast, e, now)
  }

  #listOf(e: Entry<N>): RevalList<N> | undefined {
    return e.reval.list === 'fast' ? this.#fast : e.reval.list === 'slow' ? this.#slow : undefined
  }

  #moveTo(dest: RevalList<N>, e: Entry<N>, now: number): void {
    const cur = this.#listOf(e)
    if (cur === dest) return
    cur?.remove(e)
    dest.push(e, now, this.random)
  }
}

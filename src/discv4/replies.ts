/**
 * Pending-reply matching for Node Discovery v4: each request we send (PING, FINDNODE, ENRREQUEST)
 * registers the reply it expects, keyed by (node, IP, reply kind), with a deadline. The same idea
 * as go-ethereum's `replyMatcher` in p2p/discover/v4_udp.go, but bounded, and pure: time is passed
 * in and the caller arms one timer for {@link ReplyMatcher.nextDeadline}.
 * @module
 */
import { equalBytes } from '../util/bytes.js'
import { Deadlines } from '../util/deadlines.js'
import { Lru } from '../util/lru.js'
import type { NeighborNode, Packet } from './wire/packets.js'

/** How long we wait for a reply, in milliseconds. go-ethereum v4_udp.go `respTimeout = 500 * time.Millisecond`. */
export const RESPONSE_TIMEOUT_MS = 500

/** Nodes accepted for one FINDNODE across all its NEIGHBORS packets: the bucket size k. discv4.md "Kademlia Table": k = 16. */
export const MAX_FINDNODE_RESULTS = 16

/** Most requests awaiting a reply at once. Ours: go-ethereum's list is unbounded. */
export const MAX_PENDING_REPLIES = 2048

/** Most requests awaiting the same kind of reply from the same node and IP. Ours. */
export const MAX_PENDING_PER_KEY = 4

/**
 * How long after its deadline a PONG still proves the endpoint, ms. Ours: go-ethereum drops late
 * replies; but the reply token is the hash of our signed PING, so a late PONG is as good a proof
 * as a timely one, and on a busy node (replies waiting in the socket buffer) dropping it means
 * the other side's queries are refused until a fresh PING exchange.
 */
export const LATE_PONG_GRACE_MS = 5_000

/** Most timed-out PINGs remembered for {@link LATE_PONG_GRACE_MS}. Ours. */
export const MAX_LATE_PONGS = 512

/** The packet kinds that answer a request. */
export type ReplyKind = 'pong' | 'neighbors' | 'enrresponse'

/** One expected reply. */
export interface PendingReply<T> {
  readonly id: number
  readonly node: string
  readonly ip: string
  readonly kind: ReplyKind
  readonly deadline: number
  /** For PONG and ENRRESPONSE: the hash of our request, which the reply must echo. */
  readonly token: Uint8Array | undefined
  /** For NEIGHBORS: nodes accepted so far. */
  received: number
  /** The caller's data (typically the promise to settle). */
  readonly ctx: T
}

/** A reply matched to its request. */
export interface Matched<T> {
  pending: PendingReply<T>
  /** The request is complete and no longer pending. */
  done: boolean
  /** For NEIGHBORS: the nodes to accept from this packet (capped at {@link MAX_FINDNODE_RESULTS} per request). */
  nodes: NeighborNode[]
}

/** Why {@link ReplyMatcher.expect} refused. */
export type ExpectRefusal = 'full' | 'busy'

/** Requests awaiting replies. */
export class ReplyMatcher<T> {
  /** BOUNDED: {@link MAX_PENDING_REPLIES} entries in all, {@link MAX_PENDING_PER_KEY} per key; refusal when full. */
  private readonly byKey = new Map<string, PendingReply<T>[]>()
  /** BOUNDED: same entries as byKey. */
  private readonly byId = new Map<number, PendingReply<T>>()
  /** BOUNDED: same entries as byKey. */
  private readonly deadlines = new Deadlines<number>()
  /** BOUNDED: {@link MAX_LATE_PONGS} timed-out PINGs, LRU eviction. */
  private readonly late = new Lru<string, { token: Uint8Array; until: number }>(MAX_LATE_PONGS)
  private nextId = 1

  constructor(
    private readonly maxPending = MAX_PENDING_REPLIES,
    private readonly maxPerKey = MAX_PENDING_PER_KEY,
  ) {}

  /** Requests pending. */
  get size(): number {
    return this.byId.size
  }

  /** Register an expected reply; returns the entry or why it was refused. */
  expect(
    node: string,
    ip: string,
    kind: ReplyKind,
    deadline: number,
    token: Uint8Array | undefined,
    ctx: T,
  ): PendingReply<T> | ExpectRefusal {
    if (this.byId.size >= this.maxPending) return 'full'
    const key = `${node}|${ip}|${kind}`
    const list = this.byKey.get(key) ?? []
    if (list.length >= this.maxPerKey) return 'busy'
    const p: PendingReply<T> = { id: this.nextId++, node, ip, kind, deadline, token, received: 0, ctx }
    list.push(p)
    this.byKey.set(key, list)
    this.byId.set(p.id, p)
    this.deadlines.set(p.id, deadline)
    return p
  }

  /** Is a reply of `kind` from `node` at `ip` awaited? */
  awaiting(node: string, ip: string, kind: ReplyKind): boolean {
    return this.byKey.has(`${node}|${ip}|${kind}`)
  }

  /**
   * Match an incoming reply from `node` at `ip` to the oldest request it answers. PONG and
   * ENRRESPONSE must echo the request's hash; NEIGHBORS accumulate until {@link MAX_FINDNODE_RESULTS}.
   * Returns undefined for an unsolicited packet (including a PONG with a wrong reply token).
   */
  match(node: string, ip: string, packet: Packet): Matched<T> | undefined {
    if (packet.kind !== 'pong' && packet.kind !== 'neighbors' && packet.kind !== 'enrresponse') return undefined
    const list = this.byKey.get(`${node}|${ip}|${packet.kind}`)
    if (!list) return undefined
    for (const p of list) {
      if (packet.kind === 'neighbors') {
        const nodes = packet.nodes.slice(0, MAX_FINDNODE_RESULTS - p.received)
        p.received += nodes.length
        const done = p.received >= MAX_FINDNODE_RESULTS
        if (done) this.remove(p)
        return { pending: p, done, nodes }
      }
      if (p.token && equalBytes(p.token, packet.replyToken)) {
        this.remove(p)
        return { pending: p, done: true, nodes: [] }
      }
    }
    return undefined
  }

  /** Drop a request (e.g. its caller gave up); returns it if it was pending. */
  cancel(id: number): PendingReply<T> | undefined {
    const p = this.byId.get(id)
    if (p) this.remove(p)
    return p
  }

  /** The earliest deadline, if any request is pending. */
  nextDeadline(): number | undefined {
    return this.deadlines.next()
  }

  /**
   * Remove and return every request whose deadline is at or before `now`. Timed-out PINGs are
   * remembered for {@link matchLatePong}.
   */
  popExpired(now: number): PendingReply<T>[] {
    const out: PendingReply<T>[] = []
    for (const id of this.deadlines.popExpired(now)) {
      const p = this.byId.get(id)
      if (p) {
        this.remove(p)
        out.push(p)
        if (p.kind === 'pong' && p.token)
          this.late.set(`${p.node}|${p.ip}`, { token: p.token, until: now + LATE_PONG_GRACE_MS })
      }
    }
    return out
  }

  /**
   * Does an unmatched PONG from `node` at `ip` echo a PING of ours that timed out less than
   * {@link LATE_PONG_GRACE_MS} ago? Then it still proves the endpoint (the request stays failed).
   */
  matchLatePong(node: string, ip: string, token: Uint8Array, now: number): boolean {
    const key = `${node}|${ip}`
    const l = this.late.peek(key)
    if (!l || now > l.until || !equalBytes(l.token, token)) return false
    this.late.delete(key)
    return true
  }

  /** Remove and return every pending request (on close). */
  clear(): PendingReply<T>[] {
    const all = [...this.byId.values()]
    this.late.clear()
    this.byKey.clear()
    this.byId.clear()
    for (const p of all) this.deadlines.delete(p.id)
    return all
  }

  private remove(p: PendingReply<T>): void {
    this.byId.delete(p.id)
    this.deadlines.delete(p.id)
    const key = `${p.node}|${p.ip}|${p.kind}`
    const list = this.byKey.get(key)
    if (!list) return
    const rest = list.filter((x) => x !== p)
    if (rest.length) this.byKey.set(key, rest)
    else this.byKey.delete(key)
  }
}

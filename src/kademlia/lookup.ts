/**
 * Iterative Kademlia lookup as a pure state machine (STYLE.md item 2): the service asks
 * {@link Lookup.next} what to do, sends the FINDNODE it is told to, and reports
 * {@link Lookup.onSuccess} / {@link Lookup.onFailure}. No timers, no I/O: time comes in as `now`.
 *
 * Spec: discv5-theory.md "Lookup": of the `k` closest nodes seen, ask `α` not yet asked; stop
 * when the `k` closest seen have all been asked and answered. Unlike go-ethereum, nodes that
 * failed are dropped from the result instead of being returned as if they were close neighbours.
 * @module
 */
import { compareDistance, logDistance } from '../crypto/nodeid.js'
import {
  ALPHA,
  BUCKET_SIZE,
  LOOKUP_DISTANCES,
  LOOKUP_MAX_CANDIDATES,
  LOOKUP_MAX_QUERIES,
  LOOKUP_QUERY_TIMEOUT_MS,
  NODE_ID_LENGTH,
  NUM_BUCKETS,
} from './constants.js'
import { idKey, type KadNode } from './types.js'

/** What the lookup wants next. */
export type LookupStep<N extends KadNode> =
  /** Send FINDNODE to `peer` now (discv5: for `distances`; discv4: for the target), then report back. */
  | { kind: 'query'; peer: N; distances: number[] }
  /** `α` queries are in flight; call `next` again on the next answer or at `until` (the earliest query deadline). */
  | { kind: 'waiting'; until: number }
  /** Finished: the `k` closest nodes that answered, nearest first. */
  | { kind: 'done'; closest: N[] }

/** Options of a {@link Lookup}; defaults from go-ethereum and discv5-theory.md. */
export interface LookupOptions {
  /** Concurrent queries. Default {@link ALPHA}. */
  alpha?: number
  /** Result size, and how many of the closest seen nodes must answer. Default {@link BUCKET_SIZE}. */
  k?: number
  /** A query not reported within this many ms counts as failed. Default {@link LOOKUP_QUERY_TIMEOUT_MS}. */
  queryTimeoutMs?: number
  /** Most queries in total. Default {@link LOOKUP_MAX_QUERIES}. */
  maxQueries?: number
  /** Most candidates kept, farthest dropped first. Default {@link LOOKUP_MAX_CANDIDATES}. */
  maxCandidates?: number
  /** The local id: never queried, never returned. */
  localId?: Uint8Array
  /** Log-distances per `query` step (discv5 FINDNODE). Default {@link LOOKUP_DISTANCES}. */
  distances?: number
}

type CandidateState = 'new' | 'asking' | 'answered' | 'failed'

interface Candidate<N extends KadNode> {
  readonly node: N
  readonly key: string
  state: CandidateState
  deadline: number
}

/** Counters of one lookup. */
export interface LookupStats {
  /** Queries started. */
  queried: number
  /** Queries answered. */
  answered: number
  /** Queries failed or timed out. */
  failed: number
  /** Queries in flight. */
  inFlight: number
  /** Candidates currently kept. */
  candidates: number
}

/**
 * The log-distances to ask `dest` for when looking up `target`: `logdist(target, dest)` first,
 * then its neighbours above and below, `count` in all (go-ethereum v5_udp.go `lookupDistances`).
 */
export function lookupDistances(target: Uint8Array, dest: Uint8Array, count: number = LOOKUP_DISTANCES): number[] {
  const td = logDistance(target, dest)
  const out = [td]
  for (let i = 1; out.length < count && i <= NUM_BUCKETS; i++) {
    if (td + i <= NUM_BUCKETS) out.push(td + i)
    if (td - i > 0 && out.length < count) out.push(td - i)
  }
  return out
}

/** One iterative lookup for `target`. */
export class Lookup<N extends KadNode> {
  /** The id looked up. */
  readonly target: Uint8Array
  readonly #alpha: number
  readonly #k: number
  readonly #timeout: number
  readonly #maxQueries: number
  readonly #maxCandidates: number
  readonly #distances: number
  readonly #localKey: string | undefined
  /** BOUNDED: maxCandidates, sorted nearest first. */
  readonly #candidates: Candidate<N>[] = []
  /** BOUNDED: same members as #candidates. */
  readonly #byKey = new Map<string, Candidate<N>>()
  /** BOUNDED: maxQueries keys of every node asked, so a dropped candidate is never asked twice. */
  readonly #asked = new Set<string>()
  #inFlight = 0
  #answered = 0
  #failed = 0
  #result: N[] | undefined

  /** Start a lookup from `seeds` (typically `table.closest(target, k)`, live or not). */
  constructor(target: Uint8Array, seeds: Iterable<N>, options: LookupOptions = {}) {
    if (target.length !== NODE_ID_LENGTH) throw new RangeError('lookup target must be 32 bytes')
    this.target = target
    this.#alpha = options.alpha ?? ALPHA
    this.#k = options.k ?? BUCKET_SIZE
    this.#timeout = options.queryTimeoutMs ?? LOOKUP_QUERY_TIMEOUT_MS
    this.#maxQueries = options.maxQueries ?? LOOKUP_MAX_QUERIES
    this.#maxCandidates = Math.max(options.maxCandidates ?? LOOKUP_MAX_CANDIDATES, this.#k)
    this.#distances = options.distances ?? LOOKUP_DISTANCES
    this.#localKey = options.localId === undefined ? undefined : idKey(options.localId)
    if (this.#alpha < 1 || this.#k < 1) throw new RangeError('alpha and k must be at least 1')
    this.#addNodes(seeds)
  }

  /** The next step. Call after construction, after every report, and when a `waiting` step's `until` passes. */
  next(now: number): LookupStep<N> {
    if (this.#result !== undefined) return { kind: 'done', closest: this.#result }
    if (this.#inFlight > 0) this.#expire(now)
    if (this.#inFlight < this.#alpha && this.#asked.size < this.#maxQueries) {
      let considered = 0
      for (const c of this.#candidates) {
        if (c.state === 'failed') continue
        if (considered++ >= this.#k) break
        if (c.state !== 'new') continue
        c.state = 'asking'
        c.deadline = now + this.#timeout
        this.#inFlight++
        this.#asked.add(c.key)
        return { kind: 'query', peer: c.node, distances: lookupDistances(this.target, c.node.id, this.#distances) }
      }
    }
    if (this.#inFlight > 0) {
      let until = Number.POSITIVE_INFINITY
      for (const c of this.#candidates) if (c.state === 'asking' && c.deadline < until) until = c.deadline
      return { kind: 'waiting', until }
    }
    this.#result = this.closest()
    return { kind: 'done', closest: this.#result }
  }

  /**
   * `peer` answered with `found` (already verified by the service). Returns the nodes not seen
   * before in this lookup, for a random-node iterator to yield. Answers from peers never asked,
   * and answers after the lookup finished, are ignored. A late answer after a timeout still counts.
   */
  onSuccess(peer: Uint8Array, found: Iterable<N>): N[] {
    const c = this.#byKey.get(idKey(peer))
    if (this.#result !== undefined || c === undefined || (c.state !== 'asking' && c.state !== 'failed')) return []
    if (c.state === 'asking') this.#inFlight--
    else this.#failed--
    c.state = 'answered'
    this.#answered++
    return this.#addNodes(found)
  }

  /** The query to `peer` failed (timeout, error, or an answer the service rejected). */
  onFailure(peer: Uint8Array): void {
    const c = this.#byKey.get(idKey(peer))
    if (c === undefined || c.state !== 'asking') return
    c.state = 'failed'
    this.#inFlight--
    this.#failed++
  }

  /** Stop: the next `next` returns `done` with what is known now. In-flight answers are ignored. */
  cancel(): void {
    this.#result ??= this.closest()
  }

  /** Whether `next` returns `done`. */
  get finished(): boolean {
    return this.#result !== undefined
  }

  /** The `k` closest nodes that have answered so far, nearest first. */
  closest(): N[] {
    const out: N[] = []
    for (const c of this.#candidates) {
      if (c.state !== 'answered') continue
      out.push(c.node)
      if (out.length >= this.#k) break
    }
    return out
  }

  /** Counters for metrics and tests. */
  get stats(): LookupStats {
    return {
      queried: this.#asked.size,
      answered: this.#answered,
      failed: this.#failed,
      inFlight: this.#inFlight,
      candidates: this.#candidates.length,
    }
  }

  #expire(now: number): void {
    for (const c of this.#candidates) {
      if (c.state === 'asking' && c.deadline <= now) {
        c.state = 'failed'
        this.#inFlight--
        this.#failed++
      }
    }
  }

  #addNodes(nodes: Iterable<N>): N[] {
    const added: N[] = []
    for (const node of nodes) {
      if (node.id.length !== NODE_ID_LENGTH) continue
      const key = idKey(node.id)
      if (key === this.#localKey || this.#byKey.has(key) || this.#asked.has(key)) continue
      const list = this.#candidates
      let lo = 0
      let hi = list.length
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (compareDistance(this.target, (list[mid] as Candidate<N>).node.id, node.id) <= 0) lo = mid + 1
        else hi = mid
      }
      if (lo >= this.#maxCandidates) continue // farther than everything we keep
      const c: Candidate<N> = { node, key, state: 'new', deadline: 0 }
      list.splice(lo, 0, c)
      this.#byKey.set(key, c)
      added.push(node)
      if (list.length > this.#maxCandidates) this.#dropFarthest()
    }
    return added
  }

  #dropFarthest(): void {
    const list = this.#candidates
    for (let i = list.length - 1; i >= 0; i--) {
      const c = list[i] as Candidate<N>
      if (c.state === 'asking') continue
      list.splice(i, 1)
      this.#byKey.delete(c.key)
      return
    }
  }
}

/** Options of {@link runLookup}. */
export interface RunLookupOptions<N extends KadNode> {
  /** Current time in ms, e.g. the service's `clock.now`. */
  now: () => number
  /** Stops the lookup early; the promise then resolves with the closest nodes known so far. */
  signal?: AbortSignal
  /**
   * Called when a query settles: `found` is the answer, or `undefined` when the query failed;
   * `fresh` are the nodes new to this lookup. The place to call `table.onFindnodeResult` and `table.addSeen`.
   */
  onResult?: (peer: N, found: N[] | undefined, fresh: N[]) => void
}

/**
 * Drive `lookup` to completion with an async `query` (one FINDNODE exchange, which must settle
 * on its own: reject on timeout). Starts up to `α` queries at once and resolves with the
 * lookup's result. Uses no timers, so the lookup's own deadlines only act when a query settles.
 */
export async function runLookup<N extends KadNode>(
  lookup: Lookup<N>,
  query: (peer: N, distances: number[]) => Promise<Iterable<N>>,
  options: RunLookupOptions<N>,
): Promise<N[]> {
  const { now, signal, onResult } = options
  const pending = new Set<Promise<void>>()
  let callbackError: { error: unknown } | undefined
  const report = (peer: N, found: N[] | undefined, fresh: N[]): void => {
    try {
      onResult?.(peer, found, fresh)
    } catch (error) {
      callbackError ??= { error }
    }
  }
  let onAbort: (() => void) | undefined
  const aborted = new Promise<void>((resolve) => {
    onAbort = () => resolve()
    signal?.addEventListener('abort', onAbort, { once: true })
  })
  try {
    for (;;) {
      if (callbackError !== undefined) throw callbackError.error
      if (signal?.aborted) lookup.cancel()
      const step = lookup.next(now())
      if (step.kind === 'done') return step.closest
      if (step.kind === 'query') {
        const { peer, distances } = step
        const p: Promise<void> = query(peer, distances)
          .then(
            (answer) => {
              const found = [...answer]
              report(peer, found, lookup.onSuccess(peer.id, found))
            },
            () => {
              lookup.onFailure(peer.id)
              report(peer, undefined, [])
            },
          )
          .finally(() => pending.delete(p))
        pending.add(p)
        continue
      }
      await Promise.race([...pending, aborted])
    }
  } finally {
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort)
  }
}

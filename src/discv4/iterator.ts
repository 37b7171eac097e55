/**
 * A pull-based iterator of verified nodes found by random lookups (STYLE.md item 10; go-ethereum
 * `lookupIterator`): a lookup starts only when the consumer asks for a node and none is buffered,
 * and lookups start at most once per {@link MIN_LOOKUP_INTERVAL_MS}, so a consumer with no free
 * dial slots simply stops pulling and discovery costs nothing.
 * @module
 */
import type { Clock } from '../util/clock.js'
import type { Discv4Node } from './node.js'

/** Least time between two lookups of one iterator, ms. go-ethereum lookup.go `slowdown` `minInterval` (1 s). */
export const MIN_LOOKUP_INTERVAL_MS = 1_000

/** Most nodes buffered by one iterator: what one lookup can yield (its query cap). Ours. */
export const MAX_ITERATOR_BUFFER = 256

/** What the iterator needs from the service. @internal */
export interface RandomNodesHost {
  readonly clock: Clock
  /** Run one lookup for a random target; call `onVerified` for every node that answered a query. */
  randomLookup(signal: AbortSignal, onVerified: (n: Discv4Node) => void): Promise<unknown>
}

/**
 * Async iterator of nodes that answered our FINDNODE during random lookups (so they proved
 * their endpoint). Ends when the signal aborts, the service closes, or `return()` is called.
 * Nodes repeat across lookups; deduplicate downstream (a dialer does anyway).
 */
export class RandomNodes implements AsyncIterableIterator<Discv4Node> {
  /** BOUNDED: MAX_ITERATOR_BUFFER nodes; more from one lookup are dropped. */
  private readonly buffer: Discv4Node[] = []
  private readonly ctl = new AbortController()
  private readonly signal: AbortSignal
  private running: Promise<unknown> | undefined
  private wake: (() => void) | undefined
  private lastLookup = Number.NEGATIVE_INFINITY
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly host: RandomNodesHost,
    signals: AbortSignal[],
  ) {
    this.signal = AbortSignal.any([this.ctl.signal, ...signals])
    this.signal.addEventListener('abort', () => this.wake?.(), { once: true })
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  /** The next verified node; `done` once the iterator has ended. Concurrent calls are served in order. */
  next(): Promise<IteratorResult<Discv4Node, undefined>> {
    const p = this.queue.then(() => this.step())
    this.queue = p.catch(() => {})
    return p
  }

  /** End the iterator: stops the running lookup; later `next()` calls return `done`. */
  async return(): Promise<IteratorResult<Discv4Node, undefined>> {
    this.ctl.abort()
    this.buffer.length = 0
    return { value: undefined, done: true }
  }

  private async step(): Promise<IteratorResult<Discv4Node, undefined>> {
    for (;;) {
      if (this.signal.aborted) return { value: undefined, done: true }
      const n = this.buffer.shift()
      if (n) return { value: n, done: false }
      if (!this.running) {
        await this.slowdown()
        if (this.signal.aborted) continue
        this.lastLookup = this.host.clock.now()
        this.running = this.host
          .randomLookup(this.signal, (node) => {
            if (this.buffer.length < MAX_ITERATOR_BUFFER) this.buffer.push(node)
            this.wake?.()
          })
          .catch(() => {})
          .finally(() => {
            this.running = undefined
            this.wake?.()
          })
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve
      })
      this.wake = undefined
    }
  }

  private slowdown(): Promise<void> {
    const wait = this.lastLookup + MIN_LOOKUP_INTERVAL_MS - this.host.clock.now()
    if (wait <= 0) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const t = this.host.clock.setTimer(wait, () => {
        this.signal.removeEventListener('abort', onAbort)
        resolve()
      })
      const onAbort = () => {
        t.cancel()
        resolve()
      }
      this.signal.addEventListener('abort', onAbort, { once: true })
    })
  }
}

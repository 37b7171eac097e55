/**
 * A pull-based iterator of the nodes met by random lookups, shared by discv4 and discv5 (STYLE.md item 10;
 * go-ethereum `lookupIterator`): a lookup runs only while the consumer asks for a node and none
 * is buffered, at most one per {@link MIN_LOOKUP_INTERVAL_MS}, so a consumer with no free dial
 * slots stops pulling and discovery costs nothing.
 * @module
 */
import type { Clock } from '../util/clock.js'

/** Least time between two lookups of one iterator, ms. go-ethereum lookup.go `slowdown` `minInterval` (1 s). */
export const MIN_LOOKUP_INTERVAL_MS = 1_000

/** Most records buffered by one iterator. Ours: about what one lookup can find (its query cap × 16 would be more; the rest is dropped). */
export const MAX_ITERATOR_BUFFER = 256

/** What the iterator needs from a discovery service. @internal */
export interface LookupSource<T> {
  readonly clock: Clock
  /** Run one lookup for a random target; call `onFound` for every node that answered and every new verified record. */
  randomLookup(signal: AbortSignal, onFound: (item: T) => void): Promise<unknown>
}

/**
 * Async iterator of records met during random lookups: nodes that answered our FINDNODE, and
 * the records (signature, distance and address checked) they returned. Ends when a signal aborts (the caller's or the service's close) or on `return()`.
 * Records repeat across lookups; deduplicate downstream (a dialer does anyway).
 */
export class RandomNodes<T> implements AsyncIterableIterator<T> {
  /** BOUNDED: MAX_ITERATOR_BUFFER items; more from one lookup are dropped. */
  private readonly buffer: T[] = []
  private readonly ctl = new AbortController()
  private readonly signal: AbortSignal
  private running: Promise<unknown> | undefined
  private wake: (() => void) | undefined
  private lastLookup = Number.NEGATIVE_INFINITY
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly source: LookupSource<T>,
    signals: AbortSignal[],
  ) {
    this.signal = AbortSignal.any([this.ctl.signal, ...signals])
    this.signal.addEventListener('abort', () => this.wake?.(), { once: true })
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  /** The next record; `done` once the iterator has ended. Concurrent calls are served in order. */
  next(): Promise<IteratorResult<T, undefined>> {
    const p = this.queue.then(() => this.step())
    this.queue = p.catch(() => {})
    return p
  }

  /** End the iterator: stops the running lookup; later `next()` calls return `done`. */
  async return(): Promise<IteratorResult<T, undefined>> {
    this.ctl.abort()
    this.buffer.length = 0
    await this.running
    return { value: undefined, done: true }
  }

  private async step(): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      if (this.signal.aborted) return { value: undefined, done: true }
      const item = this.buffer.shift()
      if (item !== undefined) return { value: item, done: false }
      if (!this.running) {
        await this.slowdown()
        if (this.signal.aborted) continue
        this.lastLookup = this.source.clock.now()
        this.running = this.source
          .randomLookup(this.signal, (found) => {
            if (this.buffer.length < MAX_ITERATOR_BUFFER) this.buffer.push(found)
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
    const wait = this.lastLookup + MIN_LOOKUP_INTERVAL_MS - this.source.clock.now()
    if (wait <= 0) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const onAbort = () => {
        t.cancel()
        resolve()
      }
      const t = this.source.clock.setTimer(wait, () => {
        this.signal.removeEventListener('abort', onAbort)
        resolve()
      })
      this.signal.addEventListener('abort', onAbort, { once: true })
    })
  }
}

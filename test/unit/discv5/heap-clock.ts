/** A virtual clock on a binary heap: the same contract as VirtualClock, O(log n) per timer, for large simulated networks. */
import type { Clock, Timer } from '../../../src/util/clock.js'

interface HeapTimer {
  at: number
  seq: number
  fn: () => void
  cancelled: boolean
}

const before = (a: HeapTimer, b: HeapTimer) => a.at < b.at || (a.at === b.at && a.seq < b.seq)

/** Time moves only in {@link advance}; timers fire in (due time, creation order). */
export class HeapClock implements Clock {
  private time = 0
  private seq = 0
  private readonly heap: HeapTimer[] = []

  now(): number {
    return this.time
  }

  setTimer(ms: number, fn: () => void): Timer {
    const t: HeapTimer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, cancelled: false }
    this.push(t)
    return {
      cancel: () => {
        t.cancelled = true
      },
    }
  }

  timeoutSignal(ms: number): AbortSignal {
    const ctl = new AbortController()
    this.setTimer(ms, () => ctl.abort(new DOMException('The operation timed out.', 'TimeoutError')))
    return ctl.signal
  }

  /** Number of timers not yet fired or cancelled. */
  get pending(): number {
    return this.heap.filter((t) => !t.cancelled).length
  }

  /** Move time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.time + ms
    for (;;) {
      const t = this.heap[0]
      if (!t || t.at > target) break
      this.pop()
      if (t.cancelled) continue
      this.time = Math.max(this.time, t.at)
      t.fn()
    }
    this.time = target
  }

  private push(t: HeapTimer): void {
    const h = this.heap
    h.push(t)
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1
      if (!before(h[i] as HeapTimer, h[p] as HeapTimer)) break
      ;[h[i], h[p]] = [h[p] as HeapTimer, h[i] as HeapTimer]
      i = p
    }
  }

  private pop(): void {
    const h = this.heap
    const last = h.pop() as HeapTimer
    if (h.length === 0) return
    h[0] = last
    for (let i = 0; ; ) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && before(h[l] as HeapTimer, h[m] as HeapTimer)) m = l
      if (r < h.length && before(h[r] as HeapTimer, h[m] as HeapTimer)) m = r
      if (m === i) break
      ;[h[i], h[m]] = [h[m] as HeapTimer, h[i] as HeapTimer]
      i = m
    }
  }
}

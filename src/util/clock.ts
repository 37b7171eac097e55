/**
 * Time, injected. Pure layers take `now` as an argument; services take a {@link Clock}, so tests
 * and the simulator can run on a {@link VirtualClock}.
 */

/** A cancellable timer handle. */
export interface Timer {
  cancel(): void
}

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number
  /** Call `fn` after `ms` milliseconds. The timer does not keep the process alive. */
  setTimer(ms: number, fn: () => void): Timer
  /** An AbortSignal that aborts with a TimeoutError after `ms` milliseconds. */
  timeoutSignal(ms: number): AbortSignal
}

/**
 * The real clock: performance.now() and unref'd Node timers. A timer's callback runs in the
 * check phase of the turn its timeout fired in, after that turn's I/O poll: a deadline that
 * passed while the event loop was busy must not fail a request whose answer is already waiting
 * in a socket buffer (Node runs due timers before it polls). Costs one setImmediate per timer.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, fn) {
    let soon: NodeJS.Immediate | undefined
    const t = setTimeout(() => {
      soon = setImmediate(fn)
    }, ms)
    t.unref?.()
    return {
      cancel: () => {
        clearTimeout(t)
        if (soon) clearImmediate(soon)
      },
    }
  },
  timeoutSignal: (ms) => AbortSignal.timeout(ms),
}

interface VirtualTimer {
  at: number
  seq: number
  fn: () => void
  cancelled: boolean
}

const before = (a: VirtualTimer, b: VirtualTimer) => a.at < b.at || (a.at === b.at && a.seq < b.seq)

/**
 * A clock that only moves when told to. Timers fire in (due time, creation order) during
 * {@link advance}; they sit in a binary heap, so simulated networks of hundreds of nodes with
 * thousands of pending timers stay O(log n) per timer.
 */
export class VirtualClock implements Clock {
  private time: number
  private seq = 0
  /** BOUNDED: by the timers callers set; fired and cancelled ones leave it as time passes. */
  private readonly heap: VirtualTimer[] = []

  constructor(start = 0) {
    this.time = start
  }

  now(): number {
    return this.time
  }

  setTimer(ms: number, fn: () => void): Timer {
    const t: VirtualTimer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, cancelled: false }
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
      t.cancelled = true
      this.time = Math.max(this.time, t.at)
      t.fn()
    }
    this.time = target
  }

  private push(t: VirtualTimer): void {
    const h = this.heap
    h.push(t)
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1
      if (!before(h[i] as VirtualTimer, h[p] as VirtualTimer)) break
      ;[h[i], h[p]] = [h[p] as VirtualTimer, h[i] as VirtualTimer]
      i = p
    }
  }

  private pop(): void {
    const h = this.heap
    const last = h.pop() as VirtualTimer
    if (h.length === 0) return
    h[0] = last
    for (let i = 0; ; ) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && before(h[l] as VirtualTimer, h[m] as VirtualTimer)) m = l
      if (r < h.length && before(h[r] as VirtualTimer, h[m] as VirtualTimer)) m = r
      if (m === i) break
      ;[h[i], h[m]] = [h[m] as VirtualTimer, h[i] as VirtualTimer]
      i = m
    }
  }
}

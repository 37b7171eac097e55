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

/** The real clock: performance.now() and unref'd Node timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms)
    t.unref?.()
    return { cancel: () => clearTimeout(t) }
  },
  timeoutSignal: (ms) => AbortSignal.timeout(ms),
}

interface VirtualTimer {
  at: number
  seq: number
  fn: () => void
  cancelled: boolean
}

/** A clock that only moves when told to. Timers fire in time order during {@link advance}. */
export class VirtualClock implements Clock {
  private time: number
  private seq = 0
  private timers: VirtualTimer[] = []

  constructor(start = 0) {
    this.time = start
  }

  now(): number {
    return this.time
  }

  setTimer(ms: number, fn: () => void): Timer {
    const t: VirtualTimer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, cancelled: false }
    this.timers.push(t)
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
    return this.timers.filter((t) => !t.cancelled).length
  }

  /** Move time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.time + ms
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled)
      let next: VirtualTimer | undefined
      for (const t of this.timers)
        if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t
      if (!next) break
      this.time = Math.max(this.time, next.at)
      next.cancelled = true
      next.fn()
    }
    this.time = target
  }
}

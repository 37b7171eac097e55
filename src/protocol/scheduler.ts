/**
 * One deadline queue and one clock timer per peer (STYLE.md item 5), instead of a timer per
 * request, waiter or handshake.
 * @module
 */
import type { Clock, Timer } from '../util/clock.js'
import { Deadlines } from '../util/deadlines.js'

/** Something that can run out of time. */
export interface Expirable {
  expire(): void
}

/** Deadlines on an injected clock, served by a single timer armed for the earliest one. */
export class DeadlineTimer {
  /** BOUNDED: by the callers' own bounds (in-flight requests, waiters, one handshake). */
  private readonly deadlines = new Deadlines<Expirable>()
  private timer: Timer | undefined
  private timerAt = Number.POSITIVE_INFINITY
  private closed = false

  constructor(private readonly clock: Clock) {}

  /** Call `item.expire()` once `ms` milliseconds have passed, unless cancelled first. */
  schedule(item: Expirable, ms: number): void {
    if (this.closed) return
    this.deadlines.set(item, this.clock.now() + Math.max(0, ms))
    this.arm()
  }

  cancel(item: Expirable): void {
    if (this.deadlines.delete(item)) this.arm()
  }

  /** Forget every deadline and stop the timer. */
  close(): void {
    this.closed = true
    this.deadlines.popExpired(Number.POSITIVE_INFINITY)
    this.arm()
  }

  private arm(): void {
    const next = this.closed ? undefined : this.deadlines.next()
    if (next === this.timerAt) return
    this.timer?.cancel()
    this.timer = undefined
    this.timerAt = Number.POSITIVE_INFINITY
    if (next === undefined) return
    this.timerAt = next
    this.timer = this.clock.setTimer(next - this.clock.now(), () => {
      this.timer = undefined
      this.timerAt = Number.POSITIVE_INFINITY
      for (const item of this.deadlines.popExpired(this.clock.now())) item.expire()
      this.arm()
    })
  }
}

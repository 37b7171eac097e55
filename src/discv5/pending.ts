/**
 * The waiting side of our discv5 requests: one promise per request handed to the session
 * machine, matched by the {@link OutgoingRequest} object its outputs carry. Timeouts and the
 * retry live in the session machine; this only resolves, rejects and forgets.
 * @module
 */
import type { Enr } from '../enr/index.js'
import { Discv5Error } from './errors.js'
import type { OutgoingRequest } from './session/index.js'

/** A request's promise and what it has gathered so far. @internal */
export interface Waiter {
  readonly request: OutgoingRequest
  /** `clock.now()` when the request was handed to the session machine. */
  readonly started: number
  /** FINDNODE: records accepted so far (≤ MAX_FINDNODE_RESULTS). */
  readonly found: Enr[]
  /** FINDNODE: hex ids accepted so far, to refuse duplicates across NODES packets. */
  readonly seen: Set<string>
  resolve(v: unknown): void
  reject(e: Error): void
  detach(): void
}

/** Pending requests of one service. @internal */
export class Waiters {
  /**
   * BOUNDED: the session machine admits at most MAX_ACTIVE_REQUESTS outstanding requests, and a
   * waiter leaves when its request settles, fails or its caller aborts.
   */
  private readonly map = new Map<OutgoingRequest, Waiter>()

  get size(): number {
    return this.map.size
  }

  /** Register a waiter for `request` (before handing it to the session machine). */
  start<T>(request: OutgoingRequest, now: number, signal?: AbortSignal): Promise<T> {
    return new Promise<unknown>((resolve, reject) => {
      const w: Waiter = { request, started: now, found: [], seen: new Set(), resolve, reject, detach: () => {} }
      if (signal) {
        const onAbort = () => {
          this.map.delete(request)
          reject(signal.reason)
        }
        signal.addEventListener('abort', onAbort, { once: true })
        w.detach = () => signal.removeEventListener('abort', onAbort)
      }
      this.map.set(request, w)
    }) as Promise<T>
  }

  get(request: OutgoingRequest): Waiter | undefined {
    return this.map.get(request)
  }

  /** Resolve the request's promise with `v`. */
  settle(w: Waiter, v: unknown): void {
    this.map.delete(w.request)
    w.detach()
    w.resolve(v)
  }

  /** Reject the request's promise. */
  fail(w: Waiter, e: Error): void {
    this.map.delete(w.request)
    w.detach()
    w.reject(e)
  }

  /** Reject every pending request with CLOSED. */
  close(): void {
    for (const w of [...this.map.values()]) this.fail(w, new Discv5Error('CLOSED'))
  }
}

/**
 * Our own requests in flight to one peer: id allocation, matching of responses (by request id,
 * or FIFO per response code), timeouts, aborts, and the classification of stray responses.
 * @module
 */
import { Lru } from '../util/lru.js'
import type { RequestSpec } from './define.js'
import { AbortedError, type DisconnectedError, TimeoutError } from './errors.js'
import { MAX_REQUEST_ID } from './ids.js'
import type { DropReason, RequestOutcome } from './metrics.js'
import type { DeadlineTimer, Expirable } from './scheduler.js'

/** Answered or expired request ids remembered to tell late and duplicate responses from unsolicited ones. */
export const RECENT_REQUEST_IDS = 256

/** One request in flight. */
export interface Pending extends Expirable {
  readonly id: bigint
  readonly spec: RequestSpec<unknown, unknown>
  /** Settled (answered, timed out, aborted or disconnected). */
  done: boolean
  resolve(value: unknown): void
  reject(error: unknown, outcome: RequestOutcome): void
}

/** Tracks requests in flight. FIFO mode when `fifo` (no request ids on the wire). */
export class OutboundRequests {
  /** Id mode. BOUNDED: the peer's maxInFlight (checked by the caller before `add`). */
  private readonly byId = new Map<bigint, Pending>()
  /** FIFO mode, per response code, oldest first; expired slots stay until answered. BOUNDED: as above. */
  private readonly queues = new Map<number, Pending[]>()
  private queued = 0
  /** BOUNDED: RECENT_REQUEST_IDS, LRU. */
  private readonly recent = new Lru<bigint, 'done' | 'expired'>(RECENT_REQUEST_IDS)
  private nextId = 0n

  constructor(
    private readonly fifo: boolean,
    private readonly timer: DeadlineTimer,
    private readonly count: (outcome: RequestOutcome) => void,
  ) {}

  /** Requests in flight (FIFO: including expired slots the peer still owes an answer for). */
  get size(): number {
    return this.fifo ? this.queued : this.byId.size
  }

  /** The next free request id (ids count up from 0 and wrap at 2^64, skipping ids in flight). */
  allocateId(): bigint {
    while (this.byId.has(this.nextId)) this.nextId = this.nextId === MAX_REQUEST_ID ? 0n : this.nextId + 1n
    const id = this.nextId
    this.nextId = id === MAX_REQUEST_ID ? 0n : id + 1n
    return id
  }

  /** Track a request whose bytes are about to be sent; the promise settles with its response. */
  add<S>(spec: RequestSpec<unknown, S>, id: bigint, timeoutMs: number, signal: AbortSignal | undefined): Promise<S> {
    return new Promise<S>((resolve, reject) => {
      const onAbort = () => p.reject(new AbortedError(signal?.reason), 'aborted')
      const settle = (outcome: RequestOutcome) => {
        p.done = true
        this.timer.cancel(p)
        signal?.removeEventListener('abort', onAbort)
        // FIFO: an expired slot stays queued (still owed), so its late answer cannot match a newer request.
        if ((outcome === 'timeout' || outcome === 'aborted') && !this.fifo) {
          this.byId.delete(id)
          this.recent.set(id, 'expired')
        }
        this.count(outcome)
      }
      const p: Pending = {
        id,
        spec: spec as RequestSpec<unknown, unknown>,
        done: false,
        resolve: (v) => {
          if (p.done) return
          settle('ok')
          resolve(v as S)
        },
        reject: (e, outcome) => {
          if (p.done) return
          settle(outcome)
          reject(e)
        },
        expire: () => p.reject(new TimeoutError(spec.name, timeoutMs), 'timeout'),
      }
      if (this.fifo) {
        let q = this.queues.get(spec.response.code)
        if (!q) {
          q = []
          this.queues.set(spec.response.code, q)
        }
        q.push(p)
        this.queued++
      } else this.byId.set(id, p)
      signal?.addEventListener('abort', onAbort, { once: true })
      this.timer.schedule(p, timeoutMs)
    })
  }

  /**
   * Find the request a response answers, and take it out of the table when `take`.
   * Returns why the response is to be dropped when it answers nothing pending.
   */
  match(responseCode: number, id: bigint, take: boolean): Pending | DropReason {
    if (this.fifo) {
      const q = this.queues.get(responseCode)
      const head = q?.[0]
      if (!q || !head) return 'unsolicited'
      if (head.done) {
        q.shift()
        this.queued--
        return 'late'
      }
      if (take) {
        q.shift()
        this.queued--
      }
      return head
    }
    const p = this.byId.get(id)
    if (!p) {
      const was = this.recent.get(id)
      return was === 'expired' ? 'late' : was === 'done' ? 'duplicate' : 'unsolicited'
    }
    if (p.spec.response.code !== responseCode) return 'mismatched'
    if (take) {
      this.byId.delete(id)
      this.recent.set(id, 'done')
    }
    return p
  }

  /** Reject everything in flight (the connection closed). */
  rejectAll(err: DisconnectedError): void {
    const all = [...this.byId.values()]
    for (const q of this.queues.values()) all.push(...q)
    this.byId.clear()
    this.queues.clear()
    this.queued = 0
    for (const p of all) p.reject(err, 'disconnected')
  }
}

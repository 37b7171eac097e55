/**
 * The waiting side of our discv4 requests: one promise per request registered in the
 * {@link ReplyMatcher}, ONE clock timer for the earliest reply deadline, and callers waiting for a
 * node's PING after ours (the second half of a bond, as go-ethereum's `ensureBond`).
 * @module
 */
import type { Clock, Timer } from '../util/clock.js'
import { Discv4Error } from './errors.js'
import type { Discv4Node } from './node.js'
import type { ReplyKind, ReplyMatcher } from './replies.js'

/** Most callers waiting for a node's PING after ours. Ours: one per concurrent lookup query is plenty. */
export const MAX_BOND_WAITERS = 256

/** A request's promise and what it has gathered so far. @internal */
export interface Waiter {
  readonly node: Discv4Node
  /** For FINDNODE: nodes accepted from NEIGHBORS so far (≤ MAX_FINDNODE_RESULTS). */
  readonly nodes: Discv4Node[]
  resolve(v: unknown): void
  reject(e: Error): void
  detach(): void
}

/** Pending requests of one service. @internal */
export class PendingRequests {
  /** BOUNDED: MAX_BOND_WAITERS callbacks in all. */
  private readonly bondWaiters = new Map<string, (() => void)[]>()
  private bondWaiterCount = 0
  private timer: Timer | undefined
  private timerAt = Number.POSITIVE_INFINITY

  constructor(
    private readonly clock: Clock,
    private readonly replies: ReplyMatcher<Waiter>,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Register the reply `kind` expected from `node` (echoing `token` unless NEIGHBORS), call
   * `transmit`, and resolve with the reply, or reject on timeout, abort or refusal.
   */
  start<T>(
    node: Discv4Node,
    key: string,
    kind: ReplyKind,
    token: Uint8Array | undefined,
    transmit: () => void,
    signal?: AbortSignal,
  ): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason)
    return new Promise<unknown>((resolve, reject) => {
      const w: Waiter = { node, nodes: [], resolve, reject, detach: () => {} }
      const p = this.replies.expect(key, node.ip, kind, this.clock.now() + this.timeoutMs, token, w)
      if (typeof p === 'string') return reject(new Discv4Error('BUSY', `${p}: too many requests pending`))
      if (signal) {
        const onAbort = () => {
          this.replies.cancel(p.id)
          reject(signal.reason)
        }
        signal.addEventListener('abort', onAbort, { once: true })
        w.detach = () => signal.removeEventListener('abort', onAbort)
      }
      transmit()
      this.arm()
    }) as Promise<T>
  }

  /** Resolve a request with its reply. */
  settle(w: Waiter, v: unknown): void {
    w.detach()
    w.resolve(v)
  }

  /** Reject a request. */
  fail(w: Waiter, e: Error): void {
    w.detach()
    w.reject(e)
  }

  private arm(): void {
    const next = this.replies.nextDeadline()
    if (next === undefined || next >= this.timerAt) return
    this.timer?.cancel()
    this.timerAt = next
    this.timer = this.clock.setTimer(next - this.clock.now(), () => {
      // Judge deadlines one timer tick later: on a real event loop the I/O poll runs in between,
      // so a reply already sitting in the socket buffer of a busy process is taken, not timed out.
      this.timer = this.clock.setTimer(0, () => this.expire())
    })
  }

  private expire(): void {
    this.timer = undefined
    this.timerAt = Number.POSITIVE_INFINITY
    for (const p of this.replies.popExpired(this.clock.now())) {
      const w = p.ctx
      // A FINDNODE answered by fewer than 16 nodes ends at its deadline with what arrived.
      if (p.kind === 'neighbors' && w.nodes.length > 0) this.settle(w, w.nodes)
      else this.fail(w, new Discv4Error('TIMEOUT', `no ${p.kind} from ${p.ip}`))
    }
    this.arm()
  }

  /** Wait until {@link pingReceived} for `key`, at most `ms`; never rejects. */
  waitForPing(key: string, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        t.cancel()
        const list = this.bondWaiters.get(key) ?? []
        const i = list.indexOf(done)
        if (i >= 0) {
          list.splice(i, 1)
          this.bondWaiterCount--
        }
        if (list.length === 0) this.bondWaiters.delete(key)
        resolve()
      }
      const t = this.clock.setTimer(ms, done)
      if (this.bondWaiterCount >= MAX_BOND_WAITERS) return
      const list = this.bondWaiters.get(key) ?? []
      list.push(done)
      this.bondWaiters.set(key, list)
      this.bondWaiterCount++
    })
  }

  /** The node `key` pinged us: release whoever waits for that. */
  pingReceived(key: string): void {
    for (const w of [...(this.bondWaiters.get(key) ?? [])]) w()
  }

  /** Fail every pending request with CLOSED, release bond waiters, stop the timer. */
  close(): void {
    this.timer?.cancel()
    this.timer = undefined
    for (const p of this.replies.clear()) this.fail(p.ctx, new Discv4Error('CLOSED'))
    for (const list of [...this.bondWaiters.values()]) for (const w of [...list]) w()
  }
}

/**
 * Running a protocol's handshake step: the deadline, the caller's signal, the "next message must
 * be X" rule of `receive`, and the mapping of every failure to a disconnect reason.
 * @module
 */
import { CodecError } from './codec.js'
import type { CloseInfo } from './connection.js'
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, type HandshakeSpec, type MessageSpec } from './define.js'
import {
  AbortedError,
  DisconnectError,
  DisconnectedError,
  DisconnectReason,
  HandshakeError,
  PeerError,
} from './errors.js'
import type { FaultReason } from './metrics.js'
import type { DeadlineTimer, Expirable } from './scheduler.js'

/** What the handshake needs from its peer. */
export interface HandshakeHost<PS, NS> {
  readonly timer: DeadlineTimer
  readonly state: PS
  readonly nodeState: NS
  send<T>(spec: MessageSpec<T>, value: T): void
  /** The oldest message kept while the handshake runs, if any (removed). */
  takeEarly(): [number, Uint8Array] | undefined
  closeInfo(): CloseInfo | undefined
  fault(kind: FaultReason, reason: number, detail: string): void
  disconnect(reason: number): void
}

const TIMED_OUT = Symbol('handshake timeout')

/** One run of a handshake for one peer. */
export class HandshakeRun<H, PS, NS> {
  private waiter: { spec: MessageSpec<unknown>; settle(ok: boolean, v: unknown): void } | undefined
  private failWith: ((e: unknown) => void) | undefined
  private readonly failReason: number

  constructor(
    private readonly spec: HandshakeSpec<H, PS, NS>,
    private readonly host: HandshakeHost<PS, NS>,
  ) {
    this.failReason = spec.failReason ?? DisconnectReason.SubprotocolError
  }

  /** Offer an arriving message. True when the handshake was waiting for it and took it. */
  offer(code: number, payload: Uint8Array): boolean {
    const w = this.waiter
    if (!w) return false
    this.waiter = undefined
    try {
      w.settle(true, this.decode(w.spec, code, payload))
    } catch (e) {
      w.settle(false, e)
    }
    return true
  }

  /** The connection closed: fail the run. */
  abort(err: DisconnectedError): void {
    this.waiter?.settle(false, err)
    this.waiter = undefined
    this.failWith?.(err)
  }

  /**
   * Run the step. Resolves with its result; rejects with HandshakeError after disconnecting with
   * the chosen reason, with DisconnectedError when the connection closed, or with AbortedError
   * (after disconnecting as requested) when `signal` fired.
   */
  async run(signal: AbortSignal | undefined): Promise<H> {
    const ctl = new AbortController()
    const failure = new Promise<never>((_, reject) => {
      this.failWith = (e) => {
        ctl.abort(e)
        reject(e)
      }
    })
    const timeoutMs = this.spec.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS
    const deadline: Expirable = { expire: () => this.failWith?.(TIMED_OUT) }
    this.host.timer.schedule(deadline, timeoutMs)
    const onAbort = () => this.failWith?.(new AbortedError(signal?.reason))
    signal?.addEventListener('abort', onAbort, { once: true })
    if (signal?.aborted) onAbort()
    try {
      const result = await Promise.race([
        this.spec.run({
          send: (spec, value) => this.host.send(spec, value),
          receive: (spec) => this.receive(spec),
          signal: ctl.signal,
          state: this.host.state,
          nodeState: this.host.nodeState,
        }),
        failure,
      ])
      const gone = this.host.closeInfo()
      if (gone) throw new DisconnectedError(gone.reason, gone.remote)
      return result
    } catch (e) {
      throw this.failed(e, timeoutMs)
    } finally {
      this.host.timer.cancel(deadline)
      signal?.removeEventListener('abort', onAbort)
      this.failWith = undefined
      this.waiter = undefined
    }
  }

  private failed(e: unknown, timeoutMs: number): unknown {
    const gone = this.host.closeInfo()
    if (e instanceof DisconnectedError) return e
    if (gone) return new DisconnectedError(gone.reason, gone.remote)
    if (e instanceof AbortedError) {
      this.host.disconnect(DisconnectReason.Requested)
      return e
    }
    let reason = this.failReason
    let detail = e instanceof Error ? e.message : String(e)
    let fault: FaultReason = 'handshake_failed'
    if (e === TIMED_OUT) {
      reason = this.spec.timeoutReason ?? this.failReason
      detail = `no handshake within ${timeoutMs} ms`
      fault = 'handshake_timeout'
    } else if (e instanceof DisconnectError) reason = e.reason
    this.host.fault(fault, reason, detail)
    return new HandshakeError(reason, detail, e === TIMED_OUT ? undefined : e)
  }

  private receive<T>(spec: MessageSpec<T>): Promise<T> {
    if (this.waiter) return Promise.reject(new Error('BUG: concurrent receive() in a handshake'))
    if (!this.failWith) return Promise.reject(new PeerError('NOT_READY', 'the handshake is over'))
    const first = this.host.takeEarly()
    if (first) {
      try {
        return Promise.resolve(this.decode(spec, first[0], first[1]) as T)
      } catch (e) {
        return Promise.reject(e)
      }
    }
    return new Promise<T>((resolve, reject) => {
      this.waiter = { spec: spec as MessageSpec<unknown>, settle: (ok, v) => (ok ? resolve(v as T) : reject(v)) }
    })
  }

  private decode(spec: MessageSpec<unknown>, code: number, payload: Uint8Array): unknown {
    if (code !== spec.code)
      throw new DisconnectError(this.failReason, `expected ${spec.name || spec.code} first, got code ${code}`)
    try {
      return spec.codec.decode(payload)
    } catch (e) {
      if (e instanceof CodecError)
        throw new DisconnectError(DisconnectReason.BreachOfProtocol, `${spec.name || spec.code}: ${e.message}`)
      throw e
    }
  }
}

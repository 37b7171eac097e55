/**
 * The TALK protocol registry: application handlers by protocol name, answering TALKREQ with
 * TALKRESP. Spec: devp2p discv5/discv5-wire.md "TALKREQ Request": a recipient that does not
 * know the protocol answers with an empty TALKRESP. Handlers may be async; each answer is
 * bounded in time and the number running at once is bounded.
 * @module
 */
import type { Enr } from '../enr/index.js'
import { toHex, utf8 } from '../util/bytes.js'
import type { Clock, Timer } from '../util/clock.js'
import type { NodeAddress } from './session/index.js'

/** Most async TALK handlers running at once; TALKREQs beyond this get no answer. Ours. */
export const MAX_PENDING_TALK = 64
/** Time an async TALK handler has to answer, ms. Ours: the requester gives up after about 1 s (two 500 ms tries). */
export const TALK_HANDLER_TIMEOUT_MS = 900

/** Who sent a TALKREQ. */
export interface TalkSender extends NodeAddress {
  /** The sender's record, when known. */
  enr?: Enr
}

/** Answers the TALKREQs of one protocol. Throwing, or giving no answer in time, sends an empty TALKRESP. */
export type TalkHandler = (request: Uint8Array, from: TalkSender) => Uint8Array | Promise<Uint8Array>

/** Protocol name as bytes (text names are UTF-8). */
export const protocolBytes = (p: string | Uint8Array): Uint8Array => (typeof p === 'string' ? utf8(p) : p)

/** Registered TALK protocols and the async answers in flight. @internal */
export class TalkRegistry {
  /** BOUNDED: set by the application, one entry per protocol it registers. */
  private readonly handlers = new Map<string, TalkHandler>()
  /** BOUNDED: MAX_PENDING_TALK timers. */
  private readonly timers = new Set<Timer>()

  constructor(private readonly clock: Clock) {}

  register(protocol: string | Uint8Array, handler: TalkHandler): void {
    this.handlers.set(toHex(protocolBytes(protocol)), handler)
  }

  unregister(protocol: string | Uint8Array): void {
    this.handlers.delete(toHex(protocolBytes(protocol)))
  }

  /**
   * Answer one TALKREQ through `respond` (exactly once, or never when too many are pending).
   * Returns 'unknown' for an unregistered protocol (answered empty), 'busy' when refused.
   */
  handle(
    protocol: Uint8Array,
    request: Uint8Array,
    from: TalkSender,
    respond: (response: Uint8Array) => void,
  ): 'ok' | 'unknown' | 'busy' {
    const h = this.handlers.get(toHex(protocol))
    if (!h) {
      respond(new Uint8Array(0))
      return 'unknown'
    }
    let result: Uint8Array | Promise<Uint8Array>
    try {
      result = h(request, from)
    } catch {
      respond(new Uint8Array(0))
      return 'ok'
    }
    if (result instanceof Uint8Array) {
      respond(result)
      return 'ok'
    }
    if (this.timers.size >= MAX_PENDING_TALK) {
      result.catch(() => {})
      return 'busy'
    }
    let done = false
    const finish = (r: Uint8Array) => {
      if (done) return
      done = true
      timer.cancel()
      this.timers.delete(timer)
      respond(r)
    }
    const timer = this.clock.setTimer(TALK_HANDLER_TIMEOUT_MS, () => finish(new Uint8Array(0)))
    this.timers.add(timer)
    result.then(
      (r) => finish(r instanceof Uint8Array ? r : new Uint8Array(0)),
      () => finish(new Uint8Array(0)),
    )
    return 'ok'
  }

  /** Stop waiting for async handlers (their answers are dropped). */
  close(): void {
    for (const t of this.timers) t.cancel()
    this.timers.clear()
  }
}

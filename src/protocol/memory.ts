/**
 * Two {@link ProtocolConnection}s joined in memory, for tests, examples and simulations.
 * Delivery is asynchronous (one microtask per message) and in order; a disconnect reaches the
 * other side after every message sent before it, as on a real stream.
 * @module
 */
import type { CloseInfo, ConnectionReceiver, ProtocolConnection } from './connection.js'
import { DisconnectReason } from './errors.js'

/** Messages held for a side that has not attached a receiver yet. Beyond this it is disconnected. */
export const MEMORY_PREATTACH_BUFFER = 1024

/** One end of a {@link memoryPair}. */
export class MemoryConnection implements ProtocolConnection {
  private receiver: ConnectionReceiver | undefined
  /** BOUNDED: MEMORY_PREATTACH_BUFFER messages, then the connection is closed. */
  private early: [number, Uint8Array][] = []
  private earlyClose: CloseInfo | undefined
  private isClosed = false
  /** Messages this end has sent (for tests). */
  sent = 0
  /** @internal */
  other!: MemoryConnection

  get closed(): boolean {
    return this.isClosed
  }

  send(code: number, payload: Uint8Array): void {
    if (this.isClosed) return
    this.sent++
    const copy = payload.slice()
    const to = this.other
    queueMicrotask(() => to.arrive(code, copy))
  }

  attach(receiver: ConnectionReceiver): void {
    if (this.receiver) throw new Error('BUG: receiver already attached')
    this.receiver = receiver
    const early = this.early
    this.early = []
    for (const [code, payload] of early) receiver.onMessage(code, payload)
    if (this.earlyClose) receiver.onClose(this.earlyClose)
  }

  disconnect(reason: number): void {
    if (this.isClosed) return
    this.isClosed = true
    const to = this.other
    queueMicrotask(() => this.notifyClose({ reason, remote: false }))
    queueMicrotask(() => to.closedByRemote(reason))
  }

  private arrive(code: number, payload: Uint8Array): void {
    if (this.isClosed) return
    if (this.receiver) this.receiver.onMessage(code, payload)
    else if (this.early.length >= MEMORY_PREATTACH_BUFFER) this.disconnect(DisconnectReason.BreachOfProtocol)
    else this.early.push([code, payload])
  }

  private closedByRemote(reason: number): void {
    if (this.isClosed) return
    this.isClosed = true
    this.notifyClose({ reason, remote: true })
  }

  private notifyClose(info: CloseInfo): void {
    if (this.receiver) this.receiver.onClose(info)
    else this.earlyClose = info
  }
}

/** A connected pair: what one sends, the other receives. */
export function memoryPair(): [MemoryConnection, MemoryConnection] {
  const a = new MemoryConnection()
  const b = new MemoryConnection()
  a.other = b
  b.other = a
  return [a, b]
}

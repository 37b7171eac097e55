/**
 * Runs protocol-framework connections over one RLPx connection: one {@link ProtocolConnection} per
 * negotiated capability, codes shifted by the capability's offset (devp2p rlpx.md "Message
 * ID-based Multiplexing").
 */
import type { ConnectionReceiver, ProtocolConnection } from '../protocol/connection.js'
import type { SharedCapability } from '../rlpx/caps.js'
import type { RlpxConnection } from '../rlpx/connection.js'
import { DisconnectReason } from '../rlpx/disconnect.js'

/** Messages held for a capability whose protocol has not attached yet. */
export const ADAPTER_BUFFER_MESSAGES = 64

class CapabilityConnection implements ProtocolConnection {
  private receiver?: ConnectionReceiver
  /** BOUNDED: {@link ADAPTER_BUFFER_MESSAGES}; past that the peer is flooding us before we are ready. */
  private readonly early: [number, Uint8Array][] = []
  private done = false

  constructor(
    private readonly conn: RlpxConnection,
    readonly capability: SharedCapability,
  ) {}

  get closed(): boolean {
    return this.done || !this.conn.isOpen
  }

  send(code: number, payload: Uint8Array): void {
    if (this.closed) return
    if (code < 0 || code >= this.capability.length) throw new RangeError(`code ${code} outside ${this.capability.name}`)
    // Failures (closed, queue full) surface through the connection closing; nothing to do here.
    this.conn.send(this.capability.offset + code, payload).catch(() => {})
  }

  attach(receiver: ConnectionReceiver): void {
    this.receiver = receiver
    for (const [code, payload] of this.early.splice(0)) receiver.onMessage(code, payload)
  }

  disconnect(reason: number): void {
    void this.conn.disconnect(reason)
  }

  /** @internal */
  deliver(code: number, payload: Uint8Array): void {
    if (this.receiver) {
      this.receiver.onMessage(code, payload)
      return
    }
    if (this.early.length >= ADAPTER_BUFFER_MESSAGES) {
      void this.conn.disconnect(DisconnectReason.BreachOfProtocol)
      return
    }
    this.early.push([code, payload])
  }

  /** @internal */
  close(reason: number, remote: boolean): void {
    if (this.done) return
    this.done = true
    this.receiver?.onClose({ reason, remote })
  }
}

/**
 * One protocol connection per shared capability of `conn`, keyed by capability name. Installs the
 * connection's message handler, so call it once per connection.
 */
export function capabilityConnections(
  conn: RlpxConnection,
): Map<string, ProtocolConnection & { capability: SharedCapability }> {
  const byName = new Map<string, CapabilityConnection>()
  for (const cap of conn.capabilities) byName.set(cap.name, new CapabilityConnection(conn, cap))
  conn.onMessage((m) => byName.get(m.capability.name)?.deliver(m.id, m.payload))
  void conn.closed.then((info) => {
    for (const c of byName.values()) c.close(info.reason, info.by !== 'local')
  })
  return byName
}

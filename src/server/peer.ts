/** A connected, fully handshaken peer of the server: its RLPx connection and its protocol peers. */
import type { AnyProtocol } from '../protocol/define.js'
import type { ProtocolPeer } from '../protocol/peer.js'
import type { CloseInfo, RlpxConnection } from '../rlpx/connection.js'
import { DisconnectReason } from '../rlpx/disconnect.js'
import { toHex } from '../util/bytes.js'

export class Peer {
  /** 32-byte node id. */
  readonly id: Uint8Array
  readonly idHex: string
  /** One protocol peer per protocol both sides run (keyed by protocol name). */
  readonly protocols = new Map<string, ProtocolPeer<AnyProtocol>>()

  constructor(
    readonly conn: RlpxConnection,
    /** Whether the peer is trusted (exempt from peer limits). */
    readonly trusted: boolean,
    /** Whether the peer is a static node (kept connected by the dialer). */
    readonly isStatic: boolean,
  ) {
    this.id = conn.remoteNodeId
    this.idHex = toHex(this.id)
  }

  get direction(): 'inbound' | 'outbound' {
    return this.conn.direction
  }

  /** The protocol peer of `protocol`, typed, if the peer runs it. */
  protocol<P extends AnyProtocol>(protocol: P): ProtocolPeer<P> | undefined {
    const p = this.protocols.get(protocol.name)
    return p && p.protocol.version === protocol.version ? (p as unknown as ProtocolPeer<P>) : undefined
  }

  /** Remote address as `ip:port`. */
  get address(): string {
    return `${this.conn.remoteAddress}:${this.conn.remotePort}`
  }

  /** Send Disconnect with `reason` and close. */
  disconnect(reason: number = DisconnectReason.DisconnectRequested): Promise<CloseInfo> {
    return this.conn.disconnect(reason)
  }

  /** A plain summary (for logs, the CLI and the dashboard). */
  toJSON(): Record<string, unknown> {
    return {
      id: this.idHex,
      address: this.address,
      direction: this.direction,
      clientId: this.conn.remoteHello.clientId,
      caps: this.conn.capabilities.map((c) => `${c.name}/${c.version}`),
      trusted: this.trusted,
      static: this.isStatic,
    }
  }
}

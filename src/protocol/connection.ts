/**
 * The small connection interface the protocol framework runs over.
 *
 * One {@link ProtocolConnection} carries one protocol (one capability) to one peer. Message codes
 * are relative to the protocol (0 .. length-1):
 * - over RLPx, the adapter adds and subtracts the capability's negotiated offset (devp2p
 *   rlpx.md "Message ID-based Multiplexing") and maps Disconnect to the devp2p message;
 * - over libp2p, an adapter maps codes to stream protocols or frames;
 * - in tests, {@link memoryPair} (./memory.ts) joins two connections in memory.
 * @module
 */

/** How a connection ended. */
export interface CloseInfo {
  /** devp2p disconnect reason (see ./errors.ts DisconnectReason). */
  reason: number
  /** True when the remote side or the transport ended it; false after a local `disconnect()`. */
  remote: boolean
}

/** What a connection delivers to the protocol layer. Calls are never re-entrant from `send`. */
export interface ConnectionReceiver {
  /** One whole message: relative code and payload (already de-framed and decompressed). */
  onMessage(code: number, payload: Uint8Array): void
  /** The connection closed. Called once; no message follows it. */
  onClose(info: CloseInfo): void
}

/** A message-oriented connection for one protocol to one peer. */
export interface ProtocolConnection {
  /**
   * Queue one message. `code` is relative to the protocol. A no-op once the connection is
   * closed (the caller learns of the close through `onClose`). The backend bounds its own
   * write queue.
   */
  send(code: number, payload: Uint8Array): void
  /**
   * Install the receiver. Messages that arrived before are delivered to it in order (the backend
   * buffers them until then, bounded). Called once.
   */
  attach(receiver: ConnectionReceiver): void
  /** Close the connection with `reason` (sent to the peer where the transport can). Idempotent. */
  disconnect(reason: number): void
  /** True once closed (either side). */
  readonly closed: boolean
}

/**
 * Errors an RLPx user sees: a dial or accept that failed (and why), or a send on a connection
 * that cannot take it.
 * @module
 */
import { type DisconnectReason, disconnectReasonText } from './disconnect.js'

/** What went wrong, for callers to branch on. */
export type RlpxErrorCode =
  /** TCP connect was refused (ECONNREFUSED). */
  | 'REFUSED'
  /** TCP connect failed otherwise (unreachable, DNS, reset). */
  | 'CONNECT_FAILED'
  /** The dial or the handshake (auth + ack + Hello) did not finish in time. */
  | 'TIMEOUT'
  /** The peer's auth/ack or first frames were invalid, or it closed the socket mid-handshake. */
  | 'HANDSHAKE_FAILED'
  /** A Disconnect ended the connection: see `reason` and `by`. */
  | 'DISCONNECTED'
  /** The caller's AbortSignal fired. */
  | 'ABORTED'
  /** send() on a closed or closing connection. */
  | 'CLOSED'
  /** send() with a message id outside the negotiated capabilities. */
  | 'BAD_CODE'
  /** send() with a payload over the message size cap. */
  | 'TOO_LARGE'
  /** Too many send() calls waiting for the socket to drain. */
  | 'SEND_QUEUE_FULL'

/** Who ended a connection: we (`local`), the peer by Disconnect (`remote`), or the socket (`transport`). */
export type ClosedBy = 'local' | 'remote' | 'transport'

/** The error thrown by dial, accept and send. */
export class RlpxError extends Error {
  override name = 'RlpxError'
  constructor(
    readonly code: RlpxErrorCode,
    detail = '',
    /** The disconnect reason, when a Disconnect was sent or received. */
    readonly reason?: DisconnectReason,
    readonly by?: ClosedBy,
  ) {
    const why =
      reason === undefined ? '' : ` (${by === 'remote' ? 'peer sent' : 'we sent'} ${disconnectReasonText(reason)})`
    super(`${code}${detail ? `: ${detail}` : ''}${why}`)
  }
}

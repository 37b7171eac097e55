/**
 * Disconnect reasons the protocol layer uses, and the typed errors the Peer API rejects with.
 * The full devp2p reason table belongs to the RLPx layer; these values are the same numbers.
 * @module
 */
import { DisconnectReason as Devp2pReason, disconnectReasonText } from '../rlpx/disconnect.js'

/**
 * The devp2p disconnect reasons this layer chooses between (devp2p rlpx.md "Disconnect (0x01)").
 * Any other number a backend reports passes through unchanged.
 */
export const DisconnectReason = {
  /** 0x00 Disconnect requested (the local user closed the peer). */
  Requested: Devp2pReason.DisconnectRequested,
  /** 0x02 Breach of protocol: unknown message, undecodable or oversized message. */
  BreachOfProtocol: Devp2pReason.BreachOfProtocol,
  /** 0x03 Useless peer. */
  UselessPeer: Devp2pReason.UselessPeer,
  /** 0x0b Read timeout (go-ethereum uses it for a handshake that does not finish in time). */
  ReadTimeout: Devp2pReason.Timeout,
  /** 0x10 Some other reason specific to a subprotocol (failed handshake, bad status). */
  SubprotocolError: Devp2pReason.SubprotocolError,
} as const

/** A disconnect reason number (one of {@link DisconnectReason} or any other devp2p value). */
export type DisconnectReasonCode = number

/** Human text for a reason number (the devp2p table of src/rlpx/disconnect.ts). */
export function reasonText(reason: number): string {
  return disconnectReasonText(reason)
}

/** What the Peer API's errors are about. */
export type PeerErrorCode = 'TIMEOUT' | 'DISCONNECTED' | 'ABORTED' | 'IN_FLIGHT_LIMIT' | 'HANDSHAKE' | 'NOT_READY'

/** Base class of the errors the Peer API throws or rejects with. */
export class PeerError extends Error {
  override name = 'PeerError'
  constructor(
    readonly code: PeerErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/** A request got no response within its timeout. A response arriving later is dropped and counted. */
export class TimeoutError extends PeerError {
  override name = 'TimeoutError'
  constructor(
    readonly request: string,
    readonly timeoutMs: number,
  ) {
    super('TIMEOUT', `${request}: no response within ${timeoutMs} ms`)
  }
}

/** The connection closed while an operation was pending, or before it started. */
export class DisconnectedError extends PeerError {
  override name = 'DisconnectedError'
  constructor(
    readonly reason: number,
    /** True when the remote side (or the transport) ended the connection. */
    readonly remote: boolean,
  ) {
    super('DISCONNECTED', `${remote ? 'remote' : 'local'} disconnect: ${reasonText(reason)}`)
  }
}

/** The caller's AbortSignal fired. `cause` holds the signal's reason. */
export class AbortedError extends PeerError {
  override name = 'AbortedError'
  constructor(cause: unknown) {
    super('ABORTED', 'operation aborted')
    this.cause = cause
  }
}

/** A request was refused locally because the peer already has the maximum number in flight. */
export class InFlightLimitError extends PeerError {
  override name = 'InFlightLimitError'
  constructor(readonly limit: number) {
    super('IN_FLIGHT_LIMIT', `already ${limit} requests in flight to this peer`)
  }
}

/** The protocol handshake failed; the peer was disconnected with `reason`. */
export class HandshakeError extends PeerError {
  override name = 'HandshakeError'
  constructor(
    readonly reason: number,
    detail: string,
    cause?: unknown,
  ) {
    super('HANDSHAKE', `handshake failed (${reasonText(reason)}): ${detail}`)
    if (cause !== undefined) this.cause = cause
  }
}

/**
 * Throw this from a handler or a handshake step to disconnect the peer with `reason`
 * (a peer fault answered on the wire, DESIGN.md house rule 6).
 */
export class DisconnectError extends Error {
  override name = 'DisconnectError'
  constructor(
    readonly reason: number,
    detail = '',
  ) {
    super(detail ? `${reasonText(reason)}: ${detail}` : reasonText(reason))
  }
}

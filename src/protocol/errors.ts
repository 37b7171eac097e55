/**
 * Disconnect reasons the protocol layer uses, and the typed errors the Peer API rejects with.
 * The full devp2p reason table belongs to the RLPx layer; these values are the same numbers.
 * @module
 */

/**
 * The devp2p disconnect reasons this layer chooses between (devp2p rlpx.md "Disconnect (0x01)").
 * Any other number a backend reports passes through unchanged.
 */
export const DisconnectReason = {
  /** 0x00 Disconnect requested (the local user closed the peer). */
  Requested: 0x00,
  /** 0x02 Breach of protocol: unknown message, undecodable or oversized message. */
  BreachOfProtocol: 0x02,
  /** 0x03 Useless peer. */
  UselessPeer: 0x03,
  /** 0x0b Read timeout (go-ethereum uses it for a handshake that does not finish in time). */
  ReadTimeout: 0x0b,
  /** 0x10 Some other reason specific to a subprotocol (failed handshake, bad status). */
  SubprotocolError: 0x10,
} as const

/** A disconnect reason number (one of {@link DisconnectReason} or any other devp2p value). */
export type DisconnectReasonCode = number

const reasonNames: Record<number, string> = {
  0: 'disconnect requested',
  1: 'TCP sub-system error',
  2: 'breach of protocol',
  3: 'useless peer',
  4: 'too many peers',
  5: 'already connected',
  6: 'incompatible p2p protocol version',
  7: 'null node identity received',
  8: 'client quitting',
  9: 'unexpected identity in handshake',
  10: 'identity is the same as this node',
  11: 'ping timeout',
  16: 'subprotocol error',
}

/** Human text for a reason number. */
export function reasonText(reason: number): string {
  return reasonNames[reason] ?? `reason 0x${reason.toString(16).padStart(2, '0')}`
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

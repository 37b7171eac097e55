/**
 * Disconnect reasons of the devp2p base protocol, and the error that carries one.
 * Spec: devp2p rlpx.md#disconnect-0x01.
 * @module
 */

/** Disconnect reason codes (rlpx.md). 0x0c..0x0f are unassigned; 0x10 is for sub-protocols. */
export const DisconnectReason = {
  DisconnectRequested: 0x00,
  NetworkError: 0x01,
  BreachOfProtocol: 0x02,
  UselessPeer: 0x03,
  TooManyPeers: 0x04,
  AlreadyConnected: 0x05,
  IncompatibleVersion: 0x06,
  InvalidIdentity: 0x07,
  ClientQuitting: 0x08,
  UnexpectedIdentity: 0x09,
  SelfIdentity: 0x0a,
  Timeout: 0x0b,
  SubprotocolError: 0x10,
} as const

/**
 * A disconnect reason. Usually one of {@link DisconnectReason}; a peer may send any small number,
 * which is kept as is (0..255, see {@link decodeDisconnect}).
 */
export type DisconnectReason = number

const NAMES: Record<number, string> = {
  0: 'disconnect requested',
  1: 'network error',
  2: 'breach of protocol',
  3: 'useless peer',
  4: 'too many peers',
  5: 'already connected',
  6: 'incompatible p2p protocol version',
  7: 'invalid node identity',
  8: 'client quitting',
  9: 'unexpected identity',
  10: 'connected to self',
  11: 'read timeout',
  16: 'subprotocol error',
}

/** Human-readable text of a reason (go-ethereum's wording), `unknown reason 0x0c` otherwise. */
export function disconnectReasonText(reason: DisconnectReason): string {
  return NAMES[reason] ?? `unknown reason 0x${reason.toString(16).padStart(2, '0')}`
}

/** Symbolic name of a reason (`TooManyPeers`), or `Unknown(0x0c)`. */
export function disconnectReasonName(reason: DisconnectReason): string {
  for (const [name, code] of Object.entries(DisconnectReason)) if (code === reason) return name
  return `Unknown(0x${reason.toString(16).padStart(2, '0')})`
}

/**
 * Typed errors of the discv5 wire codec.
 * Spec: devp2p discv5/discv5-wire.md#packet-encoding.
 * @module
 */

/**
 * Why a datagram or message was rejected. Closed set, so callers can branch (and count) on it.
 * - `TOO_SHORT`: under {@link MIN_PACKET_SIZE} bytes.
 * - `TOO_LARGE`: over {@link MAX_PACKET_SIZE} bytes.
 * - `BAD_PROTOCOL_ID`: the unmasked header does not start with "discv5".
 * - `BAD_VERSION`: protocol id matched but the version is not 0x0001.
 * - `BAD_FLAG`: unknown packet flag.
 * - `MSG_TOO_SHORT`: a message or handshake packet has no room for the 16-byte GCM tag.
 * - `AUTH_SIZE`: declared authdata size is beyond the packet or wrong for the flag.
 * - `BAD_HANDSHAKE_AUTHDATA`: handshake authdata sizes (signature, ephemeral key) are inconsistent.
 * - `WHOAREYOU_HAS_MESSAGE`: bytes after a WHOAREYOU header (its message is always empty).
 * - `BAD_MESSAGE`: the message plaintext is not a valid message encoding.
 * - `UNKNOWN_MESSAGE_TYPE`: message type byte not defined by the spec.
 * - `REQUEST_ID_TOO_LONG`: request-id over 8 bytes.
 * - `DECRYPT_FAILED`: AES-GCM authentication failed (wrong key or tampered data).
 */
export type WireErrorCode =
  | 'TOO_SHORT'
  | 'TOO_LARGE'
  | 'BAD_PROTOCOL_ID'
  | 'BAD_VERSION'
  | 'BAD_FLAG'
  | 'MSG_TOO_SHORT'
  | 'AUTH_SIZE'
  | 'BAD_HANDSHAKE_AUTHDATA'
  | 'WHOAREYOU_HAS_MESSAGE'
  | 'BAD_MESSAGE'
  | 'UNKNOWN_MESSAGE_TYPE'
  | 'REQUEST_ID_TOO_LONG'
  | 'DECRYPT_FAILED'

/** A discv5 wire decoding failure with a branchable {@link WireErrorCode}. */
export class WireError extends Error {
  override name = 'WireError'
  constructor(
    readonly code: WireErrorCode,
    detail = '',
  ) {
    super(detail ? `${code}: ${detail}` : code)
  }
}

/**
 * True when the datagram is most likely not discv5 at all, so a shared UDP port can hand it to
 * discv4. Mirrors go-ethereum v5wire `IsInvalidHeader` (errTooShort, errInvalidHeader, errMsgTooShort).
 */
export function isForeignPacket(error: WireError): boolean {
  return error.code === 'TOO_SHORT' || error.code === 'BAD_PROTOCOL_ID' || error.code === 'MSG_TOO_SHORT'
}

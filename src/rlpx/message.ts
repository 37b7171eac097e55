/**
 * Frame-data ⇄ message: `frame-data = rlp(msg-id) || msg-data`, with msg-data snappy-compressed
 * once both Hellos announce p2p version ≥ 5. Spec: devp2p rlpx.md#message-encoding, EIP-706.
 * No I/O.
 * @module
 */
import { err, ok, type Result } from '../util/result.js'
import { type DisconnectReason, DisconnectReason as Reason } from './disconnect.js'
import { decodeDisconnect } from './p2p.js'
import { snappyDecompress } from './snappy.js'

/** Largest message id we accept (ids are small: 0x10 + the sum of protocol lengths). */
export const MAX_MESSAGE_ID = 0xffff

const SMALL_IDS = Array.from({ length: 128 }, (_, i) => Uint8Array.of(i === 0 ? 0x80 : i))

/** RLP encoding of a message id (0 → 0x80, 1..127 → one byte, then 0x81 xx, 0x82 xx xx). */
export function encodeMessageId(code: number): Uint8Array {
  if (!Number.isInteger(code) || code < 0 || code > MAX_MESSAGE_ID) throw new RangeError(`bad message id ${code}`)
  if (code < 128) return SMALL_IDS[code] as Uint8Array
  return code < 256 ? Uint8Array.of(0x81, code) : Uint8Array.of(0x82, code >> 8, code & 0xff)
}

/** Why a frame's message could not be read. All of them are a breach of protocol. */
export type MessageErrorCode = 'EMPTY_FRAME' | 'BAD_MESSAGE_ID' | 'BAD_SNAPPY' | 'TOO_LARGE'

/** A frame whose content is not a valid message. */
export class MessageError extends Error {
  override name = 'MessageError'
  constructor(
    readonly code: MessageErrorCode,
    detail = '',
  ) {
    super(detail ? `${code}: ${detail}` : code)
  }
}

/** Split frame-data into a canonical RLP message id and the (still compressed) payload. */
export function splitFrame(data: Uint8Array): Result<{ code: number; payload: Uint8Array }, MessageError> {
  const b0 = data[0]
  if (b0 === undefined) return err(new MessageError('EMPTY_FRAME'))
  if (b0 < 0x80) return ok({ code: b0, payload: data.subarray(1) })
  if (b0 === 0x80) return ok({ code: 0, payload: data.subarray(1) })
  if (b0 === 0x81) {
    const b1 = data[1]
    if (b1 === undefined || b1 < 0x80) return err(new MessageError('BAD_MESSAGE_ID', 'non-canonical id'))
    return ok({ code: b1, payload: data.subarray(2) })
  }
  if (b0 === 0x82) {
    const b1 = data[1]
    const b2 = data[2]
    if (b1 === undefined || b2 === undefined || b1 === 0)
      return err(new MessageError('BAD_MESSAGE_ID', 'truncated or non-canonical id'))
    return ok({ code: (b1 << 8) | b2, payload: data.subarray(3) })
  }
  return err(new MessageError('BAD_MESSAGE_ID', `id prefix 0x${b0.toString(16)}`))
}

/** Decompress a payload when snappy is on (length checked first), else check its size. */
export function decodePayload(payload: Uint8Array, snappy: boolean, max: number): Result<Uint8Array, MessageError> {
  if (!snappy) {
    return payload.length > max ? err(new MessageError('TOO_LARGE', `${payload.length} bytes`)) : ok(payload)
  }
  const r = snappyDecompress(payload, max)
  if (r.ok) return r
  return err(new MessageError(r.error.code === 'TOO_LARGE' ? 'TOO_LARGE' : 'BAD_SNAPPY', r.error.message))
}

/**
 * Read a Disconnect payload leniently: it may come compressed or not, whatever was negotiated
 * (during the Hello exchange, and @ethereumjs/devp2p never compresses it). `snappyFirst` says
 * which form to try first. Undecodable payloads read as DisconnectRequested: the peer is leaving
 * either way.
 */
export function readDisconnect(payload: Uint8Array, snappyFirst: boolean): DisconnectReason {
  const plain = (p: Uint8Array): DisconnectReason | undefined => {
    const r = decodeDisconnect(p)
    return r.ok ? r.value : undefined
  }
  const compressed = (): DisconnectReason | undefined => {
    const d = snappyDecompress(payload, 64)
    return d.ok ? plain(d.value) : undefined
  }
  const reason = snappyFirst ? (compressed() ?? plain(payload)) : (plain(payload) ?? compressed())
  return reason ?? Reason.DisconnectRequested
}

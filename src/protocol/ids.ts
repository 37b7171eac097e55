/**
 * Request-id framing: how a request id travels with a request or response payload.
 *
 * - {@link envelopeIds}: eth/66+ (EIP-2481) `[request-id, payload]`, the payload one RLP item.
 * - {@link flatIds}: snap/1 `[reqID, field1, field2, ...]`, the id spliced in front of the
 *   payload list's own fields.
 *
 * Both work on bytes (no decode and re-encode of the payload). A protocol without a scheme matches
 * responses in FIFO order instead.
 * @module
 */

import { encode, encodeListOf, itemSize } from '../rlp/index.js'
import { bytesToBigint } from '../util/bytes.js'
import { CodecError, toCodecError } from './codec.js'

/** Request ids are RLP `P` values of at most 64 bits (devp2p caps/eth.md "Protocol Messages"). */
export const MAX_REQUEST_ID = (1n << 64n) - 1n

/** Adds a request id to a payload, and takes it off again. */
export interface RequestIdScheme {
  readonly name: string
  wrap(id: bigint, payload: Uint8Array): Uint8Array
  /** Throws {@link CodecError} when the framing is malformed. */
  unwrap(bytes: Uint8Array): { id: bigint; payload: Uint8Array }
}

/** The RLP header for a list whose payload is `len` bytes. */
export function listHeader(len: number): Uint8Array {
  if (len < 56) return Uint8Array.of(0xc0 + len)
  const lenBytes: number[] = []
  for (let n = len; n > 0; n = Math.floor(n / 256)) lenBytes.unshift(n % 256)
  return Uint8Array.of(0xf7 + lenBytes.length, ...lenBytes)
}

/** Start and end of the payload of the list that spans all of `bytes`. Throws CodecError otherwise. */
export function listBounds(bytes: Uint8Array): { start: number; end: number } {
  try {
    const first = bytes[0]
    if (first === undefined || first < 0xc0) throw new CodecError('BAD_SHAPE', 'expected a list')
    if (itemSize(bytes) !== bytes.length) throw new CodecError('BAD_RLP', 'trailing bytes after the list')
    return { start: first < 0xf8 ? 1 : 1 + (first - 0xf7), end: bytes.length }
  } catch (e) {
    throw toCodecError(e)
  }
}

function readId(bytes: Uint8Array, start: number, end: number): { id: bigint; next: number } {
  if (start >= end) throw new CodecError('BAD_SHAPE', 'missing request id')
  const view = bytes.subarray(start, end)
  let size: number
  try {
    size = itemSize(view)
  } catch (e) {
    throw toCodecError(e)
  }
  const b = view[0] as number
  if (b < 0x80) return { id: BigInt(b), next: start + 1 }
  if (b > 0x88) throw new CodecError('BAD_VALUE', 'request id must be a byte string of at most 8 bytes')
  const idBytes = view.subarray(1, size)
  if (idBytes.length > 0 && idBytes[0] === 0) throw new CodecError('BAD_VALUE', 'request id has leading zeros')
  if (idBytes.length === 1 && (idBytes[0] as number) < 0x80) throw new CodecError('BAD_RLP', 'non-canonical id')
  return { id: bytesToBigint(idBytes), next: start + size }
}

function encodeId(id: bigint): Uint8Array {
  if (id < 0n || id > MAX_REQUEST_ID) throw new RangeError(`request id ${id} out of range`)
  // Small ids (all of ours in practice) take the cheaper number path of the encoder.
  return encode(id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : id)
}

/** eth/66+ framing: `[request-id: P, payload]` where the payload is exactly one RLP item. */
export const envelopeIds: RequestIdScheme = {
  name: 'envelope',
  wrap: (id, payload) => encodeListOf([encodeId(id), payload]),
  unwrap(bytes) {
    const { start, end } = listBounds(bytes)
    const { id, next } = readId(bytes, start, end)
    const payload = bytes.subarray(next, end)
    let size: number
    try {
      size = payload.length === 0 ? 0 : itemSize(payload)
    } catch (e) {
      throw toCodecError(e)
    }
    if (payload.length === 0 || size !== payload.length)
      throw new CodecError('BAD_SHAPE', 'expected [request-id, payload] with exactly one payload item')
    return { id, payload }
  },
}

/** snap/1 framing: `[reqID: P, ...fields]`; the payload seen by the codec is the list `[...fields]`. */
export const flatIds: RequestIdScheme = {
  name: 'flat',
  wrap(id, payload) {
    const { start, end } = listBounds(payload)
    return encodeListOf([encodeId(id), payload.subarray(start, end)])
  },
  unwrap(bytes) {
    const { start, end } = listBounds(bytes)
    const { id, next } = readId(bytes, start, end)
    return { id, payload: encodeListOf([bytes.subarray(next, end)]) }
  },
}

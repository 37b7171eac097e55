/**
 * Byte-level RLP helpers for codecs that keep parts of a message opaque (block bodies, headers,
 * transactions, proofs): split a list into views of its elements' encodings, and build a list from
 * already-encoded parts, without decoding and re-encoding them.
 * @module
 */

import { type Codec, CodecError, toCodecError } from '../protocol/codec.js'
import { listBounds } from '../protocol/ids.js'
import {
  asBigint,
  asFixed,
  asList,
  decode,
  encode,
  encodeListOf,
  itemSize,
  RlpError,
  type RlpItem,
} from '../rlp/index.js'

/** A codec of an RLP message: `decodeFn` gets the validated item tree; any RLP error becomes a CodecError. */
export function rlpCodec<T>(
  encodeFn: (v: T) => Uint8Array,
  decodeFn: (bytes: Uint8Array, item: RlpItem) => T,
): Codec<T> {
  return {
    encode: encodeFn,
    decode(bytes) {
      try {
        return decodeFn(bytes, decodeItem(bytes))
      } catch (e) {
        throw toCodecError(e)
      }
    },
  }
}

/** The elements of a list that must have exactly `n` of them. */
export function exactList(item: RlpItem | undefined, n: number, what: string): RlpItem[] {
  const l = asList(item, what)
  if (l.length !== n) throw new RlpError('BAD_VALUE', `${what} must have ${n} elements, got ${l.length}`)
  return l
}

/** An unsigned integer of at most 64 bits. */
export const u64 = (item: RlpItem | undefined, what: string): bigint => asBigint(item, what, 8)
/** A 32-byte hash. */
export const hash32 = (item: RlpItem | undefined, what = 'hash'): Uint8Array => asFixed(item, 32, what)

/**
 * Views of the encodings of the elements of the list spanning `bytes`. Call only on bytes already
 * validated by `decode` (which checks every nested header), or use {@link decodeWithRaw}.
 */
export function splitList(bytes: Uint8Array): Uint8Array[] {
  const { start, end } = listBounds(bytes)
  const out: Uint8Array[] = []
  for (let pos = start; pos < end; ) {
    const size = itemSize(bytes.subarray(pos, end))
    out.push(bytes.subarray(pos, pos + size))
    pos += size
  }
  return out
}

/** Fully validate `bytes` as canonical RLP and return the item tree. Throws CodecError. */
export function decodeItem(bytes: Uint8Array): RlpItem {
  try {
    return decode(bytes)
  } catch (e) {
    throw toCodecError(e)
  }
}

/** Concatenate already-encoded items into one RLP list. */
export const rawList = encodeListOf

/** An opaque element that must be an RLP list (block header, block body, legacy transaction). */
export function expectListEncoding(raw: Uint8Array, what: string): Uint8Array {
  if ((raw[0] ?? 0) < 0xc0) throw new CodecError('BAD_SHAPE', `${what} must be a list`)
  return raw
}

/**
 * An EIP-2718 "consensus encoding" from its wire element: a legacy transaction or receipt is an
 * RLP list (kept as is), a typed one is a byte string `type || payload` with type < 0x80.
 */
export function consensusFromWire(raw: Uint8Array, item: RlpItem, what: string): Uint8Array {
  if (Array.isArray(item)) return raw
  if (item.length === 0 || (item[0] as number) >= 0x80)
    throw new CodecError('BAD_VALUE', `${what}: typed encoding needs a type byte below 0x80`)
  return item
}

/** The wire element for a consensus encoding (inverse of {@link consensusFromWire}). */
export function wireFromConsensus(enc: Uint8Array, what: string): Uint8Array {
  const first = enc[0]
  if (first === undefined) throw new RangeError(`${what}: empty encoding`)
  if (first >= 0xc0) return enc
  if (first >= 0x80) throw new RangeError(`${what}: neither an RLP list nor a typed encoding`)
  // A typed encoding goes on the wire as an RLP byte string.
  return encode(enc)
}

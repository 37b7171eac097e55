/** Typed accessors for decoded RLP, used by every codec to validate shapes of untrusted input. */
import { bytesToBigint, bytesToInt, fromUtf8 } from '../util/bytes.js'
import { RlpError, type RlpItem } from './rlp.js'

export function asList(item: RlpItem | undefined, what = 'value', minLength = 0): RlpItem[] {
  if (!Array.isArray(item)) throw new RlpError('EXPECTED_LIST', `${what} must be a list`)
  if (item.length < minLength) throw new RlpError('BAD_VALUE', `${what} needs at least ${minLength} elements`)
  return item
}

export function asBytes(item: RlpItem | undefined, what = 'value'): Uint8Array {
  if (!(item instanceof Uint8Array)) throw new RlpError('EXPECTED_BYTES', `${what} must be a byte string`)
  return item
}

/** A byte string of exactly `len` bytes. */
export function asFixed(item: RlpItem | undefined, len: number, what = 'value'): Uint8Array {
  const b = asBytes(item, what)
  if (b.length !== len) throw new RlpError('BAD_VALUE', `${what} must be ${len} bytes, got ${b.length}`)
  return b
}

/** A canonical unsigned integer (no leading zeros) that fits in `maxBytes` (≤ 6 for exactness). */
export function asInt(item: RlpItem | undefined, what = 'integer', maxBytes = 6): number {
  const b = asBytes(item, what)
  if (b.length > maxBytes) throw new RlpError('BAD_VALUE', `${what} over ${maxBytes} bytes`)
  if (b.length > 0 && b[0] === 0) throw new RlpError('BAD_VALUE', `${what} has leading zeros`)
  return bytesToInt(b)
}

/** A canonical unsigned big integer of at most `maxBytes` bytes. */
export function asBigint(item: RlpItem | undefined, what = 'integer', maxBytes = 32): bigint {
  const b = asBytes(item, what)
  if (b.length > maxBytes) throw new RlpError('BAD_VALUE', `${what} over ${maxBytes} bytes`)
  if (b.length > 0 && b[0] === 0) throw new RlpError('BAD_VALUE', `${what} has leading zeros`)
  return bytesToBigint(b)
}

export function asText(item: RlpItem | undefined, what = 'text', maxBytes = 1024): string {
  const b = asBytes(item, what)
  if (b.length > maxBytes) throw new RlpError('BAD_VALUE', `${what} over ${maxBytes} bytes`)
  return fromUtf8(b)
}

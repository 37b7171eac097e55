/**
 * Recursive Length Prefix encoding (Ethereum Yellow Paper, appendix B), with a strict,
 * canonical decoder: anything an encoder would never produce is rejected.
 */
import { bigintToBytes, intToBytes, utf8 } from '../util/bytes.js'

/** What {@link encode} accepts: byte strings, lists, and for convenience integers and text. */
export type RlpInput = Uint8Array | string | number | bigint | readonly RlpInput[]
/** What {@link decode} returns: byte strings (views into the input) and lists. */
export type RlpItem = Uint8Array | RlpItem[]

export type RlpErrorCode =
  | 'EMPTY_INPUT'
  | 'TRUNCATED'
  | 'TRAILING_BYTES'
  | 'NON_CANONICAL_SIZE'
  | 'NON_CANONICAL_SINGLE_BYTE'
  | 'LEADING_ZERO_SIZE'
  | 'SIZE_OVERFLOW'
  | 'TOO_DEEP'
  | 'EXPECTED_LIST'
  | 'EXPECTED_BYTES'
  | 'BAD_VALUE'

/** Raised for input that is not canonical RLP, or a decoded shape a codec does not accept. */
export class RlpError extends Error {
  override name = 'RlpError'
  constructor(
    readonly code: RlpErrorCode,
    detail = '',
  ) {
    super(detail ? `${code}: ${detail}` : code)
  }
}

/**
 * Nesting bound for decoding. Recursion depth is bounded by the input size anyway (two bytes
 * per level); this keeps a hostile 16 MiB message from exhausting the stack.
 */
export const RLP_MAX_DEPTH = 1024

// ---------- encoding ----------

function toBytes(v: Uint8Array | string | number | bigint): Uint8Array {
  if (v instanceof Uint8Array) return v
  if (typeof v === 'string') return utf8(v)
  if (typeof v === 'number') return intToBytes(v)
  return bigintToBytes(v)
}

function lengthOfLength(n: number): number {
  return n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : n < 0x100000000 ? 4 : 5
}

function headerSize(payload: number, isSingleByte: boolean): number {
  if (isSingleByte) return 0
  return payload < 56 ? 1 : 1 + lengthOfLength(payload)
}

/** Size of the encoding; fills `sizes` with list payload sizes in pre-order for the write pass. */
function measure(v: RlpInput, sizes: number[]): number {
  if (Array.isArray(v)) {
    const slot = sizes.length
    sizes.push(0)
    let payload = 0
    for (const child of v as readonly RlpInput[]) payload += measure(child, sizes)
    sizes[slot] = payload
    return headerSize(payload, false) + payload
  }
  const b = toBytes(v as Uint8Array | string | number | bigint)
  return headerSize(b.length, b.length === 1 && (b[0] as number) < 0x80) + b.length
}

function writeHeader(out: Uint8Array, pos: number, payload: number, offset: number): number {
  if (payload < 56) {
    out[pos] = offset + payload
    return pos + 1
  }
  const lol = lengthOfLength(payload)
  out[pos] = offset + 55 + lol
  let p = payload
  for (let i = lol; i >= 1; i--) {
    out[pos + i] = p % 256
    p = Math.floor(p / 256)
  }
  return pos + 1 + lol
}

function write(v: RlpInput, out: Uint8Array, pos: number, sizes: number[], cursor: { i: number }): number {
  if (Array.isArray(v)) {
    const payload = sizes[cursor.i++] as number
    pos = writeHeader(out, pos, payload, 0xc0)
    for (const child of v as readonly RlpInput[]) pos = write(child, out, pos, sizes, cursor)
    return pos
  }
  const b = toBytes(v as Uint8Array | string | number | bigint)
  if (b.length === 1 && (b[0] as number) < 0x80) {
    out[pos] = b[0] as number
    return pos + 1
  }
  pos = writeHeader(out, pos, b.length, 0x80)
  out.set(b, pos)
  return pos + b.length
}

/** Encode a value. Numbers must be non-negative safe integers; strings are UTF-8. */
export function encode(v: RlpInput): Uint8Array {
  const sizes: number[] = []
  const total = measure(v, sizes)
  const out = new Uint8Array(total)
  write(v, out, 0, sizes, { i: 0 })
  return out
}

/**
 * The list whose elements are the already-encoded items `parts`, without decoding them (opaque
 * block bodies, headers, request envelopes). The parts are trusted to be valid RLP items.
 */
export function encodeListOf(parts: readonly Uint8Array[]): Uint8Array {
  let payload = 0
  for (const p of parts) payload += p.length
  const out = new Uint8Array(headerSize(payload, false) + payload)
  let pos = writeHeader(out, 0, payload, 0xc0)
  for (const p of parts) {
    out.set(p, pos)
    pos += p.length
  }
  return out
}

// ---------- decoding ----------

interface Header {
  isList: boolean
  /** offset of the payload */
  start: number
  /** offset just past the payload */
  end: number
}

function readHeader(data: Uint8Array, pos: number, limit: number): Header {
  if (pos >= limit) throw new RlpError('TRUNCATED', 'no item header')
  const b = data[pos] as number
  if (b < 0x80) return { isList: false, start: pos, end: pos + 1 }
  if (b < 0xb8) {
    const len = b - 0x80
    const end = pos + 1 + len
    if (end > limit) throw new RlpError('TRUNCATED', `string of ${len} bytes past the end`)
    if (len === 1 && (data[pos + 1] as number) < 0x80)
      throw new RlpError('NON_CANONICAL_SINGLE_BYTE', 'single byte below 0x80 wrapped as a string')
    return { isList: false, start: pos + 1, end }
  }
  if (b < 0xc0) return readLongHeader(data, pos, limit, b - 0xb7, false)
  if (b < 0xf8) {
    const end = pos + 1 + (b - 0xc0)
    if (end > limit) throw new RlpError('TRUNCATED', `list of ${b - 0xc0} bytes past the end`)
    return { isList: true, start: pos + 1, end }
  }
  return readLongHeader(data, pos, limit, b - 0xf7, true)
}

function readLongHeader(data: Uint8Array, pos: number, limit: number, lol: number, isList: boolean): Header {
  if (pos + 1 + lol > limit) throw new RlpError('TRUNCATED', 'length of length past the end')
  if (data[pos + 1] === 0) throw new RlpError('LEADING_ZERO_SIZE', 'size has leading zero bytes')
  // Sizes over 2^48 cannot fit any input we accept; reject before doing float arithmetic.
  if (lol > 6) throw new RlpError('SIZE_OVERFLOW', `size of ${lol} bytes`)
  let len = 0
  for (let i = 1; i <= lol; i++) len = len * 256 + (data[pos + i] as number)
  if (len < 56) throw new RlpError('NON_CANONICAL_SIZE', 'long form used for a size below 56')
  const start = pos + 1 + lol
  if (start + len > limit) throw new RlpError('TRUNCATED', `${isList ? 'list' : 'string'} of ${len} bytes past the end`)
  return { isList, start, end: start + len }
}

function decodeAt(data: Uint8Array, pos: number, limit: number, depth: number): [RlpItem, number] {
  const h = readHeader(data, pos, limit)
  if (!h.isList) return [data.subarray(h.start, h.end), h.end]
  if (depth >= RLP_MAX_DEPTH) throw new RlpError('TOO_DEEP', `nesting over ${RLP_MAX_DEPTH}`)
  const items: RlpItem[] = []
  let p = h.start
  while (p < h.end) {
    const [item, next] = decodeAt(data, p, h.end, depth + 1)
    items.push(item)
    p = next
  }
  return [items, h.end]
}

/**
 * Decode exactly one item that spans the whole input. Byte strings in the result are views
 * into `data` (no copies). Throws {@link RlpError} on any non-canonical or malformed input.
 */
export function decode(data: Uint8Array): RlpItem {
  if (data.length === 0) throw new RlpError('EMPTY_INPUT')
  const [item, end] = decodeAt(data, 0, data.length, 0)
  if (end !== data.length) throw new RlpError('TRAILING_BYTES', `${data.length - end} bytes after the item`)
  return item
}

/** Decode the first item and return it with whatever follows (e.g. EIP-8 padding, discv4 junk). */
export function decodePrefix(data: Uint8Array): { item: RlpItem; rest: Uint8Array } {
  if (data.length === 0) throw new RlpError('EMPTY_INPUT')
  const [item, end] = decodeAt(data, 0, data.length, 0)
  return { item, rest: data.subarray(end) }
}

/** Total encoded size of the first item (header + payload), checking only its header. */
export function itemSize(data: Uint8Array): number {
  return readHeader(data, 0, data.length).end
}

/** Byte helpers shared by every layer. Uint8Array everywhere; Buffer only at the I/O edges. */

const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0))

/**
 * Lower-case hex without a 0x prefix, as one flat string: node ids in hex key many long-lived
 * maps, and a `+=` loop would leave each as a rope of pieces (~870 bytes instead of ~90 for 32 bytes).
 */
export function toHex(bytes: Uint8Array): string {
  if (bytes.length > 64) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
  const codes = new Array<number>(bytes.length * 2)
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number
    codes[2 * i] = HEX_CODES[b >> 4] as number
    codes[2 * i + 1] = HEX_CODES[b & 15] as number
  }
  return String.fromCharCode(...codes)
}

/** Error thrown for malformed hex text given by a caller. */
export class HexError extends Error {
  override name = 'HexError'
}

/** Parse hex (optional 0x prefix). Throws {@link HexError} on odd length or a non-hex digit. */
export function fromHex(hex: string): Uint8Array {
  const s = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex
  if (s.length % 2 !== 0) throw new HexError(`odd-length hex string (${s.length} digits)`)
  if (!/^[0-9a-fA-F]*$/.test(s)) throw new HexError('hex string has a non-hex character')
  const out = new Uint8Array(s.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(i * 2, i * 2 + 2), 16)
  return out
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number)
  return diff === 0
}

/** Lexicographic comparison, as used for ENR key order. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number)
    if (d !== 0) return d
  }
  return a.length - b.length
}

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder('utf-8', { fatal: false })
export const utf8 = (s: string): Uint8Array => utf8Encoder.encode(s)
export const fromUtf8 = (b: Uint8Array): string => utf8Decoder.decode(b)

/** Big-endian unsigned integer bytes without leading zeros (0 → empty). */
export function bigintToBytes(n: bigint): Uint8Array {
  if (n < 0n) throw new RangeError('negative integer')
  if (n === 0n) return new Uint8Array(0)
  let hex = n.toString(16)
  if (hex.length % 2) hex = `0${hex}`
  return fromHex(hex)
}

export function bytesToBigint(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${toHex(b)}`)
}

/** Big-endian minimal bytes of a safe non-negative integer. */
export function intToBytes(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative safe integer: ${n}`)
  if (n === 0) return new Uint8Array(0)
  const out: number[] = []
  while (n > 0) {
    out.unshift(n % 256)
    n = Math.floor(n / 256)
  }
  return Uint8Array.from(out)
}

/** Big-endian to number; caller bounds the length (≤ 6 bytes stays exact). */
export function bytesToInt(b: Uint8Array): number {
  let n = 0
  for (let i = 0; i < b.length; i++) n = n * 256 + (b[i] as number)
  return n
}

/** Left-pad to `len` bytes; throws if longer. */
export function padStart(b: Uint8Array, len: number): Uint8Array {
  if (b.length === len) return b
  if (b.length > len) throw new RangeError(`value is ${b.length} bytes, expected at most ${len}`)
  const out = new Uint8Array(len)
  out.set(b, len - b.length)
  return out
}

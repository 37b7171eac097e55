/** The text form of a record: "enr:" + URL-safe base64 without padding (EIP-778 "Text Encoding"). */
import { EnrError } from './errors.js'

/** Longest text a 300-byte record can have: ceil(300 * 4 / 3) characters plus the prefix. */
const MAX_TEXT = 4 + 400

export function encodeEnrText(raw: Uint8Array): string {
  return `enr:${Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url')}`
}

/** Decode `enr:<base64url>` strictly: prefix, alphabet, no padding, canonical trailing bits. */
export function decodeEnrText(text: string): Uint8Array {
  if (!text.startsWith('enr:')) throw new EnrError('BAD_TEXT', "missing 'enr:' prefix")
  if (text.length > MAX_TEXT) throw new EnrError('TOO_LARGE', 'text form longer than any 300-byte record')
  const b64 = text.slice(4)
  if (b64.length === 0) throw new EnrError('BAD_TEXT', 'no data after enr:')
  const bad = b64.search(/[^A-Za-z0-9_-]/)
  if (bad >= 0) throw new EnrError('BAD_TEXT', `illegal base64url character at position ${bad}`)
  if (b64.length % 4 === 1) throw new EnrError('BAD_TEXT', 'truncated base64url data')
  const bytes = Buffer.from(b64, 'base64url')
  if (bytes.toString('base64url') !== b64) throw new EnrError('BAD_TEXT', 'non-canonical base64url data')
  return new Uint8Array(bytes)
}

/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) and the masking the snappy framing format
 * applies to it. google/snappy framing_format.txt section 3 "Checksum format".
 * @module
 */

const TABLE = (() => {
  const t = new Uint32Array(256 * 4)
  for (let i = 0; i < 256; i++) {
    let c = i
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
    t[i] = c >>> 0
  }
  // slicing-by-4 tables
  for (let i = 0; i < 256; i++) {
    let c = t[i] as number
    for (let s = 1; s < 4; s++) {
      c = (t[c & 0xff] as number) ^ (c >>> 8)
      t[s * 256 + i] = c >>> 0
    }
  }
  return t
})()

/** CRC-32C of `data`. */
export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff
  let i = 0
  const n = data.length
  const t = TABLE
  for (; i + 4 <= n; i += 4) {
    c ^=
      (data[i] as number) |
      ((data[i + 1] as number) << 8) |
      ((data[i + 2] as number) << 16) |
      ((data[i + 3] as number) << 24)
    c =
      (t[768 + (c & 0xff)] as number) ^
      (t[512 + ((c >>> 8) & 0xff)] as number) ^
      (t[256 + ((c >>> 16) & 0xff)] as number) ^
      (t[c >>> 24] as number)
  }
  for (; i < n; i++) c = (t[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** The masked checksum stored in a framing chunk: rotate right by 15, add 0xa282ead8. */
export function maskedCrc32c(data: Uint8Array): number {
  const c = crc32c(data)
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0
}

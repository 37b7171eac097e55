/** IP address text <-> bytes, without node:net, so pure layers (ENR, discovery wire codecs) can use it. */

/** Parse dotted IPv4 into 4 bytes, or undefined if not canonical IPv4 text. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  const out = new Uint8Array(4)
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined
    const n = Number(p)
    if (n > 255) return undefined
    out[i] = n
  }
  return out
}

/** Parse IPv6 text (with :: compression and an optional trailing dotted IPv4) into 16 bytes. */
export function parseIPv6(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length > 45 || text.includes('%')) return undefined
  let head = text
  let v4: Uint8Array | undefined
  const lastColon = text.lastIndexOf(':')
  if (text.slice(lastColon + 1).includes('.')) {
    v4 = parseIPv4(text.slice(lastColon + 1))
    if (!v4) return undefined
    head = `${text.slice(0, lastColon + 1)}0:0`
  }
  const halves = head.split('::')
  if (halves.length > 2) return undefined
  const groups = (s: string) => (s === '' ? [] : s.split(':'))
  const left = groups(halves[0] as string)
  const right = halves.length === 2 ? groups(halves[1] as string) : []
  const total = left.length + right.length
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined
  const all = [...left, ...Array(8 - total).fill('0'), ...right] as string[]
  const out = new Uint8Array(16)
  for (let i = 0; i < 8; i++) {
    const g = all[i] as string
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined
    const n = Number.parseInt(g, 16)
    out[i * 2] = n >> 8
    out[i * 2 + 1] = n & 0xff
  }
  if (v4) out.set(v4, 12)
  return out
}

/** Parse IPv4 or IPv6 text. */
export function parseIp(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text)
}

/** Format 4 or 16 bytes as IP text (RFC 5952 for IPv6). */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.')
  if (bytes.length !== 16) throw new RangeError(`IP address must be 4 or 16 bytes, got ${bytes.length}`)
  const g: number[] = []
  for (let i = 0; i < 8; i++) g.push(((bytes[i * 2] as number) << 8) | (bytes[i * 2 + 1] as number))
  // longest run of zero groups (length >= 2) becomes ::
  let bestStart = -1
  let bestLen = 0
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && g[j] === 0) j++
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':')
  if (bestStart < 0) return hex(g)
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`
}

/** If `bytes` is an IPv4-mapped IPv6 address (::ffff:a.b.c.d), its 4-byte IPv4 form; else `bytes`. */
export function unmapIPv4(bytes: Uint8Array): Uint8Array {
  if (bytes.length !== 16) return bytes
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return bytes
  if (bytes[10] !== 0xff || bytes[11] !== 0xff) return bytes
  return bytes.slice(12)
}

/** Normalise IP text: IPv4-mapped IPv6 becomes dotted IPv4; IPv6 is compressed. */
export function normalizeIp(text: string): string | undefined {
  const b = parseIp(text)
  return b ? formatIp(unmapIPv4(b)) : undefined
}

/** True for loopback addresses (127/8, ::1). */
export function isLoopback(bytes: Uint8Array): boolean {
  const b = unmapIPv4(bytes)
  if (b.length === 4) return b[0] === 127
  return b.every((x, i) => (i === 15 ? x === 1 : x === 0))
}

/** True for private/LAN ranges: 10/8, 172.16/12, 192.168/16, 169.254/16, fc00::/7, fe80::/10, and loopback. */
export function isLan(bytes: Uint8Array): boolean {
  const b = unmapIPv4(bytes)
  if (isLoopback(b)) return true
  if (b.length === 4) {
    const [a, c] = [b[0] as number, b[1] as number]
    return a === 10 || (a === 172 && c >= 16 && c < 32) || (a === 192 && c === 168) || (a === 169 && c === 254)
  }
  const a = b[0] as number
  return (a & 0xfe) === 0xfc || (a === 0xfe && ((b[1] as number) & 0xc0) === 0x80)
}

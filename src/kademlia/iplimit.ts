/**
 * IP address parsing and the per-subnet counter behind the routing table's IP limits, modelled on
 * go-ethereum p2p/netutil `DistinctNetSet` and `AddrIsLAN`. Text in, bytes inside; no `node:net`.
 * @module
 */

/**
 * Parse IPv4 dotted-quad or IPv6 text into 4 or 16 bytes. IPv4-mapped IPv6 (`::ffff:1.2.3.4`) is
 * returned as the 4-byte IPv4 address. A zone suffix (`fe80::1%eth0`) is ignored. Returns
 * `undefined` for anything else (leading zeros in IPv4 octets are refused as ambiguous).
 */
export function parseIp(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length > 64) return undefined
  if (!text.includes(':')) return parseIpv4(text)
  const zone = text.indexOf('%')
  const v6 = parseIpv6(zone === -1 ? text : text.slice(0, zone))
  if (v6 === undefined) return undefined
  return isV4Mapped(v6) ? v6.slice(12) : v6
}

function parseIpv4(text: string): Uint8Array | undefined {
  const out = new Uint8Array(4)
  let part = 0
  let value = 0
  let digits = 0
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? 46 : text.charCodeAt(i)
    if (c === 46) {
      // '.': close an octet; refuse empty octets, leading zeros and a fifth octet
      if (digits === 0 || part > 3) return undefined
      out[part++] = value
      value = 0
      digits = 0
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && value === 0) return undefined
      value = value * 10 + (c - 48)
      if (value > 255) return undefined
      digits++
    } else return undefined
  }
  return part === 4 ? out : undefined
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const head = parseGroups(halves[0] as string)
  const tail = halves.length === 2 ? parseGroups(halves[1] as string) : []
  if (head === undefined || tail === undefined) return undefined
  const total = head.length + tail.length
  if (halves.length === 2 ? total > 7 : total !== 8) return undefined
  const out = new Uint8Array(16)
  head.forEach((g, i) => {
    out[2 * i] = g >> 8
    out[2 * i + 1] = g & 0xff
  })
  tail.forEach((g, i) => {
    const j = 8 - tail.length + i
    out[2 * j] = g >> 8
    out[2 * j + 1] = g & 0xff
  })
  return out
}

/** 16-bit groups of one side of `::`; a trailing dotted IPv4 counts as two groups. */
function parseGroups(text: string): number[] | undefined {
  if (text === '') return []
  const parts = text.split(':')
  const groups: number[] = []
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string
    if (i === parts.length - 1 && p.includes('.')) {
      const v4 = parseIpv4(p)
      if (v4 === undefined) return undefined
      groups.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number))
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined
      groups.push(Number.parseInt(p, 16))
    }
  }
  return groups
}

function isV4Mapped(ip: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false
  return ip[10] === 0xff && ip[11] === 0xff
}

/** True for `0.0.0.0` and `::`, which go-ethereum never admits to the table. */
export function isUnspecifiedIp(ip: Uint8Array): boolean {
  return ip.every((b) => b === 0)
}

/**
 * True for loopback, private and link-local unicast addresses (127/8, 10/8, 172.16/12,
 * 192.168/16, 169.254/16, ::1, fc00::/7, fe80::/10): go-ethereum netutil `AddrIsLAN`.
 */
export function isLanIp(ip: Uint8Array): boolean {
  const a = ip[0] as number
  const b = ip[1] as number
  if (ip.length === 4) {
    return (
      a === 127 || a === 10 || (a === 172 && (b & 0xf0) === 16) || (a === 192 && b === 168) || (a === 169 && b === 254)
    )
  }
  if ((a & 0xfe) === 0xfc) return true // fc00::/7 unique local
  if (a === 0xfe && (b & 0xc0) === 0x80) return true // fe80::/10 link-local
  for (let i = 0; i < 15; i++) if (ip[i] !== 0) return false
  return ip[15] === 1 // ::1
}

/**
 * Key of the subnet of `ip` with `bits` common prefix bits: a number for IPv4 (the masked
 * address), a string for IPv6 (`6:` and the hex of the masked prefix), so the two never collide.
 */
export function subnetKey(ip: Uint8Array, bits: number): number | string {
  if (ip.length === 4) {
    const v =
      (((ip[0] as number) << 24) | ((ip[1] as number) << 16) | ((ip[2] as number) << 8) | (ip[3] as number)) >>> 0
    return bits <= 0 ? 0 : bits >= 32 ? v : (v & (0xffffffff << (32 - bits))) >>> 0
  }
  const whole = bits >> 3
  let key = '6:'
  for (let i = 0; i < whole && i < ip.length; i++) key += ((ip[i] as number) | 0x100).toString(16).slice(1)
  const rest = bits & 7
  if (rest !== 0 && whole < ip.length) key += `/${((ip[whole] as number) & (0xff << (8 - rest)) & 0xff).toString(16)}`
  return key
}

/** Options of a {@link DistinctNetSet}. */
export interface DistinctNetSetOptions {
  /** Most addresses per subnet. */
  limit: number
  /** IPv4 prefix length, 0..32. */
  ipv4Bits: number
  /** IPv6 prefix length, 0..128. */
  ipv6Bits: number
}

/**
 * Counts addresses per subnet and refuses one more than `limit` in the same subnet
 * (go-ethereum netutil `DistinctNetSet`). BOUNDED: one map entry per subnet holding at least one
 * counted address, so never more entries than addresses added and not removed.
 */
export class DistinctNetSet {
  readonly #members = new Map<number | string, number>()
  #size = 0

  /** Create an empty set. */
  constructor(readonly options: DistinctNetSetOptions) {
    if (options.ipv4Bits < 0 || options.ipv4Bits > 32 || options.ipv6Bits < 0 || options.ipv6Bits > 128) {
      throw new RangeError('subnet prefix length out of range')
    }
  }

  #key(ip: Uint8Array): number | string {
    return subnetKey(ip, ip.length === 4 ? this.options.ipv4Bits : this.options.ipv6Bits)
  }

  /** Whether one more address of `ip`'s subnet would fit. */
  canAdd(ip: Uint8Array): boolean {
    return (this.#members.get(this.#key(ip)) ?? 0) < this.options.limit
  }

  /** Count `ip`; returns false (and counts nothing) when its subnet is full. */
  add(ip: Uint8Array): boolean {
    const key = this.#key(ip)
    const n = this.#members.get(key) ?? 0
    if (n >= this.options.limit) return false
    this.#members.set(key, n + 1)
    this.#size++
    return true
  }

  /** Uncount one address of `ip`'s subnet (no-op when none is counted). */
  remove(ip: Uint8Array): void {
    const key = this.#key(ip)
    const n = this.#members.get(key)
    if (n === undefined) return
    if (n <= 1) this.#members.delete(key)
    else this.#members.set(key, n - 1)
    this.#size--
  }

  /** Addresses counted in `ip`'s subnet. */
  count(ip: Uint8Array): number {
    return this.#members.get(this.#key(ip)) ?? 0
  }

  /** Total addresses counted. */
  get size(): number {
    return this.#size
  }
}

/**
 * The per-subnet address counter behind the routing table's IP limits, modelled on go-ethereum
 * p2p/netutil `DistinctNetSet`. Address text parsing and LAN classes come from ../util/ip.ts.
 * @module
 */
import { parseIp, unmapIPv4 } from '../util/ip.js'

/**
 * Parse IP text for the table: IPv4 (4 bytes) or IPv6 (16 bytes), with IPv4-mapped IPv6 returned
 * as IPv4 so `::ffff:1.2.3.4` counts in 1.2.3.0/24. `undefined` when not an address.
 */
export function parseTableIp(text: string): Uint8Array | undefined {
  const ip = parseIp(text)
  return ip === undefined ? undefined : unmapIPv4(ip)
}

/** True for `0.0.0.0` and `::`, which go-ethereum never admits to the table. */
export function isUnspecifiedIp(ip: Uint8Array): boolean {
  return ip.every((b) => b === 0)
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

/**
 * What discv5 needs to know about an IP address given as text, worked out once per address:
 * its normalised text (IPv4-mapped IPv6 unmapped) and its class for the relay and rate-limit
 * rules. Every datagram and every relayed record asks; parsing and formatting each time showed
 * in profiles of large networks.
 * @module
 */
import { formatIp, isLan, isLoopback, parseIp, unmapIPv4 } from '../util/ip.js'
import { Lru } from '../util/lru.js'

/** Addresses remembered. Ours: a few times a full routing table's worth. */
export const IP_INFO_CACHE_SIZE = 4096

/** The class of an address, for go-ethereum netutil `CheckRelayIP`'s rules. */
export type IpClass =
  /** Unspecified, multicast or IPv4 broadcast: no node is reachable there. */
  | 'special'
  | 'loopback'
  /** Private and link-local ranges (not loopback). */
  | 'lan'
  | 'public'

/** A parsed address. */
export interface IpInfo {
  /** Normalised text: dotted IPv4 for IPv4 and IPv4-mapped IPv6, compressed IPv6 otherwise. */
  readonly text: string
  readonly cls: IpClass
}

/** True for addresses no node can be reached at: unspecified, multicast, IPv4 broadcast. */
function isSpecial(b: Uint8Array): boolean {
  if (b.every((x) => x === 0)) return true
  if (b.length === 4) return ((b[0] as number) & 0xf0) === 0xe0 || b.every((x) => x === 0xff)
  return b[0] === 0xff
}

/** BOUNDED: IP_INFO_CACHE_SIZE entries, LRU eviction; `null` marks text that is no address. */
const cache = new Lru<string, IpInfo | null>(IP_INFO_CACHE_SIZE)

/** The normalised text and class of `text`, or undefined when it is not an IP address. */
export function ipInfo(text: string): IpInfo | undefined {
  const hit = cache.get(text)
  if (hit !== undefined) return hit ?? undefined
  const parsed = parseIp(text)
  let info: IpInfo | null = null
  if (parsed) {
    const b = unmapIPv4(parsed)
    const cls: IpClass = isSpecial(b) ? 'special' : isLoopback(b) ? 'loopback' : isLan(b) ? 'lan' : 'public'
    info = { text: formatIp(b), cls }
  }
  cache.set(text, info)
  return info ?? undefined
}

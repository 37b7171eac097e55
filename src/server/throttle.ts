/**
 * Inbound per-IP throttle: one connection attempt per IP per window, as go-ethereum's
 * inboundThrottleTime. Loopback and LAN addresses are exempt (local tests and devnets).
 * BOUNDED: at most `capacity` addresses remembered (LRU).
 */
import { isLan, parseIp } from '../util/ip.js'
import { Lru } from '../util/lru.js'

/** go-ethereum p2p/server.go inboundThrottleTime. */
export const INBOUND_THROTTLE_MS = 30_000
/** Addresses remembered by the throttle. */
export const INBOUND_THROTTLE_CAPACITY = 10_000

export class InboundThrottle {
  private readonly seen: Lru<string, number>

  constructor(
    private readonly windowMs = INBOUND_THROTTLE_MS,
    capacity = INBOUND_THROTTLE_CAPACITY,
  ) {
    this.seen = new Lru(capacity)
  }

  /** True if a connection from `ip` at `now` is allowed; records the attempt. */
  allow(ip: string, now: number): boolean {
    const b = parseIp(ip)
    if (!b || isLan(b)) return true
    const last = this.seen.peek(ip)
    if (last !== undefined && now - last < this.windowMs) return false
    this.seen.set(ip, now)
    return true
  }
}

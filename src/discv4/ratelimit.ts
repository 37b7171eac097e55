/**
 * Receive-side rate limits for discovery: token buckets, one global and one per source IP. Pure:
 * time (ms) is passed in. Applied before signature recovery, the expensive step of decoding, so a
 * flood from one address costs a map lookup per datagram.
 * @module
 */
import { Lru } from '../util/lru.js'

/** Default sustained datagrams per second from one IP. Ours (go-ethereum v4 has none). */
export const PER_IP_RATE = 100
/** Default burst from one IP. Ours. */
export const PER_IP_BURST = 200
/** Default sustained datagrams per second in all. Ours: about what one core verifies in a quarter of its time. */
export const GLOBAL_RATE = 1000
/** Default global burst. Ours. */
export const GLOBAL_BURST = 2000
/** IPs tracked at once. Ours: an untracked IP starts with a full bucket, so eviction only forgives. */
export const MAX_TRACKED_IPS = 4096

/** Rate-limit settings (datagrams per second and burst sizes). */
export interface RateLimitOptions {
  perIpRate?: number
  perIpBurst?: number
  globalRate?: number
  globalBurst?: number
  maxTrackedIps?: number
}

interface Bucket {
  tokens: number
  at: number
}

/** Why a datagram was refused. */
export type RateVerdict = 'ok' | 'ip-limit' | 'global-limit'

/** Global and per-IP token buckets. */
export class RateLimiter {
  private readonly perIpRate: number
  private readonly perIpBurst: number
  private readonly globalRate: number
  private readonly globalBurst: number
  private readonly global: Bucket
  /** BOUNDED: maxTrackedIps entries, LRU eviction. */
  private readonly perIp: Lru<string, Bucket>

  constructor(o: RateLimitOptions = {}, now = 0) {
    this.perIpRate = o.perIpRate ?? PER_IP_RATE
    this.perIpBurst = o.perIpBurst ?? PER_IP_BURST
    this.globalRate = o.globalRate ?? GLOBAL_RATE
    this.globalBurst = o.globalBurst ?? GLOBAL_BURST
    this.global = { tokens: this.globalBurst, at: now }
    this.perIp = new Lru(o.maxTrackedIps ?? MAX_TRACKED_IPS)
  }

  private take(b: Bucket, rate: number, burst: number, now: number): boolean {
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) * rate) / 1000)
    b.at = now
    if (b.tokens < 1) return false
    b.tokens -= 1
    return true
  }

  /** Account one datagram from `ip` at `now` (ms); says whether to process it. */
  admit(ip: string, now: number): RateVerdict {
    let b = this.perIp.get(ip)
    if (!b) {
      b = { tokens: this.perIpBurst, at: now }
      this.perIp.set(ip, b)
    }
    if (!this.take(b, this.perIpRate, this.perIpBurst, now)) return 'ip-limit'
    if (!this.take(this.global, this.globalRate, this.globalBurst, now)) return 'global-limit'
    return 'ok'
  }
}

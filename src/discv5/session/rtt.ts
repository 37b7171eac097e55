/**
 * How long to wait for an answer: the spec's 500 ms while round trips are short, longer while
 * they run long. A node whose event loop is busy (block processing, or hundreds of nodes in one
 * process) reads answers late; with a fixed 500 ms it then re-sends requests that were answered,
 * the peer answers twice, and the extra load makes every round trip longer still. Smoothed round
 * trip and its variation as TCP's retransmission timer (RFC 6298 section 2), over answers to
 * requests sent once (Karn's rule: an answer to a re-sent request could belong to either send).
 *
 * Karn's rule needs its other half, the back-off of RFC 6298 section 5.5, or a peer whose round
 * trips jumped (a bootnode whose socket queue runs seconds behind in a join storm) has every
 * request re-sent before its answer comes, never gives a valid sample, and is never waited for
 * long enough. So each timeout doubles the wait for that peer until it answers again. Per peer,
 * not per machine: one dead peer must not slow the checks of all others. Pure.
 * @module
 */
import { Lru } from '../../util/lru.js'

/** Longest wait for one answer, ms. Ours: 4 × discv5-wire.md's "500ms for a single request/response". */
export const MAX_REQUEST_TIMEOUT_MS = 2000
/** Peers whose back-off is remembered, LRU. Ours: one per session the machine can hold. */
export const MAX_BACKOFF_PEERS = 1024

/** Round-trip estimate of one session machine. */
export class RttEstimator {
  private srtt: number | undefined
  private rttvar = 0
  /** Timeouts in a row per peer key. BOUNDED: MAX_BACKOFF_PEERS, LRU. */
  private readonly backoffs = new Lru<string, number>(MAX_BACKOFF_PEERS)

  /** `base`: the shortest timeout (the configured one); `max`: the longest. */
  constructor(
    readonly base: number,
    readonly max: number,
  ) {
    if (!(base > 0) || !(max >= base)) throw new RangeError('request timeouts must be positive, max >= base')
  }

  /** One measured round trip, ms. */
  sample(ms: number): void {
    const r = Math.max(0, ms)
    if (this.srtt === undefined) {
      this.srtt = r
      this.rttvar = r / 2
      return
    }
    this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r)
    this.srtt = 0.875 * this.srtt + 0.125 * r
  }

  /** The smoothed round trip, ms (undefined before the first sample). */
  get smoothed(): number | undefined {
    return this.srtt
  }

  /** The current timeout: smoothed round trip + 4 × its variation, within [base, max]. */
  get timeout(): number {
    if (this.srtt === undefined) return this.base
    return Math.min(this.max, Math.max(this.base, Math.ceil(this.srtt + 4 * this.rttvar)))
  }

  /** The timeout of a request to `peer`: {@link timeout}, doubled per timeout in a row, up to `max`. */
  timeoutFor(peer: string): number {
    const n = this.backoffs.peek(peer)
    return n === undefined ? this.timeout : Math.min(this.max, this.timeout * 2 ** n)
  }

  /** A request to `peer` timed out. */
  backOff(peer: string): void {
    const n = this.backoffs.get(peer) ?? 0
    if (this.timeout * 2 ** n < this.max) this.backoffs.set(peer, n + 1)
  }

  /** `peer` answered one of our packets. */
  answered(peer: string): void {
    this.backoffs.delete(peer)
  }
}

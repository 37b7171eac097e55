/**
 * How long to wait for an answer: the spec's 500 ms while round trips are short, longer while
 * they run long. A node whose event loop is busy (block processing, or hundreds of nodes in one
 * process) reads answers late; with a fixed 500 ms it then re-sends requests that were answered,
 * the peer answers twice, and the extra load makes every round trip longer still. Smoothed round
 * trip and its variation as TCP's retransmission timer (RFC 6298 section 2), over answers to
 * requests sent once (Karn's rule: an answer to a re-sent request could belong to either send).
 * Pure.
 * @module
 */

/** Longest wait for one answer, ms. Ours: 4 × discv5-wire.md's "500ms for a single request/response". */
export const MAX_REQUEST_TIMEOUT_MS = 2000

/** Round-trip estimate of one session machine. */
export class RttEstimator {
  private srtt: number | undefined
  private rttvar = 0

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
}

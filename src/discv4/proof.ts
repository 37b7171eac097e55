/**
 * Endpoint proofs (bonds) for Node Discovery v4. Spec: devp2p discv4.md "Endpoint Proof".
 * Pure: time (milliseconds on the service's monotonic clock) is passed in.
 *
 * Two facts are kept per (node id, IP), as go-ethereum keeps them in its node database:
 * - `pongReceived`: the node answered our PING from that IP with the right reply token, so it
 *   owns the endpoint. This alone licenses answering its FINDNODE and ENRREQUEST (the
 *   amplification defence); keying by IP means a request arriving from any other IP is refused.
 * - `pingReceived`: we answered the node's PING, so it holds a proof of us and will answer our
 *   queries. Both facts together make the pair bonded. Unlike the first, this one is a belief
 *   about the other side's state: an unanswered query withdraws it (`doubtUs`).
 * @module
 */
import { Lru } from '../util/lru.js'

/**
 * How long a proof stays valid, in milliseconds. go-ethereum p2p/discover/v4_udp.go
 * `bondExpiration = 24 * time.Hour`; discv4.md says 12 hours, which we would accept as stricter,
 * but peers following geth assume 24 h.
 */
export const BOND_EXPIRATION_MS = 24 * 60 * 60 * 1000

/**
 * Most (node, IP) pairs remembered. Ours: go-ethereum keeps them on disk without a cap. At about
 * 150 bytes per entry this is ~1.5 MiB; the least recently touched pair is forgotten first, which
 * only costs that node a fresh PING.
 */
export const MAX_ENDPOINT_PROOFS = 10_000

interface ProofEntry {
  /** When the node last answered our PING from this IP (-Infinity: never). */
  pongReceived: number
  /** When we last answered a PING from the node at this IP (-Infinity: never). */
  pingReceived: number
}

/** The endpoint-proof table: who proved what, and when. */
export class EndpointProofs {
  /** BOUNDED: `capacity` entries (default {@link MAX_ENDPOINT_PROOFS}), LRU eviction. */
  private readonly entries: Lru<string, ProofEntry>

  constructor(
    capacity = MAX_ENDPOINT_PROOFS,
    private readonly validityMs = BOND_EXPIRATION_MS,
  ) {
    this.entries = new Lru(capacity)
  }

  /** Number of (node, IP) pairs remembered. */
  get size(): number {
    return this.entries.size
  }

  private entry(node: string, ip: string): ProofEntry {
    const key = `${node}@${ip}`
    let e = this.entries.get(key)
    if (!e) {
      e = { pongReceived: Number.NEGATIVE_INFINITY, pingReceived: Number.NEGATIVE_INFINITY }
      this.entries.set(key, e)
    }
    return e
  }

  private fresh(t: number | undefined, now: number): boolean {
    return t !== undefined && now - t < this.validityMs
  }

  /** Record that `node` at `ip` answered our PING with the matching reply token. */
  pongReceived(node: string, ip: string, now: number): void {
    this.entry(node, ip).pongReceived = now
  }

  /** Record that we answered a PING from `node` at `ip`. */
  pingReceived(node: string, ip: string, now: number): void {
    this.entry(node, ip).pingReceived = now
  }

  /**
   * May we answer FINDNODE or ENRREQUEST from `node` at `ip`? Only if it answered our PING from
   * this very IP within the validity window (discv4.md "Endpoint Proof").
   */
  verified(node: string, ip: string, now: number): boolean {
    return this.fresh(this.entries.peek(`${node}@${ip}`)?.pongReceived, now)
  }

  /**
   * Do we believe `node` at `ip` holds a recent proof of us, so that it will answer our queries?
   * Yes once we answered its PING (or it answered a query of ours, see {@link answeredUs}) within
   * the validity window, until {@link doubtUs}.
   */
  knowsUs(node: string, ip: string, now: number): boolean {
    return this.fresh(this.entries.peek(`${node}@${ip}`)?.pingReceived, now)
  }

  /**
   * `node` at `ip` answered our FINDNODE or ENRREQUEST, which it only does while it holds a proof
   * of us: keep believing {@link knowsUs} (it may have been doubted after a lost packet).
   */
  answeredUs(node: string, ip: string, now: number): void {
    this.entry(node, ip).pingReceived = now
  }

  /**
   * `node` at `ip` left our FINDNODE or ENRREQUEST unanswered: it may have no proof of us after
   * all (our PONG to its PING was lost or came after its reply deadline), so stop assuming it
   * does; the next query first does a fresh PING exchange. go-ethereum re-pings after
   * `maxFindnodeFailures` (5) failures; one is enough, a PING is cheaper than a lost lookup.
   */
  doubtUs(node: string, ip: string): void {
    const e = this.entries.peek(`${node}@${ip}`)
    if (e) e.pingReceived = Number.NEGATIVE_INFINITY
  }

  /** Bonded: each side answered the other's PING within the validity window, at this IP. */
  bonded(node: string, ip: string, now: number): boolean {
    return this.verified(node, ip, now) && this.knowsUs(node, ip, now)
  }

  /** Forget every proof about `node` at `ip` (e.g. after it failed to answer repeatedly). */
  forget(node: string, ip: string): void {
    this.entries.delete(`${node}@${ip}`)
  }
}

/**
 * One backoff model for every dialer (RLPx and libp2p): a short dial history for every node, with
 * longer waits by failure class, doubling on repeats, capped. BOUNDED: an LRU of
 * {@link DIAL_HISTORY_SIZE} nodes.
 */
import { Lru } from '../util/lru.js'

/** Why a dial or a connection failed, from the dialer's point of view. */
export type FailureClass =
  /** TCP connect failed or timed out, or the handshake timed out. */
  | 'unreachable'
  /** No shared capability, wrong network, fork id mismatch. */
  | 'useless'
  /** The peer broke the protocol (bad MAC, bad message, wrong identity). */
  | 'breach'
  /** The peer said TooManyPeers. */
  | 'too-many-peers'
  /** Any other disconnect after a working session (e.g. ClientQuitting, Requested). */
  | 'disconnected'

/**
 * Base wait per class, in ms, doubling on each repeat. go-ethereum waits a flat 35 s
 * (dialHistoryExpiration) after any dial; ours starts lower for unreachable nodes, since a dial that
 * timed out on a busy machine is often fine a few seconds later, and grows for nodes that stay away.
 */
export const BACKOFF_BASE_MS: Record<FailureClass, number> = {
  unreachable: 10_000,
  useless: 10 * 60_000,
  breach: 30 * 60_000,
  'too-many-peers': 60_000,
  disconnected: 5_000,
}
/** No wait grows past this. */
export const BACKOFF_MAX_MS = 60 * 60_000
/** Nodes remembered. Past this, the least recently failed is forgotten (and may be dialed again). */
export const DIAL_HISTORY_SIZE = 10_000

interface Entry {
  /** Earliest time of the next dial. */
  until: number
  /** Consecutive failures of the same class. */
  streak: number
  cls: FailureClass
}

export class DialHistory {
  private readonly entries: Lru<string, Entry>

  constructor(
    capacity = DIAL_HISTORY_SIZE,
    private readonly base: Record<FailureClass, number> = BACKOFF_BASE_MS,
    private readonly max = BACKOFF_MAX_MS,
  ) {
    this.entries = new Lru(capacity)
  }

  /** True if `id` may be dialed at `now`. */
  canDial(id: string, now: number): boolean {
    const e = this.entries.peek(id)
    return !e || e.until <= now
  }

  /** When `id` may be dialed next (`now` if already). */
  nextDial(id: string, now: number): number {
    return Math.max(now, this.entries.peek(id)?.until ?? now)
  }

  /** Record a failure; repeats of the same class double the wait up to the cap. Returns the wait. */
  fail(id: string, cls: FailureClass, now: number): number {
    const prev = this.entries.peek(id)
    const streak = prev && prev.cls === cls ? prev.streak + 1 : 1
    const wait = Math.min(this.max, this.base[cls] * 2 ** Math.min(streak - 1, 20))
    this.entries.set(id, { until: now + wait, streak, cls })
    return wait
  }

  /** A session worked: forget past failures. */
  succeed(id: string): void {
    this.entries.delete(id)
  }

  get size(): number {
    return this.entries.size
  }
}

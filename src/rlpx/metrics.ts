/**
 * RLPx metrics hooks, counted into the injected {@link Metrics}. Label values come from fixed sets
 * (outcomes, directions, reason names), never from peer text, so series stay bounded.
 * @module
 */
import type { Counter, Metrics } from '../metrics/registry.js'
import { type DisconnectReason, disconnectReasonName } from './disconnect.js'

/** Outcome label of a handshake (auth + ack + Hello). */
export type HandshakeOutcome =
  | 'ok'
  | 'timeout'
  | 'bad_auth'
  | 'bad_frame'
  | 'bad_hello'
  | 'identity'
  | 'useless'
  | 'disconnected'
  | 'network'
  | 'aborted'

/** The counters one node's RLPx connections share. */
export class RlpxMetrics {
  private static readonly cache = new WeakMap<Metrics, RlpxMetrics>()
  private readonly handshakes: Counter
  private readonly disconnects: Counter
  private readonly bytes: Counter
  private readonly messages: Counter

  private constructor(m: Metrics) {
    this.handshakes = m.counter('rlpx_handshakes_total', 'RLPx handshakes (auth, ack, Hello) by direction and outcome')
    this.disconnects = m.counter('rlpx_disconnects_total', 'RLPx disconnects by reason and by who ended it')
    this.bytes = m.counter('rlpx_bytes_total', 'RLPx bytes on the wire by direction')
    this.messages = m.counter('rlpx_messages_total', 'RLPx messages (frames) by direction')
  }

  /** The metrics of `m` (one instance per registry). */
  static for(m: Metrics): RlpxMetrics {
    let r = RlpxMetrics.cache.get(m)
    if (!r) {
      r = new RlpxMetrics(m)
      RlpxMetrics.cache.set(m, r)
    }
    return r
  }

  handshake(direction: 'inbound' | 'outbound', outcome: HandshakeOutcome): void {
    this.handshakes.inc({ direction, outcome })
  }

  disconnect(reason: DisconnectReason, by: 'local' | 'remote' | 'transport'): void {
    this.disconnects.inc({ reason: disconnectReasonName(reason), by })
  }

  traffic(direction: 'in' | 'out', bytes: number, messages: number): void {
    if (bytes > 0) this.bytes.inc({ direction }, bytes)
    if (messages > 0) this.messages.inc({ direction }, messages)
  }
}

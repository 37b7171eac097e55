/**
 * What the protocol layer counts. Label values come from the closed unions below and the
 * protocol id, never from peer input.
 * @module
 */
import type { Counter, Metrics } from '../metrics/registry.js'
import { noopMetrics } from '../metrics/registry.js'

/** Why an inbound message was dropped without disconnecting. */
export type DropReason =
  /** A response to a request that had already timed out or been aborted. */
  | 'late'
  /** A second response to a request that was already answered. */
  | 'duplicate'
  /** A response to nothing this node asked for. */
  | 'unsolicited'
  /** A response whose id matches a pending request of another kind. */
  | 'mismatched'
  /** A message or request no handler was registered for. */
  | 'unhandled'
  /** A request that arrived while the serving queue was full. */
  | 'serve_overflow'

/** Why the protocol layer disconnected a peer. */
export type FaultReason =
  | 'unknown_message'
  | 'bad_message'
  | 'oversized'
  | 'handshake_message'
  | 'early_overflow'
  | 'handshake_failed'
  | 'handshake_timeout'
  | 'handler'

/** How one of our requests ended. */
export type RequestOutcome = 'ok' | 'timeout' | 'aborted' | 'disconnected' | 'limit'

/** The counters one node uses for all peers of all protocols. */
export interface ProtocolCounters {
  dropped: Counter
  faults: Counter
  requests: Counter
}

/** Create the counters in `metrics` (names are `eth_p2p_protocol_*`). */
export function protocolCounters(metrics: Metrics = noopMetrics): ProtocolCounters {
  return {
    dropped: metrics.counter('eth_p2p_protocol_dropped_total', 'Inbound messages dropped, by protocol and reason'),
    faults: metrics.counter('eth_p2p_protocol_faults_total', 'Peers disconnected for a protocol fault, by reason'),
    requests: metrics.counter('eth_p2p_protocol_requests_total', 'Own requests, by protocol and outcome'),
  }
}

/** Counters that count nothing. */
export const noopCounters: ProtocolCounters = protocolCounters(noopMetrics)

/** The metrics a {@link Discv5Service} counts into. @module */
import type { Counter, Gauge, Metrics } from '../metrics/registry.js'

/** Counters and gauges of one service. Labels come from the code (kinds, reasons), never from peers. @internal */
export interface ServiceMetrics {
  /** Messages accepted, by type (PING, PONG, FINDNODE, NODES, TALKREQ, TALKRESP). */
  received: Counter
  /** Datagrams, messages and records dropped, by reason. */
  dropped: Counter
  /** Datagrams that were not discv5 (handed on to discv4 on a shared port). */
  foreign: Counter
  /** Our requests by kind and outcome (ok, timeout, handshake-failed, ...). */
  requests: Counter
  /** Changes of our record. */
  enrUpdates: Counter
  /** Routing table members. */
  table: Gauge
  /** Sessions held. */
  sessions: Gauge
}

/** Register the service's series in `metrics`. @internal */
export function serviceMetrics(metrics: Metrics): ServiceMetrics {
  return {
    received: metrics.counter('discv5_received_total', 'discv5 messages accepted, by type'),
    dropped: metrics.counter('discv5_dropped_total', 'discv5 datagrams, messages and records dropped, by reason'),
    foreign: metrics.counter('discv5_foreign_total', 'datagrams that were not discv5'),
    requests: metrics.counter('discv5_requests_total', 'discv5 requests sent, by kind and outcome'),
    enrUpdates: metrics.counter('discv5_enr_updates_total', 'changes of the local node record'),
    table: metrics.gauge('discv5_table_nodes', 'discv5 routing table members'),
    sessions: metrics.gauge('discv5_sessions', 'discv5 sessions held'),
  }
}

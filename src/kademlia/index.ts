/**
 * Kademlia routing table, liveness revalidation and iterative lookups shared by discv5 and
 * discv4 (layer 3: pure, no I/O, no timers; every call takes `now`). See docs/kademlia.md.
 *
 * @example
 * ```ts
 * const table = new RoutingTable<MyNode>({ localId })
 * table.addSeen(nodeFromNodesAnswer, clock.now())       // 'seen', not served in NODES
 * table.addVerified(nodeThatAnsweredUs, clock.now())    // live
 * const answer = table.closest(target, 16, { liveOnly: true })
 * for (let s = table.revalidation.next(now); s.kind === 'ping'; s = table.revalidation.next(now)) ping(s.node)
 * ```
 * @module
 */
export { tableCapacity } from './capacity.js'
export * from './constants.js'
export { DistinctNetSet, type DistinctNetSetOptions, isUnspecifiedIp, parseTableIp, subnetKey } from './iplimit.js'
export {
  Lookup,
  type LookupOptions,
  type LookupStats,
  type LookupStep,
  lookupDistances,
  type RunLookupOptions,
  runLookup,
} from './lookup.js'
export { cryptoRandom, type Random, seededRandom, shuffle } from './random.js'
export { type PongOutcome, Revalidation, type RevalidationStep } from './revalidation.js'
export {
  type AddOutcome,
  type AddResult,
  type IpLimitOptions,
  type QueryOptions,
  RoutingTable,
  type RoutingTableOptions,
} from './table.js'
export type { KadNode, NodeInfo, RejectReason, RemoveReason, TableEvent } from './types.js'

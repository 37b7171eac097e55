/**
 * Choosing the records that answer a FINDNODE. Spec: devp2p discv5/discv5-wire.md "FINDNODE
 * Request" (distance 0 is the recipient's own record) and discv5-theory.md "Node Table" (only
 * nodes that answered us are served); the relay rule follows go-ethereum `collectTableNodes`.
 * @module
 */
import type { Enr } from '../enr/index.js'
import type { RoutingTable } from '../kademlia/index.js'
import { NUM_BUCKETS } from '../kademlia/index.js'
import { checkRelayIp, type Discv5Node, MAX_FINDNODE_RESULTS } from './node.js'

/**
 * Distances one FINDNODE may ask for. go-ethereum, nim-eth, sigp and @chainsafe/discv5 ask for 3
 * per query (`lookupRequestLimit`); more than this is refused with an empty answer, so a request
 * cannot make us walk the whole table.
 */
export const MAX_FINDNODE_DISTANCES = 8

/** What to answer a FINDNODE with. */
export type FindnodeAnswer =
  | { kind: 'nodes'; records: Enr[] }
  /** Answer empty and count `reason`. */
  | { kind: 'refused'; reason: 'too-many-distances' | 'bad-distance' }

/**
 * The records answering `distances` for a requester at `requesterIp`: our own record for 0, live
 * table members for 1..256 (LAN members only to LAN requesters), at most
 * {@link MAX_FINDNODE_RESULTS}. Any distance over 256 gets an empty answer (as nim-eth).
 */
export function answerFindnode(
  table: RoutingTable<Discv5Node>,
  self: Enr,
  distances: readonly number[],
  requesterIp: string,
  maxDistances = MAX_FINDNODE_DISTANCES,
): FindnodeAnswer {
  if (distances.length > maxDistances) return { kind: 'refused', reason: 'too-many-distances' }
  if (distances.some((d) => d > NUM_BUCKETS)) return { kind: 'refused', reason: 'bad-distance' }
  const records: Enr[] = []
  const done = new Set<number>()
  for (const d of distances) {
    if (done.has(d)) continue
    done.add(d)
    if (d === 0) {
      records.push(self)
    } else {
      for (const n of table.nodesAtDistance(d, { liveOnly: true })) {
        if (!checkRelayIp(requesterIp, n.ip)) continue
        records.push(n.enr)
        if (records.length >= MAX_FINDNODE_RESULTS) break
      }
    }
    if (records.length >= MAX_FINDNODE_RESULTS) break
  }
  return { kind: 'nodes', records: records.slice(0, MAX_FINDNODE_RESULTS) }
}

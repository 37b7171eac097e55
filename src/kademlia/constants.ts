/**
 * Named limits of the Kademlia routing table, revalidation and lookups, each with its source.
 * Spec: devp2p discv5/discv5-theory.md "Node Table", discv4.md "Kademlia Table".
 * @module
 */

/** Length of a node id in bytes (keccak256 of the public key). devp2p discv4.md / discv5-theory.md. */
export const NODE_ID_LENGTH = 32

/** Number of log-distance buckets, one per distance 1..256. discv5-theory.md "Node Table" (`0 ≤ i < 256`). */
export const NUM_BUCKETS = 256

/** Kademlia `k`: live entries per bucket. discv5-theory.md "`k = 16`"; go-ethereum table.go `bucketSize`. */
export const BUCKET_SIZE = 16

/** Replacement cache entries per bucket. go-ethereum table.go `maxReplacements`. */
export const MAX_REPLACEMENTS = 10

/** Addresses per subnet within one bucket (entries and replacements). go-ethereum table.go `bucketIPLimit`. */
export const BUCKET_IP_LIMIT = 2

/** Addresses per subnet in the whole table. go-ethereum table.go `tableIPLimit`. */
export const TABLE_IP_LIMIT = 10

/** IPv4 prefix length for the IP limits (/24). go-ethereum table.go `bucketSubnet`, `tableSubnet`. */
export const IPV4_SUBNET_BITS = 24

/**
 * IPv6 prefix length for the IP limits. go-ethereum applies the same 24 common prefix bits
 * (`DistinctNetSet{Subnet: 24}`) to IPv6 addresses; we do the same, which is strict (a /24 is a
 * registry-sized block) but cannot be bypassed by an attacker holding a /48. Configurable.
 */
export const IPV6_SUBNET_BITS = 24

/** Lookup concurrency `α`. discv5-theory.md "Lookup" ("typically 3"); go-ethereum table.go `alpha`. */
export const ALPHA = 3

/** Log-distances asked per discv5 FINDNODE during a lookup. go-ethereum v5_udp.go `lookupRequestLimit`. */
export const LOOKUP_DISTANCES = 3

/** Base revalidation interval (fast list), ms. go-ethereum discover/common.go `PingInterval` default (3 s). */
export const PING_INTERVAL_MS = 3_000

/** Slow list interval = fast interval × this. go-ethereum table_reval.go `slowRevalidationFactor`. */
export const SLOW_REVALIDATION_FACTOR = 3

/** Consecutive failed FINDNODE queries before a node is dropped. go-ethereum v4_udp.go `maxFindnodeFailures`. */
export const MAX_FINDNODE_FAILURES = 5

/** Table refresh (random lookups) interval, ms. go-ethereum discover/common.go `RefreshInterval` (30 min). */
export const REFRESH_INTERVAL_MS = 30 * 60_000

/**
 * Backstop timeout for one lookup query, ms, used when the service never reports the outcome.
 * Ours: discv5 needs up to a handshake plus one retry of a 700 ms request (go-ethereum
 * `V5RespTimeout`) plus several NODES packets; services should call `onFailure` sooner.
 */
export const LOOKUP_QUERY_TIMEOUT_MS = 5_000

/** Most FINDNODE queries one lookup sends. Ours: bounds a lookup fed ever-closer fake ids (≈ 20–40 normally). */
export const LOOKUP_MAX_QUERIES = 256

/** Most candidates a lookup keeps, farthest dropped first. Ours: bounds memory per lookup. */
export const LOOKUP_MAX_CANDIDATES = 512

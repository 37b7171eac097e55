/**
 * Types shared by the routing table, its revalidation scheduler and lookups.
 * @module
 */

/**
 * What the table needs to know about a node. Services wrap their record type (an ENR for
 * discv5, an enode endpoint for discv4) in an object of this shape, with any extra fields.
 */
export interface KadNode {
  /** 32-byte node id (keccak256 of the public key). */
  readonly id: Uint8Array
  /** IPv4 or IPv6 text of the node's UDP endpoint; nodes without one are refused, as in go-ethereum. */
  readonly ip?: string
  /** UDP port; with `ip`, a change marks an endpoint change that forces quick revalidation. */
  readonly udp?: number
  /** Record sequence number (ENR `seq`); absent counts as 0 (discv4 nodes without a record). */
  readonly seq?: bigint
}

/** Why a node was refused by the table. */
export type RejectReason =
  /** The id is not 32 bytes. */
  | 'bad-id'
  /** The node is the local node. */
  | 'self'
  /** No parseable, specified IP address. */
  | 'no-ip'
  /** Its subnet already has `BUCKET_IP_LIMIT` addresses in that bucket. */
  | 'bucket-ip-limit'
  /** Its subnet already has `TABLE_IP_LIMIT` addresses in the table. */
  | 'table-ip-limit'

/** Why a node left a bucket. */
export type RemoveReason =
  /** It failed revalidation too often. */
  | 'dead'
  /** It failed `MAX_FINDNODE_FAILURES` lookup queries in a row. */
  | 'findnode-failures'
  /** The service asked for it (`table.remove`). */
  | 'removed'

/** A change to the bucket members, returned by every mutating call (there is no EventEmitter). */
export type TableEvent<N extends KadNode> =
  /** `node` became a bucket member (new, or promoted from the replacement cache). */
  | { kind: 'added'; node: N; live: boolean }
  /** `node` left its bucket. */
  | { kind: 'removed'; node: N; reason: RemoveReason }
  /** A member's record was replaced in place by a newer one. */
  | { kind: 'updated'; node: N; previous: N; endpointChanged: boolean }

/** Read-only view of what the table knows about one node. */
export interface NodeInfo<N extends KadNode> {
  /** The current record. */
  readonly node: N
  /** Log-distance from the local id, 1..256 (the bucket). */
  readonly distance: number
  /** True for a bucket member, false for a replacement-cache entry. */
  readonly inBucket: boolean
  /** True once the node has answered us (PONG or a response); required to be served in NODES. */
  readonly live: boolean
  /** Revalidation credit: +1 per answered check, divided by 3 per failed one (go-ethereum `livenessChecks`). */
  readonly checks: number
  /** Consecutive failed lookup queries. */
  readonly findFails: number
  /** `now` when the node first entered the table or the replacement cache. */
  readonly firstSeen: number
  /** `now` when the node entered its bucket (`-1` while it is a replacement). */
  readonly addedToBucket: number
}

/** Revalidation list membership of an entry. @internal */
export interface RevalSlot {
  list: 'fast' | 'slow' | undefined
  index: number
}

/** Internal, mutable table entry. The table hands it out typed as {@link NodeInfo}. @internal */
export interface Entry<N extends KadNode> extends NodeInfo<N> {
  node: N
  readonly key: string
  ip: Uint8Array
  ipCounted: boolean
  inBucket: boolean
  live: boolean
  checks: number
  findFails: number
  addedToBucket: number
  readonly reval: RevalSlot
}

/**
 * Map key of a node id: its bytes as a one-byte-per-char string. Internal only; about 3× faster
 * to build and hash than hex, and just as unique. @internal
 */
export function idKey(id: Uint8Array): string {
  return Reflect.apply(String.fromCharCode, null, id) as string
}

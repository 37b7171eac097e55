/**
 * Nodes as discv5 knows them (a verified record and the endpoint we talk to), and the checks
 * every record received in NODES must pass before it reaches a lookup or the routing table.
 * Spec: devp2p discv5/discv5-wire.md "NODES Response", discv5-theory.md "Lookup"; the checks
 * follow go-ethereum v5_udp.go `verifyResponseNode` and netutil `CheckRelayIP`.
 * @module
 */
import { logDistance } from '../crypto/index.js'
import { MIN_RELAYED_UDP_PORT } from '../discv4/node.js'
import { ENR_MAX_SIZE, Enr } from '../enr/index.js'
import type { KadNode } from '../kademlia/index.js'
import { equalBytes, toHex } from '../util/bytes.js'
import { Lru } from '../util/lru.js'
import { ipInfo } from './ipinfo.js'
import { contactFromEnr, type NodeContact } from './session/index.js'

/** Which address families the socket can reach. `dual` prefers IPv4 when a record has both. */
export type IpMode = 'ip4' | 'ip6' | 'dual'

/** A node in the discv5 routing table: its verified record and the UDP endpoint taken from it. */
export interface Discv5Node extends KadNode {
  readonly id: Uint8Array
  readonly ip: string
  readonly udp: number
  readonly seq: bigint
  readonly enr: Enr
}

/** Records accepted from all NODES packets answering one FINDNODE. go-ethereum v5_udp.go `findnodeResultLimit` (16). */
export const MAX_FINDNODE_RESULTS = 16

/**
 * Contacts already worked out, per record and mode: records are immutable, and formatting their
 * address on every request and NODES record showed in profiles. BOUNDED: entries live as long as
 * their record.
 */
const contacts = new WeakMap<Enr, Partial<Record<IpMode, NodeContact | null>>>()

/** The contact (id, key, endpoint) of a record in the given IP mode, or undefined if it has no usable one. */
export function contactOf(enr: Enr, mode: IpMode = 'dual'): NodeContact | undefined {
  let byMode = contacts.get(enr)
  const hit = byMode?.[mode]
  if (hit !== undefined) return hit ?? undefined
  let c = contactFromEnr(enr, mode === 'ip6' ? 'ip6' : 'ip4')
  const v6 = c?.addr.ip.includes(':')
  if ((mode === 'ip4' && v6) || (mode === 'ip6' && v6 === false)) c = undefined
  if (!byMode) {
    byMode = {}
    contacts.set(enr, byMode)
  }
  byMode[mode] = c ?? null
  return c
}

/** The routing-table node of a record, or undefined when it has no endpoint reachable in `mode`. */
export function nodeFromEnr(enr: Enr, mode: IpMode = 'dual'): Discv5Node | undefined {
  const c = contactOf(enr, mode)
  return c && { id: enr.nodeId, ip: c.addr.ip, udp: c.addr.port, seq: enr.seq, enr }
}

/** Why a received record was not accepted. */
export type RecordRejection =
  /** Not a valid, signed record. */
  | 'bad-record'
  /** Its log-distance from the answering node is not one of the requested distances. */
  | 'wrong-distance'
  /** No UDP endpoint, or a UDP port at or below 1024 (go-ethereum `errLowPort`). */
  | 'bad-endpoint'
  /** An unspecified, multicast or broadcast address, or a LAN/loopback one relayed from outside it. */
  | 'bad-relay-address'
  /** The same node twice in one answer. */
  | 'duplicate'
  /** More records than {@link MAX_FINDNODE_RESULTS}. */
  | 'too-many'

/**
 * Whether a node at `addr` may be relayed to us by a node at `sender` (go-ethereum netutil
 * `CheckRelayIP`): never unspecified or special addresses; LAN addresses only from LAN senders,
 * loopback only from loopback senders.
 */
export function checkRelayIp(sender: string, addr: string): boolean {
  const a = ipInfo(addr)
  const s = ipInfo(sender)
  if (!a || !s || a.cls === 'special') return false
  if (a.cls === 'loopback') return s.cls === 'loopback'
  if (a.cls === 'lan') return s.cls === 'loopback' || s.cls === 'lan'
  return true
}

/** Context of one FINDNODE answer. */
export interface NodesContext {
  /** The answering node. */
  sender: Uint8Array
  /** The IP the answer came from. */
  senderIp: string
  /** The distances we asked for. */
  distances: readonly number[]
  mode: IpMode
  /** Hex ids accepted so far for this request (duplicates across packets are refused). BOUNDED: MAX_FINDNODE_RESULTS. */
  seen: Set<string>
  /** Decodes and verifies a record; default {@link Enr.tryDecode} (the service passes a cached one). */
  decode?: (raw: Uint8Array) => Enr | undefined
}

/** Verified records kept by their exact bytes. Ours: a NODES record is usually one we verified before. */
export const RECORD_CACHE_SIZE = 4096

/**
 * Signature verification is the costly part of taking a NODES answer (a few ms per record), and
 * the same records come back from many nodes: identical bytes verify identically, so keep them.
 */
export class RecordCache {
  /** BOUNDED: RECORD_CACHE_SIZE entries, LRU eviction. */
  private readonly byBytes = new Lru<string, Enr>(RECORD_CACHE_SIZE)

  /** The verified record of `raw`, or undefined when it does not decode and verify. */
  decode(raw: Uint8Array): Enr | undefined {
    if (raw.length > ENR_MAX_SIZE) return undefined
    const key = Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('latin1')
    const hit = this.byBytes.get(key)
    if (hit) return hit
    const r = Enr.tryDecode(raw)
    if (!r.ok) return undefined
    this.byBytes.set(key, r.value)
    return r.value
  }
}

/**
 * Verify the raw records of one NODES packet: signature, requested distance, endpoint and relay
 * address, no duplicates, at most {@link MAX_FINDNODE_RESULTS} per request. Returns the accepted
 * records and one rejection reason per refused record.
 */
export function verifyNodesRecords(
  raws: readonly Uint8Array[],
  ctx: NodesContext,
): { accepted: Enr[]; rejected: RecordRejection[] } {
  const accepted: Enr[] = []
  const rejected: RecordRejection[] = []
  for (const raw of raws) {
    const reason = check(raw, ctx)
    if (typeof reason === 'string') rejected.push(reason)
    else accepted.push(reason)
  }
  return { accepted, rejected }
}

function check(raw: Uint8Array, ctx: NodesContext): Enr | RecordRejection {
  if (ctx.seen.size >= MAX_FINDNODE_RESULTS) return 'too-many'
  let enr: Enr | undefined
  if (ctx.decode) enr = ctx.decode(raw)
  else {
    const r = Enr.tryDecode(raw)
    enr = r.ok ? r.value : undefined
  }
  if (!enr) return 'bad-record'
  const d = logDistance(ctx.sender, enr.nodeId)
  if (!ctx.distances.includes(d) || (d === 0 && !equalBytes(enr.nodeId, ctx.sender))) return 'wrong-distance'
  const c = contactOf(enr, ctx.mode)
  if (!c || c.addr.port <= MIN_RELAYED_UDP_PORT - 1) return 'bad-endpoint'
  if (!checkRelayIp(ctx.senderIp, c.addr.ip)) return 'bad-relay-address'
  const key = toHex(enr.nodeId)
  if (ctx.seen.has(key)) return 'duplicate'
  ctx.seen.add(key)
  return enr
}

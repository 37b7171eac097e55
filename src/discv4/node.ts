/**
 * Nodes as Node Discovery v4 knows them: a public key and an endpoint, plus the record once we
 * fetched it (EIP-868). Spec: devp2p discv4.md "Node Identities", "Neighbors Packet".
 * @module
 */
import { keccak256 } from '../crypto/index.js'
import { decompressPublicKey } from '../crypto/secp256k1.js'
import { type Enr, formatEnode } from '../enr/index.js'
import { isLan, normalizeIp, parseIp } from '../util/ip.js'
import { writeIPv4 } from './wire/fast.js'
import type { NeighborNode } from './wire/index.js'

/** A node as discv4 knows it: public key and endpoint (and, once fetched, its record). */
export interface Discv4Node {
  /** keccak256(publicKey). */
  readonly id: Uint8Array
  /** 64-byte public key. */
  readonly publicKey: Uint8Array
  readonly ip: string
  readonly udp: number
  readonly tcp: number
  /** Sequence number of {@link Discv4Node.enr}; absent until we fetched a record. */
  readonly seq?: bigint
  /** The node's record, once fetched with ENRREQUEST and verified (EIP-868). */
  readonly enr?: Enr
}

/** Where a datagram came from or goes to. */
export interface SocketAddr {
  ip: string
  port: number
}

/** Lowest UDP port we accept for a relayed node. go-ethereum v4_udp.go nodeFromRPC `errLowPort` (≤ 1024). */
export const MIN_RELAYED_UDP_PORT = 1025

/** Convert an enode-style key (64 or 33 bytes) and endpoint to a {@link Discv4Node}. Throws RangeError on a bad IP. */
export function makeNode(publicKey: Uint8Array, ip: string, udp: number, tcp = udp): Discv4Node {
  const key = publicKey.length === 64 ? publicKey : decompressPublicKey(publicKey)
  const norm = normalizeIp(ip)
  if (!norm) throw new RangeError(`not an IP address: ${ip}`)
  return { id: keccak256(key), publicKey: key, ip: norm, udp, tcp }
}

/** The enode URL of a node (`?discport` only when UDP and TCP differ). */
export function nodeToEnode(n: Discv4Node): string {
  return formatEnode({ publicKey: n.publicKey, ip: n.ip, tcp: n.tcp, udp: n.udp })
}

/** Scratch for IPv4 text parsed without allocating (one caller at a time: all synchronous). */
const ipv4 = new Uint8Array(4)

/** IP text as bytes: IPv4 into a shared scratch array (read it before the next call), else a new array. */
function ipOf(text: string): Uint8Array | undefined {
  return writeIPv4(text, ipv4, 0) ? ipv4 : parseIp(text)
}

/** True for loopback, private and link-local addresses (text form); false for anything unparsable. */
export function isLanText(ip: string): boolean {
  const b = ipOf(ip)
  return b !== undefined && isLan(b)
}

/** `text` in canonical form (see normalizeIp), without work when it is canonical IPv4 already. */
export function canonicalIp(text: string): string | undefined {
  return writeIPv4(text, undefined, 0) ? text : normalizeIp(text)
}

/**
 * A NEIGHBORS entry as a node, or undefined when it must be ignored: a UDP port of 1024 or
 * less, or a LAN address relayed by a node that is not itself on the LAN (go-ethereum
 * v4_udp.go `nodeFromRPC`, `netutil.CheckRelayIP`).
 */
export function nodeFromNeighbor(n: NeighborNode, relayIsLan: boolean): Discv4Node | undefined {
  const b = ipOf(n.ip)
  if (!b || n.udp < MIN_RELAYED_UDP_PORT || (!relayIsLan && isLan(b))) return undefined
  return { id: keccak256(n.publicKey), publicKey: n.publicKey, ip: n.ip, udp: n.udp, tcp: n.tcp }
}

/** The same node with a newer record: endpoint kept as observed, `seq` and `enr` taken from the record. */
export function withRecord(n: Discv4Node, enr: Enr): Discv4Node {
  return { id: n.id, publicKey: n.publicKey, ip: n.ip, udp: n.udp, tcp: n.tcp, seq: enr.seq, enr }
}

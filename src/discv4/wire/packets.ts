/**
 * Node Discovery v4 packet bodies: the typed values and their RLP shapes.
 * Spec: devp2p discv4.md "Wire Protocol"; EIP-8 (ignore extra list elements); EIP-868 (enr-seq,
 * ENRRequest, ENRResponse). No I/O, no clock: expiry is checked against a `now` the caller passes.
 * @module
 */
import type { RlpInput, RlpItem } from '../../rlp/index.js'

/** Largest discv4 datagram, both ways. discv4.md "Wire Protocol": "The maximum size of any packet is 1280 bytes". */
export const MAX_PACKET_SIZE = 1280
/** Bytes of the packet hash. discv4.md: hash = keccak256(...). */
export const HASH_SIZE = 32
/** Bytes of the recoverable signature r || s || v. discv4.md "Wire Protocol". */
export const SIGNATURE_SIZE = 65
/** hash || signature || packet-type. */
export const HEADER_SIZE = HASH_SIZE + SIGNATURE_SIZE + 1
/** Smallest datagram that can be a discv4 packet: the header plus a one-byte RLP body. */
export const MIN_PACKET_SIZE = HEADER_SIZE + 1
/** Lifetime we give our packets, in seconds. go-ethereum p2p/discover/v4_udp.go `expiration = 20 * time.Second`. */
export const EXPIRATION_SECONDS = 20
/**
 * Nodes per NEIGHBORS packet we send: the most that fit in {@link MAX_PACKET_SIZE} with IPv6
 * endpoints. go-ethereum v4_udp.go `maxNeighbors` (computed there, 12).
 */
export const MAX_NEIGHBORS = 12
/** Ping version we send. discv4.md "Ping Packet": version = 4. */
export const DISCV4_VERSION = 4
/** Largest node record an ENRRESPONSE may carry. EIP-778 "RLP Encoding": at most 300 bytes. */
export const MAX_ENR_SIZE = 300
/** Bytes of a secp256k1 public key without the 0x04 prefix, as discv4 carries node keys. */
export const PUBLIC_KEY_SIZE = 64

/** Packet-type bytes. discv4.md "Ping Packet (0x01)" ... "ENRResponse Packet (0x06)". */
export const PACKET_TYPE = {
  ping: 0x01,
  pong: 0x02,
  findnode: 0x03,
  neighbors: 0x04,
  enrrequest: 0x05,
  enrresponse: 0x06,
} as const

/** Name of a discv4 packet kind. */
export type PacketKind = keyof typeof PACKET_TYPE

/** The kind for a packet-type byte, or undefined for an unknown type. */
export function kindOfType(type: number): PacketKind | undefined {
  switch (type) {
    case 0x01:
      return 'ping'
    case 0x02:
      return 'pong'
    case 0x03:
      return 'findnode'
    case 0x04:
      return 'neighbors'
    case 0x05:
      return 'enrrequest'
    case 0x06:
      return 'enrresponse'
    default:
      return undefined
  }
}

/**
 * A UDP/TCP endpoint as carried in PING and PONG: `[ip, udp-port, tcp-port]`.
 * `ip` is canonical text (IPv4-mapped IPv6 shown as dotted IPv4), or undefined when the sender
 * left it empty or sent something that is not 4 or 16 bytes (these fields are informational).
 */
export interface Endpoint {
  ip: string | undefined
  udp: number
  tcp: number
}

/** One entry of NEIGHBORS: `[ip, udp-port, tcp-port, node-id]`, node-id being the 64-byte public key. */
export interface NeighborNode {
  ip: string
  udp: number
  tcp: number
  /** 64-byte uncompressed secp256k1 public key (X || Y). */
  publicKey: Uint8Array
}

/** Fields every packet may carry: list elements past the known ones (EIP-8), kept as decoded RLP. */
interface Extra {
  /** Extra list elements (EIP-8): ignored by the protocol, kept for inspection and for crafting test packets. */
  rest?: readonly RlpItem[]
}

/** PING (0x01): `[version, from, to, expiration, enr-seq?, ...]`. */
export interface Ping extends Extra {
  kind: 'ping'
  /** Protocol version; mismatches are ignored (EIP-8). Values past 2^53 lose precision. */
  version: number
  from: Endpoint
  to: Endpoint
  /** Absolute UNIX time in seconds after which the packet is void. */
  expiration: number
  /** EIP-868: the sender's ENR sequence number, when present. */
  enrSeq?: bigint
}

/** PONG (0x02): `[to, ping-hash, expiration, enr-seq?, ...]`. */
export interface Pong extends Extra {
  kind: 'pong'
  /** The endpoint the PING was received from (how the pinged node sees us). */
  to: Endpoint
  /** Hash of the PING being answered (32 bytes). */
  replyToken: Uint8Array
  expiration: number
  /** EIP-868: the sender's ENR sequence number, when present. */
  enrSeq?: bigint
}

/** FINDNODE (0x03): `[target, expiration, ...]`. */
export interface FindNode extends Extra {
  kind: 'findnode'
  /** 64-byte public key whose node id (keccak256) is the lookup target. */
  target: Uint8Array
  expiration: number
}

/** NEIGHBORS (0x04): `[nodes, expiration, ...]`. */
export interface Neighbors extends Extra {
  kind: 'neighbors'
  nodes: NeighborNode[]
  expiration: number
}

/** ENRREQUEST (0x05): `[expiration, ...]`. EIP-868. */
export interface EnrRequest extends Extra {
  kind: 'enrrequest'
  expiration: number
}

/** ENRRESPONSE (0x06): `[request-hash, ENR, ...]`. EIP-868. */
export interface EnrResponse extends Extra {
  kind: 'enrresponse'
  /** Hash of the ENRREQUEST being answered (32 bytes). */
  replyToken: Uint8Array
  /** The node record as raw RLP (at most {@link MAX_ENR_SIZE} bytes); not yet signature-checked. */
  record: Uint8Array
}

/** Any discv4 packet body. */
export type Packet = Ping | Pong | FindNode | Neighbors | EnrRequest | EnrResponse

/** Expiration for a packet we send at `now` (seconds since the epoch). */
export function expirationFrom(now: number): number {
  return Math.floor(now) + EXPIRATION_SECONDS
}

/**
 * True if the packet's expiration lies in the past at `now` (seconds since the epoch).
 * Same rule as go-ethereum's `expired` (timestamp strictly before now). ENRRESPONSE has no
 * expiration and never expires.
 */
export function isExpired(packet: Packet, now: number): boolean {
  if (packet.kind === 'enrresponse') return false
  return packet.expiration < now
}

/** Extra list elements to append, if any. */
export function restOf(p: Packet): readonly RlpInput[] {
  return (p.rest ?? []) as readonly RlpInput[]
}

/**
 * Node Discovery v4 packet encoding and decoding: `hash || signature || packet-type || packet-data`.
 * Spec: devp2p discv4.md "Wire Protocol"; EIP-8 "Node Discovery" (extra list elements and trailing
 * data ignored); EIP-868 (enr-seq, ENRREQUEST/ENRRESPONSE). Vectors: test/vectors/discv4-packets.json.
 * No I/O: see ../service.ts for the socket.
 * @module
 */
import { keccak256, recoverPublicKey, signRecoverable } from '../../crypto/index.js'
import {
  asBigint,
  asBytes,
  asFixed,
  asInt,
  asList,
  decodePrefix,
  encode,
  RlpError,
  type RlpInput,
  type RlpItem,
} from '../../rlp/index.js'
import { bytesToBigint, equalBytes } from '../../util/bytes.js'
import { formatIp, parseIp, unmapIPv4 } from '../../util/ip.js'
import { err, ok, type Result } from '../../util/result.js'
import { readBody, writeUnsigned } from './fast.js'
import {
  type Endpoint,
  HASH_SIZE,
  HEADER_SIZE,
  isExpired,
  kindOfType,
  MAX_ENR_SIZE,
  MAX_NEIGHBORS,
  MAX_PACKET_SIZE,
  MIN_PACKET_SIZE,
  type NeighborNode,
  PACKET_TYPE,
  type Packet,
  PUBLIC_KEY_SIZE,
  restOf,
  SIGNATURE_SIZE,
} from './packets.js'

/** Why a datagram was not accepted as a discv4 packet (or why we refused to encode one). */
export type WireErrorCode =
  /** Shorter than the header plus one byte of body. */
  | 'TOO_SHORT'
  /** Over {@link MAX_PACKET_SIZE} bytes (or, when encoding, a NEIGHBORS over {@link MAX_NEIGHBORS} nodes). */
  | 'TOO_LARGE'
  /** The leading hash is not keccak256 of the rest: not a discv4 packet (hand it to discv5). */
  | 'BAD_HASH'
  /** The signature does not recover a public key. */
  | 'BAD_SIGNATURE'
  /** A packet-type byte outside 0x01..0x06. */
  | 'UNKNOWN_TYPE'
  /** packet-data is not canonical RLP. */
  | 'BAD_RLP'
  /** packet-data is RLP of the wrong shape, or a field is out of range. */
  | 'BAD_FIELD'
  /** The expiration lies in the past (only checked when the caller passes `now`). */
  | 'EXPIRED'

/** A typed discv4 wire error; branch on {@link WireError.code}. */
export class WireError extends Error {
  override name = 'WireError'
  constructor(
    readonly code: WireErrorCode,
    detail = '',
  ) {
    super(detail ? `${code}: ${detail}` : code)
  }
}

/** A verified packet with its sender. */
export interface DecodedPacket {
  packet: Packet
  /** The sender's 64-byte public key, recovered from the signature. */
  fromKey: Uint8Array
  /** keccak256(fromKey): the sender's node id. */
  fromId: Uint8Array
  /** The packet hash (first 32 bytes): the reply token a PONG or ENRRESPONSE must echo. */
  hash: Uint8Array
}

/**
 * Cheap test for the shared UDP port: true when the datagram is long enough and its first 32 bytes
 * are keccak256 of the rest. discv5 packets (masked headers) fail it; go-ethereum uses the same
 * shape test to route unhandled packets between v4 and v5.
 */
export function isDiscv4Shaped(data: Uint8Array): boolean {
  if (data.length < MIN_PACKET_SIZE || data.length > MAX_PACKET_SIZE) return false
  return equalBytes(keccak256(data.subarray(HASH_SIZE)), data.subarray(0, HASH_SIZE))
}

/** Options of {@link decodePacket}. */
export interface DecodeOptions {
  /**
   * The caller already checked that the datagram {@link isDiscv4Shaped} (as a socket shared with
   * discv5 must): the hash is not computed a second time.
   */
  hashChecked?: boolean
}

/**
 * Decode and authenticate one datagram. Checks, cheapest first: size, hash, packet type, RLP shape,
 * expiration (only if `now`, in seconds since the epoch, is given), then the signature.
 * Never throws on bad input.
 */
export function decodePacket(
  data: Uint8Array,
  now?: number,
  options: DecodeOptions = {},
): Result<DecodedPacket, WireError> {
  if (data.length < MIN_PACKET_SIZE) return err(new WireError('TOO_SHORT', `${data.length} bytes`))
  if (data.length > MAX_PACKET_SIZE) return err(new WireError('TOO_LARGE', `${data.length} bytes`))
  const hash = data.slice(0, HASH_SIZE)
  if (!options.hashChecked && !equalBytes(keccak256(data.subarray(HASH_SIZE)), hash))
    return err(new WireError('BAD_HASH'))
  const type = data[HEADER_SIZE - 1] as number
  const kind = kindOfType(type)
  if (kind === undefined) return err(new WireError('UNKNOWN_TYPE', `0x${type.toString(16)}`))
  let packet: Packet
  try {
    packet = readBody(kind, data, HEADER_SIZE) ?? decodeBody(kind, data.subarray(HEADER_SIZE))
  } catch (e) {
    if (e instanceof WireError) return err(e)
    if (e instanceof RlpError) {
      const shape = e.code === 'EXPECTED_LIST' || e.code === 'EXPECTED_BYTES' || e.code === 'BAD_VALUE'
      return err(new WireError(shape ? 'BAD_FIELD' : 'BAD_RLP', `${kind}: ${e.message}`))
    }
    throw e
  }
  if (now !== undefined && isExpired(packet, now)) return err(new WireError('EXPIRED', kind))
  let pub: Uint8Array
  try {
    pub = recoverPublicKey(
      keccak256(data.subarray(HASH_SIZE + SIGNATURE_SIZE)),
      data.subarray(HASH_SIZE, HEADER_SIZE - 1),
    )
  } catch {
    return err(new WireError('BAD_SIGNATURE'))
  }
  const fromKey = pub.subarray(1)
  return ok({ packet, fromKey, fromId: keccak256(fromKey), hash })
}

/**
 * Encode and sign a packet. Throws {@link WireError} (TOO_LARGE, BAD_FIELD) if the packet cannot be
 * sent as given: over {@link MAX_PACKET_SIZE}, over {@link MAX_NEIGHBORS} nodes, bad key or IP.
 */
export function encodePacket(privateKey: Uint8Array, packet: Packet): { bytes: Uint8Array; hash: Uint8Array } {
  if (packet.kind === 'neighbors' && packet.nodes.length > MAX_NEIGHBORS)
    throw new WireError('TOO_LARGE', `${packet.nodes.length} nodes in one NEIGHBORS, at most ${MAX_NEIGHBORS}`)
  const type = PACKET_TYPE[packet.kind]
  const unsigned = writeUnsigned(packet, type)
  const out = unsigned ? signInPlace(privateKey, unsigned) : signPacket(privateKey, type, encode(bodyOf(packet)))
  if (out.bytes.length > MAX_PACKET_SIZE)
    throw new WireError('TOO_LARGE', `${packet.kind} of ${out.bytes.length} bytes, at most ${MAX_PACKET_SIZE}`)
  return out
}

/**
 * NEIGHBORS answer for `nodes`, split at {@link MAX_NEIGHBORS} per packet. An empty list still
 * yields one (empty) packet so the requester need not wait for its timeout, as go-ethereum does.
 */
export function encodeNeighbors(
  privateKey: Uint8Array,
  nodes: readonly NeighborNode[],
  expiration: number,
): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let i = 0; i < nodes.length || i === 0; i += MAX_NEIGHBORS) {
    const chunk = nodes.slice(i, i + MAX_NEIGHBORS)
    out.push(encodePacket(privateKey, { kind: 'neighbors', nodes: chunk, expiration }).bytes)
  }
  return out
}

/**
 * Frame and sign an arbitrary body under `type`, without validating either: for conformance tests
 * and tools that craft invalid packets. Services use {@link encodePacket}.
 */
export function signPacket(
  privateKey: Uint8Array,
  type: number,
  body: Uint8Array,
): { bytes: Uint8Array; hash: Uint8Array } {
  const bytes = new Uint8Array(HEADER_SIZE + body.length)
  bytes[HEADER_SIZE - 1] = type
  bytes.set(body, HEADER_SIZE)
  return signInPlace(privateKey, bytes)
}

/** Fill in the signature and hash of `bytes`, whose packet type and body are already written. */
function signInPlace(privateKey: Uint8Array, bytes: Uint8Array): { bytes: Uint8Array; hash: Uint8Array } {
  bytes.set(signRecoverable(keccak256(bytes.subarray(HEADER_SIZE - 1)), privateKey), HASH_SIZE)
  const hash = keccak256(bytes.subarray(HASH_SIZE))
  bytes.set(hash, 0)
  return { bytes, hash }
}

// ---------- bodies ----------

const EMPTY = new Uint8Array(0)

function ipBytes(ip: string | undefined, what: string): Uint8Array {
  if (ip === undefined) return EMPTY
  const b = parseIp(ip)
  if (!b) throw new WireError('BAD_FIELD', `${what}: not an IP address: ${ip}`)
  return unmapIPv4(b)
}

function port(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new WireError('BAD_FIELD', `${what}: bad port ${n}`)
  return n
}

function fixed(b: Uint8Array, len: number, what: string): Uint8Array {
  if (b.length !== len) throw new WireError('BAD_FIELD', `${what} must be ${len} bytes, got ${b.length}`)
  return b
}

function endpointInput(e: Endpoint, what: string): RlpInput {
  return [ipBytes(e.ip, what), port(e.udp, what), port(e.tcp, what)]
}

function bodyOf(p: Packet): RlpInput {
  const rest = restOf(p)
  switch (p.kind) {
    case 'ping': {
      const seq = p.enrSeq === undefined ? [] : [p.enrSeq]
      const fields = [p.version, endpointInput(p.from, 'from'), endpointInput(p.to, 'to'), p.expiration]
      return [...fields, ...seq, ...rest]
    }
    case 'pong': {
      const seq = p.enrSeq === undefined ? [] : [p.enrSeq]
      return [endpointInput(p.to, 'to'), fixed(p.replyToken, HASH_SIZE, 'reply token'), p.expiration, ...seq, ...rest]
    }
    case 'findnode':
      return [fixed(p.target, PUBLIC_KEY_SIZE, 'target'), p.expiration, ...rest]
    case 'neighbors': {
      const nodes = p.nodes.map((n): RlpInput => {
        const ip = ipBytes(n.ip, 'node')
        if (ip.length === 0) throw new WireError('BAD_FIELD', 'node without IP')
        return [ip, port(n.udp, 'node'), port(n.tcp, 'node'), fixed(n.publicKey, PUBLIC_KEY_SIZE, 'node key')]
      })
      return [nodes, p.expiration, ...rest]
    }
    case 'enrrequest':
      return [p.expiration, ...rest]
    case 'enrresponse':
      if (p.record.length > MAX_ENR_SIZE) throw new WireError('BAD_FIELD', `record over ${MAX_ENR_SIZE} bytes`)
      return [fixed(p.replyToken, HASH_SIZE, 'reply token'), rawItem(p.record), ...rest]
  }
}

/** An already-encoded RLP item, decoded so the encoder can embed it unchanged (canonical in, same bytes out). */
function rawItem(encoded: Uint8Array): RlpItem {
  try {
    const { item, rest } = decodePrefix(encoded)
    if (rest.length === 0 && Array.isArray(item)) return item
  } catch {
    // fall through
  }
  throw new WireError('BAD_FIELD', 'record is not one RLP list')
}

function ipText(b: Uint8Array): string | undefined {
  return b.length === 4 || b.length === 16 ? formatIp(unmapIPv4(b)) : undefined
}

function endpointOf(item: RlpItem | undefined, what: string): Endpoint {
  const l = asList(item, what, 3)
  return {
    ip: ipText(asBytes(l[0], `${what} ip`)),
    udp: asInt(l[1], `${what} udp`, 2),
    tcp: asInt(l[2], `${what} tcp`, 2),
  }
}

/**
 * Expiration: a uint64 on the wire, read as go-ethereum reads it (`time.Unix(int64(ts), 0)`), so
 * values of 2^63 and above are negative, i.e. long past. go-ethereum's own conformance test
 * (cmd/devp2p v4test "PastExpiration") sends `-futureExpiration()` wrapped to uint64 and expects
 * silence. Magnitudes past 2^53 lose precision, which only matters for times far from now.
 */
function u64(item: RlpItem | undefined, what: string): number {
  return Number(BigInt.asIntN(64, asBigint(item, what, 8)))
}

/** EIP-868 enr-seq when the element at `i` is a canonical uint64; otherwise it is left to `rest` (EIP-8). */
function optionalSeq(l: RlpItem[], i: number): bigint | undefined {
  const b = l[i]
  if (!(b instanceof Uint8Array) || b.length > 8 || (b.length > 0 && b[0] === 0)) return undefined
  return bytesToBigint(b)
}

function decodeBody(kind: Packet['kind'], body: Uint8Array): Packet {
  const { item } = decodePrefix(body) // EIP-8: data after the list is ignored
  switch (kind) {
    case 'ping': {
      const l = asList(item, 'ping', 4)
      const v = asBytes(l[0], 'version')
      if (v.length > 8) throw new WireError('BAD_FIELD', 'version over 8 bytes')
      const enrSeq = optionalSeq(l, 4)
      const p: Packet = {
        kind,
        version: Number(bytesToBigint(v)),
        from: endpointOf(l[1], 'from'),
        to: endpointOf(l[2], 'to'),
        expiration: u64(l[3], 'expiration'),
        rest: l.slice(enrSeq === undefined ? 4 : 5),
      }
      if (enrSeq !== undefined) p.enrSeq = enrSeq
      return p
    }
    case 'pong': {
      const l = asList(item, 'pong', 3)
      const enrSeq = optionalSeq(l, 3)
      const p: Packet = {
        kind,
        to: endpointOf(l[0], 'to'),
        replyToken: asFixed(l[1], HASH_SIZE, 'ping hash').slice(),
        expiration: u64(l[2], 'expiration'),
        rest: l.slice(enrSeq === undefined ? 3 : 4),
      }
      if (enrSeq !== undefined) p.enrSeq = enrSeq
      return p
    }
    case 'findnode': {
      const l = asList(item, 'findnode', 2)
      const target = asFixed(l[0], PUBLIC_KEY_SIZE, 'target').slice()
      return { kind, target, expiration: u64(l[1], 'expiration'), rest: l.slice(2) }
    }
    case 'neighbors': {
      const l = asList(item, 'neighbors', 2)
      const nodes: NeighborNode[] = []
      for (const n of asList(l[0], 'nodes')) {
        const f = asList(n, 'node', 4)
        const ip = ipText(asBytes(f[0], 'node ip'))
        const udp = asInt(f[1], 'node udp', 2)
        const tcp = asInt(f[2], 'node tcp', 2)
        const publicKey = asFixed(f[3], PUBLIC_KEY_SIZE, 'node id').slice()
        // A node without a usable IP is skipped, not fatal (go-ethereum drops it in nodeFromRPC).
        if (ip !== undefined) nodes.push({ ip, udp, tcp, publicKey })
      }
      return { kind, nodes, expiration: u64(l[1], 'expiration'), rest: l.slice(2) }
    }
    case 'enrrequest': {
      const l = asList(item, 'enrrequest', 1)
      return { kind, expiration: u64(l[0], 'expiration'), rest: l.slice(1) }
    }
    case 'enrresponse': {
      const l = asList(item, 'enrresponse', 2)
      const replyToken = asFixed(l[0], HASH_SIZE, 'request hash').slice()
      const rec = asList(l[1], 'record')
      const record = encode(rec)
      if (record.length > MAX_ENR_SIZE) throw new WireError('BAD_FIELD', `record of ${record.length} bytes`)
      return { kind, replyToken, record, rest: l.slice(2) }
    }
  }
}

/** @internal The general body encoder and decoder, which ./fast.ts must agree with (for its tests). */
export const generalCodec = { bodyOf, decodeBody }

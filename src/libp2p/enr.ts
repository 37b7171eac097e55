/**
 * ENR ↔ libp2p: the peer id and TCP multiaddrs a record advertises, our own record advertising
 * the libp2p port, and the consensus-layer entries (`eth2`, `attnets`, `syncnets`) with filters
 * over them. consensus-specs phase0 p2p-interface.md "ENR structure".
 * @module
 */
import './polyfill.js'
import type { PeerId } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { KeyError } from '../crypto/index.js'
import { Enr, type EnrFields } from '../enr/index.js'
import { equalBytes } from '../util/bytes.js'
import { isLan, parseIp, unmapIPv4 } from '../util/ip.js'
import { err, ok, type Result } from '../util/result.js'
import { peerIdFromSecp256k1 } from './keys.js'

/** ENR key of the fork id. consensus-specs phase0 "eth2 field". */
export const ETH2_ENR_KEY = 'eth2'
/** ENR key of the attestation subnet bitfield. consensus-specs phase0 "Attestation subnet bitfield". */
export const ATTNETS_ENR_KEY = 'attnets'
/** ENR key of the sync committee subnet bitfield. consensus-specs altair "Sync committee subnet bitfield". */
export const SYNCNETS_ENR_KEY = 'syncnets'
/** SSZ size of ENRForkID: fork_digest (4) + next_fork_version (4) + next_fork_epoch (8). */
export const ENR_FORK_ID_SIZE = 16
/** SSZ size of `attnets` (Bitvector[ATTESTATION_SUBNET_COUNT = 64]). */
export const ATTNETS_SIZE = 8
/** SSZ size of `syncnets` (Bitvector[SYNC_COMMITTEE_SUBNET_COUNT = 4]). */
export const SYNCNETS_SIZE = 1

/** The decoded `eth2` entry. */
export interface EnrForkId {
  forkDigest: Uint8Array
  nextForkVersion: Uint8Array
  nextForkEpoch: bigint
}

/** Encode an ENRForkID as SSZ (fixed 16 bytes, little-endian epoch). */
export function encodeEnrForkId(f: EnrForkId): Uint8Array {
  if (f.forkDigest.length !== 4 || f.nextForkVersion.length !== 4)
    throw new RangeError('fork digest and version are 4 bytes')
  const out = new Uint8Array(ENR_FORK_ID_SIZE)
  out.set(f.forkDigest, 0)
  out.set(f.nextForkVersion, 4)
  new DataView(out.buffer).setBigUint64(8, BigInt.asUintN(64, f.nextForkEpoch), true)
  return out
}

/** Decode a record's `eth2` entry, or undefined when absent or not 16 bytes. */
export function enrForkId(enr: Enr): EnrForkId | undefined {
  const v = enr.get(ETH2_ENR_KEY)
  if (!v || v.length !== ENR_FORK_ID_SIZE) return undefined
  const view = new DataView(v.buffer, v.byteOffset, v.byteLength)
  return { forkDigest: v.slice(0, 4), nextForkVersion: v.slice(4, 8), nextForkEpoch: view.getBigUint64(8, true) }
}

/** Why a record cannot be dialed over libp2p. */
export type EnrDialError = 'NO_KEY' | 'BAD_KEY' | 'NO_TCP' | 'BAD_ADDRESS'

/** True for addresses nobody can be reached at: unspecified, multicast, broadcast, IPv4-reserved 240/4. */
export function isUndialableIp(bytes: Uint8Array): boolean {
  const b = unmapIPv4(bytes)
  if (b.length === 4) {
    const a = b[0] as number
    return a === 0 || a >= 224 // 0/8, 224/4 multicast, 240/4 reserved and 255.255.255.255
  }
  if (b.length !== 16) return true
  if (b.every((x) => x === 0)) return true // ::
  return b[0] === 0xff // ff00::/8 multicast
}

/** Options of {@link enrToPeerInfo}. */
export interface EnrAddressOptions {
  /** Accept loopback and private (LAN) addresses. Default true (devnets, tests). */
  allowPrivate?: boolean
  /** Private test for an address; {@link isLan} by default. */
  isPrivate?: (ip: Uint8Array) => boolean
}

/** What a record gives a libp2p dialer. */
export interface EnrPeerInfo {
  peerId: PeerId
  /** `/ip4/<ip>/tcp/<port>` and `/ip6/<ip6>/tcp/<tcp6>` (tcp6 falls back to tcp), usable ones only. */
  multiaddrs: Multiaddr[]
}

function addr(
  proto: 'ip4' | 'ip6',
  ip: string | undefined,
  port: number | undefined,
  o: EnrAddressOptions,
): Multiaddr | undefined {
  if (ip === undefined || port === undefined || port === 0) return undefined
  const bytes = parseIp(ip)
  if (!bytes || isUndialableIp(bytes)) return undefined
  if (o.allowPrivate === false && (o.isPrivate ?? isLan)(bytes)) return undefined
  return multiaddr(`/${proto}/${ip}/tcp/${port}`)
}

/**
 * The peer id and TCP multiaddrs of a record. Records without a secp256k1 key or without a
 * usable TCP address (port 0, unspecified/multicast/broadcast IPs) are refused.
 */
export function enrToPeerInfo(enr: Enr, opts: EnrAddressOptions = {}): Result<EnrPeerInfo, EnrDialError> {
  const key = enr.get('secp256k1')
  if (!key) return err('NO_KEY')
  let peerId: PeerId
  try {
    peerId = peerIdFromSecp256k1(key)
  } catch (e) {
    if (e instanceof KeyError) return err('BAD_KEY')
    throw e
  }
  if (enr.tcp === undefined && enr.tcp6 === undefined) return err('NO_TCP')
  const multiaddrs: Multiaddr[] = []
  const v4 = addr('ip4', enr.ip, enr.tcp, opts)
  if (v4) multiaddrs.push(v4)
  const v6 = addr('ip6', enr.ip6, enr.tcp6 ?? enr.tcp, opts)
  if (v6) multiaddrs.push(v6)
  if (multiaddrs.length === 0) return err('BAD_ADDRESS')
  return ok({ peerId, multiaddrs })
}

/** The peer id of a record, or undefined without a valid secp256k1 key. */
export function enrPeerId(enr: Enr): PeerId | undefined {
  const r = enrToPeerInfo(enr)
  if (r.ok) return r.value.peerId
  const key = enr.get('secp256k1')
  if (!key) return undefined
  try {
    return peerIdFromSecp256k1(key)
  } catch (e) {
    if (e instanceof KeyError) return undefined
    throw e
  }
}

/** A test over discovered records: which ones the dialer should try. */
export type EnrFilter = (enr: Enr) => boolean

/** Records with a TCP port and a usable address for it. */
export const hasTcp: EnrFilter = (enr) => enrToPeerInfo(enr).ok

/** Records whose `eth2` entry carries `forkDigest` (4 bytes). */
export function sameForkDigest(forkDigest: Uint8Array): EnrFilter {
  if (forkDigest.length !== 4) throw new RangeError('a fork digest is 4 bytes')
  return (enr) => {
    const f = enrForkId(enr)
    return f !== undefined && equalBytes(f.forkDigest, forkDigest)
  }
}

/** All of `filters`. */
export function allOf(...filters: EnrFilter[]): EnrFilter {
  return (enr) => filters.every((f) => f(enr))
}

/** The default Eth2 filter: same fork digest and dialable over TCP. */
export function eth2Filter(forkDigest: Uint8Array): EnrFilter {
  return allOf(sameForkDigest(forkDigest), hasTcp)
}

/** What our own record carries besides the key. */
export interface LocalEnrOptions {
  /** IPv4 address to advertise (an unspecified listen address is not advertised). */
  ip?: string
  ip6?: string
  /** The libp2p TCP port. */
  tcp?: number
  tcp6?: number
  /** The discv5 UDP port. */
  udp?: number
  udp6?: number
  /** Custom entries, e.g. `{ eth2: encodeEnrForkId(...), attnets: new Uint8Array(8) }`. */
  extra?: Record<string, Uint8Array>
  seq?: bigint | number
}

/** Create our record: key, addresses, the libp2p TCP port and the custom entries. */
export function createLocalEnr(secret: Uint8Array, o: LocalEnrOptions): Enr {
  const fields: EnrFields = {}
  const set = <K extends keyof EnrFields>(k: K, v: EnrFields[K] | undefined) => {
    if (v !== undefined) fields[k] = v
  }
  if (o.ip !== undefined && o.ip !== '0.0.0.0') set('ip', o.ip)
  if (o.ip6 !== undefined && o.ip6 !== '::') set('ip6', o.ip6)
  set('tcp', o.tcp)
  set('tcp6', o.tcp6)
  set('udp', o.udp)
  set('udp6', o.udp6)
  set('seq', o.seq)
  if (o.extra) fields.extra = { ...o.extra }
  return Enr.create(secret, fields)
}

/** Parsing the node lists a node is given (bootnodes, static, trusted): `enr:` text or enode URLs. */
import { decompressPublicKey } from '../crypto/secp256k1.js'
import { parseEnode } from '../enr/enode.js'
import { EnrError } from '../enr/errors.js'
import { Enr } from '../enr/record.js'
import type { DialCandidate } from '../server/server.js'

/** A node given by the user: always an id, key and endpoint; the record when given as ENR. */
export interface NodeRef {
  nodeId: Uint8Array
  /** 64-byte public key. */
  publicKey: Uint8Array
  ip?: string
  hostname?: string
  tcp: number
  udp: number
  enr?: Enr
}

/** Parse one `enr:...` or `enode://...` string. Throws {@link EnrError}. */
export function parseNodeRef(text: string): NodeRef {
  const t = text.trim()
  if (t.startsWith('enr:')) return nodeRefOf(Enr.decodeText(t))
  if (t.startsWith('enode://')) {
    const e = parseEnode(t)
    return {
      nodeId: e.nodeId,
      publicKey: e.publicKey,
      ...(e.ip !== undefined ? { ip: e.ip } : {}),
      ...(e.hostname !== undefined ? { hostname: e.hostname } : {}),
      tcp: e.tcp,
      udp: e.udp,
    }
  }
  throw new EnrError('BAD_ENODE', `expected enr:... or enode://..., got '${t.slice(0, 20)}'`)
}

/** A verified record as a node ref (its IPv4 endpoint, else IPv6). */
export function nodeRefOf(enr: Enr): NodeRef {
  const v4 = enr.ip !== undefined
  const ip = v4 ? enr.ip : enr.ip6
  const udp = (v4 ? enr.udp : (enr.udp6 ?? enr.udp)) ?? 0
  const tcp = (v4 ? enr.tcp : (enr.tcp6 ?? enr.tcp)) ?? 0
  return {
    nodeId: enr.nodeId,
    publicKey: decompressPublicKey(enr.publicKey),
    ...(ip !== undefined ? { ip } : {}),
    tcp,
    udp,
    enr,
  }
}

/** Parse a comma-separated list (empty entries ignored). */
export function parseNodeList(text: string | readonly string[] | undefined): NodeRef[] {
  if (text === undefined) return []
  const items = typeof text === 'string' ? text.split(',') : text
  return items
    .map((s) => s.trim())
    .filter(Boolean)
    .map(parseNodeRef)
}

/** A node ref as a dial candidate (needs a TCP endpoint). */
export function toDialCandidate(n: NodeRef): DialCandidate {
  return {
    nodeId: n.nodeId,
    publicKey: n.publicKey,
    tcp: n.tcp,
    ...(n.ip !== undefined ? { ip: n.ip } : {}),
    ...(n.hostname !== undefined ? { hostname: n.hostname } : {}),
    ...(n.enr ? { enr: n.enr } : {}),
  }
}

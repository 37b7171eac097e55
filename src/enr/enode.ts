/**
 * enode URLs: `enode://<128 hex public key>@<host>:<tcp>?discport=<udp>`. Host names are kept as
 * text and resolved when dialing, not here.
 */
import { nodeIdFromPublicKey } from '../crypto/nodeid.js'
import { decompressPublicKey, KeyError } from '../crypto/secp256k1.js'
import { fromHex, toHex } from '../util/bytes.js'
import { formatIp, parseIPv4, parseIPv6 } from '../util/ip.js'
import { EnrError } from './errors.js'
import type { Enr } from './record.js'

/** A parsed enode URL. */
export interface EnodeUrl {
  /** 64-byte uncompressed public key (X || Y). */
  publicKey: Uint8Array
  /** keccak256 of the public key. */
  nodeId: Uint8Array
  /** Literal IP address (canonical text), when the host is one. */
  ip?: string
  /** DNS name, when the host is not an IP address. */
  hostname?: string
  /** TCP (RLPx) port; 0 for an incomplete URL without host. */
  tcp: number
  /** UDP (discovery) port; equals `tcp` unless `?discport=` says otherwise. */
  udp: number
}

/** Longest sane enode URL (key, a 253-character host name, ports, query). */
const MAX_ENODE_LENGTH = 512

function port(text: string, what: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new EnrError('BAD_ENODE', `invalid ${what}`)
  return Number(text)
}

/** DNS name check by labels (one trailing dot allowed), linear in the input. */
function isHostname(host: string): boolean {
  if (host.length === 0 || host.length > 253) return false
  const labels = (host.endsWith('.') ? host.slice(0, -1) : host).split('.')
  return labels.every((l) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l))
}

/** Parse an enode URL. Throws {@link EnrError} with code BAD_ENODE. */
export function parseEnode(url: string): EnodeUrl {
  if (url.length > MAX_ENODE_LENGTH) throw new EnrError('BAD_ENODE', 'URL too long')
  if (!url.startsWith('enode://')) throw new EnrError('BAD_ENODE', "missing 'enode://' scheme")
  const rest = url.slice('enode://'.length)
  const at = rest.indexOf('@')
  const keyHex = at < 0 ? rest : rest.slice(0, at)
  if (!/^[0-9a-fA-F]{128}$/.test(keyHex))
    throw new EnrError('BAD_ENODE', 'invalid public key (wrong length, want 128 hex chars)')
  let publicKey: Uint8Array
  try {
    publicKey = decompressPublicKey(fromHex(keyHex))
  } catch (e) {
    if (e instanceof KeyError) throw new EnrError('BAD_ENODE', 'invalid public key (not on secp256k1)')
    throw e
  }
  const nodeId = nodeIdFromPublicKey(publicKey)
  // An id-only URL is allowed (go-ethereum: "incomplete" node, no endpoint).
  if (at < 0) return { publicKey, nodeId, tcp: 0, udp: 0 }

  let hostPort = rest.slice(at + 1)
  let query = ''
  const q = hostPort.indexOf('?')
  if (q >= 0) {
    query = hostPort.slice(q + 1)
    hostPort = hostPort.slice(0, q)
  }
  let host: string
  let portText: string
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']')
    if (close < 0 || hostPort[close + 1] !== ':') throw new EnrError('BAD_ENODE', 'invalid host: unclosed [ or no port')
    host = hostPort.slice(1, close)
    portText = hostPort.slice(close + 2)
  } else {
    const colon = hostPort.lastIndexOf(':')
    if (colon < 0) throw new EnrError('BAD_ENODE', 'missing port')
    host = hostPort.slice(0, colon)
    portText = hostPort.slice(colon + 1)
  }
  const tcp = port(portText, 'port')
  let udp = tcp
  if (query) {
    for (const part of query.split('&')) {
      const [k, v = ''] = part.split('=')
      if (k === 'discport') udp = port(v, 'discport in query')
    }
  }
  const v4 = parseIPv4(host)
  const v6 = v4 ? undefined : parseIPv6(host)
  if (v4 || v6) return { publicKey, nodeId, ip: formatIp((v4 ?? v6) as Uint8Array), tcp, udp }
  if (!isHostname(host)) throw new EnrError('BAD_ENODE', `invalid host '${host}'`)
  return { publicKey, nodeId, hostname: host, tcp, udp }
}

/** Format an enode URL; `?discport=` only when the UDP port differs from TCP. */
export function formatEnode(e: {
  publicKey: Uint8Array
  ip?: string
  hostname?: string
  tcp: number
  udp?: number
}): string {
  const key = toHex(e.publicKey.length === 64 ? e.publicKey : decompressPublicKey(e.publicKey))
  const host = e.ip ?? e.hostname
  if (host === undefined) return `enode://${key}`
  const h = host.includes(':') ? `[${host}]` : host
  const udp = e.udp ?? e.tcp
  return `enode://${key}@${h}:${e.tcp}${udp !== e.tcp ? `?discport=${udp}` : ''}`
}

/**
 * The enode URL of a record: its IPv4 endpoint if present, else IPv6. TCP falls back to UDP (and
 * UDP to TCP) when only one is present, as go-ethereum does.
 */
export function enrToEnode(enr: Enr): string {
  const v4 = enr.ip !== undefined
  const ip = v4 ? enr.ip : enr.ip6
  const tcp = (v4 ? enr.tcp : (enr.tcp6 ?? enr.tcp)) ?? 0
  const udp = (v4 ? enr.udp : (enr.udp6 ?? enr.udp)) ?? tcp
  return formatEnode({ publicKey: enr.publicKey, ...(ip !== undefined ? { ip } : {}), tcp: tcp || udp, udp })
}

/**
 * Allocation-light paths of the discv4 codec for the packets a node sends and receives all the
 * time: they write a packet straight into its one output buffer, and read fields straight out of
 * the datagram, with no intermediate RLP trees, nested arrays or per-field views. Each path only
 * recognises the plain shape of a packet (canonical RLP, no EIP-8 extra elements, IPv4 text,
 * integers that fit a double exactly) and returns undefined for anything else; the caller then
 * runs the general codec, so results and errors are the general codec's by construction
 * (test/unit/discv4/fast.test.ts compares both on every kind and on malformed input).
 * @module
 */
import { formatIp, unmapIPv4 } from '../../util/ip.js'
import { type Endpoint, HEADER_SIZE, type NeighborNode, type Packet, PUBLIC_KEY_SIZE } from './packets.js'

// ---------- IPv4 text ----------

/**
 * Write canonical dotted IPv4 text (what `parseIPv4` accepts: four decimal octets, no leading
 * zeros) as 4 bytes at `out[pos]`; false, writing nothing past `pos + 3`, for any other text.
 * `out` may be undefined to only check.
 */
export function writeIPv4(text: string, out: Uint8Array | undefined, pos: number): boolean {
  let part = 0
  let value = 0
  let digits = 0
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e
    if (c === 0x2e) {
      if (digits === 0 || part > 3) return false
      if (out) out[pos + part] = value
      part++
      value = 0
      digits = 0
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && value === 0) return false // leading zero
      value = value * 10 + (c - 0x30)
      if (++digits > 3 || value > 255) return false
    } else return false
  }
  return part === 4
}

/** IPv4 octets as dotted text, as `formatIp` writes them. */
function ipv4Text(d: Uint8Array, at: number): string {
  return `${d[at]}.${d[at + 1]}.${d[at + 2]}.${d[at + 3]}`
}

// ---------- encoding ----------

/** Bytes of the big-endian form of a positive integer. */
function byteLength(n: number): number {
  let len = 0
  for (let v = n; v > 0; v = Math.floor(v / 256)) len++
  return len
}

/** Encoded size of a non-negative integer item. */
function uintSize(n: number): number {
  return n < 0x80 ? 1 : 1 + byteLength(n)
}

/** Encoded size of a list with `payload` bytes of items. */
function listSize(payload: number): number {
  return payload + (payload < 56 ? 1 : 1 + byteLength(payload))
}

function writeUint(out: Uint8Array, pos: number, n: number): number {
  if (n === 0) {
    out[pos] = 0x80
    return pos + 1
  }
  if (n < 0x80) {
    out[pos] = n
    return pos + 1
  }
  return writeLength(out, pos, n, 0x80)
}

function writeListHeader(out: Uint8Array, pos: number, payload: number): number {
  if (payload < 56) {
    out[pos] = 0xc0 + payload
    return pos + 1
  }
  return writeLength(out, pos, payload, 0xf7)
}

/** `offset + byteLength(n)`, then n big-endian: a number's string, or a long list header's size. */
function writeLength(out: Uint8Array, pos: number, n: number, offset: number): number {
  const len = byteLength(n)
  out[pos] = offset + len
  let v = n
  for (let i = len; i >= 1; i--) {
    out[pos + i] = v % 256
    v = Math.floor(v / 256)
  }
  return pos + 1 + len
}

/** A 32- or 64-byte string: one header byte below 56 bytes, two above. */
function writeFixed(out: Uint8Array, pos: number, b: Uint8Array): number {
  let p = pos
  if (b.length < 56) out[p++] = 0x80 + b.length
  else {
    out[p++] = 0xb8
    out[p++] = b.length
  }
  out.set(b, p)
  return p + b.length
}

const fixedSize = (len: number) => len + (len < 56 ? 1 : 2)

const isPort = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffff
const isUint = (n: number) => Number.isSafeInteger(n) && n >= 0

/** An IP item: 4 bytes for IPv4 text, empty for none; -1 when the general codec must handle it. */
function ipSize(ip: string | undefined): number {
  if (ip === undefined) return 1
  return writeIPv4(ip, undefined, 0) ? 5 : -1
}

function writeIp(out: Uint8Array, pos: number, ip: string | undefined): number {
  if (ip === undefined) {
    out[pos] = 0x80
    return pos + 1
  }
  out[pos] = 0x84
  writeIPv4(ip, out, pos + 1)
  return pos + 5
}

/** Payload size of an endpoint list, or -1. */
function endpointPayload(e: Endpoint): number {
  const ip = ipSize(e.ip)
  if (ip < 0 || !isPort(e.udp) || !isPort(e.tcp)) return -1
  return ip + uintSize(e.udp) + uintSize(e.tcp)
}

function writeEndpoint(out: Uint8Array, pos: number, e: Endpoint, payload: number): number {
  let p = writeListHeader(out, pos, payload)
  p = writeIp(out, p, e.ip)
  p = writeUint(out, p, e.udp)
  return writeUint(out, p, e.tcp)
}

/** Payload size of one NEIGHBORS entry, or -1. */
function nodePayload(n: NeighborNode): number {
  if (!writeIPv4(n.ip, undefined, 0) || !isPort(n.udp) || !isPort(n.tcp) || n.publicKey.length !== PUBLIC_KEY_SIZE)
    return -1
  return 5 + uintSize(n.udp) + uintSize(n.tcp) + fixedSize(PUBLIC_KEY_SIZE)
}

/** enr-seq as a number when it is one that a double holds exactly; -1 for none; -2 when too large. */
function seqNumber(s: bigint | undefined): number {
  if (s === undefined) return -1
  return s <= BigInt(Number.MAX_SAFE_INTEGER) && s >= 0n ? Number(s) : -2
}

/**
 * The unsigned packet `[hash space][signature space][type][body]`, or undefined when `p` is not
 * of the plain shape (then the general encoder must run, and will throw if `p` is invalid).
 */
export function writeUnsigned(p: Packet, type: number): Uint8Array | undefined {
  if (p.rest !== undefined && p.rest.length > 0) return undefined
  switch (p.kind) {
    case 'ping': {
      const seq = seqNumber(p.enrSeq)
      const from = endpointPayload(p.from)
      const to = endpointPayload(p.to)
      if (seq === -2 || from < 0 || to < 0 || !isUint(p.version) || !isUint(p.expiration)) return undefined
      const payload =
        uintSize(p.version) + listSize(from) + listSize(to) + uintSize(p.expiration) + (seq >= 0 ? uintSize(seq) : 0)
      const out = new Uint8Array(HEADER_SIZE + listSize(payload))
      let pos = writeListHeader(out, HEADER_SIZE, payload)
      pos = writeUint(out, pos, p.version)
      pos = writeEndpoint(out, pos, p.from, from)
      pos = writeEndpoint(out, pos, p.to, to)
      pos = writeUint(out, pos, p.expiration)
      if (seq >= 0) writeUint(out, pos, seq)
      out[HEADER_SIZE - 1] = type
      return out
    }
    case 'pong': {
      const seq = seqNumber(p.enrSeq)
      const to = endpointPayload(p.to)
      if (seq === -2 || to < 0 || p.replyToken.length !== 32 || !isUint(p.expiration)) return undefined
      const payload = listSize(to) + fixedSize(32) + uintSize(p.expiration) + (seq >= 0 ? uintSize(seq) : 0)
      const out = new Uint8Array(HEADER_SIZE + listSize(payload))
      let pos = writeListHeader(out, HEADER_SIZE, payload)
      pos = writeEndpoint(out, pos, p.to, to)
      pos = writeFixed(out, pos, p.replyToken)
      pos = writeUint(out, pos, p.expiration)
      if (seq >= 0) writeUint(out, pos, seq)
      out[HEADER_SIZE - 1] = type
      return out
    }
    case 'findnode': {
      if (p.target.length !== PUBLIC_KEY_SIZE || !isUint(p.expiration)) return undefined
      const payload = fixedSize(PUBLIC_KEY_SIZE) + uintSize(p.expiration)
      const out = new Uint8Array(HEADER_SIZE + listSize(payload))
      let pos = writeListHeader(out, HEADER_SIZE, payload)
      pos = writeFixed(out, pos, p.target)
      writeUint(out, pos, p.expiration)
      out[HEADER_SIZE - 1] = type
      return out
    }
    case 'neighbors': {
      if (!isUint(p.expiration)) return undefined
      let nodes = 0
      for (const n of p.nodes) {
        const s = nodePayload(n)
        if (s < 0) return undefined
        nodes += listSize(s)
      }
      const payload = listSize(nodes) + uintSize(p.expiration)
      const out = new Uint8Array(HEADER_SIZE + listSize(payload))
      let pos = writeListHeader(out, HEADER_SIZE, payload)
      pos = writeListHeader(out, pos, nodes)
      for (const n of p.nodes) {
        pos = writeListHeader(out, pos, nodePayload(n))
        pos = writeIp(out, pos, n.ip)
        pos = writeUint(out, pos, n.udp)
        pos = writeUint(out, pos, n.tcp)
        pos = writeFixed(out, pos, n.publicKey)
      }
      writeUint(out, pos, p.expiration)
      out[HEADER_SIZE - 1] = type
      return out
    }
    case 'enrrequest': {
      if (!isUint(p.expiration)) return undefined
      const payload = uintSize(p.expiration)
      const out = new Uint8Array(HEADER_SIZE + listSize(payload))
      writeUint(out, writeListHeader(out, HEADER_SIZE, payload), p.expiration)
      out[HEADER_SIZE - 1] = type
      return out
    }
    case 'enrresponse':
      return undefined
  }
}

// ---------- decoding ----------

// The last header read (a parser over one datagram at a time, never re-entered).
let hStart = 0
let hEnd = 0
let hList = false

/**
 * Read the canonical RLP header at `pos` (within `limit`) into hStart/hEnd/hList; false for
 * anything the strict decoder would reject (then the general codec reports why).
 */
function header(d: Uint8Array, pos: number, limit: number): boolean {
  if (pos >= limit) return false
  const b = d[pos] as number
  if (b < 0x80) {
    hList = false
    hStart = pos
    hEnd = pos + 1
    return true
  }
  if (b < 0xb8 || (b >= 0xc0 && b < 0xf8)) {
    hList = b >= 0xc0
    hStart = pos + 1
    hEnd = hStart + (b - (hList ? 0xc0 : 0x80))
    if (hEnd > limit) return false
    return hList || hEnd - hStart !== 1 || (d[hStart] as number) >= 0x80
  }
  const lol = b - (b >= 0xf8 ? 0xf7 : 0xb7)
  if (lol > 2 || pos + 1 + lol > limit || d[pos + 1] === 0) return false
  let len = 0
  for (let i = 1; i <= lol; i++) len = len * 256 + (d[pos + i] as number)
  if (len < 56) return false
  hList = b >= 0xf8
  hStart = pos + 1 + lol
  hEnd = hStart + len
  return hEnd <= limit
}

/** A byte-string item at `pos`; its bounds are left in hStart/hEnd. */
const bytesAt = (d: Uint8Array, pos: number, limit: number) => header(d, pos, limit) && !hList

/** The canonical integer in hStart..hEnd (≤ `max` bytes, ≤ 6 for exactness), or -1. */
function uintValue(d: Uint8Array, max: number): number {
  const len = hEnd - hStart
  if (len > max || (len > 0 && d[hStart] === 0)) return -1
  let v = 0
  for (let i = hStart; i < hEnd; i++) v = v * 256 + (d[i] as number)
  return v
}

/** IP text of the item in hStart..hEnd, as the general codec reads it (undefined unless 4 or 16 bytes). */
function ipValue(d: Uint8Array): string | undefined {
  const len = hEnd - hStart
  if (len === 4) return ipv4Text(d, hStart)
  return len === 16 ? formatIp(unmapIPv4(d.subarray(hStart, hEnd))) : undefined
}

/** An endpoint list of exactly three items at `pos`, or undefined; the position after it is `hEnd`. */
function endpointAt(d: Uint8Array, pos: number, limit: number): Endpoint | undefined {
  if (!header(d, pos, limit) || !hList) return undefined
  const end = hEnd
  if (!bytesAt(d, hStart, end)) return undefined
  const ip = ipValue(d)
  if (!bytesAt(d, hEnd, end)) return undefined
  const udp = uintValue(d, 2)
  if (udp < 0 || !bytesAt(d, hEnd, end)) return undefined
  const tcp = uintValue(d, 2)
  if (tcp < 0 || hEnd !== end) return undefined
  return { ip, udp, tcp }
}

/** A uint64 item at `pos` no longer than 6 bytes (expirations, enr-seq), or -1. */
function smallUintAt(d: Uint8Array, pos: number, limit: number): number {
  return bytesAt(d, pos, limit) ? uintValue(d, 6) : -1
}

/**
 * Decode a plain packet body (the bytes after the header), or undefined: then the general
 * decoder decides, including every error. Byte fields are copies, as the general decoder's.
 */
export function readBody(kind: Packet['kind'], d: Uint8Array, from: number): Packet | undefined {
  if (!header(d, from, d.length) || !hList) return undefined
  const end = hEnd
  switch (kind) {
    case 'ping': {
      if (!bytesAt(d, hStart, end)) return undefined
      const version = uintValue(d, 6)
      if (version < 0) return undefined
      const f = endpointAt(d, hEnd, end)
      if (!f) return undefined
      const t = endpointAt(d, hEnd, end)
      if (!t) return undefined
      const expiration = smallUintAt(d, hEnd, end)
      if (expiration < 0) return undefined
      const p: Packet = { kind, version, from: f, to: t, expiration, rest: [] }
      if (hEnd === end) return p
      const seq = smallUintAt(d, hEnd, end)
      if (seq < 0 || hEnd !== end) return undefined
      p.enrSeq = BigInt(seq)
      return p
    }
    case 'pong': {
      const t = endpointAt(d, hStart, end)
      if (!t || !bytesAt(d, hEnd, end) || hEnd - hStart !== 32) return undefined
      const replyToken = d.slice(hStart, hEnd)
      const expiration = smallUintAt(d, hEnd, end)
      if (expiration < 0) return undefined
      const p: Packet = { kind, to: t, replyToken, expiration, rest: [] }
      if (hEnd === end) return p
      const seq = smallUintAt(d, hEnd, end)
      if (seq < 0 || hEnd !== end) return undefined
      p.enrSeq = BigInt(seq)
      return p
    }
    case 'findnode': {
      if (!bytesAt(d, hStart, end) || hEnd - hStart !== PUBLIC_KEY_SIZE) return undefined
      const target = d.slice(hStart, hEnd)
      const expiration = smallUintAt(d, hEnd, end)
      if (expiration < 0 || hEnd !== end) return undefined
      return { kind, target, expiration, rest: [] }
    }
    case 'neighbors': {
      if (!header(d, hStart, end) || !hList) return undefined
      const listEnd = hEnd
      const nodes: NeighborNode[] = []
      for (let pos = hStart; pos < listEnd; ) {
        if (!header(d, pos, listEnd) || !hList) return undefined
        const nodeEnd = hEnd
        if (!bytesAt(d, hStart, nodeEnd)) return undefined
        const ip = ipValue(d)
        if (!bytesAt(d, hEnd, nodeEnd)) return undefined
        const udp = uintValue(d, 2)
        if (udp < 0 || !bytesAt(d, hEnd, nodeEnd)) return undefined
        const tcp = uintValue(d, 2)
        if (tcp < 0 || !bytesAt(d, hEnd, nodeEnd) || hEnd - hStart !== PUBLIC_KEY_SIZE || hEnd !== nodeEnd)
          return undefined
        if (ip !== undefined) nodes.push({ ip, udp, tcp, publicKey: d.slice(hStart, hEnd) })
        pos = nodeEnd
      }
      const expiration = smallUintAt(d, listEnd, end)
      if (expiration < 0 || hEnd !== end) return undefined
      return { kind, nodes, expiration, rest: [] }
    }
    case 'enrrequest': {
      const expiration = smallUintAt(d, hStart, end)
      if (expiration < 0 || hEnd !== end) return undefined
      return { kind, expiration, rest: [] }
    }
    case 'enrresponse':
      return undefined
  }
}

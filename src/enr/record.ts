/** Ethereum Node Records (EIP-778): create, sign, update, decode, verify. */
import { RlpError, type RlpInput, type RlpItem, decode as rlpDecode, encode as rlpEncode } from '../rlp/rlp.js'
import { bigintToBytes, bytesToBigint, bytesToInt, compareBytes, intToBytes, toHex } from '../util/bytes.js'
import { formatIp, parseIPv4, parseIPv6 } from '../util/ip.js'
import { err, ok, type Result } from '../util/result.js'
import { EnrError } from './errors.js'
import { defaultSchemes, type IdentityScheme, v4Scheme } from './scheme.js'
import { decodeEnrText, encodeEnrText } from './text.js'

/** Maximum encoded size of a record. EIP-778 "RLP Encoding": "The maximum encoded size of a node record is 300 bytes." */
export const ENR_MAX_SIZE = 300
/** Sequence numbers are 64-bit (EIP-778; go-ethereum stores them as uint64). */
const SEQ_MAX_BYTES = 8

const PORT_KEYS = ['tcp', 'udp', 'tcp6', 'udp6', 'quic', 'quic6'] as const
type PortKey = (typeof PORT_KEYS)[number]

/** Fields for {@link Enr.create} and {@link Enr.update}. `extra` holds any other key (value: RLP item). */
export interface EnrFields {
  seq?: bigint | number
  ip?: string
  ip6?: string
  tcp?: number
  udp?: number
  tcp6?: number
  udp6?: number
  quic?: number
  quic6?: number
  extra?: Record<string, RlpInput>
}

/** Changes for {@link Enr.update}: fields to set, and keys to drop. */
export interface EnrChanges extends Omit<EnrFields, 'seq'> {
  remove?: string[]
}

// Keys are byte strings on the wire; latin1 maps them to JS strings one byte per char, losslessly.
const keyToString = (b: Uint8Array): string => String.fromCharCode(...b)
function keyToBytes(k: string): Uint8Array {
  const out = new Uint8Array(k.length)
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i)
    if (c > 0xff) throw new EnrError('BAD_ENTRY', `key '${k}' is not a byte string`)
    out[i] = c
  }
  return out
}

/**
 * Ports are RLP integers: canonical form has no leading zero. @chainsafe/enr (used by Lodestar)
 * always writes two bytes, so a port below 256 arrives as 0x00NN; that fixed-width form is accepted
 * too (the signature covers the bytes, so nothing is malleable). Anything longer is refused.
 */
function checkPort(key: string, v: RlpItem): void {
  if (!(v instanceof Uint8Array) || v.length > 2 || (v.length === 1 && v[0] === 0))
    throw new EnrError('BAD_ENTRY', `'${key}' must be a 16-bit port`)
}

/** Validate the entries whose format EIP-778 defines. */
function checkKnownEntries(pairs: ReadonlyMap<string, RlpItem>): void {
  const id = pairs.get('id')
  if (id !== undefined && !(id instanceof Uint8Array)) throw new EnrError('BAD_ENTRY', "'id' must be a byte string")
  const ip = pairs.get('ip')
  if (ip !== undefined && !(ip instanceof Uint8Array && ip.length === 4))
    throw new EnrError('BAD_ENTRY', "'ip' must be 4 bytes")
  const ip6 = pairs.get('ip6')
  if (ip6 !== undefined && !(ip6 instanceof Uint8Array && ip6.length === 16))
    throw new EnrError('BAD_ENTRY', "'ip6' must be 16 bytes")
  const k1 = pairs.get('secp256k1')
  if (k1 !== undefined && !(k1 instanceof Uint8Array && k1.length === 33))
    throw new EnrError('BAD_ENTRY', "'secp256k1' must be a 33-byte compressed key")
  for (const k of PORT_KEYS) {
    const v = pairs.get(k)
    if (v !== undefined) checkPort(k, v)
  }
}

/** The content that is signed: rlp([seq, k1, v1, k2, v2, ...]) with keys sorted. */
function contentOf(seq: bigint, pairs: ReadonlyMap<string, RlpItem>): Uint8Array {
  const list: RlpInput[] = [bigintToBytes(seq)]
  for (const [k, v] of pairs) list.push(keyToBytes(k), v)
  return rlpEncode(list)
}

/**
 * A signed, verified node record. Immutable: {@link Enr.update} returns a new record.
 * Values are kept as the RLP items of the record, so unknown entries survive untouched.
 */
export class Enr {
  private constructor(
    /** Sequence number; grows with every change. */
    readonly seq: bigint,
    private readonly pairs: ReadonlyMap<string, RlpItem>,
    /** The identity scheme's signature. */
    readonly signature: Uint8Array,
    /** 32-byte node id (keccak256 of the public key for "v4"). */
    readonly nodeId: Uint8Array,
    private readonly raw: Uint8Array,
  ) {}

  /** Decode and verify a record in RLP form. Throws {@link EnrError}. */
  static decode(bytes: Uint8Array, schemes: ReadonlyMap<string, IdentityScheme> = defaultSchemes): Enr {
    if (bytes.length > ENR_MAX_SIZE) throw new EnrError('TOO_LARGE', `${bytes.length} bytes, max ${ENR_MAX_SIZE}`)
    let item: RlpItem
    try {
      item = rlpDecode(bytes)
    } catch (e) {
      if (e instanceof RlpError) throw new EnrError('BAD_RLP', e.message)
      throw e
    }
    if (!Array.isArray(item) || item.length < 2 || item.length % 2 !== 0)
      throw new EnrError('BAD_SHAPE', 'record must be a list [signature, seq, k, v, ...]')
    const [sig, seqItem] = item
    if (!(sig instanceof Uint8Array)) throw new EnrError('BAD_SHAPE', 'signature must be a byte string')
    if (!(seqItem instanceof Uint8Array) || seqItem.length > SEQ_MAX_BYTES || (seqItem.length > 0 && seqItem[0] === 0))
      throw new EnrError('BAD_SHAPE', 'seq must be a canonical 64-bit integer')
    const pairs = new Map<string, RlpItem>()
    let prev: Uint8Array | undefined
    for (let i = 2; i < item.length; i += 2) {
      const k = item[i]
      if (!(k instanceof Uint8Array)) throw new EnrError('BAD_SHAPE', 'keys must be byte strings')
      if (prev) {
        const c = compareBytes(prev, k)
        if (c === 0) throw new EnrError('DUPLICATE_KEY', `'${keyToString(k)}'`)
        if (c > 0) throw new EnrError('KEYS_NOT_SORTED', `'${keyToString(k)}' after '${keyToString(prev)}'`)
      }
      prev = k
      pairs.set(keyToString(k), item[i + 1] as RlpItem)
    }
    checkKnownEntries(pairs)
    const id = pairs.get('id')
    if (!(id instanceof Uint8Array)) throw new EnrError('NO_IDENTITY_SCHEME', "record has no 'id' entry")
    const scheme = schemes.get(keyToString(id))
    if (!scheme) throw new EnrError('UNKNOWN_IDENTITY_SCHEME', `'${keyToString(id)}'`)
    const nodeId = scheme.nodeId(pairs)
    if (!nodeId) throw new EnrError('BAD_ENTRY', `identity entries of scheme '${scheme.name}' are malformed`)
    const seq = bytesToBigint(seqItem)
    if (!scheme.verify(pairs, contentOf(seq, pairs), sig))
      throw new EnrError('BAD_SIGNATURE', 'signature does not verify')
    return new Enr(seq, pairs, sig, nodeId, bytes.slice())
  }

  /** Like {@link Enr.decode}, returning a Result instead of throwing. */
  static tryDecode(bytes: Uint8Array, schemes?: ReadonlyMap<string, IdentityScheme>): Result<Enr, EnrError> {
    try {
      return ok(Enr.decode(bytes, schemes))
    } catch (e) {
      if (e instanceof EnrError) return err(e)
      throw e
    }
  }

  /** Decode the text form `enr:<base64url>`. Throws {@link EnrError}. */
  static decodeText(text: string, schemes?: ReadonlyMap<string, IdentityScheme>): Enr {
    return Enr.decode(decodeEnrText(text), schemes)
  }

  /** Create and sign a record (default scheme "v4"). Throws {@link EnrError} if it exceeds 300 bytes. */
  static create(privateKey: Uint8Array, fields: EnrFields = {}, scheme: IdentityScheme = v4Scheme): Enr {
    const entries = new Map<string, RlpItem | RlpInput>()
    entries.set('id', keyToBytes(scheme.name))
    for (const [k, v] of Object.entries(scheme.identityEntries(privateKey))) entries.set(k, v)
    applyFields(entries, fields)
    return Enr.sign(privateKey, BigInt(fields.seq ?? 1), entries, scheme)
  }

  private static sign(
    privateKey: Uint8Array,
    seq: bigint,
    entries: Map<string, RlpItem | RlpInput>,
    scheme: IdentityScheme,
  ): Enr {
    if (seq < 0n || seq >= 1n << 64n) throw new EnrError('BAD_SHAPE', 'seq must fit in 64 bits')
    const sorted = [...entries.entries()].map(([k, v]) => [keyToBytes(k), v] as const)
    sorted.sort((a, b) => compareBytes(a[0], b[0]))
    // normalise values to RLP items (numbers and text become byte strings)
    const pairs = new Map<string, RlpItem>()
    for (const [k, v] of sorted) pairs.set(keyToString(k), rlpDecode(rlpEncode(v as RlpInput)))
    checkKnownEntries(pairs)
    const content = contentOf(seq, pairs)
    const signature = scheme.sign(content, privateKey)
    const list: RlpInput[] = [signature, bigintToBytes(seq)]
    for (const [k, v] of pairs) list.push(keyToBytes(k), v)
    const raw = rlpEncode(list)
    if (raw.length > ENR_MAX_SIZE)
      throw new EnrError('TOO_LARGE', `record would be ${raw.length} bytes, max ${ENR_MAX_SIZE}`)
    return Enr.decode(raw, new Map([[scheme.name, scheme]]))
  }

  /** A new record with `changes` applied and seq + 1, signed with `privateKey`. */
  update(privateKey: Uint8Array, changes: EnrChanges, scheme: IdentityScheme = v4Scheme): Enr {
    const entries = new Map<string, RlpItem | RlpInput>(this.pairs)
    for (const k of changes.remove ?? []) {
      if (k === 'id' || k === 'secp256k1') throw new EnrError('BAD_ENTRY', `cannot remove '${k}'`)
      entries.delete(k)
    }
    applyFields(entries, changes)
    return Enr.sign(privateKey, this.seq + 1n, entries, scheme)
  }

  /** The value of `key` as bytes: a byte string's content, or the RLP encoding of a list value. */
  get(key: string): Uint8Array | undefined {
    const v = this.pairs.get(key)
    if (v === undefined) return undefined
    return v instanceof Uint8Array ? v : rlpEncode(v)
  }

  /** The decoded RLP item of `key` (for list-valued entries such as `eth`). */
  getItem(key: string): RlpItem | undefined {
    return this.pairs.get(key)
  }

  has(key: string): boolean {
    return this.pairs.has(key)
  }

  /** All keys, sorted. */
  keys(): string[] {
    return [...this.pairs.keys()]
  }

  /** Every entry as [key, bytes] (see {@link Enr.get}). */
  entries(): [string, Uint8Array][] {
    return this.keys().map((k) => [k, this.get(k) as Uint8Array])
  }

  /** Identity scheme name (the `id` entry). */
  get scheme(): string {
    return keyToString(this.get('id') as Uint8Array)
  }

  /** 33-byte compressed secp256k1 public key ("v4" records). */
  get publicKey(): Uint8Array {
    const k = this.get('secp256k1')
    if (!k) throw new EnrError('BAD_ENTRY', "record has no 'secp256k1' entry")
    return k
  }

  get ip(): string | undefined {
    const b = this.get('ip')
    return b ? formatIp(b) : undefined
  }
  get ip6(): string | undefined {
    const b = this.get('ip6')
    return b ? formatIp(b) : undefined
  }
  get tcp(): number | undefined {
    return this.port('tcp')
  }
  get udp(): number | undefined {
    return this.port('udp')
  }
  get tcp6(): number | undefined {
    return this.port('tcp6')
  }
  get udp6(): number | undefined {
    return this.port('udp6')
  }
  get quic(): number | undefined {
    return this.port('quic')
  }
  get quic6(): number | undefined {
    return this.port('quic6')
  }

  private port(key: PortKey): number | undefined {
    const b = this.get(key)
    return b ? bytesToInt(b) : undefined
  }

  /** A private field, so structural comparisons of records do not see it. */
  #hex: string | undefined

  /** Node id as 64 hex digits (worked out once: discovery keys maps and caches with it). */
  get nodeIdHex(): string {
    this.#hex ??= toHex(this.nodeId)
    return this.#hex
  }

  /** The record in RLP form, exactly as signed. */
  encode(): Uint8Array {
    return this.raw.slice()
  }

  /** The text form `enr:<base64url>`. */
  encodeText(): string {
    return encodeEnrText(this.raw)
  }

  toString(): string {
    return this.encodeText()
  }
}

function applyFields(entries: Map<string, RlpItem | RlpInput>, f: EnrFields | EnrChanges): void {
  if (f.ip !== undefined) {
    const b = parseIPv4(f.ip)
    if (!b) throw new EnrError('BAD_ENTRY', `'ip' must be an IPv4 address, got '${f.ip}'`)
    entries.set('ip', b)
  }
  if (f.ip6 !== undefined) {
    const b = parseIPv6(f.ip6)
    if (!b) throw new EnrError('BAD_ENTRY', `'ip6' must be an IPv6 address, got '${f.ip6}'`)
    entries.set('ip6', b)
  }
  for (const k of PORT_KEYS) {
    const v = f[k]
    if (v === undefined) continue
    if (!Number.isInteger(v) || v < 0 || v > 65535) throw new EnrError('BAD_ENTRY', `'${k}' must be a port, got ${v}`)
    entries.set(k, intToBytes(v))
  }
  for (const [k, v] of Object.entries(f.extra ?? {})) {
    if (k === 'id' || k === 'secp256k1') throw new EnrError('BAD_ENTRY', `'${k}' is set by the identity scheme`)
    entries.set(k, v)
  }
}

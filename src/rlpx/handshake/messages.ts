/**
 * RLPx handshake messages: auth (initiator → recipient) and ack (recipient → initiator), in the
 * EIP-8 form we send and in the legacy (pre-EIP-8) fixed layout we still accept.
 *
 * Spec: devp2p rlpx.md#initial-handshake; EIP-8 "RLPx Handshake". Vectors: eip8-handshake.json,
 * rlpx-handshake-legacy.json. No I/O.
 * @module
 */
import { keccak256 } from '../../crypto/keccak.js'
import { randomBytesArray } from '../../crypto/secp256k1.js'
import { asFixed, asInt, asList, decodePrefix, encode, RlpError, type RlpItem } from '../../rlp/index.js'
import { concatBytes, equalBytes } from '../../util/bytes.js'
import { err, ok, type Result } from '../../util/result.js'
import type { EcdhKey } from '../ecdh.js'
import { ECIES_OVERHEAD, type EciesEncryptOptions, eciesDecrypt, eciesEncrypt } from '../ecies.js'

/**
 * Largest encrypted handshake message accepted, checked on the size prefix before the body is
 * read. go-ethereum p2p/rlpx/rlpx.go readMsg (`size > 2048`).
 */
export const HANDSHAKE_MAX_SIZE = 2048

/** Handshake version we send (`auth-vsn`, `ack-vsn`). rlpx.md. */
export const HANDSHAKE_VERSION = 4

/** Legacy auth on the wire: ECIES(sig 65 || keccak(ephemeral) 32 || pubkey 64 || nonce 32 || 0x00). EIP-8. */
export const LEGACY_AUTH_SIZE = 194 + ECIES_OVERHEAD
/** Legacy ack on the wire: ECIES(ephemeral pubkey 64 || nonce 32 || 0x00). EIP-8. */
export const LEGACY_ACK_SIZE = 97 + ECIES_OVERHEAD

/** Random padding added to EIP-8 messages: 100..199 bytes, as go-ethereum does. EIP-8 asks for ≥ 100. */
export const EIP8_MIN_PADDING = 100

/** Why a handshake message was refused. */
export type HandshakeErrorCode =
  | 'TOO_LARGE'
  | 'TOO_SHORT'
  | 'DECRYPT'
  | 'BAD_RLP'
  | 'BAD_FIELD'
  | 'BAD_SIGNATURE'
  | 'BAD_KEY'

/** A handshake message that is malformed, too large, not for us, or fails its checks. */
export class HandshakeError extends Error {
  override name = 'HandshakeError'
  constructor(
    readonly code: HandshakeErrorCode,
    detail = '',
  ) {
    super(detail ? `${code}: ${detail}` : code)
  }
}

/** Wire form of a handshake message. */
export type HandshakeFormat = 'eip8' | 'legacy'

/** A decrypted auth message. */
export interface AuthMessage {
  /** 65-byte recoverable signature r || s || v over `static-shared-secret ^ nonce`. */
  signature: Uint8Array
  /** Initiator's 64-byte static public key. */
  initiatorPublicKey: Uint8Array
  /** 32-byte initiator nonce. */
  nonce: Uint8Array
  /** `auth-vsn` (4 for legacy messages). */
  version: number
  /** Extra list elements, kept and ignored (EIP-8 forward compatibility). */
  rest: RlpItem[]
  format: HandshakeFormat
  /** Legacy only: keccak256 of the initiator's ephemeral public key. */
  ephemeralHash?: Uint8Array
}

/** A decrypted ack message. */
export interface AckMessage {
  /** Recipient's 64-byte ephemeral public key. */
  ephemeralPublicKey: Uint8Array
  /** 32-byte recipient nonce. */
  nonce: Uint8Array
  version: number
  rest: RlpItem[]
  format: HandshakeFormat
}

/** What reading a (possibly partial) handshake message from a buffer yields. */
export type ReadStep<T> =
  | { kind: 'need'; total: number }
  | { kind: 'done'; message: T; wire: Uint8Array; consumed: number }

// ---------- encoding ----------

function padding(n?: number): Uint8Array {
  const len = n ?? EIP8_MIN_PADDING + ((randomBytesArray(1)[0] as number) % 100)
  return randomBytesArray(len)
}

/** Frame a plaintext body as an EIP-8 message: size prefix || ECIES(body, shared MAC data = prefix). */
export function sealEip8(remotePublicKey: Uint8Array, body: Uint8Array, opts?: EciesEncryptOptions): Uint8Array {
  const size = body.length + ECIES_OVERHEAD
  if (size > HANDSHAKE_MAX_SIZE)
    throw new RangeError(`handshake message of ${size} bytes exceeds ${HANDSHAKE_MAX_SIZE}`)
  const prefix = Uint8Array.of(size >> 8, size & 0xff)
  return concatBytes(prefix, eciesEncrypt(remotePublicKey, body, prefix, opts))
}

/** Options shared by the message builders; the padding length is random unless given. */
export interface BuildOptions {
  paddingLength?: number
  version?: number
  /** Extra list elements (to exercise forward compatibility in tests). */
  rest?: Uint8Array[]
  ecies?: EciesEncryptOptions
}

/** EIP-8 auth: `[sig, initiator-pubk, initiator-nonce, auth-vsn, ...]` plus padding, sealed to the recipient. */
export function encodeAuthEip8(
  remotePublicKey: Uint8Array,
  fields: { signature: Uint8Array; publicKey: Uint8Array; nonce: Uint8Array },
  opts: BuildOptions = {},
): Uint8Array {
  const list = [
    fields.signature,
    fields.publicKey,
    fields.nonce,
    opts.version ?? HANDSHAKE_VERSION,
    ...(opts.rest ?? []),
  ]
  return sealEip8(remotePublicKey, concatBytes(encode(list), padding(opts.paddingLength)), opts.ecies)
}

/** Legacy auth body (194 bytes): `sig || keccak256(ephemeral-pubk) || pubk || nonce || 0x00`. */
export function encodeAuthLegacyBody(fields: {
  signature: Uint8Array
  ephemeralPublicKey: Uint8Array
  publicKey: Uint8Array
  nonce: Uint8Array
}): Uint8Array {
  return concatBytes(
    fields.signature,
    keccak256(fields.ephemeralPublicKey),
    fields.publicKey,
    fields.nonce,
    Uint8Array.of(0),
  )
}

/** EIP-8 ack: `[recipient-ephemeral-pubk, recipient-nonce, ack-vsn, ...]` plus padding, sealed to the initiator. */
export function encodeAckEip8(
  remotePublicKey: Uint8Array,
  fields: { ephemeralPublicKey: Uint8Array; nonce: Uint8Array },
  opts: BuildOptions = {},
): Uint8Array {
  const list = [fields.ephemeralPublicKey, fields.nonce, opts.version ?? HANDSHAKE_VERSION, ...(opts.rest ?? [])]
  return sealEip8(remotePublicKey, concatBytes(encode(list), padding(opts.paddingLength)), opts.ecies)
}

/** Legacy ack body (97 bytes): `ephemeral-pubk || nonce || 0x00`. */
export function encodeAckLegacyBody(fields: { ephemeralPublicKey: Uint8Array; nonce: Uint8Array }): Uint8Array {
  return concatBytes(fields.ephemeralPublicKey, fields.nonce, Uint8Array.of(0))
}

// ---------- decoding ----------

function decodeBodyList(plain: Uint8Array, minLength: number): RlpItem[] {
  // The body is an RLP list followed by padding: only the first item counts.
  const { item } = decodePrefix(plain)
  return asList(item, 'handshake body', minLength)
}

function fieldError(e: unknown): HandshakeError {
  if (e instanceof RlpError) {
    const code = e.code === 'EXPECTED_LIST' || e.code === 'EXPECTED_BYTES' || e.code === 'BAD_VALUE'
    return new HandshakeError(code ? 'BAD_FIELD' : 'BAD_RLP', e.message)
  }
  throw e
}

/** Parse a decrypted EIP-8 auth body. */
export function decodeAuthEip8Body(plain: Uint8Array): Result<AuthMessage, HandshakeError> {
  try {
    const l = decodeBodyList(plain, 4)
    return ok({
      signature: asFixed(l[0], 65, 'signature'),
      initiatorPublicKey: asFixed(l[1], 64, 'initiator public key'),
      nonce: asFixed(l[2], 32, 'nonce'),
      version: asInt(l[3], 'auth-vsn'),
      rest: l.slice(4),
      format: 'eip8',
    })
  } catch (e) {
    return err(fieldError(e))
  }
}

/** Parse a decrypted legacy auth body (exactly 194 bytes). */
export function decodeAuthLegacyBody(plain: Uint8Array): Result<AuthMessage, HandshakeError> {
  if (plain.length !== 194) return err(new HandshakeError('BAD_FIELD', `legacy auth body is ${plain.length} bytes`))
  return ok({
    signature: plain.subarray(0, 65),
    ephemeralHash: plain.subarray(65, 97),
    initiatorPublicKey: plain.subarray(97, 161),
    nonce: plain.subarray(161, 193),
    version: HANDSHAKE_VERSION,
    rest: [],
    format: 'legacy',
  })
}

/** Parse a decrypted EIP-8 ack body. */
export function decodeAckEip8Body(plain: Uint8Array): Result<AckMessage, HandshakeError> {
  try {
    const l = decodeBodyList(plain, 3)
    return ok({
      ephemeralPublicKey: asFixed(l[0], 64, 'ephemeral public key'),
      nonce: asFixed(l[1], 32, 'nonce'),
      version: asInt(l[2], 'ack-vsn'),
      rest: l.slice(3),
      format: 'eip8',
    })
  } catch (e) {
    return err(fieldError(e))
  }
}

/** Parse a decrypted legacy ack body (exactly 97 bytes). */
export function decodeAckLegacyBody(plain: Uint8Array): Result<AckMessage, HandshakeError> {
  if (plain.length !== 97) return err(new HandshakeError('BAD_FIELD', `legacy ack body is ${plain.length} bytes`))
  return ok({
    ephemeralPublicKey: plain.subarray(0, 64),
    nonce: plain.subarray(64, 96),
    version: HANDSHAKE_VERSION,
    rest: [],
    format: 'legacy',
  })
}

/**
 * Read one handshake message from the start of `buf` (the bytes received so far). Returns how
 * many bytes are needed in total, the decrypted message, or a typed error. The size prefix is
 * checked against {@link HANDSHAKE_MAX_SIZE} before any body byte is waited for.
 *
 * Legacy messages start with 0x04 (the ECIES key prefix) and have a fixed size; an EIP-8 prefix
 * starting with 0x04 announces ≥ 1024 bytes, so trying the legacy form first is unambiguous.
 */
function readMessage<T>(
  privateKey: Uint8Array | EcdhKey,
  buf: Uint8Array,
  legacySize: number,
  decodeLegacy: (plain: Uint8Array) => Result<T, HandshakeError>,
  decodeEip8: (plain: Uint8Array) => Result<T, HandshakeError>,
): Result<ReadStep<T>, HandshakeError> {
  if (buf.length < 2) return ok({ kind: 'need', total: 2 })
  if (buf[0] === 0x04) {
    if (buf.length < legacySize) return ok({ kind: 'need', total: legacySize })
    const wire = buf.subarray(0, legacySize)
    const plain = eciesDecrypt(privateKey, wire)
    if (plain.ok) {
      const m = decodeLegacy(plain.value)
      return m.ok ? ok({ kind: 'done', message: m.value, wire, consumed: legacySize }) : m
    }
  }
  const size = ((buf[0] as number) << 8) | (buf[1] as number)
  if (size > HANDSHAKE_MAX_SIZE) return err(new HandshakeError('TOO_LARGE', `size prefix announces ${size} bytes`))
  if (size < ECIES_OVERHEAD) return err(new HandshakeError('TOO_SHORT', `size prefix announces ${size} bytes`))
  const total = 2 + size
  if (buf.length < total) return ok({ kind: 'need', total })
  const wire = buf.subarray(0, total)
  const plain = eciesDecrypt(privateKey, wire.subarray(2), wire.subarray(0, 2))
  if (!plain.ok) return err(new HandshakeError('DECRYPT', plain.error.message))
  const m = decodeEip8(plain.value)
  return m.ok ? ok({ kind: 'done', message: m.value, wire, consumed: total }) : m
}

/** Read an auth message (EIP-8 or legacy) addressed to `privateKey`. */
export function readAuth(
  privateKey: Uint8Array | EcdhKey,
  buf: Uint8Array,
): Result<ReadStep<AuthMessage>, HandshakeError> {
  return readMessage(privateKey, buf, LEGACY_AUTH_SIZE, decodeAuthLegacyBody, decodeAuthEip8Body)
}

/** Read an ack message (EIP-8 or legacy) addressed to `privateKey`. */
export function readAck(
  privateKey: Uint8Array | EcdhKey,
  buf: Uint8Array,
): Result<ReadStep<AckMessage>, HandshakeError> {
  return readMessage(privateKey, buf, LEGACY_ACK_SIZE, decodeAckLegacyBody, decodeAckEip8Body)
}

/** Whether a legacy auth's ephemeral-key hash matches the key recovered from its signature. */
export function legacyHashMatches(auth: AuthMessage, ephemeralPublicKey: Uint8Array): boolean {
  return auth.ephemeralHash === undefined || equalBytes(auth.ephemeralHash, keccak256(ephemeralPublicKey))
}

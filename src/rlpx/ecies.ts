/**
 * ECIES as RLPx uses it: secp256k1 ECDH, the NIST SP 800-56 concatenation KDF with SHA-256,
 * AES-128-CTR and HMAC-SHA-256 over `iv || c || sharedMacData`.
 *
 * Spec: devp2p rlpx.md#ecies-encryption; the shared MAC data is EIP-8's size prefix.
 * Wire layout: `0x04 || R (64) || iv (16) || c || tag (32)`. Vectors: test/vectors/ecies.json.
 * No I/O.
 * @module
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { KeyError, randomBytesArray } from '../crypto/secp256k1.js'
import { err, ok, type Result } from '../util/result.js'
import { EcdhKey } from './ecdh.js'

/** Bytes ECIES adds to a plaintext: 65 (ephemeral key) + 16 (IV) + 32 (HMAC tag). rlpx.md. */
export const ECIES_OVERHEAD = 65 + 16 + 32

const EMPTY = new Uint8Array(0)

/** Why an ECIES ciphertext was refused. */
export type EciesErrorCode = 'TOO_SHORT' | 'BAD_PREFIX' | 'BAD_KEY' | 'BAD_MAC'

/** A ciphertext that cannot be decrypted with our key. */
export class EciesError extends Error {
  override name = 'EciesError'
  constructor(
    readonly code: EciesErrorCode,
    detail = '',
  ) {
    super(detail ? `${code}: ${detail}` : code)
  }
}

/**
 * NIST SP 800-56 concatenation KDF with SHA-256: the first `length` bytes of
 * `SHA256(1 || z || otherInfo) || SHA256(2 || z || otherInfo) || ...` (32-bit big-endian counter).
 */
export function concatKdf(z: Uint8Array, length: number, otherInfo: Uint8Array = EMPTY): Uint8Array {
  const out = new Uint8Array(Math.ceil(length / 32) * 32)
  const counter = new Uint8Array(4)
  const view = new DataView(counter.buffer)
  for (let i = 0, off = 0; off < length; i++, off += 32) {
    view.setUint32(0, i + 1)
    out.set(createHash('sha256').update(counter).update(z).update(otherInfo).digest(), off)
  }
  return out.subarray(0, length)
}

/** AES key and HMAC key from the ECDH secret: `kE || kM = KDF(S, 32)`, HMAC key = sha256(kM). */
function deriveKeys(shared: Uint8Array): { encKey: Uint8Array; macKey: Buffer } {
  const k = concatKdf(shared, 32)
  return { encKey: k.subarray(0, 16), macKey: createHash('sha256').update(k.subarray(16, 32)).digest() }
}

function tag(macKey: Buffer, ivAndCipher: Uint8Array, sharedMacData: Uint8Array): Buffer {
  return createHmac('sha256', macKey).update(ivAndCipher).update(sharedMacData).digest()
}

/** Deterministic inputs for tests; production callers leave them out. */
export interface EciesEncryptOptions {
  /** The ephemeral private key `r` (random when omitted). */
  ephemeralPrivateKey?: Uint8Array
  /** The 16-byte AES IV (random when omitted). */
  iv?: Uint8Array
}

/**
 * Encrypt `plaintext` to `remotePublicKey` (33, 64 or 65 bytes). `sharedMacData` is authenticated
 * but not sent (EIP-8: the 2-byte size prefix). Throws {@link KeyError} for a bad public key.
 */
export function eciesEncrypt(
  remotePublicKey: Uint8Array,
  plaintext: Uint8Array,
  sharedMacData: Uint8Array = EMPTY,
  opts: EciesEncryptOptions = {},
): Uint8Array {
  const r = opts.ephemeralPrivateKey ? EcdhKey.fromPrivate(opts.ephemeralPrivateKey) : EcdhKey.generate()
  const iv = opts.iv ?? randomBytesArray(16)
  if (iv.length !== 16) throw new RangeError('ECIES IV must be 16 bytes')
  const { encKey, macKey } = deriveKeys(r.agree(remotePublicKey))
  const out = new Uint8Array(ECIES_OVERHEAD + plaintext.length)
  out[0] = 0x04
  out.set(r.publicKey, 1)
  out.set(iv, 65)
  const cipher = createCipheriv('aes-128-ctr', encKey, iv)
  out.set(cipher.update(plaintext), 81)
  const end = 81 + plaintext.length
  out.set(tag(macKey, out.subarray(65, end), sharedMacData), end)
  return out
}

/**
 * Decrypt an ECIES message with our private key. The tag is checked (in constant time) before
 * anything is decrypted. Returns a typed error for anything that is not ours.
 */
export function eciesDecrypt(
  privateKey: Uint8Array | EcdhKey,
  data: Uint8Array,
  sharedMacData: Uint8Array = EMPTY,
): Result<Uint8Array, EciesError> {
  if (data.length < ECIES_OVERHEAD) return err(new EciesError('TOO_SHORT', `${data.length} bytes`))
  if (data[0] !== 0x04) return err(new EciesError('BAD_PREFIX', 'ephemeral key is not in 0x04 form'))
  let shared: Uint8Array
  try {
    const key = privateKey instanceof EcdhKey ? privateKey : EcdhKey.fromPrivate(privateKey)
    shared = key.agree(data.subarray(0, 65))
  } catch (e) {
    if (e instanceof KeyError) return err(new EciesError('BAD_KEY', e.message))
    throw e
  }
  const { encKey, macKey } = deriveKeys(shared)
  const end = data.length - 32
  const want = tag(macKey, data.subarray(65, end), sharedMacData)
  if (!timingSafeEqual(want, data.subarray(end))) return err(new EciesError('BAD_MAC'))
  const decipher = createDecipheriv('aes-128-ctr', encKey, data.subarray(65, 81))
  return ok(new Uint8Array(decipher.update(data.subarray(81, end))))
}

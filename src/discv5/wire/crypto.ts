/**
 * discv5 cryptography: header masking (AES-128-CTR), message encryption (AES-128-GCM), session
 * key derivation (HKDF-SHA256) and the handshake id-signature, all for identity scheme "v4".
 * Spec: devp2p discv5/discv5-wire.md#protocol-header, discv5-theory.md#handshake-steps.
 * AES, SHA-256 and HKDF come from node:crypto (OpenSSL); secp256k1 from ../../crypto.
 * @module
 */
import { type Cipher, createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto'
import { ecdhCompressed, sign, verify } from '../../crypto/index.js'
import { utf8 } from '../../util/bytes.js'
import { GCM_TAG_SIZE, KEY_SIZE, MASKING_IV_SIZE, NONCE_SIZE } from './constants.js'

/** The two session keys derived in a handshake. */
export interface SessionKeys {
  /** Key the handshake initiator writes with (and the recipient reads with). */
  initiatorKey: Uint8Array
  /** Key the recipient writes with. */
  recipientKey: Uint8Array
}

const KDF_INFO_TEXT = utf8('discovery v5 key agreement')
/** The HKDF-Expand block counter of the first (and only) block. */
const ONE = new Uint8Array([1])
const ID_SIGNATURE_TEXT = utf8('discovery v5 identity proof')

function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length)
}

/**
 * AES-128-CTR over `data` with the first 16 bytes of `destId` as key. Masking and unmasking
 * are the same operation. discv5-wire.md "Protocol Header": masking-key = dest-id[:16].
 */
export function maskHeader(destId: Uint8Array, maskingIv: Uint8Array, data: Uint8Array): Uint8Array {
  if (maskingIv.length !== MASKING_IV_SIZE) throw new RangeError('masking-iv must be 16 bytes')
  const c = createCipheriv('aes-128-ctr', destId.subarray(0, KEY_SIZE), maskingIv)
  return view(c.update(data))
}

/**
 * Reusable header masking for one key: AES-128-CTR built from a cached AES-ECB cipher, so the
 * hot path does not create a cipher per packet (node:crypto fixes the IV at creation). Gives the
 * same bytes as {@link maskHeader} (128-bit big-endian counter).
 */
export class HeaderMasker {
  private readonly ecb: Cipher
  private blocks = new Uint8Array(64)

  constructor(destId: Uint8Array) {
    this.ecb = createCipheriv('aes-128-ecb', destId.subarray(0, KEY_SIZE), null)
    this.ecb.setAutoPadding(false)
  }

  /**
   * XOR `data` with the keystream from counter block `maskingIv`, skipping the first `offset`
   * bytes of keystream (to unmask the authdata after the static header).
   */
  apply(maskingIv: Uint8Array, data: Uint8Array, offset = 0): Uint8Array {
    if (maskingIv.length !== MASKING_IV_SIZE) throw new RangeError('masking-iv must be 16 bytes')
    const first = Math.floor(offset / 16)
    const n = Math.ceil((offset + data.length) / 16) - first
    if (this.blocks.length < n * 16) this.blocks = new Uint8Array(n * 16 * 2)
    const blocks = this.blocks
    blocks.set(maskingIv, 0)
    addToCounter(blocks, 0, first)
    for (let i = 1; i < n; i++) {
      blocks.copyWithin(i * 16, (i - 1) * 16, i * 16)
      addToCounter(blocks, i * 16, 1)
    }
    const ks = this.ecb.update(blocks.subarray(0, n * 16))
    const out = new Uint8Array(data.length)
    const skip = offset - first * 16
    for (let i = 0; i < data.length; i++) out[i] = (data[i] as number) ^ (ks[i + skip] as number)
    return out
  }
}

/** Add `n` to the 128-bit big-endian counter at `buf[at..at+16]`. */
function addToCounter(buf: Uint8Array, at: number, n: number): void {
  let carry = n
  for (let i = at + 15; i >= at && carry > 0; i--) {
    const v = (buf[i] as number) + (carry % 256)
    buf[i] = v & 0xff
    carry = Math.floor(carry / 256) + (v >> 8)
  }
}

/** AES-128-GCM encryption; returns ciphertext || 16-byte tag. */
export function aesGcmEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
  if (key.length !== KEY_SIZE || nonce.length !== NONCE_SIZE) throw new RangeError('GCM key/nonce size')
  const c = createCipheriv('aes-128-gcm', key, nonce, { authTagLength: GCM_TAG_SIZE })
  c.setAAD(ad)
  const head = c.update(plaintext)
  c.final()
  const tag = c.getAuthTag()
  const out = new Uint8Array(head.length + GCM_TAG_SIZE)
  out.set(head, 0)
  out.set(tag, head.length)
  return out
}

/**
 * AES-128-GCM decryption of ciphertext || tag. Returns undefined when authentication fails
 * (wrong key, tampered data, or input shorter than the tag).
 */
export function aesGcmDecrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  ad: Uint8Array,
): Uint8Array | undefined {
  if (key.length !== KEY_SIZE || nonce.length !== NONCE_SIZE || ciphertext.length < GCM_TAG_SIZE) return undefined
  const n = ciphertext.length - GCM_TAG_SIZE
  try {
    const d = createDecipheriv('aes-128-gcm', key, nonce, { authTagLength: GCM_TAG_SIZE })
    d.setAAD(ad)
    d.setAuthTag(ciphertext.subarray(n))
    const head = d.update(ciphertext.subarray(0, n))
    d.final()
    return view(head)
  } catch {
    return undefined
  }
}

/**
 * HKDF-SHA256 session key derivation from an ECDH secret (33-byte compressed point).
 * salt = challenge-data, info = "discovery v5 key agreement" || id-A || id-B, 32 bytes out.
 */
export function deriveSessionKeys(
  secret: Uint8Array,
  challengeData: Uint8Array,
  initiatorId: Uint8Array,
  recipientId: Uint8Array,
): SessionKeys {
  const info = new Uint8Array(KDF_INFO_TEXT.length + 64)
  info.set(KDF_INFO_TEXT, 0)
  info.set(initiatorId, KDF_INFO_TEXT.length)
  info.set(recipientId, KDF_INFO_TEXT.length + 32)
  // HKDF (RFC 5869) written out: 32 bytes are one SHA-256 expand block, and two HMACs cost a
  // third of node:crypto's hkdfSync (which builds key objects on every call).
  const prk = createHmac('sha256', challengeData).update(secret).digest()
  const okm = new Uint8Array(createHmac('sha256', prk).update(info).update(ONE).digest())
  return { initiatorKey: okm.subarray(0, KEY_SIZE), recipientKey: okm.subarray(KEY_SIZE) }
}

/**
 * Key derivation as the handshake initiator: ECDH of our ephemeral key with the recipient's
 * static public key. Throws KeyError for an invalid public key.
 */
export function deriveKeysAsInitiator(
  ephemeralKey: Uint8Array,
  recipientPublicKey: Uint8Array,
  challengeData: Uint8Array,
  localId: Uint8Array,
  remoteId: Uint8Array,
): SessionKeys {
  return deriveSessionKeys(ecdhCompressed(ephemeralKey, recipientPublicKey), challengeData, localId, remoteId)
}

/**
 * Key derivation as the handshake recipient: ECDH of our static key with the initiator's
 * ephemeral public key. Throws KeyError for an invalid ephemeral key.
 */
export function deriveKeysAsRecipient(
  staticKey: Uint8Array,
  ephemeralPublicKey: Uint8Array,
  challengeData: Uint8Array,
  remoteId: Uint8Array,
  localId: Uint8Array,
): SessionKeys {
  return deriveSessionKeys(ecdhCompressed(staticKey, ephemeralPublicKey), challengeData, remoteId, localId)
}

/** sha256("discovery v5 identity proof" || challenge-data || ephemeral-pubkey || node-id-B). */
export function idSignatureHash(
  challengeData: Uint8Array,
  ephemeralPublicKey: Uint8Array,
  destId: Uint8Array,
): Uint8Array {
  const h = createHash('sha256')
  h.update(ID_SIGNATURE_TEXT)
  h.update(challengeData)
  h.update(ephemeralPublicKey)
  h.update(destId)
  return view(h.digest())
}

/** The 64-byte (r || s) id-signature proving control of `staticKey` (deterministic, RFC 6979). */
export function idSign(
  staticKey: Uint8Array,
  challengeData: Uint8Array,
  ephemeralPublicKey: Uint8Array,
  destId: Uint8Array,
): Uint8Array {
  return sign(idSignatureHash(challengeData, ephemeralPublicKey, destId), staticKey)
}

/** Check an id-signature against the initiator's static public key (any encoding). */
export function idVerify(
  publicKey: Uint8Array,
  signature: Uint8Array,
  challengeData: Uint8Array,
  ephemeralPublicKey: Uint8Array,
  destId: Uint8Array,
): boolean {
  return verify(idSignatureHash(challengeData, ephemeralPublicKey, destId), signature, publicKey)
}

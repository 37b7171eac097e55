/**
 * secp256k1 keys, ECDSA with public-key recovery, and ECDH.
 *
 * Every operation runs on libsecp256k1 when its native binding loads (secp256k1-native.ts),
 * else on @noble/curves (audited, constant-time signing), with ECDH on Node's OpenSSL, which is
 * faster than noble's. Both give the same bytes (test/property/secp256k1-backends.test.ts);
 * everything else in the project goes through this module.
 */
import { createECDH, randomBytes } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { native } from './secp256k1-native.js'

/** Which implementation does the elliptic-curve work: `libsecp256k1` (native) or `noble`. */
export const secp256k1Backend: 'libsecp256k1' | 'noble' = native ? 'libsecp256k1' : 'noble'

/** Raised for malformed keys or signatures given to this module. */
export class KeyError extends Error {
  override name = 'KeyError'
}

/** A random valid private key (32 bytes). */
export function generatePrivateKey(): Uint8Array {
  return secp256k1.utils.randomSecretKey()
}

export function isValidPrivateKey(key: Uint8Array): boolean {
  if (key.length !== 32) return false
  return native ? native.privateKeyVerify(key) : secp256k1.utils.isValidSecretKey(key)
}

function checkPrivateKey(key: Uint8Array): void {
  if (!isValidPrivateKey(key)) throw new KeyError('private key must be 32 bytes, in range 1..n-1')
}

/** 33-byte compressed public key. */
export function publicKeyCompressed(priv: Uint8Array): Uint8Array {
  checkPrivateKey(priv)
  return native ? native.publicKeyCreate(priv, true) : secp256k1.getPublicKey(priv, true)
}

/** 64-byte uncompressed public key without the 0x04 prefix (the devp2p "node id" form). */
export function publicKey64(priv: Uint8Array): Uint8Array {
  checkPrivateKey(priv)
  return (native ? native.publicKeyCreate(priv, false) : secp256k1.getPublicKey(priv, false)).subarray(1)
}

/**
 * Parse a public key in any form: 33 (compressed), 64 (bare X||Y) or 65 (0x04 prefixed) bytes.
 * Checks the point is on the curve. Returns the 65-byte uncompressed form.
 */
export function parsePublicKey(pub: Uint8Array): Uint8Array {
  return convertPublicKey(encodedPublicKey(pub), false)
}

/**
 * `pub` as a 33- or 65-byte SEC1 encoding, length and prefix checked but the point not yet
 * (libsecp256k1 checks it in every call that takes a key, so no conversion is needed first).
 */
function encodedPublicKey(pub: Uint8Array): Uint8Array {
  let input = pub
  if (pub.length === 64) {
    input = new Uint8Array(65)
    input[0] = 4
    input.set(pub, 1)
  } else if (pub.length !== 33 && pub.length !== 65) {
    throw new KeyError(`public key must be 33, 64 or 65 bytes, got ${pub.length}`)
  } else if (pub.length === 65 ? pub[0] !== 4 : pub[0] !== 2 && pub[0] !== 3) {
    // libsecp256k1 would also take the "hybrid" 0x06/0x07 form; no Ethereum encoding uses it.
    throw new KeyError('public key has a bad prefix byte')
  }
  return input
}

function convertPublicKey(pub: Uint8Array, compressed: boolean): Uint8Array {
  try {
    if (native) return native.publicKeyConvert(pub, compressed)
    return secp256k1.Point.fromBytes(pub).toBytes(compressed)
  } catch {
    throw new KeyError('public key is not a point on secp256k1')
  }
}

export function compressPublicKey(pub: Uint8Array): Uint8Array {
  return convertPublicKey(parsePublicKey(pub), true)
}

/** 64-byte X||Y form of any public key encoding. */
export function decompressPublicKey(pub: Uint8Array): Uint8Array {
  return parsePublicKey(pub).subarray(1)
}

/** Sign a 32-byte hash. Returns 65 bytes r || s || v with v ∈ {0, 1} (low-s). */
export function signRecoverable(hash: Uint8Array, priv: Uint8Array): Uint8Array {
  if (hash.length !== 32) throw new KeyError('message hash must be 32 bytes')
  checkPrivateKey(priv)
  if (native) {
    const { signature, recid } = native.ecdsaSign(hash, priv)
    const out = new Uint8Array(65)
    out.set(signature, 0)
    out[64] = recid
    return out
  }
  const sig = secp256k1.sign(hash, priv, { prehash: false, format: 'recovered' })
  // noble's recovered format is v || r || s; devp2p uses r || s || v.
  const out = new Uint8Array(65)
  out.set(sig.subarray(1), 0)
  out[64] = sig[0] as number
  return out
}

/** Sign a 32-byte hash. Returns the 64-byte r || s form (low-s), as ENR v4 uses. */
export function sign(hash: Uint8Array, priv: Uint8Array): Uint8Array {
  return signRecoverable(hash, priv).subarray(0, 64)
}

/**
 * Recover the 65-byte uncompressed public key from a 65-byte r || s || v signature
 * over a 32-byte hash. Throws {@link KeyError} if the signature is invalid.
 */
export function recoverPublicKey(hash: Uint8Array, sig: Uint8Array): Uint8Array {
  if (sig.length !== 65 || hash.length !== 32) throw new KeyError('signature must be 65 bytes over a 32-byte hash')
  const v = sig[64] as number
  if (v > 3) throw new KeyError(`bad recovery id ${v}`)
  try {
    if (native) return native.ecdsaRecover(sig.subarray(0, 64), v, hash, false)
    const point = secp256k1.Signature.fromBytes(sig.subarray(0, 64), 'compact').addRecoveryBit(v).recoverPublicKey(hash)
    return point.toBytes(false)
  } catch {
    throw new KeyError('signature does not recover a public key')
  }
}

/** Verify a 64-byte r || s signature over a 32-byte hash. High-s signatures are accepted. */
export function verify(hash: Uint8Array, sig: Uint8Array, pub: Uint8Array): boolean {
  if (sig.length !== 64 || hash.length !== 32) return false
  try {
    // libsecp256k1 only verifies low-s signatures; normalising a copy keeps high-s accepted.
    if (native) return native.ecdsaVerify(native.signatureNormalize(sig.slice()), hash, encodedPublicKey(pub))
    return secp256k1.verify(sig, hash, parsePublicKey(pub), { prehash: false, lowS: false })
  } catch {
    return false
  }
}

/** ECDH: the 32-byte x coordinate of priv·pub (what RLPx and ECIES use). */
export function ecdhX(priv: Uint8Array, pub: Uint8Array): Uint8Array {
  checkPrivateKey(priv)
  if (native) return nativeEcdh(priv, encodedPublicKey(pub), 32)
  const full = parsePublicKey(pub)
  const ecdh = createECDH('secp256k1')
  ecdh.setPrivateKey(priv)
  try {
    return new Uint8Array(ecdh.computeSecret(full))
  } catch {
    throw new KeyError('ECDH failed: public key rejected')
  }
}

/** ECDH: the 33-byte compressed shared point (what discv5 uses). */
export function ecdhCompressed(priv: Uint8Array, pub: Uint8Array): Uint8Array {
  checkPrivateKey(priv)
  if (native) return nativeEcdh(priv, encodedPublicKey(pub), 33)
  return secp256k1.getSharedSecret(priv, parsePublicKey(pub), true)
}

const ecdhX32 = new Uint8Array(32)
const ecdhY32 = new Uint8Array(32)

/** Shared point as its x coordinate (32 bytes) or compressed (33 bytes); `key` is a SEC1 encoding. */
function nativeEcdh(priv: Uint8Array, key: Uint8Array, size: 32 | 33): Uint8Array {
  const out = new Uint8Array(size)
  const hashfn = (x: Uint8Array, y: Uint8Array): Uint8Array => {
    if (size === 32) {
      out.set(x)
    } else {
      out[0] = 0x02 | ((y[31] as number) & 1)
      out.set(x, 1)
    }
    return out
  }
  try {
    return (native as NonNullable<typeof native>).ecdh(key, priv, { xbuf: ecdhX32, ybuf: ecdhY32, hashfn }, out)
  } catch {
    throw new KeyError('ECDH failed: public key rejected')
  }
}

/** Cryptographically secure random bytes. */
export function randomBytesArray(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n))
}

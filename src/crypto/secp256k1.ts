/**
 * secp256k1 keys, ECDSA with public-key recovery, and ECDH.
 *
 * Signing and recovery use @noble/curves (audited, constant-time signing). ECDH uses
 * Node's OpenSSL, ~2.8x faster than noble's on this hardware (bench/crypto.ts), which bounds
 * RLPx handshakes per second. Everything else goes through this module, so the choice can change.
 */
import { createECDH, randomBytes } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'

/** Raised for malformed keys or signatures given to this module. */
export class KeyError extends Error {
  override name = 'KeyError'
}

/** A random valid private key (32 bytes). */
export function generatePrivateKey(): Uint8Array {
  return secp256k1.utils.randomSecretKey()
}

export function isValidPrivateKey(key: Uint8Array): boolean {
  return key.length === 32 && secp256k1.utils.isValidSecretKey(key)
}

function checkPrivateKey(key: Uint8Array): void {
  if (!isValidPrivateKey(key)) throw new KeyError('private key must be 32 bytes, in range 1..n-1')
}

/** 33-byte compressed public key. */
export function publicKeyCompressed(priv: Uint8Array): Uint8Array {
  checkPrivateKey(priv)
  return secp256k1.getPublicKey(priv, true)
}

/** 64-byte uncompressed public key without the 0x04 prefix (the devp2p "node id" form). */
export function publicKey64(priv: Uint8Array): Uint8Array {
  checkPrivateKey(priv)
  return secp256k1.getPublicKey(priv, false).subarray(1)
}

/**
 * Parse a public key in any form: 33 (compressed), 64 (bare X||Y) or 65 (0x04 prefixed) bytes.
 * Checks the point is on the curve. Returns the 65-byte uncompressed form.
 */
export function parsePublicKey(pub: Uint8Array): Uint8Array {
  let input = pub
  if (pub.length === 64) {
    input = new Uint8Array(65)
    input[0] = 4
    input.set(pub, 1)
  } else if (pub.length !== 33 && pub.length !== 65) {
    throw new KeyError(`public key must be 33, 64 or 65 bytes, got ${pub.length}`)
  }
  try {
    return secp256k1.Point.fromBytes(input).toBytes(false)
  } catch {
    throw new KeyError('public key is not a point on secp256k1')
  }
}

export function compressPublicKey(pub: Uint8Array): Uint8Array {
  const full = parsePublicKey(pub)
  return secp256k1.Point.fromBytes(full).toBytes(true)
}

/** 64-byte X||Y form of any public key encoding. */
export function decompressPublicKey(pub: Uint8Array): Uint8Array {
  return parsePublicKey(pub).subarray(1)
}

/** Sign a 32-byte hash. Returns 65 bytes r || s || v with v ∈ {0, 1} (low-s). */
export function signRecoverable(hash: Uint8Array, priv: Uint8Array): Uint8Array {
  if (hash.length !== 32) throw new KeyError('message hash must be 32 bytes')
  checkPrivateKey(priv)
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
    return secp256k1.verify(sig, hash, parsePublicKey(pub), { prehash: false, lowS: false })
  } catch {
    return false
  }
}

/** ECDH: the 32-byte x coordinate of priv·pub (what RLPx and ECIES use). */
export function ecdhX(priv: Uint8Array, pub: Uint8Array): Uint8Array {
  checkPrivateKey(priv)
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
  return secp256k1.getSharedSecret(priv, parsePublicKey(pub), true)
}

/** Cryptographically secure random bytes. */
export function randomBytesArray(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n))
}

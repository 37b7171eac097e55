/**
 * secp256k1 ECDH for the handshake hot path.
 *
 * With libsecp256k1 (src/crypto/secp256k1-native.ts) each agreement is one native call. Without
 * it, Node's OpenSSL is faster than noble, but `setPrivateKey` derives the public key (a scalar
 * multiplication) every time, so the OpenSSL key object is set up once per key here. No I/O.
 * @module
 */
import { createECDH, type ECDH } from 'node:crypto'
import {
  decompressPublicKey,
  ecdhX,
  generatePrivateKey,
  KeyError,
  publicKey64,
  secp256k1Backend,
} from '../crypto/secp256k1.js'

/** A private key ready for ECDH, with its 64-byte public key. */
export class EcdhKey {
  private constructor(
    /** OpenSSL's key object, when libsecp256k1 is not available. */
    private readonly openssl: ECDH | null,
    /** 32-byte private key. */
    readonly privateKey: Uint8Array,
    /** 64-byte public key (X || Y). */
    readonly publicKey: Uint8Array,
  ) {}

  /** A fresh random key. */
  static generate(): EcdhKey {
    if (secp256k1Backend === 'libsecp256k1') {
      const priv = generatePrivateKey()
      return new EcdhKey(null, priv, publicKey64(priv))
    }
    const e = createECDH('secp256k1')
    const pub = e.generateKeys()
    // OpenSSL drops leading zero bytes (1 key in 256 comes back 31 bytes long).
    const raw = e.getPrivateKey()
    const priv = new Uint8Array(32)
    priv.set(raw, 32 - raw.length)
    return new EcdhKey(e, priv, new Uint8Array(pub.subarray(1)))
  }

  /** Wrap a known private key. Throws {@link KeyError} for an invalid one. */
  static fromPrivate(privateKey: Uint8Array): EcdhKey {
    if (secp256k1Backend === 'libsecp256k1') return new EcdhKey(null, privateKey.slice(), publicKey64(privateKey))
    const e = createECDH('secp256k1')
    try {
      e.setPrivateKey(privateKey)
    } catch {
      throw new KeyError('private key must be 32 bytes, in range 1..n-1')
    }
    return new EcdhKey(e, privateKey.slice(), new Uint8Array(e.getPublicKey().subarray(1)))
  }

  /** x coordinate of privateKey · pub (33-byte compressed, 64-byte X || Y or 65-byte 0x04 form). */
  agree(pub: Uint8Array): Uint8Array {
    if (!this.openssl) return ecdhX(this.privateKey, pub)
    let full = pub
    if (pub.length === 33) full = decompressPublicKey(pub)
    if (full.length === 64) {
      const x = new Uint8Array(65)
      x[0] = 4
      x.set(full, 1)
      full = x
    } else if (full.length !== 65 || full[0] !== 4) {
      throw new KeyError('public key must be 64 bytes or 65 bytes in 0x04 form')
    }
    try {
      return new Uint8Array(this.openssl.computeSecret(full))
    } catch {
      throw new KeyError('public key is not a point on secp256k1')
    }
  }
}

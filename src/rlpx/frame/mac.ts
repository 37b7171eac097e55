/**
 * RLPx running MACs: a keccak-256 state per direction, fed with the ciphertext and with seeds
 * made by AES-256 (mac-secret) of the state's own digest. Spec: devp2p rlpx.md#mac.
 * No I/O.
 * @module
 */
import { type Cipher, createCipheriv } from 'node:crypto'

/** The hash behind a running MAC: {@link KeccakState} in production, a fake in go-ethereum's frame test. */
export interface MacHash {
  update(data: Uint8Array): unknown
  /** Digest of everything absorbed so far, without finalising the state. */
  digest(): Uint8Array
  /** Optional allocation-free form: the first `out.length` digest bytes into `out`. */
  digestInto?(out: Uint8Array): void
}

/** Bytes of a header or frame MAC on the wire. rlpx.md. */
export const MAC_SIZE = 16

/** One direction's MAC: computes header and frame MACs and advances the state. */
export class RunningMac {
  private readonly aes: Cipher
  private readonly seed = new Uint8Array(16)
  private readonly d = new Uint8Array(16)

  constructor(
    macSecret: Uint8Array,
    private readonly hash: MacHash,
  ) {
    // One ECB cipher, one block per call: ECB keeps no state between blocks.
    this.aes = createCipheriv('aes-256-ecb', macSecret, null).setAutoPadding(false)
  }

  /** `digest[:16]` into a reused buffer. */
  private digest16(): Uint8Array {
    if (this.hash.digestInto) this.hash.digestInto(this.d)
    else this.d.set(this.hash.digest().subarray(0, 16))
    return this.d
  }

  /**
   * `header-mac-seed = aes(mac-secret, digest[:16]) ^ header-ciphertext`; returns the new
   * digest[:16] in a buffer of this instance that the next call overwrites (use it at once).
   */
  header(headerCiphertext: Uint8Array): Uint8Array {
    const enc = this.aes.update(this.digest16())
    for (let i = 0; i < 16; i++) this.seed[i] = (enc[i] as number) ^ (headerCiphertext[i] as number)
    this.hash.update(this.seed)
    return this.digest16()
  }

  /**
   * Absorb the frame ciphertext (given whole or in consecutive pieces), then
   * `frame-mac-seed = aes(mac-secret, digest[:16]) ^ digest[:16]`; returns the new digest[:16]
   * in a buffer of this instance that the next call overwrites.
   */
  frame(...frameCiphertext: Uint8Array[]): Uint8Array {
    for (const piece of frameCiphertext) this.hash.update(piece)
    const d = this.digest16()
    const enc = this.aes.update(d)
    for (let i = 0; i < 16; i++) this.seed[i] = (enc[i] as number) ^ (d[i] as number)
    this.hash.update(this.seed)
    return this.digest16()
  }
}

/**
 * Loads bitcoin-core's libsecp256k1 through the `secp256k1` package's N-API binding, when this
 * platform has it. It verifies, recovers and agrees 16-30x faster than @noble/curves on this
 * hardware (`npm run bench -- crypto`), which is what bounds discovery and RLPx handshakes.
 *
 * Only the native binding is loaded (`secp256k1/bindings`), never the package's pure-JS fallback.
 * Without a prebuilt binary, or with `ETH_P2P_SECP256K1=noble` in the environment, this returns
 * null and src/crypto/secp256k1.ts uses @noble/curves.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'

/** The part of the binding's API this project uses. Errors are thrown as plain `Error`s. */
export interface NativeSecp256k1 {
  privateKeyVerify(seckey: Uint8Array): boolean
  publicKeyCreate(seckey: Uint8Array, compressed: boolean): Uint8Array
  publicKeyConvert(pubkey: Uint8Array, compressed: boolean): Uint8Array
  signatureNormalize(sig: Uint8Array): Uint8Array
  ecdsaSign(msg32: Uint8Array, seckey: Uint8Array): { signature: Uint8Array; recid: number }
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, pubkey: Uint8Array): boolean
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array
  ecdh(
    pubkey: Uint8Array,
    seckey: Uint8Array,
    options: { xbuf: Uint8Array; ybuf: Uint8Array; hashfn: (x: Uint8Array, y: Uint8Array) => Uint8Array },
    output: Uint8Array,
  ): Uint8Array
  contextRandomize(seed: Uint8Array): void
}

function load(): NativeSecp256k1 | null {
  if (process.env.ETH_P2P_SECP256K1 === 'noble') return null
  try {
    const binding = createRequire(import.meta.url)('secp256k1/bindings') as NativeSecp256k1
    // Blinds the signing context against timing side channels, as libsecp256k1 recommends.
    binding.contextRandomize(new Uint8Array(randomBytes(32)))
    return binding
  } catch {
    return null
  }
}

/** libsecp256k1, or null when it cannot be used here. */
export const native: NativeSecp256k1 | null = load()

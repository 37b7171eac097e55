/**
 * Identity schemes (EIP-778 "Identity Scheme"). Signature checks are kept apart from the record
 * codec, as in go-ethereum's enr.IdentityScheme, so another scheme can be plugged in.
 */
import { keccak256 } from '../crypto/keccak.js'
import { nodeIdFromPublicKey } from '../crypto/nodeid.js'
import { KeyError, parsePublicKey, publicKeyCompressed, sign, verify } from '../crypto/secp256k1.js'
import type { RlpItem } from '../rlp/rlp.js'

export interface IdentityScheme {
  /** The value of the record's `id` entry. */
  readonly name: string
  /** The node id named by the record's identity entries, or undefined if they are malformed. */
  nodeId(pairs: ReadonlyMap<string, RlpItem>): Uint8Array | undefined
  /** Check `signature` over `content` (the RLP of [seq, k, v, ...]). */
  verify(pairs: ReadonlyMap<string, RlpItem>, content: Uint8Array, signature: Uint8Array): boolean
  /** Sign `content` with `privateKey`. */
  sign(content: Uint8Array, privateKey: Uint8Array): Uint8Array
  /** Entries that identify the signer (e.g. `secp256k1`) for a private key. */
  identityEntries(privateKey: Uint8Array): Record<string, Uint8Array>
}

/** The "v4" scheme: secp256k1 key in the `secp256k1` entry, 64-byte r || s signature over keccak256. */
export const v4Scheme: IdentityScheme = {
  name: 'v4',
  nodeId(pairs) {
    const pub = pairs.get('secp256k1')
    if (!(pub instanceof Uint8Array) || pub.length !== 33) return undefined
    try {
      return nodeIdFromPublicKey(parsePublicKey(pub))
    } catch (e) {
      if (e instanceof KeyError) return undefined
      throw e
    }
  },
  verify(pairs, content, signature) {
    const pub = pairs.get('secp256k1')
    if (!(pub instanceof Uint8Array) || signature.length !== 64) return false
    return verify(keccak256(content), signature, pub)
  },
  sign: (content, privateKey) => sign(keccak256(content), privateKey),
  identityEntries: (privateKey) => ({ secp256k1: publicKeyCompressed(privateKey) }),
}

/** The schemes eth-p2p accepts by default. */
export const defaultSchemes: ReadonlyMap<string, IdentityScheme> = new Map([['v4', v4Scheme]])

/**
 * One secp256k1 key, two identities: the node's 32-byte private key (our format) is both its
 * discv5/ENR identity and its libp2p identity. libp2p peer ids of secp256k1 keys are the identity
 * multihash of the protobuf-wrapped 33-byte compressed public key (libp2p specs peer-ids.md), so
 * an ENR's `secp256k1` entry gives the peer id directly, and a peer id gives back the node id.
 * @module
 */
import './polyfill.js'
import { privateKeyFromRaw, publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { compressPublicKey, isValidPrivateKey, KeyError, nodeIdFromPublicKey } from '../crypto/index.js'
import { toHex } from '../util/bytes.js'
import { Libp2pNodeError } from './errors.js'

/** The libp2p private key for our 32-byte secp256k1 key. Throws Libp2pNodeError BAD_KEY. */
export function libp2pPrivateKey(secret: Uint8Array): PrivateKey {
  if (!isValidPrivateKey(secret)) throw new Libp2pNodeError('BAD_KEY', 'the private key must be 32 bytes, in 1..n-1')
  const key = privateKeyFromRaw(secret)
  if (key.type !== 'secp256k1') throw new Libp2pNodeError('BAD_KEY', `expected a secp256k1 key, got ${key.type}`)
  return key
}

/**
 * The libp2p peer id of a secp256k1 public key in any encoding (33, 64 or 65 bytes). Throws
 * KeyError when the bytes are not a point on the curve.
 */
export function peerIdFromSecp256k1(publicKey: Uint8Array): PeerId {
  return peerIdFromPublicKey(publicKeyFromRaw(compressPublicKey(publicKey)))
}

/** The peer id of our own key. */
export function peerIdFromSecret(secret: Uint8Array): PeerId {
  return peerIdFromPublicKey(libp2pPrivateKey(secret).publicKey)
}

/**
 * The 32-byte discovery node id (keccak-256 of the public key) of a secp256k1 peer id, or
 * undefined for other key types (Ed25519, RSA peers are not Ethereum nodes).
 */
export function nodeIdFromPeerId(peerId: PeerId): Uint8Array | undefined {
  if (peerId.type !== 'secp256k1' || !peerId.publicKey) return undefined
  try {
    return nodeIdFromPublicKey(peerId.publicKey.raw)
  } catch (e) {
    if (e instanceof KeyError) return undefined
    throw e
  }
}

/** Hex node id of a peer id (the key {@link DialHistory} uses), or the peer id text for non-secp256k1 peers. */
export function historyKey(peerId: PeerId): string {
  const id = nodeIdFromPeerId(peerId)
  return id ? toHex(id) : peerId.toString()
}

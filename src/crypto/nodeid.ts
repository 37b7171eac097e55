/** Node ids (keccak-256 of the 64-byte public key) and the Kademlia distances between them. */
import { toHex } from '../util/bytes.js'
import { keccak256 } from './keccak.js'
import { decompressPublicKey } from './secp256k1.js'

/** A 32-byte node id. */
export type NodeId = Uint8Array

/** Node id of a public key in any encoding (33, 64 or 65 bytes). */
export function nodeIdFromPublicKey(pub: Uint8Array): NodeId {
  return keccak256(pub.length === 64 ? pub : decompressPublicKey(pub))
}

/** XOR distance as a 32-byte big-endian number. */
export function xorDistance(a: NodeId, b: NodeId): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = (a[i] as number) ^ (b[i] as number)
  return out
}

/** log2 distance: index of the highest differing bit plus one (0 for equal ids, 256 max). */
export function logDistance(a: NodeId, b: NodeId): number {
  for (let i = 0; i < 32; i++) {
    const x = (a[i] as number) ^ (b[i] as number)
    if (x !== 0) return (31 - i) * 8 + (32 - Math.clz32(x))
  }
  return 0
}

/** Compare the distances of `a` and `b` to `target`: negative if `a` is closer. */
export function compareDistance(target: NodeId, a: NodeId, b: NodeId): number {
  for (let i = 0; i < 32; i++) {
    const da = (a[i] as number) ^ (target[i] as number)
    const db = (b[i] as number) ^ (target[i] as number)
    if (da !== db) return da - db
  }
  return 0
}

/**
 * A random id at exactly log-distance `d` from `from` (1..256). `random` gives the bits below
 * the differing one, so tests can inject it.
 */
export function randomNodeIdAtDistance(from: NodeId, d: number, random: (n: number) => Uint8Array): NodeId {
  if (!Number.isInteger(d) || d < 1 || d > 256) throw new RangeError(`log-distance must be 1..256, got ${d}`)
  const out = random(32).slice(0, 32)
  const byte = 32 - Math.ceil(d / 8)
  const bit = (d - 1) % 8
  // bytes above the differing one equal `from`
  for (let i = 0; i < byte; i++) out[i] = from[i] as number
  const f = from[byte] as number
  const highMask = 0xff << (bit + 1)
  const lowMask = (1 << bit) - 1
  out[byte] = (f & highMask & 0xff) | (~f & (1 << bit)) | ((out[byte] as number) & lowMask)
  return out
}

export const nodeIdHex = (id: NodeId): string => toHex(id)

/** Shared fixtures for the kademlia tests: synthetic nodes at chosen distances. */
import { randomNodeIdAtDistance } from '../../../src/crypto/nodeid.js'
import type { KadNode, Random } from '../../../src/kademlia/index.js'
import { seededRandom } from '../../../src/kademlia/index.js'

/** A test node: the KadNode fields plus a name for messages. */
export interface TestNode extends KadNode {
  readonly id: Uint8Array
  readonly ip: string
  readonly udp: number
  readonly seq: bigint
}

let counter = 0

/** A distinct public IPv4 address in its own /24 (1.0.0.1, 1.0.1.1, …). */
export function uniqueIp(): string {
  const i = counter++
  return `${1 + ((i >> 16) & 0x7f)}.${(i >> 8) & 0xff}.${i & 0xff}.1`
}

/** A node at log-distance `d` from `from`, with a fresh /24 unless `ip` is given. */
export function nodeAt(from: Uint8Array, d: number, random: Random, ip: string = uniqueIp(), seq = 1n): TestNode {
  return { id: randomNodeIdAtDistance(from, d, (n) => random.bytes(n)), ip, udp: 30303, seq }
}

/** A random 32-byte id. */
export function randomId(random: Random): Uint8Array {
  return random.bytes(32)
}

/** Same node with changed fields (a newer record). */
export function withRecord(n: TestNode, changes: Partial<Omit<TestNode, 'id'>>): TestNode {
  return { ...n, ...changes }
}

export const rng = (seed = 1): Random => seededRandom(seed)

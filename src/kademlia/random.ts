/**
 * Injected randomness for the routing table, revalidation and tests (STYLE.md item 3).
 * @module
 */
import { randomBytes, randomInt } from 'node:crypto'

/** Source of randomness. Structurally the same as the project-wide `Random` of STYLE.md item 3. */
export interface Random {
  /** `n` random bytes. */
  bytes(n: number): Uint8Array
  /** A uniform integer in `[0, max)`; `max` is a positive safe integer ≤ 2^48. */
  int(max: number): number
}

/** Cryptographically secure randomness from `node:crypto` (the default). */
export const cryptoRandom: Random = {
  bytes: (n) => new Uint8Array(randomBytes(n)),
  int: (max) => randomInt(max),
}

/**
 * A fast deterministic generator (SplitMix32-style mixing of a 32-bit counter) for tests and
 * simulations. Not for production: the sequence is predictable from the seed.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0
  const next32 = (): number => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
  return {
    bytes(n) {
      const out = new Uint8Array(n)
      for (let i = 0; i < n; i += 4) {
        const v = next32()
        for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >>> (j * 8)) & 0xff
      }
      return out
    },
    int(max) {
      if (!(max > 0)) throw new RangeError(`max must be positive, got ${max}`)
      // 53 random bits scaled to [0, max): uniform enough for scheduling and tests.
      const x = next32() * 0x200000 + (next32() >>> 11)
      return Math.floor((x / 2 ** 53) * max)
    },
  }
}

/** Fisher–Yates shuffle in place with an injected source; returns the same array. */
export function shuffle<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(i + 1)
    const t = items[i] as T
    items[i] = items[j] as T
    items[j] = t
  }
  return items
}

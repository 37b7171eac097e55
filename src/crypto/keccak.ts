/**
 * keccak-256, the hash of node ids, ENR signatures, discv4 packets and the RLPx MACs.
 *
 * hash-wasm's WASM keccak measured ~10x @noble/hashes' on this project's hardware
 * (bench/crypto.ts), and its state can be saved and restored, which the RLPx running MACs
 * need. One WASM instance serves every caller: each call is synchronous, so no two
 * callers interleave.
 */
import { createKeccak, type IHasher } from 'hash-wasm'

const hasher: IHasher = await createKeccak(256)

/** keccak-256 of the concatenation of `parts`. */
export function keccak256(...parts: Uint8Array[]): Uint8Array {
  hasher.init()
  for (const p of parts) hasher.update(p)
  return hasher.digest('binary')
}

/**
 * An incremental keccak-256 whose digest can be read without finalising it, as RLPx's
 * egress/ingress MACs require. The state lives outside the shared WASM instance.
 */
export class KeccakState {
  private state: Uint8Array

  constructor() {
    hasher.init()
    this.state = hasher.save()
  }

  update(data: Uint8Array): this {
    hasher.load(this.state)
    hasher.update(data)
    this.state = hasher.save()
    return this
  }

  /** Digest of everything absorbed so far; the state keeps going. */
  digest(): Uint8Array {
    hasher.load(this.state)
    return hasher.digest('binary')
  }

  clone(): KeccakState {
    const c = Object.create(KeccakState.prototype) as KeccakState
    c.state = this.state.slice()
    return c
  }
}

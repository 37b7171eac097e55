/**
 * keccak-256, the hash of node ids, ENR signatures, discv4 packets and the RLPx MACs.
 *
 * The permutation runs in a small WASM module assembled in ./keccak-f.ts (i64 lanes, native
 * rotations). One instance serves every caller: each call is synchronous, so no two callers
 * interleave. A {@link KeccakState} keeps its 200-byte state in that instance's memory while it
 * is the one in use (the RLPx MAC pattern: many 16-byte updates and digests on the same state)
 * and is swapped out to its own bytes only when another state is used.
 */
import { INPUT_OFFSET, instantiateKeccak, STATE_SIZE, WORK_AREA } from './keccak-f.js'

const k = instantiateKeccak()
const mem = new Uint8Array(k.memory.buffer)
/**
 * Memory layout: the resident KeccakState and a scratch state for digests below the module's
 * work area, input bytes above it.
 */
const RESIDENT = 0
const SCRATCH = 256
const INPUT = INPUT_OFFSET
const INPUT_SIZE = mem.length - INPUT
if (SCRATCH + STATE_SIZE > WORK_AREA) throw new Error('keccak: states overlap the work area')
/** The digest bytes as the last finish left them (the memory never grows, so the view stays valid). */
const scratchDigest = mem.subarray(SCRATCH, SCRATCH + 32)

/** The state whose bytes are at RESIDENT (its own `bytes` are stale meanwhile). */
let resident: KeccakState | undefined

/** Absorb `data` into the state at `at` from position `pos`; returns the new position. */
function absorb(at: number, pos: number, data: Uint8Array): number {
  if (data.length <= INPUT_SIZE) {
    mem.set(data, INPUT)
    return k.absorb(at, pos, INPUT, data.length)
  }
  let p = pos
  for (let o = 0; o < data.length; o += INPUT_SIZE) {
    const chunk = data.subarray(o, Math.min(o + INPUT_SIZE, data.length))
    mem.set(chunk, INPUT)
    p = k.absorb(at, p, INPUT, chunk.length)
  }
  return p
}

/** keccak-256 of the concatenation of `parts`. */
export function keccak256(...parts: Uint8Array[]): Uint8Array {
  mem.fill(0, SCRATCH, SCRATCH + STATE_SIZE)
  let pos = 0
  for (const p of parts) pos = absorb(SCRATCH, pos, p)
  k.finish(SCRATCH, pos, SCRATCH)
  return scratchDigest.slice()
}

/**
 * An incremental keccak-256 whose digest can be read without finalising it, as RLPx's
 * egress/ingress MACs require.
 */
export class KeccakState {
  private bytes: Uint8Array = new Uint8Array(STATE_SIZE)
  private pos = 0
  /** The digest of the current state once read (RLPx reads it twice between updates). */
  private readonly last = new Uint8Array(32)
  private lastValid = false

  update(data: Uint8Array): this {
    this.load()
    this.pos = absorb(RESIDENT, this.pos, data)
    this.lastValid = false
    return this
  }

  /** Digest of everything absorbed so far (a fresh array); the state keeps going. */
  digest(): Uint8Array {
    return this.current().slice()
  }

  /** Write the first `out.length` (≤ 32) digest bytes into `out`, allocating nothing. */
  digestInto(out: Uint8Array): void {
    const d = this.current()
    if (out.length === 32) out.set(d)
    else for (let i = 0; i < out.length; i++) out[i] = d[i] as number
  }

  private current(): Uint8Array {
    if (!this.lastValid) {
      this.load()
      k.finish(RESIDENT, this.pos, SCRATCH)
      this.last.set(scratchDigest)
      this.lastValid = true
    }
    return this.last
  }

  clone(): KeccakState {
    const c = new KeccakState()
    c.bytes = resident === this ? mem.slice(RESIDENT, RESIDENT + STATE_SIZE) : this.bytes.slice()
    c.pos = this.pos
    c.last.set(this.last)
    c.lastValid = this.lastValid
    return c
  }

  /** Make this the resident state, saving the previous one to its own bytes. */
  private load(): void {
    if (resident === this) return
    if (resident) resident.bytes.set(mem.subarray(RESIDENT, RESIDENT + STATE_SIZE))
    mem.set(this.bytes, RESIDENT)
    resident = this
  }
}

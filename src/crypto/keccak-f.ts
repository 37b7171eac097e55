/**
 * keccak-f[1600] and sponge absorption as a small WebAssembly module, assembled here from the
 * FIPS 202 definition (no binary blob): 64-bit lanes map onto WASM i64 with native rotations.
 *
 * Exports of the instance:
 * - `permute(src, dst)`: keccak-f[1600] of the 200-byte state at `src`, written to `dst`.
 * - `absorb(state, pos, src, len) → pos`: XOR `len` bytes at `src` into the rate part of the
 *   state at byte position `pos`, permuting at every full block; returns the new position.
 *   Whole blocks go through one loop that keeps the state in the work area from block to block.
 * - `finish(state, pos, dst)`: pad a copy of the state (keccak's 0x01 … 0x80) at `dst` and
 *   permute it there: the digest is its first 32 bytes; the state itself is left as it was.
 * - `memory`: {@link MEMORY_PAGES} pages of 64 KiB. Callers keep their states below
 *   {@link WORK_AREA} and their input from {@link INPUT_OFFSET} on; the module uses the bytes
 *   between (work area, θ's column parities, round constants).
 *
 * How the rounds are laid out, for speed in V8 (each choice measured, ~16% over lanes held in
 * 25 locals): a round reads the 25 lanes from one half of the work area and writes the next
 * state to the other half, plane by plane, so only about a dozen values are live at once (x86-64
 * has 16 registers; 25 lanes in locals spill all over); θ's column parities are stored as they
 * are computed, which keeps V8 from loading all 25 lanes first; and lanes are complemented so
 * that χ needs one NOT per plane instead of five (see {@link COMPLEMENTED}).
 *
 * Spec: NIST FIPS 202 §3.2 (step mappings θ ρ π χ ι, rotation offsets and round constants are
 * computed below from their definitions). No I/O.
 * @module
 */

/** Bytes absorbed per permutation for keccak-256 (1600 - 2·256 bits). FIPS 202 §6.2. */
export const RATE = 136
/** Bytes of the keccak-f[1600] state. */
export const STATE_SIZE = 200
/** Size of the module's memory in 64 KiB pages: room for a whole 64 KiB frame plus states. */
export const MEMORY_PAGES = 2
/** First byte the module uses for itself: [0, WORK_AREA) is free for callers' states. */
export const WORK_AREA = 512
/** The two halves of the work area: rounds go from one to the other. */
const WORK_A = WORK_AREA
const WORK_B = WORK_AREA + 256
/** θ's five column parities C[x]. */
const C_SLOTS = WORK_AREA + 512
/** Byte offset of the 24 round constants in the module's memory. */
export const RC_OFFSET = WORK_AREA + 576
/** First byte free for callers' input (above the round constants). */
export const INPUT_OFFSET = 2048

/** ρ rotation offsets r[x + 5y] (FIPS 202 §3.2.2, Algorithm 2). */
function rotationOffsets(): number[] {
  const r = new Array<number>(25).fill(0)
  let x = 1
  let y = 0
  for (let t = 0; t < 24; t++) {
    r[x + 5 * y] = (((t + 1) * (t + 2)) / 2) % 64
    ;[x, y] = [y, (2 * x + 3 * y) % 5]
  }
  return r
}

/** ι round constants (FIPS 202 §3.2.5, Algorithms 5 and 6). */
export function roundConstants(): bigint[] {
  const rc = (t: number): number => {
    if (t % 255 === 0) return 1
    let r = 0x80
    for (let i = 1; i <= t % 255; i++) {
      // R = 0 || R; R[0] ^= R[8]; R[4] ^= R[8]; R[5] ^= R[8]; R[6] ^= R[8]; R = Trunc8(R).
      // Bit i of the spec's R is bit (7 - i) here, so R[8] is the low bit before the shift.
      const r8 = r & 1
      r >>= 1
      if (r8) r ^= 0x80 | 0x08 | 0x04 | 0x02
    }
    return r >> 7
  }
  const out: bigint[] = []
  for (let ir = 0; ir < 24; ir++) {
    let c = 0n
    for (let j = 0; j <= 6; j++) if (rc(j + 7 * ir)) c |= 1n << BigInt(2 ** j - 1)
    out.push(c)
  }
  return out
}

// ---------- a tiny WASM assembler (only what the functions below need) ----------

const uleb = (n: number): number[] => {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n !== 0) b |= 0x80
    out.push(b)
  } while (n !== 0)
  return out
}
const sleb = (n: number): number[] => {
  const out: number[] = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b)
      return out
    }
    out.push(b | 0x80)
  }
}
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()]
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body]
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))]

const I32 = 0x7f
const I64 = 0x7e
const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  i64load: (offset: number, align = 3) => [0x29, align, ...uleb(offset)],
  i64store: (offset: number, align = 3) => [0x37, align, ...uleb(offset)],
  load8: [0x2d, 0, 0],
  store8: [0x3a, 0, 0],
  i32: (n: number) => [0x41, ...sleb(n)],
  i64: (n: number) => [0x42, ...sleb(n)],
  i32add: [0x6a],
  i32sub: [0x6b],
  i32mul: [0x6c],
  i32divu: [0x6e],
  i32shl: [0x74],
  i32and: [0x71],
  i32xor: [0x73],
  i32eq: [0x46],
  i32ne: [0x47],
  i32eqz: [0x45],
  i32leu: [0x4d],
  i32geu: [0x4f],
  xor: [0x85],
  and: [0x83],
  or: [0x84],
  rotl: [0x89],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  br: (d: number) => [0x0c, ...uleb(d)],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  call: (f: number) => [0x10, ...uleb(f)],
}

/**
 * Lane complementing (Bertoni, Daemen, Peeters, Van Assche, Van Keer, "Keccak implementation
 * overview" §2.2): while in the work area, the lanes at these indices x + 5y hold their
 * complement. θ, ρ, π and ι carry complements through predictably, and with this set χ can be
 * written with one NOT per plane ({@link CHI}). The state is complemented on the way in and out.
 */
const COMPLEMENTED = new Set([1, 2, 8, 12, 17, 20])

/**
 * χ for each output plane y, on the plane's inputs b0..b4 (lanes after θ, ρ and π, some held
 * complemented), giving the plane's outputs complemented as {@link COMPLEMENTED} says. Each is
 * χ's `a ^ (¬b & c)` rewritten by De Morgan for the complements at hand; `~` marks the plane's
 * single NOT (computed once). The same table as the implementation overview's; the digest tests
 * against an independent keccak check every entry.
 */
const CHI = [
  ['b0^(b1|b2)', 'b1^(~b2|b3)', 'b2^(b3&b4)', 'b3^(b4|b0)', 'b4^(b0&b1)'],
  ['b0^(b1|b2)', 'b1^(b2&b3)', 'b2^(b3|~b4)', 'b3^(b4|b0)', 'b4^(b0&b1)'],
  ['b0^(b1|b2)', 'b1^(b2&b3)', 'b2^(~b3&b4)', '~b3^(b4|b0)', 'b4^(b0&b1)'],
  ['b0^(b1&b2)', 'b1^(b2|b3)', 'b2^(~b3|b4)', '~b3^(b4&b0)', 'b4^(b0|b1)'],
  ['b0^(~b1&b2)', '~b1^(b2|b3)', 'b2^(b3&b4)', 'b3^(b4|b0)', 'b4^(b0&b1)'],
]

/** One χ entry: `[~]bX^([~]bY op [~]bZ)`. */
interface ChiTerm {
  operands: [number, boolean][]
  or: boolean
}
function parseChi(entry: string): ChiTerm {
  const m = /^(~?)b(\d)\^\((~?)b(\d)([|&])(~?)b(\d)\)$/.exec(entry)
  if (!m) throw new Error(`bad χ entry ${entry}`)
  const at = (i: number): [number, boolean] => [Number(m[i + 1]), m[i] === '~']
  return { operands: [at(1), at(3), at(6)], or: m[5] === '|' }
}

/** Local indices of the permuting functions after their parameters. */
interface Locals {
  R: number
  C: (x: number) => number
  D: (x: number) => number
  B: (x: number) => number
  N: number
}
const localsFrom = (first: number): Locals => ({
  R: first,
  C: (x) => first + 1 + x,
  D: (x) => first + 6 + x,
  B: (x) => first + 11 + x,
  N: first + 16,
})
/** The declared locals: the round counter, then C (5), D (5), B (5) and one NOT. */
const ROUND_LOCALS = vec([
  [1, I32],
  [16, I64],
])

/** Load (`i32.const 0` then a static offset: the addresses are fixed) and store helpers. */
const at = (offset: number): number[] => [...op.i32(0), ...op.i64load(offset)]

/** One round from the lanes at `from` to `to`, with `rc` the code pushing ι's constant. */
function round(l: Locals, from: number, to: number, rc: number[]): number[] {
  const rot = rotationOffsets()
  const code: number[] = []
  const emit = (...parts: number[][]) => {
    for (const p of parts) code.push(...p)
  }
  // θ: C[x] = ⊕ A[x, ·] (stored as soon as known), D[x] = C[x-1] ^ rotl(C[x+1], 1)
  for (let x = 0; x < 5; x++) {
    emit(at(from + 8 * x))
    for (let y = 1; y < 5; y++) emit(at(from + 8 * (x + 5 * y)), op.xor)
    emit(op.set(l.C(x)), op.i32(0), op.get(l.C(x)), op.i64store(C_SLOTS + 8 * x))
  }
  for (let x = 0; x < 5; x++)
    emit(op.get(l.C((x + 4) % 5)), op.get(l.C((x + 1) % 5)), op.i64(1), op.rotl, op.xor, op.set(l.D(x)))
  // π moves A[x, y] to B[y, 2x + 3y]: the source of each B lane.
  const source = new Array<number>(25)
  for (let x = 0; x < 5; x++) for (let y = 0; y < 5; y++) source[y + 5 * ((2 * x + 3 * y) % 5)] = x + 5 * y
  for (let y = 0; y < 5; y++) {
    // θ's A ^= D, ρ's rotation and π for the five lanes of plane y, then χ and ι.
    for (let x = 0; x < 5; x++) {
      const s = source[x + 5 * y] as number
      emit(at(from + 8 * s), op.get(l.D(s % 5)), op.xor)
      if (rot[s]) emit(op.i64(rot[s] as number), op.rotl)
      emit(op.set(l.B(x)))
    }
    const terms = (CHI[y] as string[]).map(parseChi)
    const negated = terms.flatMap((t) => t.operands.filter(([, neg]) => neg).map(([i]) => i))
    if (new Set(negated).size !== 1) throw new Error(`χ plane ${y} needs exactly one NOT`)
    emit(op.get(l.B(negated[0] as number)), op.i64(-1), op.xor, op.set(l.N))
    for (const [x, t] of terms.entries()) {
      emit(op.i32(0))
      for (const [i, neg] of t.operands) emit(op.get(neg ? l.N : l.B(i)))
      emit(t.or ? op.or : op.and, op.xor)
      if (x === 0 && y === 0) emit(rc, op.xor)
      emit(op.i64store(to + 8 * (x + 5 * y)))
    }
  }
  return code
}

/** The 24 rounds on the state in WORK_A, two per loop turn (WORK_A → WORK_B → WORK_A). */
function rounds(l: Locals): number[] {
  const rc = (k: number) => [...op.get(l.R), ...op.i32(3), ...op.i32shl, ...op.i64load(RC_OFFSET + 8 * k)]
  return [
    ...op.i32(0),
    ...op.set(l.R),
    ...op.loop,
    ...round(l, WORK_A, WORK_B, rc(0)),
    ...round(l, WORK_B, WORK_A, rc(1)),
    ...[...op.get(l.R), ...op.i32(2), ...op.i32add, ...op.set(l.R)],
    ...[...op.get(l.R), ...op.i32(24), ...op.i32ne, ...op.brIf(0)],
    ...op.end,
  ]
}

/** Copy the state at `ptr` into WORK_A, complementing the lanes in COMPLEMENTED. */
function stateIn(ptr: number): number[] {
  const code: number[] = []
  for (let i = 0; i < 25; i++) {
    code.push(...op.i32(0), ...op.get(ptr), ...op.i64load(8 * i))
    if (COMPLEMENTED.has(i)) code.push(...op.i64(-1), ...op.xor)
    code.push(...op.i64store(WORK_A + 8 * i))
  }
  return code
}

/** Copy WORK_A back to the state at `ptr`, undoing the complements. */
function stateOut(ptr: number): number[] {
  const code: number[] = []
  for (let i = 0; i < 25; i++) {
    code.push(...op.get(ptr), ...at(WORK_A + 8 * i))
    if (COMPLEMENTED.has(i)) code.push(...op.i64(-1), ...op.xor)
    code.push(...op.i64store(8 * i))
  }
  return code
}

/** permute(src, dst): keccak-f[1600] of the state at src, written to dst. */
function permuteBody(): number[] {
  const [SRC, DST] = [0, 1]
  const l = localsFrom(2)
  return [...ROUND_LOCALS, ...stateIn(SRC), ...rounds(l), ...stateOut(DST), ...op.end]
}

/**
 * absorbBlocks(state, src, n): absorb n whole blocks of RATE bytes at src into the state,
 * keeping it in the work area from one block to the next.
 */
function absorbBlocksBody(): number[] {
  const [ST, SRC, N] = [0, 1, 2]
  const l = localsFrom(3)
  const code: number[] = []
  const emit = (...parts: number[][]) => {
    for (const p of parts) code.push(...p)
  }
  emit(stateIn(ST), op.block, op.loop, op.get(N), op.i32eqz, op.brIf(1))
  for (let i = 0; i < RATE / 8; i++)
    emit(op.i32(0), at(WORK_A + 8 * i), op.get(SRC), op.i64load(8 * i, 0), op.xor, op.i64store(WORK_A + 8 * i))
  emit(rounds(l))
  emit(op.get(SRC), op.i32(RATE), op.i32add, op.set(SRC), op.get(N), op.i32(1), op.i32sub, op.set(N))
  emit(op.br(0), op.end, op.end, stateOut(ST))
  return [...ROUND_LOCALS, ...code, ...op.end]
}

/**
 * absorb(state, pos, src, len) → pos: whole blocks through absorbBlocks when at a block start,
 * else 8 bytes at a time (unaligned loads are allowed), then single bytes.
 */
function absorbBody(): number[] {
  const [ST, POS, SRC, LEN, NB] = [0, 1, 2, 3, 4]
  const add = (l: number, n: number) => [...op.get(l), ...op.i32(n), ...(n >= 0 ? op.i32add : []), ...op.set(l)]
  const sub = (l: number, n: number) => [...op.get(l), ...op.i32(n), ...op.i32sub, ...op.set(l)]
  const addr = [...op.get(ST), ...op.get(POS), ...op.i32add]
  const code = [
    ...op.block,
    ...op.loop,
    ...op.get(LEN),
    ...op.i32eqz,
    ...op.brIf(1),
    // At a block start with whole blocks to take: absorbBlocks, then go round again.
    ...op.get(POS),
    ...op.i32eqz,
    ...op.get(LEN),
    ...op.i32(RATE),
    ...op.i32geu,
    ...op.i32and,
    ...op.if,
    ...op.get(LEN),
    ...op.i32(RATE),
    ...op.i32divu,
    ...op.set(NB),
    ...op.get(ST),
    ...op.get(SRC),
    ...op.get(NB),
    ...op.call(2),
    ...op.get(NB),
    ...op.i32(RATE),
    ...op.i32mul,
    ...op.set(NB),
    ...op.get(SRC),
    ...op.get(NB),
    ...op.i32add,
    ...op.set(SRC),
    ...op.get(LEN),
    ...op.get(NB),
    ...op.i32sub,
    ...op.set(LEN),
    ...op.br(1),
    ...op.end,
    ...op.get(POS),
    ...op.i32(RATE - 8),
    ...op.i32leu,
    ...op.get(LEN),
    ...op.i32(8),
    ...op.i32geu,
    ...op.i32and,
    ...op.if,
    ...addr,
    ...addr,
    ...op.i64load(0, 0),
    ...op.get(SRC),
    ...op.i64load(0, 0),
    ...op.xor,
    ...op.i64store(0, 0),
    ...add(POS, 8),
    ...add(SRC, 8),
    ...sub(LEN, 8),
    ...op.else,
    ...addr,
    ...addr,
    ...op.load8,
    ...op.get(SRC),
    ...op.load8,
    ...op.i32xor,
    ...op.store8,
    ...add(POS, 1),
    ...add(SRC, 1),
    ...sub(LEN, 1),
    ...op.end,
    ...op.get(POS),
    ...op.i32(RATE),
    ...op.i32eq,
    ...op.if,
    ...op.get(ST),
    ...op.get(ST),
    ...op.call(0),
    ...op.i32(0),
    ...op.set(POS),
    ...op.end,
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(POS),
  ]
  return [...vec([[1, I32]]), ...code, ...op.end]
}

/**
 * finish(state, pos, dst): copy the state to dst, XOR keccak's padding (0x01 at pos, 0x80 at the
 * last rate byte: FIPS 202 §B.2 with keccak's original 0x01 suffix, as Ethereum uses) and permute.
 */
function finishBody(): number[] {
  const [ST, POS, DST] = [0, 1, 2]
  const code: number[] = []
  const emit = (...parts: number[][]) => {
    for (const p of parts) code.push(...p)
  }
  for (let i = 0; i < 25; i++) emit(op.get(DST), op.get(ST), op.i64load(8 * i), op.i64store(8 * i))
  const xorByte = (at: number[], v: number) => emit(at, at, op.load8, op.i32(v), op.i32xor, op.store8)
  xorByte([...op.get(DST), ...op.get(POS), ...op.i32add], 0x01)
  xorByte([...op.get(DST), ...op.i32(RATE - 1), ...op.i32add], 0x80)
  emit(op.get(DST), op.get(DST), op.call(0))
  return [...vec([]), ...code, ...op.end]
}

/** The module's bytes. */
export function keccakWasmBytes(): Uint8Array {
  const types = vec([
    [0x60, ...vec([[I32], [I32]]), ...vec([])],
    [0x60, ...vec([[I32], [I32], [I32], [I32]]), ...vec([[I32]])],
    [0x60, ...vec([[I32], [I32], [I32]]), ...vec([])],
  ])
  const funcs = vec([[0], [1], [2], [2]])
  const memory = vec([[0x00, MEMORY_PAGES]])
  const exports = vec([
    [...name('memory'), 0x02, 0],
    [...name('permute'), 0x00, 0],
    [...name('absorb'), 0x00, 1],
    [...name('finish'), 0x00, 3],
  ])
  const bodies = [permuteBody(), absorbBody(), absorbBlocksBody(), finishBody()].map((b) => [...uleb(b.length), ...b])
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, types),
    ...section(3, funcs),
    ...section(5, memory),
    ...section(7, exports),
    ...section(10, vec(bodies)),
  ])
}

/** The instantiated module, with its round constants in place. */
export interface KeccakWasm {
  memory: { readonly buffer: ArrayBuffer }
  permute(src: number, dst: number): void
  absorb(state: number, pos: number, src: number, len: number): number
  finish(state: number, pos: number, dst: number): void
}

/** The part of the WebAssembly global used here (the project's lib settings do not declare it). */
interface WasmGlobal {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object) => { exports: object }
}
const wasm = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly

/** Compile and instantiate (synchronously: the module is a few kilobytes). */
export function instantiateKeccak(): KeccakWasm {
  const instance = new wasm.Instance(new wasm.Module(keccakWasmBytes()))
  const k = instance.exports as unknown as KeccakWasm
  const view = new DataView(k.memory.buffer)
  for (const [i, c] of roundConstants().entries()) view.setBigUint64(RC_OFFSET + 8 * i, c, true)
  return k
}

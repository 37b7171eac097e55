/** Deterministic input generators for property tests of decoders (random and mutated bytes). */

/** xorshift32: fast, seeded, good enough to drive mutations. */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s / 0x100000000
  }
}

export function randomBytes(rand: () => number, maxLen: number): Uint8Array {
  const out = new Uint8Array(Math.floor(rand() * (maxLen + 1)))
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(rand() * 256)
  return out
}

/** One random mutation: flip a bit, set a byte, truncate, extend, duplicate or delete a span. */
export function mutate(rand: () => number, input: Uint8Array): Uint8Array {
  const b = input.slice()
  const at = Math.floor(rand() * Math.max(1, b.length))
  switch (Math.floor(rand() * 6)) {
    case 0:
      if (b.length) b[at] = (b[at] as number) ^ (1 << Math.floor(rand() * 8))
      return b
    case 1:
      if (b.length) b[at] = Math.floor(rand() * 256)
      return b
    case 2:
      return b.subarray(0, at)
    case 3: {
      const extra = randomBytes(rand, 8)
      const out = new Uint8Array(b.length + extra.length)
      out.set(b)
      out.set(extra, b.length)
      return out
    }
    case 4: {
      const len = Math.floor(rand() * 8)
      const out = new Uint8Array(b.length + len)
      out.set(b.subarray(0, at))
      out.set(b.subarray(at, at + len), at)
      out.set(b.subarray(at), at + Math.min(len, b.length - at))
      return out.subarray(0, b.length + Math.min(len, b.length - at))
    }
    default: {
      const len = Math.floor(rand() * 8)
      const out = new Uint8Array(b.length)
      out.set(b.subarray(0, at))
      out.set(b.subarray(at + len), at)
      return out.subarray(0, Math.max(at, b.length - len))
    }
  }
}

/**
 * Feed `runs` inputs (random, or mutations of `seeds`, 1-3 mutations deep) to `decode`; every
 * throw must satisfy `isTyped`. Returns how many inputs decoded without error.
 */
export function fuzzDecoder(opts: {
  runs: number
  seed: number
  seeds: Uint8Array[]
  maxRandomLength: number
  decode: (input: Uint8Array) => unknown
  isTyped: (e: unknown) => boolean
}): { accepted: number } {
  const rand = prng(opts.seed)
  let accepted = 0
  for (let i = 0; i < opts.runs; i++) {
    let input: Uint8Array
    if (opts.seeds.length === 0 || rand() < 0.3) input = randomBytes(rand, opts.maxRandomLength)
    else {
      input = opts.seeds[Math.floor(rand() * opts.seeds.length)] as Uint8Array
      const depth = 1 + Math.floor(rand() * 3)
      for (let d = 0; d < depth; d++) input = mutate(rand, input)
    }
    try {
      opts.decode(input)
      accepted++
    } catch (e) {
      if (!opts.isTyped(e)) {
        const hex = Buffer.from(input).toString('hex')
        throw new Error(`untyped error ${String(e)} for input ${hex}`, { cause: e })
      }
    }
  }
  return { accepted }
}

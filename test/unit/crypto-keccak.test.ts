import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { keccak_256, keccakP } from '@noble/hashes/sha3.js'
import { KeccakState, keccak256 } from '../../src/crypto/index.js'
import { instantiateKeccak, RATE, roundConstants, STATE_SIZE } from '../../src/crypto/keccak-f.js'
import { toHex } from '../../src/util/bytes.js'

// The WASM keccak against an independent implementation (@noble/hashes).
describe('keccak-256 (WASM keccak-f)', () => {
  test('round constants as FIPS 202 lists them (first, second, last)', () => {
    const rc = roundConstants()
    assert.equal(rc.length, 24)
    assert.equal(rc[0], 0x1n)
    assert.equal(rc[1], 0x8082n)
    assert.equal(rc[23], 0x8000000080008008n)
  })

  test('one-shot digests of every length around the rate and of large inputs', () => {
    const lengths = [...Array.from({ length: 3 * RATE + 2 }, (_, i) => i), 65_535, 65_536, 200_001]
    for (const n of lengths) {
      const d = randomBytes(n)
      assert.equal(toHex(keccak256(d)), toHex(keccak_256(d)), `length ${n}`)
    }
    const parts = [randomBytes(7), randomBytes(130), randomBytes(0), randomBytes(300)]
    assert.equal(toHex(keccak256(...parts)), toHex(keccak_256(Buffer.concat(parts))))
  })

  test('interleaved incremental states, clones and one-shot calls stay independent', () => {
    const ours = [new KeccakState(), new KeccakState()]
    const ref = [keccak_256.create(), keccak_256.create()]
    for (let i = 0; i < 600; i++) {
      const j = i % 3 === 0 ? 1 : 0
      const d = randomBytes(i % 10 === 0 ? 1 + ((i * 37) % 3000) : i % 17)
      ;(ours[j] as KeccakState).update(d)
      ref[j]?.update(d)
      for (const k of [0, 1]) {
        const want = toHex((ref[k] as ReturnType<typeof keccak_256.create>).clone().digest())
        assert.equal(toHex((ours[k] as KeccakState).digest()), want, `step ${i} state ${k}`)
        assert.equal(toHex((ours[k] as KeccakState).digest()), want, `step ${i} state ${k}, read twice`)
      }
      if (i % 11 === 0) {
        const c = (ours[0] as KeccakState).clone().update(d)
        assert.equal(
          toHex(c.digest()),
          toHex((ref[0] as ReturnType<typeof keccak_256.create>).clone().update(d).digest()),
        )
      }
      if (i % 5 === 0) assert.equal(toHex(keccak256(d)), toHex(keccak_256(d)))
    }
  })

  test("keccak-f[1600] itself equals noble's keccakP on random states (and the all-zero one)", () => {
    const k = instantiateKeccak()
    const mem = new Uint8Array(k.memory.buffer)
    for (let i = 0; i < 20; i++) {
      const state = i === 0 ? new Uint8Array(STATE_SIZE) : new Uint8Array(randomBytes(STATE_SIZE))
      mem.set(state, 0)
      k.permute(0, 256)
      const ref = new Uint32Array(state.buffer.slice(0)) // little-endian lanes, as on x86 and ARM
      keccakP(ref)
      assert.equal(toHex(mem.slice(256, 256 + STATE_SIZE)), toHex(new Uint8Array(ref.buffer)), `state ${i}`)
      assert.equal(toHex(mem.slice(0, STATE_SIZE)), toHex(state), 'the source state is left alone')
    }
  })

  test('every length 0..600 in one shot, and split at random points into 1..6 updates', () => {
    for (let n = 0; n <= 600; n++) {
      const d = new Uint8Array(randomBytes(n))
      const want = toHex(keccak_256(d))
      assert.equal(toHex(keccak256(d)), want, `length ${n}`)
      const s = new KeccakState()
      let o = 0
      for (let parts = 1 + (n % 6); parts > 1 && o < n; parts--) {
        const cut = o + Math.floor(Math.random() * (n - o + 1))
        s.update(d.subarray(o, cut))
        o = cut
      }
      s.update(d.subarray(o))
      assert.equal(toHex(s.digest()), want, `length ${n}, split`)
      const half = new Uint8Array(16)
      s.digestInto(half)
      assert.equal(toHex(half), want.slice(0, 32), `length ${n}, digestInto 16`)
    }
  })

  test('large updates beyond the input area, from every start position within a block', () => {
    const big = new Uint8Array(randomBytes(300_001))
    for (const lead of [0, 1, 7, 8, 9, 100, RATE - 1, RATE, RATE + 5]) {
      const s = new KeccakState().update(big.subarray(0, lead)).update(big.subarray(lead))
      assert.equal(toHex(s.digest()), toHex(keccak_256(big)), `lead ${lead}`)
    }
  })

  test('a digest is a fresh array each time', () => {
    const s = new KeccakState().update(Uint8Array.of(1))
    const a = s.digest()
    a.fill(0)
    assert.equal(toHex(s.digest()), toHex(keccak_256(Uint8Array.of(1))))
  })
})

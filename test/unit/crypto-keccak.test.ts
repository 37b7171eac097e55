import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { KeccakState, keccak256 } from '../../src/crypto/index.js'
import { RATE, roundConstants } from '../../src/crypto/keccak-f.js'
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

  test('a digest is a fresh array each time', () => {
    const s = new KeccakState().update(Uint8Array.of(1))
    const a = s.digest()
    a.fill(0)
    assert.equal(toHex(s.digest()), toHex(keccak_256(Uint8Array.of(1))))
  })
})

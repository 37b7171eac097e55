import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { decode, encode, encodeListOf, RlpError, type RlpInput, type RlpItem } from '../../src/rlp/index.js'
import { fromHex, toHex } from '../../src/util/bytes.js'
import { loadVector } from '../helpers/vectors.js'

type Vec = { in: unknown; out: string }

function toInput(v: unknown): RlpInput {
  if (typeof v === 'string') return v.startsWith('#') ? BigInt(v.slice(1)) : v
  if (typeof v === 'number') return v
  if (Array.isArray(v)) return v.map(toInput)
  throw new Error(`unexpected vector input ${JSON.stringify(v)}`)
}

describe('RLP vectors (ethereum/tests)', () => {
  const valid = loadVector<Record<string, Vec>>('rlp/rlptest.json')
  for (const [name, v] of Object.entries(valid)) {
    test(`encode ${name}`, () => {
      assert.equal(`0x${toHex(encode(toInput(v.in)))}`, v.out.toLowerCase())
    })
    test(`decode and re-encode ${name}`, () => {
      const bytes = fromHex(v.out)
      assert.deepEqual(encode(decode(bytes) as RlpInput), bytes)
    })
  }
  const invalid = loadVector<Record<string, Vec>>('rlp/invalidRLPTest.json')
  for (const [name, v] of Object.entries(invalid)) {
    test(`reject ${name}`, () => {
      assert.throws(() => decode(fromHex(v.out)), RlpError)
    })
  }
  const random = loadVector<Record<string, Vec>>('rlp/RandomRLPTests/example.json')
  for (const [name, v] of Object.entries(random)) {
    test(`decode valid ${name}`, () => {
      assert.doesNotThrow(() => decode(fromHex(v.out)))
    })
  }
})

describe('RLP strictness', () => {
  const cases: [string, string, string][] = [
    ['empty input', '', 'EMPTY_INPUT'],
    ['trailing bytes after a single item', '8180ff', 'TRAILING_BYTES'],
    ['single byte wrapped', '8105', 'NON_CANONICAL_SINGLE_BYTE'],
    ['leading zero in size', `b90038${'00'.repeat(56)}`, 'LEADING_ZERO_SIZE'],
    ['long form for short size', 'b80100', 'NON_CANONICAL_SIZE'],
    ['string past end', '83aabb', 'TRUNCATED'],
    ['list past end', 'c3aabb', 'TRUNCATED'],
    ['child past list end', 'c283aabbcc', 'TRUNCATED'],
    ['huge size', `bf${'ff'.repeat(8)}`, 'SIZE_OVERFLOW'],
  ]
  for (const [name, hex, code] of cases) {
    test(name, () => {
      assert.throws(
        () => decode(fromHex(hex)),
        (e: unknown) => e instanceof RlpError && e.code === code,
      )
    })
  }

  test('deep nesting is bounded', () => {
    const deep = new Uint8Array(3000).fill(0xc1)
    deep[deep.length - 1] = 0xc0
    // each 0xc1 claims 1 byte of payload, so the structure is inconsistent well before the end
    assert.throws(() => decode(deep), RlpError)
    let nested: RlpInput = []
    for (let i = 0; i < 2000; i++) nested = [nested]
    assert.throws(
      () => decode(encode(nested)),
      (e: unknown) => e instanceof RlpError && e.code === 'TOO_DEEP',
    )
  })

  test('decoded strings are views, and lists round-trip', () => {
    const value: RlpInput = [fromHex('00'), [], [fromHex('aa'.repeat(60)), 'dog'], 1024, 0n]
    const bytes = encode(value)
    const item = decode(bytes) as RlpItem[]
    assert.equal((item[0] as Uint8Array).buffer, bytes.buffer)
    assert.deepEqual(encode(item), bytes)
  })

  test('negative and unsafe integers are refused by the encoder', () => {
    assert.throws(() => encode(-1))
    assert.throws(() => encode(2 ** 60))
    assert.throws(() => encode(-1n))
  })
})

describe('encodeListOf', () => {
  test('equals encoding the list of decoded items, across the 55/56-byte and 255/256-byte header edges', () => {
    for (const n of [0, 1, 54, 55, 56, 57, 254, 255, 256, 70_000]) {
      const items: RlpInput[] = [new Uint8Array(n).fill(0xab), 7, [1, 'x']]
      const parts = items.map((i) => encode(i))
      assert.equal(toHex(encodeListOf(parts)), toHex(encode(items)), `payload with a ${n}-byte string`)
    }
    assert.equal(toHex(encodeListOf([])), 'c0')
  })
})

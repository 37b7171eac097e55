import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fromHex, toHex } from '../../../src/util/bytes.js'

test('toHex is lower-case hex of every length, the inverse of fromHex', () => {
  for (let n = 0; n <= 200; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff)
    const hex = toHex(bytes)
    assert.equal(hex, Buffer.from(bytes).toString('hex'))
    assert.deepEqual(fromHex(hex), bytes)
  }
  const big = new Uint8Array(100).fill(0xab)
  assert.equal(toHex(big.subarray(10, 90)), 'ab'.repeat(80), 'a view is read from its own offset')
})

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  CodecError,
  defineProtocol,
  emptyCodec,
  envelopeIds,
  flatIds,
  listHeader,
  MAX_REQUEST_ID,
  message,
  request,
  textCodec,
  uint64Codec,
} from '../../../src/protocol/index.js'
import { encode } from '../../../src/rlp/index.js'
import { fromHex, toHex } from '../../../src/util/bytes.js'

describe('request id framing', () => {
  test('envelope: [id, payload] round trips, including id 0 and 2^64-1', () => {
    for (const id of [0n, 1n, 127n, 128n, 255n, 256n, MAX_REQUEST_ID]) {
      const payload = encode([1, 2, [3]])
      const wire = envelopeIds.wrap(id, payload)
      assert.deepEqual(wire, encode([id, [1, 2, [3]]]))
      const back = envelopeIds.unwrap(wire)
      assert.equal(back.id, id)
      assert.deepEqual(back.payload, payload)
    }
    assert.throws(() => envelopeIds.wrap(MAX_REQUEST_ID + 1n, encode(1)), RangeError)
  })

  test('flat: the id is spliced in front of the payload fields', () => {
    const payload = encode([fromHex('aa'.repeat(32)), 5])
    const wire = flatIds.wrap(7n, payload)
    assert.deepEqual(wire, encode([7, fromHex('aa'.repeat(32)), 5]))
    const back = flatIds.unwrap(wire)
    assert.equal(back.id, 7n)
    assert.deepEqual(back.payload, payload)
    assert.deepEqual(flatIds.unwrap(encode([0])).payload, encode([]))
  })

  const bad: [string, string][] = [
    ['not a list', '05'],
    ['an empty list', 'c0'],
    ['trailing bytes', 'c20105ff'],
    ['a 9-byte id', 'cb89010101010101010101' + '05'],
    ['an id with a leading zero', 'c482000105'],
    ['a single byte wrapped as a string', 'c3817f05'],
    ['an id that is a list', 'c3c10105'],
    ['a truncated id', 'c28205'],
  ]
  for (const [what, hex] of bad)
    test(`rejects ${what} with CodecError`, () => {
      assert.throws(() => envelopeIds.unwrap(fromHex(hex)), CodecError)
      assert.throws(() => flatIds.unwrap(fromHex(hex)), CodecError)
    })

  test('envelope needs exactly one payload item', () => {
    assert.throws(() => envelopeIds.unwrap(encode([1])), CodecError)
    assert.throws(() => envelopeIds.unwrap(encode([1, 2, 3])), CodecError)
  })

  test('listHeader matches the RLP encoder at the short/long boundary', () => {
    for (const n of [0, 1, 55, 56, 255, 256, 65536]) {
      const items = new Uint8Array(n).fill(1)
      const full = encode(Array.from(items, () => 1))
      assert.equal(toHex(listHeader(n)), toHex(full.subarray(0, full.length - n)))
    }
  })
})

describe('codecs', () => {
  test('decode failures are CodecErrors with a code', () => {
    assert.throws(
      () => uint64Codec.decode(encode(new Uint8Array(9).fill(1))),
      (e) => e instanceof CodecError && e.code === 'BAD_VALUE',
    )
    assert.throws(
      () => uint64Codec.decode(Uint8Array.of(0xc0)),
      (e) => e instanceof CodecError && e.code === 'BAD_SHAPE',
    )
    assert.throws(
      () => textCodec(4).decode(encode('hello')),
      (e) => e instanceof CodecError,
    )
    assert.throws(
      () => emptyCodec.decode(encode([1])),
      (e) => e instanceof CodecError,
    )
    assert.throws(
      () => uint64Codec.decode(Uint8Array.of(0x82, 0x01)),
      (e) => e instanceof CodecError && e.code === 'BAD_RLP',
    )
    assert.equal(emptyCodec.decode(emptyCodec.encode(null)), null)
  })
})

describe('defineProtocol', () => {
  test('refuses duplicate and out-of-range codes', () => {
    assert.throws(
      () =>
        defineProtocol({
          name: 'x',
          version: 1,
          length: 2,
          messages: { a: message(0, emptyCodec), b: message(0, emptyCodec) },
        }),
      RangeError,
    )
    assert.throws(
      () =>
        defineProtocol({
          name: 'x',
          version: 1,
          length: 2,
          requests: { r: request(1, emptyCodec, { response: 2, codec: emptyCodec }) },
        }),
      RangeError,
    )
    assert.throws(() => defineProtocol({ name: 'x', version: 1, length: 0 }), RangeError)
    assert.throws(() => defineProtocol({ name: 'x', version: 1, length: 4, limits: { maxInFlight: 0 } }), RangeError)
  })

  test('fills in names, the id and the code table', () => {
    const p = defineProtocol({
      name: 'x',
      version: 3,
      length: 4,
      messages: { ping: message(0, emptyCodec) },
      requests: { get: request(2, uint64Codec, { response: 3, codec: uint64Codec }) },
    })
    assert.equal(p.id, 'x/3')
    assert.equal(p.messages.ping.name, 'ping')
    assert.equal(p.requests.get.name, 'get')
    assert.deepEqual(
      p.table.map((e) => e?.kind),
      ['message', undefined, 'request', 'response'],
    )
  })
})

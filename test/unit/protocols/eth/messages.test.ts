import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type Codec, CodecError } from '../../../../src/protocol/index.js'
import {
  blockRangeCodec,
  hashListCodec,
  headersQueryCodec,
  newBlockCodec,
  newBlockHashesCodec,
  rawListsCodec,
  receipts68Codec,
  receipts69Codec,
  status68Codec,
  status69Codec,
  transactionsCodec,
  txAnnouncementCodec,
} from '../../../../src/protocols/eth/index.js'
import { encode } from '../../../../src/rlp/index.js'
import { fromHex, toHex } from '../../../../src/util/bytes.js'

const h = (b: number) => new Uint8Array(32).fill(b)
const legacyTx = encode([1, 2, 3, new Uint8Array(20), 5, new Uint8Array(0), 27, 1, 1])
const typedTx = Uint8Array.of(0x02, ...encode([1, 2, 3]))
const header = encode([h(1), h(2), new Uint8Array(20), 7])

function roundTrip<T>(c: Codec<T>, v: T): void {
  const bytes = c.encode(v)
  assert.deepEqual(c.decode(bytes), v)
  assert.deepEqual(c.encode(c.decode(bytes)), bytes)
}

function refuses(c: Codec<unknown>, input: Parameters<typeof encode>[0] | Uint8Array, what: string): void {
  const bytes = input instanceof Uint8Array ? input : encode(input)
  assert.throws(() => c.decode(bytes), CodecError, what)
}

describe('eth message codecs: round trips', () => {
  test('Status eth/68 and eth/69 (with the EIP-2124 fork id encoding)', () => {
    roundTrip(status68Codec, {
      version: 68,
      networkId: 1n,
      td: 58_750_000_000_000_000_000_000n,
      head: h(1),
      genesis: h(2),
      forkId: { hash: 0xdeadbeef, next: 0xbaddcafen },
    })
    const s69 = {
      version: 69,
      networkId: 11155111n,
      genesis: h(3),
      forkId: { hash: 0, next: 0n },
      earliest: 0n,
      latest: 123n,
      latestHash: h(4),
    }
    roundTrip(status69Codec, s69)
    assert.equal(
      toHex(status69Codec.encode(s69)),
      toHex(encode([69, 11155111n, h(3), [new Uint8Array(4), 0], 0, 123, h(4)])),
    )
  })

  test('announcements, transactions and headers queries', () => {
    roundTrip(newBlockHashesCodec, [{ hash: h(9), number: 17n }])
    roundTrip(transactionsCodec, [legacyTx, typedTx, Uint8Array.of(0x01)])
    // A typed transaction travels as a byte string, a legacy one as a list.
    assert.deepEqual(transactionsCodec.encode([typedTx]), encode([typedTx]))
    roundTrip(headersQueryCodec, { origin: 12n, limit: 192n, skip: 0n, reverse: true })
    roundTrip(headersQueryCodec, { origin: h(5), limit: 1n, skip: (1n << 64n) - 1n, reverse: false })
    roundTrip(txAnnouncementCodec, {
      types: Uint8Array.of(0, 2, 3),
      sizes: [100, 200, 131072],
      hashes: [h(1), h(2), h(3)],
    })
    roundTrip(hashListCodec, [h(1), h(2)])
    roundTrip(blockRangeCodec, { earliest: 0n, latest: 0n, latestHash: h(7) })
  })

  test('opaque headers, bodies, blocks and receipts are passed through byte for byte', () => {
    const body = encode([[legacyTx], [], []])
    roundTrip(rawListsCodec('header'), [header, header])
    roundTrip(rawListsCodec('block body'), [body])
    roundTrip(newBlockCodec, { block: encode([[1], [], []]), td: 12345n })
    const legacyReceipt = encode([1, 21000, new Uint8Array(256), []])
    roundTrip(receipts68Codec, [[legacyReceipt, Uint8Array.of(0x02, ...legacyReceipt)], []])
    roundTrip(receipts69Codec, [
      [
        { txType: 0, postStateOrStatus: Uint8Array.of(1), cumulativeGas: 21000n, logs: encode([]) },
        {
          txType: 2,
          postStateOrStatus: new Uint8Array(0),
          cumulativeGas: 42000n,
          logs: encode([[new Uint8Array(20), [h(1)], Uint8Array.of(1, 2)]]),
        },
      ],
    ])
  })
})

describe('eth message codecs: rejections', () => {
  const statusBase = [68, 1, 0, h(1), h(2), [new Uint8Array(4), 0]]
  test('Status: wrong element count, short hashes, oversized fields', () => {
    refuses(status68Codec, statusBase.slice(0, 5), 'missing fork id')
    refuses(status68Codec, [...statusBase, 1], 'extra element')
    refuses(status68Codec, [68, 1, 0, h(1).subarray(1), h(2), [new Uint8Array(4), 0]], '31-byte head')
    refuses(status68Codec, [68, new Uint8Array(9).fill(1), 0, h(1), h(2), [new Uint8Array(4), 0]], '9-byte network id')
    refuses(status68Codec, [68, 1, 0, h(1), h(2), [new Uint8Array(3), 0]], '3-byte fork hash')
    refuses(status68Codec, Uint8Array.of(0xc1), 'truncated')
    refuses(status69Codec, statusBase, 'eth/68 status given to eth/69')
  })

  test('headers query: origin neither number nor hash, reverse 2', () => {
    refuses(headersQueryCodec, [new Uint8Array(20).fill(1), 1, 0, 0], '20-byte origin')
    refuses(headersQueryCodec, [1, 1, 0, 2], 'reverse 2')
    refuses(headersQueryCodec, [1, 1, 0], 'three fields')
    refuses(headersQueryCodec, [[1], 1, 0, 0], 'origin list')
  })

  test('transactions: a typed encoding must start with a type byte below 0x80', () => {
    refuses(transactionsCodec, [Uint8Array.of(0x80, 1)], 'type 0x80')
    refuses(transactionsCodec, [new Uint8Array(0)], 'empty string')
    refuses(transactionsCodec, encode(legacyTx), 'not a list of transactions')
  })

  test('announcements with unequal counts or bad hashes', () => {
    refuses(txAnnouncementCodec, [Uint8Array.of(0, 2), [1], [h(1)]], 'two types, one size')
    refuses(txAnnouncementCodec, [Uint8Array.of(0), [1], [h(1).subarray(2)]], 'short hash')
    refuses(txAnnouncementCodec, [Uint8Array.of(0), [new Uint8Array(5).fill(1)], [h(1)]], '5-byte size')
    assert.throws(() => txAnnouncementCodec.encode({ types: Uint8Array.of(0), sizes: [], hashes: [] }), RangeError)
  })

  test('opaque lists must hold lists; receipts must have four fields', () => {
    refuses(rawListsCodec('header'), [Uint8Array.of(1, 2)], 'header as bytes')
    refuses(newBlockCodec, [Uint8Array.of(1), 1], 'block as bytes')
    refuses(receipts69Codec, [[[0, 1, 21000]]], 'three-field receipt')
    refuses(receipts69Codec, [[[0, 1, 21000, Uint8Array.of(1)]]], 'logs not a list')
    refuses(receipts68Codec, [[Uint8Array.of(0x90)]], 'typed receipt with type 0x90')
  })

  test('block range: earliest above latest, short hash', () => {
    refuses(blockRangeCodec, [5, 4, h(1)], 'earliest > latest')
    refuses(blockRangeCodec, [1, 4, h(1).subarray(1)], '31-byte hash')
  })

  test('non-canonical RLP is refused everywhere', () => {
    assert.deepEqual(hashListCodec.decode(fromHex(`e1a0${'00'.repeat(32)}`)), [h(0)])
    refuses(hashListCodec, fromHex(`f821a0${'00'.repeat(32)}`), 'long list header for 33 bytes')
    refuses(transactionsCodec, fromHex('c28101'), 'single byte wrapped as a string')
  })
})

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type Codec, CodecError, memoryPair, ProtocolHost } from '../../../../src/protocol/index.js'
import {
  accountRangeCodec,
  accountRangeQueryCodec,
  blobsCodec,
  byteCodesQueryCodec,
  snap1,
  storageRangesCodec,
  storageRangesQueryCodec,
  trieNodesQueryCodec,
} from '../../../../src/protocols/snap/index.js'
import { encode } from '../../../../src/rlp/index.js'
import { VirtualClock } from '../../../../src/util/clock.js'
import { flush, RawPeer } from '../../protocol/helpers.js'

const h = (b: number) => new Uint8Array(32).fill(b)
const slimAccount = encode([1, 1000, new Uint8Array(0), new Uint8Array(0)])

function roundTrip<T>(c: Codec<T>, v: T): void {
  const bytes = c.encode(v)
  assert.deepEqual(c.decode(bytes), v)
}

describe('snap/1 codecs', () => {
  test('round trips', () => {
    roundTrip(accountRangeQueryCodec, { root: h(1), origin: h(0), limit: h(0xff), bytes: 512n * 1024n })
    roundTrip(accountRangeCodec, {
      accounts: [
        { hash: h(2), body: slimAccount },
        { hash: h(3), body: slimAccount },
      ],
      proof: [Uint8Array.of(1, 2, 3)],
    })
    roundTrip(storageRangesQueryCodec, {
      root: h(1),
      accounts: [h(2)],
      origin: new Uint8Array(0),
      limit: h(9),
      bytes: 1n,
    })
    roundTrip(storageRangesCodec, { slots: [[{ hash: h(4), data: Uint8Array.of(7) }], []], proof: [] })
    roundTrip(byteCodesQueryCodec, { hashes: [h(5)], bytes: 100n })
    roundTrip(blobsCodec('bytecode'), [Uint8Array.of(0x60, 0x00), new Uint8Array(0)])
    roundTrip(trieNodesQueryCodec, {
      root: h(1),
      paths: [[Uint8Array.of(1)], [Uint8Array.of(2), Uint8Array.of(3, 4)]],
      bytes: 5n,
    })
  })

  test('the account body stays byte-for-byte opaque', () => {
    const v = accountRangeCodec.decode(encode([[[h(2), [1, 1000, new Uint8Array(0), new Uint8Array(0)]]], []]))
    assert.deepEqual(v.accounts[0]?.body, slimAccount)
  })

  test('rejections', () => {
    const bad: [Codec<unknown>, Parameters<typeof encode>[0]][] = [
      [accountRangeQueryCodec, [h(1), h(0), h(0)]],
      [accountRangeQueryCodec, [h(1), h(0).subarray(1), h(0), 1]],
      [accountRangeCodec, [[[h(2)]], []]],
      [accountRangeCodec, [[[h(2), slimAccount]], [[1]]]],
      [storageRangesQueryCodec, [h(1), [h(2)], new Uint8Array(33), h(9), 1]],
      [storageRangesCodec, [[[[h(4)]]], []]],
      [byteCodesQueryCodec, [[h(5)], new Uint8Array(9).fill(1)]],
      [blobsCodec('bytecode'), [[[1]]]],
      [trieNodesQueryCodec, [h(1), [Uint8Array.of(1)], 5]],
    ]
    for (const [c, v] of bad)
      assert.throws(
        () => c.decode(encode(v)),
        CodecError,
        JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}` : x)),
      )
  })
})

describe('snap/1 on the framework', () => {
  test('request ids are the first field of the message, and responses match by them', async () => {
    const clock = new VirtualClock()
    const [ca, cb] = memoryPair()
    const raw = new RawPeer(cb)
    const peer = new ProtocolHost(snap1, { clock }).attach(ca)
    await peer.start()
    const p = peer.request(snap1.requests.getByteCodes, { hashes: [h(5)], bytes: 1000n })
    await flush()
    assert.deepEqual(raw.got[0], [0x04, encode([0, [h(5)], 1000])])
    raw.send(0x05, [0, [Uint8Array.of(0x60)]])
    assert.deepEqual(await p, [Uint8Array.of(0x60)])
  })

  test('a server answers GetAccountRange with its own reqID', async () => {
    const clock = new VirtualClock()
    const [ca, cb] = memoryPair()
    const raw = new RawPeer(cb)
    const host = new ProtocolHost(snap1, { clock }).handle(snap1.requests.getAccountRange, (q) => ({
      accounts: [{ hash: q.origin, body: slimAccount }],
      proof: [],
    }))
    await host.attach(ca).start()
    raw.send(0x00, [99, h(1), h(2), h(3), 1000])
    await flush()
    assert.deepEqual(raw.got[0], [0x01, encode([99, [[h(2), [1, 1000, new Uint8Array(0), new Uint8Array(0)]]], []])])
  })
})

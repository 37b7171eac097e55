import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  FORK_STATUS_SIZE,
  type ForkStatus,
  forkStatus,
  forkStatusCodec,
  forkStatusHost,
  genesisStatus,
  protocolIds,
} from '../../../src/libp2p/index.js'
import { CodecError, DisconnectReason, HandshakeError, memoryPair } from '../../../src/protocol/index.js'
import { fromHex, toHex } from '../../../src/util/bytes.js'

const status: ForkStatus = {
  forkDigest: fromHex('4a26c58b'),
  finalizedRoot: new Uint8Array(32).fill(0x11),
  finalizedEpoch: 0x0102030405060708n,
  headRoot: new Uint8Array(32).fill(0x22),
  headSlot: 9n,
}

describe('fork-status SSZ codec (consensus-specs phase0 Status layout)', () => {
  test('This test checks the encoding is the fixed 84-byte SSZ container, uint64 little-endian', () => {
    const b = forkStatusCodec.encode(status)
    assert.equal(b.length, FORK_STATUS_SIZE)
    assert.equal(toHex(b), `4a26c58b${'11'.repeat(32)}0807060504030201${'22'.repeat(32)}0900000000000000`)
    assert.deepEqual(forkStatusCodec.decode(b), status)
  })

  test('This test checks decode refuses any other size with a CodecError', () => {
    const b = forkStatusCodec.encode(status)
    for (const bad of [b.subarray(0, 83), new Uint8Array(85), new Uint8Array(0)])
      assert.throws(
        () => forkStatusCodec.decode(bad),
        (e) => e instanceof CodecError && e.code === 'BAD_SHAPE',
      )
  })

  test('This test checks encode refuses wrong field sizes and out-of-range numbers', () => {
    assert.throws(() => forkStatusCodec.encode({ ...status, forkDigest: new Uint8Array(3) }), RangeError)
    assert.throws(() => forkStatusCodec.encode({ ...status, headRoot: new Uint8Array(31) }), RangeError)
    assert.throws(() => forkStatusCodec.encode({ ...status, headSlot: 2n ** 64n }), RangeError)
    assert.throws(() => forkStatusCodec.encode({ ...status, finalizedEpoch: -1n }), RangeError)
    assert.throws(() => genesisStatus(new Uint8Array(5)), RangeError)
  })

  test('This test checks the libp2p id of its one message', () => {
    assert.deepEqual(protocolIds(forkStatus, { encoding: 'ssz_snappy' }).ids, ['/forkstatus/status/1/ssz_snappy'])
  })
})

describe('fork-status handshake', () => {
  test('This test checks two nodes on one fork complete the handshake and learn each other status', async () => {
    const ours = forkStatusHost(status)
    const theirs = forkStatusHost({ ...status, headSlot: 100n })
    const [l, r] = memoryPair()
    const [a, b] = await Promise.all([ours.connect(l), theirs.connect(r)])
    assert.equal(a.handshake.headSlot, 100n)
    assert.equal(b.handshake.headSlot, 9n)
  })

  test('This test checks a peer on another fork digest is dropped as useless', async () => {
    const ours = forkStatusHost(status)
    const other = forkStatusHost(genesisStatus(Uint8Array.of(1, 2, 3, 4)))
    const [l, r] = memoryPair()
    const results = await Promise.allSettled([ours.connect(l), other.connect(r)])
    for (const res of results) {
      assert.equal(res.status, 'rejected')
      const e = (res as PromiseRejectedResult).reason
      assert.ok(e instanceof HandshakeError, String(e))
    }
    const reasons = results.map((res) => ((res as PromiseRejectedResult).reason as HandshakeError).reason)
    assert.ok(reasons.includes(DisconnectReason.UselessPeer), `reasons ${reasons}`)
  })
})

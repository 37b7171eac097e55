import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { MAX_MESSAGE_SIZE, snappyCompress, snappyDecodedLength, snappyDecompress } from '../../../src/rlpx/snappy.js'

describe('snappy (EIP-706)', () => {
  test('round-trips empty, tiny, compressible and random payloads', () => {
    for (const p of [new Uint8Array(0), Uint8Array.of(0xc0), new Uint8Array(100_000).fill(3), randomBytes(70_000)]) {
      const c = snappyCompress(p)
      const len = snappyDecodedLength(c)
      assert.ok(len.ok && len.value === p.length)
      const d = snappyDecompress(c)
      assert.ok(d.ok)
      assert.deepEqual(new Uint8Array(d.value), new Uint8Array(p))
    }
  })

  test('reads the varint length header: 1 to 5 bytes, refusing longer or truncated headers', () => {
    const v = (...b: number[]) => snappyDecodedLength(Uint8Array.from(b))
    assert.deepEqual(v(0x00), { ok: true, value: 0 })
    assert.deepEqual(v(0x7f), { ok: true, value: 127 })
    assert.deepEqual(v(0x80, 0x01), { ok: true, value: 128 })
    assert.deepEqual(v(0xff, 0xff, 0xff, 0xff, 0x0f), { ok: true, value: 0xffffffff })
    for (const bad of [[], [0x80], [0xff, 0xff, 0xff, 0xff, 0x10], [0x80, 0x80, 0x80, 0x80, 0x80, 0x01]]) {
      const r = v(...bad)
      assert.ok(!r.ok && r.error.code === 'BAD_LENGTH', JSON.stringify(bad))
    }
  })

  test('a bomb (small block announcing more than 16 MiB) is refused before decompressing', () => {
    // varint(MAX_MESSAGE_SIZE + 1) followed by a few literal bytes
    const n = MAX_MESSAGE_SIZE + 1
    const bomb = Uint8Array.of(0x80 | (n & 0x7f), 0x80 | ((n >> 7) & 0x7f), 0x80 | ((n >> 14) & 0x7f), n >> 21, 0, 0x41)
    assert.deepEqual(snappyDecodedLength(bomb), { ok: true, value: n })
    const r = snappyDecompress(bomb)
    assert.ok(!r.ok && r.error.code === 'TOO_LARGE')
    const capped = snappyDecompress(snappyCompress(new Uint8Array(1000)), 999)
    assert.ok(!capped.ok && capped.error.code === 'TOO_LARGE')
  })

  test('corrupt blocks are typed errors', () => {
    const r = snappyDecompress(Uint8Array.of(10, 0xff, 0xff, 0xff))
    assert.ok(!r.ok && r.error.code === 'CORRUPT')
  })
})

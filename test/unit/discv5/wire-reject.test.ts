import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import {
  aesGcmDecrypt,
  decodeMessage,
  decodePacket,
  encodeMessage,
  encodePacket,
  HeaderMasker,
  isForeignPacket,
  MAX_MESSAGE_PLAINTEXT,
  MAX_PACKET_SIZE,
  MIN_PACKET_SIZE,
  maskHeader,
  nodesMessageSize,
  packNodes,
  type WireErrorCode,
} from '../../../src/discv5/wire/index.js'
import { concatBytes, fromHex } from '../../../src/util/bytes.js'
import { loadVector } from '../../helpers/vectors.js'

const V = loadVector<{ packets: { name: string; encoded: string; readKey?: string }[] }>('discv5-wire.json')
const V4 = loadVector<{ packets: { encoded?: string; packet?: string }[] }>('discv4-packets.json')
const idB = fromHex('bbbb9d047f0488c0b5a93c1c3f2d8bafc7c8ff337024a55434a0d0555de64db9')
const idA = fromHex('aaaa8419e9f49d0083561b48287df592939a8d19947d8c0ef88f2a4856a69fbb')
const packet = (name: string) => fromHex(V.packets.find((p) => p.name === name)?.encoded ?? assert.fail(name))

function code(data: Uint8Array, localId = idB): WireErrorCode | 'ok' {
  const r = decodePacket(localId, data)
  return r.ok ? 'ok' : r.error.code
}

/** Flip bits of the unmasked header: the mask is AES-CTR, so XOR on the ciphertext XORs the plaintext. */
function flip(data: Uint8Array, offset: number, mask: number): Uint8Array {
  const out = data.slice()
  out[offset] = (out[offset] as number) ^ mask
  return out
}

describe('discv5 wire: rejected packets', () => {
  test('this test checks size bounds: under 63 bytes is foreign, over 1280 is refused', () => {
    for (const n of [0, 1, 32, MIN_PACKET_SIZE - 1]) {
      const r = decodePacket(idB, new Uint8Array(n))
      assert.ok(!r.ok && r.error.code === 'TOO_SHORT' && isForeignPacket(r.error))
    }
    const big = decodePacket(idB, new Uint8Array(MAX_PACKET_SIZE + 1))
    assert.ok(!big.ok && big.error.code === 'TOO_LARGE' && !isForeignPacket(big.error))
  })

  test('every truncation of every vector packet is rejected or fails authentication, never throws', () => {
    for (const v of V.packets) {
      const full = fromHex(v.encoded)
      for (let n = 0; n < full.length; n++) {
        const r = decodePacket(idB, full.subarray(0, n))
        if (!r.ok) continue
        // A shorter message part still parses as a header; the GCM tag must then fail.
        assert.notEqual(r.value.kind, 'whoareyou', `${v.name} truncated to ${n} decoded as WHOAREYOU`)
        if (r.value.kind === 'message')
          assert.equal(aesGcmDecrypt(fromHex(v.readKey!), r.value.nonce, r.value.message, r.value.messageAd), undefined)
      }
    }
  })

  test('header fields: protocol id, version, flag, authdata size', () => {
    const ping = packet('ping-message')
    assert.equal(code(ping), 'ok')
    assert.equal(code(flip(ping, 16, 0x01)), 'BAD_PROTOCOL_ID')
    assert.equal(code(flip(ping, 16 + 7, 0x03)), 'BAD_VERSION') // 0x0001 -> 0x0002
    assert.equal(code(flip(ping, 16 + 8, 0x04)), 'BAD_FLAG')
    assert.equal(code(flip(ping, 16 + 22, 0x01)), 'AUTH_SIZE') // 32 -> 33: wrong for a message packet
    assert.equal(code(flip(ping, 16 + 21, 0x01)), 'AUTH_SIZE') // 288: past the end
    assert.equal(code(ping, idA), 'BAD_PROTOCOL_ID', 'a packet masked for someone else looks foreign')
  })

  test('a message packet without room for the GCM tag is foreign (geth errMsgTooShort)', () => {
    const ping = packet('ping-message')
    const r = decodePacket(idB, ping.subarray(0, 16 + 23 + 32 + 15))
    assert.ok(!r.ok && r.error.code === 'MSG_TOO_SHORT' && isForeignPacket(r.error))
  })

  test('WHOAREYOU with trailing bytes or a wrong authdata size', () => {
    const w = packet('whoareyou')
    assert.equal(code(concatBytes(w, new Uint8Array(1))), 'WHOAREYOU_HAS_MESSAGE')
    assert.equal(code(flip(w, 16 + 22, 0x01)), 'AUTH_SIZE')
  })

  test('handshake whose sig-size points past the authdata', () => {
    const h = packet('ping-handshake')
    assert.equal(code(h), 'ok')
    assert.equal(code(flip(h, 16 + 23 + 32, 0xff)), 'BAD_HANDSHAKE_AUTHDATA') // sig-size 64 -> 191
  })

  test('a bad GCM tag decodes as a packet but fails authentication', () => {
    const ping = packet('ping-message')
    const key = fromHex(V.packets[0]!.readKey!)
    for (const at of [ping.length - 1, ping.length - 16, 16 + 23 + 32]) {
      const r = decodePacket(idB, flip(ping, at, 0x10))
      if (!r.ok) assert.fail(r.error.message)
      assert.equal(r.value.kind, 'message')
      if (r.value.kind === 'message')
        assert.equal(aesGcmDecrypt(key, r.value.nonce, r.value.message, r.value.messageAd), undefined)
    }
  })

  test('discv4 packets are recognised as foreign', () => {
    let n = 0
    for (const p of V4.packets) {
      const hex = p.encoded ?? p.packet
      if (!hex) continue
      const r = decodePacket(idB, fromHex(hex))
      assert.ok(!r.ok && isForeignPacket(r.error))
      n++
    }
    assert.ok(n > 0)
  })

  test('random datagrams never throw and almost always look foreign (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 1400 }), (data) => {
        const r = decodePacket(idB, data)
        return !r.ok
      }),
      { numRuns: 2000 },
    )
  })

  test('encoding refuses a packet over 1280 bytes', () => {
    assert.throws(
      () =>
        encodePacket(
          idB,
          {
            kind: 'message',
            srcId: idA,
            nonce: new Uint8Array(12),
            body: { key: new Uint8Array(16), plaintext: new Uint8Array(MAX_PACKET_SIZE) },
          },
          new Uint8Array(16),
        ),
      (e: Error) => 'code' in e && e.code === 'TOO_LARGE',
    )
  })
})

describe('discv5 wire: rejected messages', () => {
  const bad = (hex: string): WireErrorCode | 'ok' => {
    const r = decodeMessage(fromHex(hex))
    return r.ok ? 'ok' : r.error.code
  }
  test('empty, unknown type, not a list, trailing bytes', () => {
    assert.equal(bad(''), 'BAD_MESSAGE')
    assert.equal(bad('01'), 'BAD_MESSAGE')
    assert.equal(bad('0bc20101'), 'UNKNOWN_MESSAGE_TYPE')
    assert.equal(bad('0001'), 'BAD_MESSAGE')
    assert.equal(bad('0101'), 'BAD_MESSAGE')
    assert.equal(bad('01c2010100'), 'BAD_MESSAGE')
    assert.equal(bad('01c0'), 'BAD_MESSAGE')
  })
  test('exact element counts and canonical integers', () => {
    assert.equal(bad('01c3010101'), 'BAD_MESSAGE') // PING with an extra element
    assert.equal(bad('01c101'), 'BAD_MESSAGE') // PING without enr-seq
    assert.equal(bad('01c3018100'), 'BAD_MESSAGE') // enr-seq 0x00: leading zero
    assert.equal(bad('01cb01890102030405060708090a'.slice(0, 26)), 'BAD_MESSAGE') // enr-seq of 9 bytes
    assert.equal(bad('02cb0101847f00000183010000'), 'BAD_MESSAGE') // port of 3 bytes
    assert.equal(bad('03c401c2c001'), 'BAD_MESSAGE') // distance that is a list
    assert.equal(bad('04c40101c101'), 'BAD_MESSAGE') // NODES record that is not a list
  })
  test('topic messages are recognised and carry only their request id', () => {
    for (const [t, type] of [
      ['07', 'REGTOPIC'],
      ['08', 'REGCONFIRMATION'],
      ['09', 'TOPICQUERY'],
      ['0a', 'TOPICNODES'],
    ] as const) {
      const r = decodeMessage(fromHex(`${t}c4820102c0`))
      assert.ok(r.ok)
      assert.deepEqual(r.value, { type, reqId: fromHex('0102') })
    }
  })
  test('round trip of large NODES with long list headers', () => {
    const rec = concatBytes(fromHex('f8'), Uint8Array.of(100), new Uint8Array(100).fill(0x80))
    const m = { type: 'NODES' as const, reqId: fromHex('0102030405060708'), total: 3, enrs: [rec, rec, rec] }
    const r = decodeMessage(encodeMessage(m))
    assert.ok(r.ok)
    assert.deepEqual(r.value, m)
  })
  test('random plaintexts never throw (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        decodeMessage(data)
        return true
      }),
      { numRuns: 3000 },
    )
  })
})

describe('discv5 wire: cached header masking', () => {
  test('HeaderMasker gives the AES-CTR bytes of maskHeader, with counter carries and offsets', () => {
    const id = fromHex('bbbb9d047f0488c0b5a93c1c3f2d8bafc7c8ff337024a55434a0d0555de64db9')
    const m = new HeaderMasker(id)
    const data = new Uint8Array(300).map((_, i) => i * 7)
    for (const ivHex of [
      '00'.repeat(16),
      'ff'.repeat(16),
      `${'00'.repeat(15)}fe`,
      `${'12'.repeat(8)}${'ff'.repeat(8)}`,
    ]) {
      const iv = fromHex(ivHex)
      for (const len of [0, 1, 23, 55, 300]) {
        const want = maskHeader(id, iv, data.subarray(0, len))
        assert.deepEqual(m.apply(iv, data.subarray(0, len)), want)
        if (len > 23) assert.deepEqual(m.apply(iv, data.subarray(23, len), 23), want.subarray(23))
      }
    }
  })
  test('decoding with and without a masker agrees on every vector', () => {
    const m = new HeaderMasker(idB)
    for (const v of V.packets) {
      const data = fromHex(v.encoded)
      assert.deepEqual(decodePacket(idB, data, m), decodePacket(idB, data))
    }
  })
})

describe('discv5 wire: NODES packing', () => {
  test('16 records of 300 bytes split into packets that each fit 1280 bytes, order kept', () => {
    const rec = (i: number) => concatBytes(fromHex('f9012b'), new Uint8Array(299).fill(i))
    const records = Array.from({ length: 16 }, (_, i) => rec(i))
    assert.equal(records[0]?.length, 302)
    const reqId = fromHex('0102030405060708')
    const msgs = packNodes(reqId, records)
    assert.ok(msgs.length >= 4 && msgs.length <= 6)
    for (const m of msgs) {
      assert.equal(m.total, msgs.length)
      const size = encodePacket(
        idB,
        {
          kind: 'message',
          srcId: idA,
          nonce: new Uint8Array(12),
          body: { key: new Uint8Array(16), plaintext: encodeMessage(m) },
        },
        new Uint8Array(16),
      ).length
      assert.ok(size <= MAX_PACKET_SIZE, `${size} bytes`)
    }
    assert.deepEqual(
      msgs.flatMap((m) => m.enrs),
      records,
    )
  })
  test('the NODES size worked out without encoding equals the encoded size', () => {
    let seed = 7
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0
      return seed % n
    }
    for (let i = 0; i < 300; i++) {
      const reqId = new Uint8Array(next(9)).map(() => next(256))
      const total = [0, 1, 5, 0x7f, 0x80, 300][next(6)] as number
      const enrs = Array.from({ length: next(20) }, () => new Uint8Array(1 + next(400)))
      const bytes = enrs.reduce((a, r) => a + r.length, 0)
      assert.equal(nodesMessageSize(reqId, total, bytes), encodeMessage({ type: 'NODES', reqId, total, enrs }).length)
    }
  })
  test('no records still answers with one empty NODES; an impossible record is refused', () => {
    assert.deepEqual(packNodes(Uint8Array.of(1), []), [{ type: 'NODES', reqId: Uint8Array.of(1), total: 1, enrs: [] }])
    assert.throws(() => packNodes(Uint8Array.of(1), [new Uint8Array(MAX_MESSAGE_PLAINTEXT)]), RangeError)
  })
})

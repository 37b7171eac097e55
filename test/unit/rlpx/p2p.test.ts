import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { generatePrivateKey, publicKey64 } from '../../../src/crypto/index.js'
import { encode } from '../../../src/rlp/index.js'
import { capabilityForCode, matchCapabilities } from '../../../src/rlpx/caps.js'
import { DisconnectReason, disconnectReasonName, disconnectReasonText } from '../../../src/rlpx/disconnect.js'
import { decodeDisconnect, decodeHello, encodeDisconnect, encodeHello } from '../../../src/rlpx/p2p.js'
import { fromHex, toHex } from '../../../src/util/bytes.js'
import { loadVector } from '../../helpers/vectors.js'

describe('devp2p base protocol messages', () => {
  test('EIP-8 Hello vector: decoded, extra elements ignored', () => {
    const v = loadVector<{ vectors: { rlp: string }[] }>('devp2p-hello.json').vectors[0]
    const r = decodeHello(fromHex(v?.rlp ?? ''))
    assert.ok(r.ok)
    assert.equal(r.value.version, 55)
    assert.equal(r.value.clientId, 'kneth/v0.91/plan9')
    assert.deepEqual(r.value.capabilities, [
      { name: 'eth', version: 61 },
      { name: 'mork', version: 22 },
    ])
    assert.equal(r.value.listenPort, 9999)
    assert.equal(r.value.id.length, 64)
    assert.equal(toHex(r.value.id).slice(0, 8), 'fda1cff6')
  })

  test('Hello round trip', () => {
    const h = {
      version: 5,
      clientId: 'eth-p2p/test',
      capabilities: [
        { name: 'eth', version: 68 },
        { name: 'snap', version: 1 },
      ],
      listenPort: 30303,
      id: publicKey64(generatePrivateKey()),
    }
    const r = decodeHello(encodeHello(h))
    assert.ok(r.ok)
    assert.deepEqual(r.value, h)
  })

  test('malformed Hellos: bad RLP, too few elements, wrong types, short, long and null ids', () => {
    const id = publicKey64(generatePrivateKey())
    const code = (b: Uint8Array) => {
      const r = decodeHello(b)
      return r.ok ? 'ok' : r.error.code
    }
    assert.equal(code(Uint8Array.of(0xf8)), 'BAD_RLP')
    assert.equal(code(encode([5, 'x', [], 0])), 'BAD_HELLO')
    assert.equal(code(encode([5, 'x', 'notalist', 0, id])), 'BAD_HELLO')
    assert.equal(code(encode([5, 'x', [['eth']], 0, id])), 'BAD_HELLO')
    assert.equal(code(encode([[5], 'x', [], 0, id])), 'BAD_HELLO')
    assert.equal(code(encode([5, 'x', [], 0, id.subarray(0, 63)])), 'BAD_ID')
    assert.equal(code(encode([5, 'x', [], 0, new Uint8Array(65)])), 'BAD_ID')
    assert.equal(code(encode([5, 'x', [], 0, new Uint8Array(64)])), 'BAD_ID')
    assert.equal(code(encode([5, 'x', [], 0, id])), 'ok')
  })

  test('Disconnect: every reason 0x00..0x10 in list and bare form, empty list, and junk', () => {
    for (let r = 0; r <= 0x10; r++) {
      assert.deepEqual(decodeDisconnect(encodeDisconnect(r)), { ok: true, value: r })
      assert.deepEqual(decodeDisconnect(encode(r)), { ok: true, value: r }, `bare ${r}`)
    }
    assert.equal(toHex(encodeDisconnect(DisconnectReason.TooManyPeers)), 'c104')
    assert.deepEqual(decodeDisconnect(Uint8Array.of(0xc0)), { ok: true, value: 0 })
    assert.ok(!decodeDisconnect(Uint8Array.of(0xc1)).ok)
    assert.ok(!decodeDisconnect(encode([[1]])).ok)
    assert.ok(!decodeDisconnect(encode([300])).ok)
  })

  test('reason names and texts', () => {
    assert.equal(disconnectReasonName(0x09), 'UnexpectedIdentity')
    assert.equal(disconnectReasonText(0x0b), 'read timeout')
    assert.equal(disconnectReasonName(0x0c), 'Unknown(0x0c)')
  })
})

describe('capability negotiation', () => {
  const local = [
    { name: 'snap', version: 1, length: 8 },
    { name: 'eth', version: 67, length: 17 },
    { name: 'eth', version: 68, length: 17 },
    { name: 'les', version: 4, length: 23 },
  ]

  test('highest shared version per name, sorted by name, offsets from 0x10', () => {
    const shared = matchCapabilities(local, [
      { name: 'snap', version: 1 },
      { name: 'eth', version: 66 },
      { name: 'eth', version: 67 },
      { name: 'eth', version: 68 },
      { name: 'les', version: 3 },
      { name: 'bzz', version: 1 },
    ])
    assert.deepEqual(shared, [
      { name: 'eth', version: 68, length: 17, offset: 0x10 },
      { name: 'snap', version: 1, length: 8, offset: 0x21 },
    ])
    assert.equal(capabilityForCode(shared, 0x10)?.name, 'eth')
    assert.equal(capabilityForCode(shared, 0x20)?.name, 'eth')
    assert.equal(capabilityForCode(shared, 0x21)?.name, 'snap')
    assert.equal(capabilityForCode(shared, 0x29), undefined)
    assert.equal(capabilityForCode(shared, 0x0f), undefined)
  })

  test('names are case-sensitive; nothing shared gives an empty list', () => {
    assert.deepEqual(matchCapabilities(local, [{ name: 'ETH', version: 68 }]), [])
    assert.deepEqual(matchCapabilities(local, []), [])
  })
})

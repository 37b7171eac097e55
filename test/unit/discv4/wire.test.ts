import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { keccak256, publicKey64 } from '../../../src/crypto/index.js'
import {
  decodePacket,
  type Endpoint,
  encodeNeighbors,
  encodePacket,
  HEADER_SIZE,
  isDiscv4Shaped,
  MAX_NEIGHBORS,
  MAX_PACKET_SIZE,
  type NeighborNode,
  type Packet,
  signPacket,
  type WireErrorCode,
} from '../../../src/discv4/wire/index.js'
import { encode } from '../../../src/rlp/index.js'
import { fromHex, toHex } from '../../../src/util/bytes.js'
import { loadVector } from '../../helpers/vectors.js'

interface VectorEndpoint {
  ip: string
  udp: number
  tcp: number
}
interface Vector {
  name: string
  packetType: number
  packet: string
  expected?: {
    version?: number
    from?: VectorEndpoint
    to?: VectorEndpoint
    expiration: number
    enrSeq?: number
    target?: string
    nodes?: (VectorEndpoint & { id: string })[]
    rest?: string[]
  }
}
const vectors = loadVector<{ signerPrivateKey: string; packets: Vector[] }>('discv4-packets.json')
const signerKey = publicKey64(fromHex(vectors.signerPrivateKey))

const priv = fromHex('45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8')
const NOW = 1_700_000_000

function decodeOk(bytes: Uint8Array, now?: number) {
  const r = decodePacket(bytes, now)
  if (!r.ok) assert.fail(`decode failed: ${r.error.message}`)
  return r.value
}

function decodeErr(bytes: Uint8Array, code: WireErrorCode, now?: number): void {
  const r = decodePacket(bytes, now)
  assert.equal(r.ok, false, `expected ${code}`)
  if (!r.ok) assert.equal(r.error.code, code, r.error.message)
}

const restHex = (p: Packet) => (p.rest ?? []).map((x) => toHex(encode(x)))
const ep = (e: Endpoint) => ({ ip: e.ip, udp: e.udp, tcp: e.tcp })

describe('discv4 wire: EIP-8 vectors', () => {
  for (const v of vectors.packets) {
    test(`${v.name} decodes, with the signer's key and the expected fields`, () => {
      const bytes = fromHex(v.packet)
      assert.ok(isDiscv4Shaped(bytes))
      const d = decodeOk(bytes)
      assert.equal(toHex(d.fromKey), toHex(signerKey))
      assert.equal(toHex(d.fromId), toHex(keccak256(signerKey)))
      assert.equal(toHex(d.hash), v.packet.slice(0, 64))
      const p = d.packet
      const e = v.expected
      if (!e) return
      assert.equal(p.kind === 'enrresponse' ? undefined : p.expiration, e.expiration)
      assert.deepEqual(restHex(p), e.rest ?? [])
      if (p.kind === 'ping') {
        assert.equal(p.version, e.version)
        assert.deepEqual(ep(p.from), e.from)
        assert.deepEqual(ep(p.to), e.to)
        assert.equal(p.enrSeq, e.enrSeq === undefined ? undefined : BigInt(e.enrSeq))
      } else if (p.kind === 'findnode') {
        assert.equal(toHex(p.target), e.target)
      } else if (p.kind === 'neighbors') {
        assert.deepEqual(
          p.nodes.map((n) => ({ id: toHex(n.publicKey), ip: n.ip, udp: n.udp, tcp: n.tcp })),
          e.nodes,
        )
      } else {
        assert.fail(`unexpected kind ${p.kind}`)
      }
    })
  }

  // go-ethereum dropped these two from its test when it added EIP-868's enr-seq: its decoder reads
  // the list in the enr-seq position as a uint64 and rejects the packet. EIP-8 says accept them.
  test('ping-v555-extra-random: the list where enr-seq would be is left in rest', () => {
    const v = vectors.packets.find((x) => x.name === 'ping-v555-extra-random')
    assert.ok(v)
    const p = decodeOk(fromHex(v.packet)).packet
    assert.equal(p.kind, 'ping')
    if (p.kind !== 'ping') return
    assert.equal(p.version, 555)
    assert.deepEqual(ep(p.from), { ip: '2001:db8:3c4d:15::abcd:ef12', udp: 3322, tcp: 5544 })
    assert.deepEqual(ep(p.to), { ip: '2001:db8:85a3:8d3:1319:8a2e:370:7348', udp: 2222, tcp: 33338 })
    assert.equal(p.expiration, 1136239445)
    assert.equal(p.enrSeq, undefined)
    assert.deepEqual(restHex(p), ['c50102030405'])
  })

  test('pong-extra-random: reply token, endpoint, and the extra list in rest', () => {
    const v = vectors.packets.find((x) => x.name === 'pong-extra-random')
    assert.ok(v)
    const p = decodeOk(fromHex(v.packet)).packet
    assert.equal(p.kind, 'pong')
    if (p.kind !== 'pong') return
    assert.deepEqual(ep(p.to), { ip: '2001:db8:85a3:8d3:1319:8a2e:370:7348', udp: 2222, tcp: 33338 })
    assert.equal(toHex(p.replyToken), 'fbc914b16819237dcd8801d7e53f69e9719adecb3cc0e790c57e91ca4461c954')
    assert.equal(p.expiration, 1136239445)
    assert.equal(p.enrSeq, undefined)
    assert.deepEqual(restHex(p), ['c6010203c20405', '06'])
  })

  test('every vector is expired at the present time and accepted one second before its expiration', () => {
    for (const v of vectors.packets) {
      decodeErr(fromHex(v.packet), 'EXPIRED', NOW)
      decodeOk(fromHex(v.packet), 1136239445 - 1)
      decodeOk(fromHex(v.packet), 1136239445) // expiration == now is not in the past
    }
  })
})

const node = (i: number, ip = `10.0.0.${i}`): NeighborNode => ({
  ip,
  udp: 30303 + i,
  tcp: 30303,
  publicKey: publicKey64(keccak256(new Uint8Array([i + 1]))),
})

describe('discv4 wire: round trips', () => {
  const exp = NOW + 20
  const token = keccak256(new Uint8Array([7]))
  const record = encode([new Uint8Array(64), 1, 'id', 'v4'])
  const cases: Packet[] = [
    {
      kind: 'ping',
      version: 4,
      from: { ip: '192.168.1.2', udp: 30303, tcp: 30304 },
      to: { ip: 'fe80::1', udp: 1, tcp: 0 },
      expiration: exp,
      enrSeq: 0xffff_ffff_ffff_ffffn,
    },
    {
      kind: 'ping',
      version: 4,
      from: { ip: undefined, udp: 0, tcp: 0 },
      to: { ip: '1.2.3.4', udp: 9, tcp: 0 },
      expiration: exp,
    },
    { kind: 'pong', to: { ip: '8.8.8.8', udp: 53, tcp: 0 }, replyToken: token, expiration: exp, enrSeq: 0n },
    { kind: 'pong', to: { ip: '::1', udp: 65535, tcp: 65535 }, replyToken: token, expiration: exp },
    { kind: 'findnode', target: node(1).publicKey, expiration: exp },
    { kind: 'neighbors', nodes: [node(1), node(2, '2001:db8::7'), node(3)], expiration: exp },
    { kind: 'neighbors', nodes: [], expiration: exp },
    { kind: 'enrrequest', expiration: exp },
    { kind: 'enrresponse', replyToken: token, record },
  ]
  for (const p of cases) {
    test(`${p.kind} encodes, decodes to the same value, and is signed by our key`, () => {
      const { bytes, hash } = encodePacket(priv, p)
      assert.ok(bytes.length <= MAX_PACKET_SIZE)
      const d = decodeOk(bytes, NOW)
      assert.deepEqual(d.packet, { ...p, rest: [] })
      assert.equal(toHex(d.hash), toHex(hash))
      assert.equal(toHex(d.fromKey), toHex(publicKey64(priv)))
      assert.ok(isDiscv4Shaped(bytes))
    })
  }

  test('extra elements we append come back in rest and do not disturb the known fields', () => {
    const p: Packet = {
      kind: 'findnode',
      target: node(4).publicKey,
      expiration: exp,
      rest: [fromHex('99'), [fromHex('01')]],
    }
    const d = decodeOk(encodePacket(priv, p).bytes)
    assert.deepEqual(restHex(d.packet), ['8199', 'c101'])
  })

  test('an IPv4-mapped IPv6 endpoint is sent as 4 bytes and reads back as dotted IPv4', () => {
    const p: Packet = {
      kind: 'pong',
      to: { ip: '::ffff:10.1.2.3', udp: 1, tcp: 2 },
      replyToken: token,
      expiration: exp,
    }
    const d = decodeOk(encodePacket(priv, p).bytes)
    assert.equal(d.packet.kind === 'pong' && d.packet.to.ip, '10.1.2.3')
  })

  test('junk after the RLP list is ignored', () => {
    const body = concat(encode([exp]), fromHex('deadbeef'))
    const d = decodeOk(signPacket(priv, 0x05, body).bytes, NOW)
    assert.deepEqual(d.packet, { kind: 'enrrequest', expiration: exp, rest: [] })
  })

  test('NEIGHBORS with an unusable node IP keeps the other nodes', () => {
    const n = node(5)
    const body = encode([
      [
        [new Uint8Array(0), 1, 2, n.publicKey],
        [fromHex('0a000005'), n.udp, n.tcp, n.publicKey],
      ],
      exp,
    ])
    const d = decodeOk(signPacket(priv, 0x04, body).bytes, NOW)
    assert.deepEqual(d.packet.kind === 'neighbors' && d.packet.nodes, [n])
  })
})

describe('discv4 wire: NEIGHBORS splitting', () => {
  test(`splits at ${MAX_NEIGHBORS} nodes per packet, every packet fits in ${MAX_PACKET_SIZE} bytes even with IPv6`, () => {
    const nodes = Array.from({ length: 30 }, (_, i) => node(i, `2001:db8:ffff:ffff:ffff:ffff:ffff:${i.toString(16)}`))
    const packets = encodeNeighbors(priv, nodes, NOW + 20)
    assert.deepEqual(
      packets.map((b) => b.length <= MAX_PACKET_SIZE),
      [true, true, true],
    )
    const got = packets.map((b) => decodeOk(b, NOW).packet).flatMap((p) => (p.kind === 'neighbors' ? p.nodes : []))
    assert.deepEqual(got, nodes)
    assert.deepEqual(
      packets.map((b) => {
        const p = decodeOk(b).packet
        return p.kind === 'neighbors' ? p.nodes.length : -1
      }),
      [12, 12, 6],
    )
  })

  test('an empty answer is still one packet', () => {
    const packets = encodeNeighbors(priv, [], NOW + 20)
    assert.equal(packets.length, 1)
    assert.deepEqual(decodeOk(packets[0] as Uint8Array).packet, {
      kind: 'neighbors',
      nodes: [],
      expiration: NOW + 20,
      rest: [],
    })
  })

  test('encodePacket refuses more than MAX_NEIGHBORS nodes in one packet', () => {
    const nodes = Array.from({ length: MAX_NEIGHBORS + 1 }, (_, i) => node(i))
    assert.throws(
      () => encodePacket(priv, { kind: 'neighbors', nodes, expiration: NOW }),
      (e: unknown) => (e as { code?: string }).code === 'TOO_LARGE',
    )
  })

  test('a NEIGHBORS over 1280 bytes (16 IPv6 nodes) is rejected on receipt', () => {
    const nodes = Array.from({ length: 16 }, (_, i) => node(i, `2001:db8::${i + 1}`))
    const body = encode([
      nodes.map((n) => [fromHex('20010db8000000000000000000000001'), n.udp, n.tcp, n.publicKey]),
      NOW,
    ])
    const { bytes } = signPacket(priv, 0x04, body)
    assert.ok(bytes.length > MAX_PACKET_SIZE)
    decodeErr(bytes, 'TOO_LARGE', NOW)
    assert.equal(isDiscv4Shaped(bytes), false)
  })
})

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** Re-sign a packet after changing its signature bytes, so only the signature is wrong. */
function withSignature(bytes: Uint8Array, sig: Uint8Array): Uint8Array {
  const out = bytes.slice()
  out.set(sig, 32)
  out.set(keccak256(out.subarray(32)), 0)
  return out
}

describe('discv4 wire: rejections', () => {
  const good = encodePacket(priv, { kind: 'enrrequest', expiration: NOW + 20 }).bytes

  test('bad hash', () => {
    const b = good.slice()
    b[0] = (b[0] as number) ^ 1
    decodeErr(b, 'BAD_HASH')
    assert.equal(isDiscv4Shaped(b), false)
    const c = good.slice()
    c[c.length - 1] = (c[c.length - 1] as number) ^ 1 // body changed, hash no longer matches
    decodeErr(c, 'BAD_HASH')
  })

  test('bad signature: recovery id out of range, and r = 0', () => {
    const sig = good.slice(32, 97)
    sig[64] = 7
    decodeErr(withSignature(good, sig), 'BAD_SIGNATURE')
    decodeErr(withSignature(good, new Uint8Array(65)), 'BAD_SIGNATURE')
  })

  test('a valid signature by another key recovers that key (the id is whoever signed)', () => {
    const other = fromHex('0101010101010101010101010101010101010101010101010101010101010101')
    const d = decodeOk(encodePacket(other, { kind: 'enrrequest', expiration: NOW + 20 }).bytes)
    assert.equal(toHex(d.fromKey), toHex(publicKey64(other)))
  })

  test('truncated: shorter than the header, and a cut RLP body', () => {
    decodeErr(new Uint8Array(0), 'TOO_SHORT')
    decodeErr(good.subarray(0, HEADER_SIZE), 'TOO_SHORT')
    const ping = encode([4, [fromHex('7f000001'), 1, 1], [fromHex('7f000001'), 1, 0], NOW + 20])
    decodeErr(signPacket(priv, 0x01, ping.subarray(0, ping.length - 3)).bytes, 'BAD_RLP')
  })

  test('unknown packet types 0x00 and 0x07', () => {
    decodeErr(signPacket(priv, 0x00, encode([NOW + 20])).bytes, 'UNKNOWN_TYPE')
    decodeErr(signPacket(priv, 0x07, encode([NOW + 20])).bytes, 'UNKNOWN_TYPE')
  })

  test('a body of the wrong shape for its type', () => {
    // FINDNODE with a 32-byte target, a PING whose endpoint is a byte string, a list expiration.
    decodeErr(signPacket(priv, 0x03, encode([new Uint8Array(32), NOW])).bytes, 'BAD_FIELD')
    decodeErr(signPacket(priv, 0x01, encode([4, 'x', [new Uint8Array(0), 1, 1], NOW])).bytes, 'BAD_FIELD')
    decodeErr(signPacket(priv, 0x05, encode([[NOW]])).bytes, 'BAD_FIELD')
    decodeErr(signPacket(priv, 0x05, encode('not a list')).bytes, 'BAD_FIELD')
    // a port over 16 bits, a NEIGHBORS node with a short key
    decodeErr(
      signPacket(priv, 0x02, encode([[new Uint8Array(4), 65536, 0], new Uint8Array(32), NOW])).bytes,
      'BAD_FIELD',
    )
    decodeErr(signPacket(priv, 0x04, encode([[[new Uint8Array(4), 1, 1, new Uint8Array(63)]], NOW])).bytes, 'BAD_FIELD')
  })

  test('ENRRESPONSE with a record over 300 bytes or not a list', () => {
    const token = new Uint8Array(32)
    decodeErr(signPacket(priv, 0x06, encode([token, [new Uint8Array(300)]])).bytes, 'BAD_FIELD')
    decodeErr(signPacket(priv, 0x06, encode([token, new Uint8Array(10)])).bytes, 'BAD_FIELD')
    assert.throws(() => encodePacket(priv, { kind: 'enrresponse', replyToken: token, record: new Uint8Array(3) }))
  })

  test('expired: expiration one second before now', () => {
    decodeErr(
      encodePacket(priv, { kind: 'findnode', target: node(1).publicKey, expiration: NOW - 1 }).bytes,
      'EXPIRED',
      NOW,
    )
    decodeOk(encodePacket(priv, { kind: 'findnode', target: node(1).publicKey, expiration: NOW - 1 }).bytes)
  })

  test('oversized: 1281 bytes', () => {
    const list = encode([NOW + 20])
    const { bytes } = signPacket(
      priv,
      0x05,
      concat(list, new Uint8Array(MAX_PACKET_SIZE + 1 - HEADER_SIZE - list.length)),
    )
    assert.equal(bytes.length, MAX_PACKET_SIZE + 1)
    decodeErr(bytes, 'TOO_LARGE')
    const fits = signPacket(priv, 0x05, concat(list, new Uint8Array(MAX_PACKET_SIZE - HEADER_SIZE - list.length)))
    assert.equal(fits.bytes.length, MAX_PACKET_SIZE)
    decodeOk(fits.bytes) // exactly 1280, junk tail ignored
  })

  test('isDiscv4Shaped rejects random data and discv5 packets', () => {
    const d5 = loadVector<{ packets: { encoded: string }[] }>('discv5-wire.json')
    for (const p of d5.packets) assert.equal(isDiscv4Shaped(fromHex(p.encoded)), false)
    assert.equal(isDiscv4Shaped(keccak256(new Uint8Array([1]))), false)
    assert.equal(isDiscv4Shaped(new Uint8Array(200)), false)
  })

  test('random mutations never throw', () => {
    let seed = 1
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed
    }
    for (const v of vectors.packets) {
      const base = fromHex(v.packet)
      for (let i = 0; i < 200; i++) {
        const b = base.slice(0, HEADER_SIZE + (rnd() % (base.length - HEADER_SIZE + 1)))
        const k = HEADER_SIZE + (rnd() % Math.max(1, b.length - HEADER_SIZE))
        if (k < b.length) b[k] = rnd() & 0xff
        const fixed = withSignature(b, b.slice(32, 97))
        const r = decodePacket(fixed, NOW)
        assert.equal(typeof r.ok, 'boolean')
      }
    }
  })
})

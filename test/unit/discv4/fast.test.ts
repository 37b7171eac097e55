import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { publicKey64 } from '../../../src/crypto/index.js'
import { generalCodec } from '../../../src/discv4/wire/codec.js'
import { readBody, writeIPv4, writeUnsigned } from '../../../src/discv4/wire/fast.js'
import { decodePacket, encodePacket, HEADER_SIZE, PACKET_TYPE, type Packet } from '../../../src/discv4/wire/index.js'
import { encode } from '../../../src/rlp/index.js'
import { parseIPv4 } from '../../../src/util/ip.js'

/** Deterministic pseudo-random numbers (xorshift32). */
function rng(seed: number) {
  let x = seed >>> 0 || 1
  return (n: number) => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x % n
  }
}

const KEY = new Uint8Array(32).fill(3)
const PORTS = [0, 1, 127, 128, 255, 256, 30303, 65535]
const NUMBERS = [0, 1, 0x7f, 0x80, 0xff, 0x100, 1_700_000_000, 2 ** 32, 2 ** 48 - 1, Number.MAX_SAFE_INTEGER]
const IPS = ['0.0.0.0', '1.2.3.4', '10.0.0.1', '127.0.0.1', '192.168.100.200', '255.255.255.255']

function samples(seed: number, count: number): Packet[] {
  const r = rng(seed)
  const pick = <T>(xs: readonly T[]) => xs[r(xs.length)] as T
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => r(256))
  const endpoint = () => ({ ip: r(5) === 0 ? undefined : pick(IPS), udp: pick(PORTS), tcp: pick(PORTS) })
  const seq = () => (r(2) ? {} : { enrSeq: BigInt(pick(NUMBERS)) })
  const out: Packet[] = []
  for (let i = 0; i < count; i++) {
    const expiration = pick(NUMBERS)
    switch (i % 5) {
      case 0:
        out.push({ kind: 'ping', version: pick([0, 4, 255]), from: endpoint(), to: endpoint(), expiration, ...seq() })
        break
      case 1:
        out.push({ kind: 'pong', to: endpoint(), replyToken: bytes(32), expiration, ...seq() })
        break
      case 2:
        out.push({ kind: 'findnode', target: bytes(64), expiration })
        break
      case 3: {
        const nodes = Array.from({ length: r(13) }, () => ({
          ip: pick(IPS),
          udp: pick(PORTS),
          tcp: pick(PORTS),
          publicKey: bytes(64),
        }))
        out.push({ kind: 'neighbors', nodes, expiration })
        break
      }
      default:
        out.push({ kind: 'enrrequest', expiration })
    }
  }
  return out
}

/** The general decoder's verdict on a body: the packet, or the error's message. */
function general(kind: Packet['kind'], body: Uint8Array): Packet | string {
  try {
    return generalCodec.decodeBody(kind, body)
  } catch (e) {
    return (e as Error).message
  }
}

describe('discv4 fast codec paths', () => {
  test('write the same bytes as the general encoder, and read back what the general decoder reads', () => {
    for (const p of samples(1, 500)) {
      const fast = writeUnsigned(p, PACKET_TYPE[p.kind])
      assert.ok(fast, `${p.kind} takes the fast path`)
      const body = encode(generalCodec.bodyOf(p))
      assert.deepEqual(fast.subarray(HEADER_SIZE), body, p.kind)
      assert.equal(fast[HEADER_SIZE - 1], PACKET_TYPE[p.kind])
      const read = readBody(p.kind, fast, HEADER_SIZE)
      // Expirations and sequence numbers of 7 or 8 bytes are left to the general decoder.
      const seq = 'enrSeq' in p ? p.enrSeq : undefined
      const large = ('expiration' in p && p.expiration >= 2 ** 48) || (seq !== undefined && seq >= 2n ** 48n)
      if (large) assert.equal(read, undefined)
      else assert.deepEqual(read, general(p.kind, body))
    }
  })

  test('decline what only the general codec handles, which then encodes and decodes as before', () => {
    const ipv6: Packet = {
      kind: 'pong',
      to: { ip: '::1', udp: 1, tcp: 2 },
      replyToken: new Uint8Array(32),
      expiration: 5,
    }
    const rest: Packet = { kind: 'enrrequest', expiration: 5, rest: [new Uint8Array([1, 2])] }
    const bigSeq: Packet = { ...ipv6, to: { ip: '1.2.3.4', udp: 1, tcp: 2 }, enrSeq: 2n ** 64n - 1n }
    const mapped: Packet = {
      kind: 'neighbors',
      nodes: [{ ip: '::ffff:1.2.3.4', udp: 30303, tcp: 30303, publicKey: publicKey64(KEY) }],
      expiration: 5,
    }
    for (const p of [ipv6, rest, bigSeq, mapped]) {
      assert.equal(writeUnsigned(p, PACKET_TYPE[p.kind]), undefined, p.kind)
      const { bytes } = encodePacket(KEY, p)
      assert.deepEqual(bytes.subarray(HEADER_SIZE), encode(generalCodec.bodyOf(p)))
      const d = decodePacket(bytes)
      assert.ok(d.ok)
      assert.deepEqual(d.value.packet, general(p.kind, bytes.subarray(HEADER_SIZE)))
    }
    // Invalid fields still throw the general encoder's errors.
    assert.throws(() => encodePacket(KEY, { kind: 'findnode', target: new Uint8Array(3), expiration: 1 }), /BAD_FIELD/)
    assert.throws(() => encodePacket(KEY, { kind: 'enrrequest', expiration: -1 }), RangeError)
  })

  test('on corrupted bodies, read nothing or exactly what the general decoder reads', () => {
    const r = rng(7)
    let accepted = 0
    for (const p of samples(2, 300)) {
      const good = writeUnsigned(p, PACKET_TYPE[p.kind]) as Uint8Array
      for (let k = 0; k < 20; k++) {
        const bad = good.slice()
        const flips = 1 + r(3)
        for (let f = 0; f < flips; f++) bad[HEADER_SIZE + r(bad.length - HEADER_SIZE)] = r(256)
        const cut = r(4) === 0 ? bad.subarray(0, HEADER_SIZE + r(bad.length - HEADER_SIZE)) : bad
        const read = readBody(p.kind, cut, HEADER_SIZE)
        if (read === undefined) continue
        accepted++
        assert.deepEqual(read, general(p.kind, cut.subarray(HEADER_SIZE)))
      }
    }
    assert.ok(accepted > 100, `some corrupted bodies are still plain packets (${accepted})`)
  })

  test('leave non-canonical and odd-shaped bodies to the general decoder', () => {
    const b = (...xs: number[]) => Uint8Array.from(xs)
    const ep = [b(1, 2, 3, 4), b(0x76, 0x5f), b(5)]
    const key = new Uint8Array(64).fill(9)
    const cases: [Packet['kind'], Uint8Array][] = [
      ['ping', encode([b(4), [b(1, 2, 3, 4), b(0, 5), b(5)], ep, b(9)])], // port with a leading zero
      ['ping', encode([b(4), ep, ep, b(0, 9)])], // expiration with a leading zero
      ['ping', encode([b(4), ep, ep, b(9), b(0, 1)])], // enr-seq with a leading zero: an extra element
      ['ping', encode([b(4), ep, ep, b(9), [b(1)]])], // a list where enr-seq goes
      ['ping', encode([b(4), [...ep, b(7)], ep, b(9)])], // endpoint with an extra element
      ['pong', encode([ep, new Uint8Array(31), b(9)])],
      ['findnode', encode([key, b(9), b(1)])], // EIP-8 extra element
      ['neighbors', encode([[[b(1, 2, 3, 4), b(1), b(2), key, b(3)]], b(9)])], // node with an extra element
      ['neighbors', encode([[[[b(1)], b(1), b(2), key]], b(9)])], // IP is a list
      ['enrrequest', encode([b(1, 2, 3, 4, 5, 6, 7)])], // 7-byte expiration
      ['enrrequest', b(0xc2, 0x81, 0x05)], // single byte wrapped as a string
      ['enrrequest', b(0xf8, 0x01, 0x05)], // long list form for a short list
      ['enrrequest', b(0xc3, 0x05)], // truncated
      ['enrresponse', encode([new Uint8Array(32), [b(1)]])],
    ]
    for (const [kind, body] of cases) {
      const d = new Uint8Array(HEADER_SIZE + body.length)
      d.set(body, HEADER_SIZE)
      assert.equal(readBody(kind, d, HEADER_SIZE), undefined, `${kind} ${Buffer.from(body).toString('hex')}`)
    }
    // A node whose IP is neither 4 nor 16 bytes is skipped, on both paths.
    const body = encode([[[b(1, 2, 3), b(1), b(2), key]], b(9)])
    const d = new Uint8Array(HEADER_SIZE + body.length)
    d.set(body, HEADER_SIZE)
    assert.deepEqual(readBody('neighbors', d, HEADER_SIZE), { kind: 'neighbors', nodes: [], expiration: 9, rest: [] })
    assert.deepEqual(general('neighbors', body), { kind: 'neighbors', nodes: [], expiration: 9, rest: [] })
  })

  test('read IPv4 text exactly as parseIPv4 does', () => {
    const texts = ['1.2.3.4', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1..3.4']
    texts.push('', '.', '1.2.3.4.', 'a.b.c.d', '1.2.3.-4', '1.2.3.1000', '::1', '10.0.0.01', '9.99.199.0')
    for (const t of texts) {
      const out = new Uint8Array(4)
      const ok = writeIPv4(t, out, 0)
      const ref = parseIPv4(t)
      assert.equal(ok, ref !== undefined, t)
      if (ref) assert.deepEqual(out, ref, t)
    }
  })
})

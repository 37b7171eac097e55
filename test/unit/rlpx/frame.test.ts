import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { generatePrivateKey, KeccakState, keccak256, publicKey64 } from '../../../src/crypto/index.js'
import { encode } from '../../../src/rlp/index.js'
import {
  FrameReader,
  type FrameSecrets,
  FrameWriter,
  frameWireSize,
  type MacHash,
  PIECES_FROM,
  paddedSize,
} from '../../../src/rlpx/frame/index.js'
import {
  deriveSecrets,
  InitiatorHandshake,
  RecipientHandshake,
  type Secrets,
} from '../../../src/rlpx/handshake/index.js'
import { concatBytes, fromHex, toHex } from '../../../src/util/bytes.js'
import { loadVector } from '../../helpers/vectors.js'

interface FrameVectors {
  vectors: {
    aesSecret: string
    macSecret: string
    fakeMacDigest: string
    msgCode: number
    msgData: string
    frameContent: string
    frame: string
  }[]
}
type Legacy = Record<string, string>

/** go-ethereum TestFrameReadWrite's fake hash: ignores input, always digests to 32 × 0x01. */
class FakeHash implements MacHash {
  constructor(private readonly d: Uint8Array) {}
  update(): void {}
  digest(): Uint8Array {
    return this.d
  }
}

function readAll(r: FrameReader): Uint8Array[] {
  const out: Uint8Array[] = []
  for (;;) {
    const n = r.next()
    assert.ok(n.ok, `reader failed: ${!n.ok && n.error.message}`)
    if (n.value === undefined) return out
    out.push(n.value.slice())
  }
}

function pair(): { a: Secrets; b: Secrets } {
  const ka = generatePrivateKey()
  const kb = generatePrivateKey()
  const ini = new InitiatorHandshake({ privateKey: ka, remotePublicKey: publicKey64(kb) })
  const rec = new RecipientHandshake({ privateKey: kb })
  const rb = rec.onData(ini.auth)
  const ra = ini.onData(rec.done?.ack ?? new Uint8Array(0))
  assert.ok(ra.ok && ra.value.kind === 'done' && rb.ok && rb.value.kind === 'done')
  return { a: ra.value.secrets, b: rb.value.secrets }
}

describe('RLPx frames', () => {
  test('go-ethereum TestFrameReadWrite vector (fake MAC digest): layout and AES-256-CTR', () => {
    for (const v of loadVector<FrameVectors>('rlpx-frame.json').vectors) {
      const secrets = (): FrameSecrets => ({
        aesSecret: fromHex(v.aesSecret),
        macSecret: fromHex(v.macSecret),
        egressMac: new FakeHash(fromHex(v.fakeMacDigest)),
        ingressMac: new FakeHash(fromHex(v.fakeMacDigest)),
      })
      const frame = new FrameWriter(secrets()).write(encode(v.msgCode), fromHex(v.msgData))
      assert.equal(toHex(frame), v.frame)
      const r = new FrameReader(secrets())
      r.push(fromHex(v.frame))
      assert.deepEqual(readAll(r).map(toHex), [v.frameContent])
    }
  })

  test('legacy handshake vector: the first Hello frame in each direction, byte for byte', () => {
    const lg = loadVector<Legacy>('rlpx-handshake-legacy.json')
    const h = (k: string) => fromHex(lg[k] ?? '')
    const common = {
      initiatorNonce: h('initiatorNonce'),
      recipientNonce: h('receiverNonce'),
      auth: h('authCiphertext'),
      ack: h('authrespCiphertext'),
    }
    const ini = deriveSecrets({
      ...common,
      initiator: true,
      ephemeralPrivateKey: h('initiatorEphemeralPrivateKey'),
      remoteEphemeralPublicKey: publicKey64(h('receiverEphemeralPrivateKey')),
      remotePublicKey: publicKey64(h('receiverPrivateKey')),
    })
    const rec = deriveSecrets({
      ...common,
      initiator: false,
      ephemeralPrivateKey: h('receiverEphemeralPrivateKey'),
      remoteEphemeralPublicKey: publicKey64(h('initiatorEphemeralPrivateKey')),
      remotePublicKey: publicKey64(h('initiatorPrivateKey')),
    })
    const hello = (caps: [string, number][], key: string) =>
      encode([3, '', caps.map(([n, v]) => [n, v]), 0, publicKey64(h(key))])
    const iHello = hello(
      [
        ['a', 0],
        ['b', 2],
      ],
      'initiatorPrivateKey',
    )
    const rHello = hello(
      [
        ['c', 1],
        ['d', 3],
      ],
      'receiverPrivateKey',
    )
    assert.equal(toHex(new FrameWriter(ini).write(Uint8Array.of(0x80), iHello)), lg.initiatorHelloPacket)
    assert.equal(toHex(new FrameWriter(rec).write(Uint8Array.of(0x80), rHello)), lg.receiverHelloPacket)
    const ri = new FrameReader(ini)
    ri.push(h('receiverHelloPacket'))
    assert.deepEqual(readAll(ri), [concatBytes(Uint8Array.of(0x80), rHello)])
  })

  test('round trip across arbitrary chunking, several frames per chunk, sizes 0..70 000', () => {
    const { a, b } = pair()
    const w = new FrameWriter(a)
    const r = new FrameReader(b)
    const msgs = [0, 1, 15, 16, 17, 1000, 70_000, 3].map((n) => new Uint8Array(randomBytes(n)))
    const wire = concatBytes(...msgs.map((m) => w.write(m)))
    assert.equal(
      wire.length,
      msgs.reduce((s, m) => s + frameWireSize(m.length), 0),
    )
    const got: Uint8Array[] = []
    for (let o = 0; o < wire.length; ) {
      const n = o < 200 ? 1 : 1 + Math.floor(Math.random() * 9000)
      r.push(wire.subarray(o, o + n))
      o += n
      got.push(...readAll(r))
    }
    assert.deepEqual(got, msgs)
    assert.equal(r.buffered, 0)
    // And the other direction uses its own keystream and MAC.
    const back = new FrameReader(a)
    back.push(new FrameWriter(b).write(Uint8Array.of(1, 2, 3)))
    assert.deepEqual(readAll(back), [Uint8Array.of(1, 2, 3)])
  })

  test('many frames under every chunking: bytes one by one, headers apart from bodies, frame by frame', () => {
    const sizes = [0, 1, 15, 16, 17, 31, 32, 33, 1000, 4096, 65_539, 0, 5, 136, 137]
    const msgs = sizes.map((n) => new Uint8Array(randomBytes(n)))
    // Cut points: every frame boundary, every header/body boundary, and random ones.
    const boundaries: number[] = []
    let end = 0
    for (const n of sizes) {
      boundaries.push(end + 32, end + frameWireSize(n))
      end += frameWireSize(n)
    }
    const chunkings: [string, number[]][] = [
      ['frame by frame', boundaries.filter((_, i) => i % 2 === 1)],
      ['headers apart from bodies', boundaries],
      ['one byte at a time (first 5 frames)', Array.from({ length: 1200 }, (_, i) => i + 1)],
      ['random', Array.from({ length: 40 }, () => Math.floor(Math.random() * end)).sort((x, y) => x - y)],
    ]
    for (const [name, cuts] of chunkings) {
      const { a, b } = pair()
      const w = new FrameWriter(a)
      const wire = concatBytes(...msgs.map((m) => w.write(m)))
      assert.equal(wire.length, end)
      const r = new FrameReader(b)
      const got: Uint8Array[] = []
      let from = 0
      for (const cut of [...cuts, wire.length]) {
        if (cut <= from) continue
        r.push(wire.subarray(from, cut))
        from = cut
        got.push(...readAll(r))
      }
      assert.deepEqual(got, msgs, name)
      assert.equal(r.buffered, 0, name)
      assert.ok(!r.inFrame, name)
    }
  })

  test('writePieces gives the same bytes as write, for small and large frames in sequence', () => {
    const aesSecret = new Uint8Array(randomBytes(32))
    const macSecret = new Uint8Array(randomBytes(32))
    const seed = new Uint8Array(randomBytes(32))
    const secrets = (): FrameSecrets => ({
      aesSecret,
      macSecret,
      egressMac: new KeccakState().update(seed),
      ingressMac: new KeccakState().update(seed),
    })
    const [whole, pieces] = [new FrameWriter(secrets()), new FrameWriter(secrets())]
    const r = new FrameReader(secrets())
    const sizes = [
      0,
      5,
      PIECES_FROM - 2,
      PIECES_FROM - 1,
      PIECES_FROM,
      PIECES_FROM + 1,
      PIECES_FROM + 15,
      65_536,
      3,
      70_001,
    ]
    const ids = [Uint8Array.of(0x10), Uint8Array.of(0x81, 0x80), Uint8Array.of(0x82, 0x01, 0x00)]
    for (const [i, n] of sizes.entries()) {
      const id = ids[i % 3] as Uint8Array
      const payload = new Uint8Array(randomBytes(n))
      const want = whole.write(id, payload)
      const got = pieces.writePieces(id, payload)
      assert.equal(got.length, id.length + n >= PIECES_FROM ? 3 : 1, `size ${n}`)
      assert.equal(toHex(concatBytes(...got)), toHex(want), `size ${n}`)
      for (const p of got) r.push(p)
      assert.deepEqual(readAll(r), [concatBytes(id, payload)], `size ${n}`)
    }
  })

  test("frame data comes back without the next header's keystream in its buffer", () => {
    const { a, b } = pair()
    const w = new FrameWriter(a)
    const r = new FrameReader(b)
    for (const n of [0, 3, 16, 100]) {
      r.push(w.write(new Uint8Array(n).fill(0xaa)))
      const d = r.next()
      assert.ok(d.ok && d.value)
      const tail = new Uint8Array(d.value.buffer, d.value.byteOffset + n, paddedSize(n) - n + 16)
      assert.ok(
        tail.every((x) => x === 0),
        `size ${n}`,
      )
    }
  })

  test('a corrupted header or body after the first frame is refused (keystream carried over)', () => {
    for (const [where, code] of [
      [0, 'HEADER_MAC'],
      [20, 'HEADER_MAC'],
      [40, 'FRAME_MAC'],
    ] as const) {
      const { a, b } = pair()
      const w = new FrameWriter(a)
      const first = w.write(new Uint8Array(50).fill(1))
      const second = w.write(new Uint8Array(70).fill(2))
      second[where] = (second[where] as number) ^ 1
      const r = new FrameReader(b)
      r.push(concatBytes(first, second))
      const one = r.next()
      assert.ok(one.ok && one.value && one.value.length === 50)
      const two = r.next()
      assert.ok(!two.ok && two.error.code === code, `byte ${where}`)
    }
  })

  test('corrupted header ciphertext, header MAC, body and frame MAC are refused, and stay refused', () => {
    for (const [pos, code] of [
      [3, 'HEADER_MAC'],
      [20, 'HEADER_MAC'],
      [40, 'FRAME_MAC'],
      [-1, 'FRAME_MAC'],
    ] as const) {
      const { a, b } = pair()
      const frame = new FrameWriter(a).write(new Uint8Array(30).fill(9))
      const i = pos < 0 ? frame.length + pos : pos
      frame[i] = (frame[i] as number) ^ 0x80
      const r = new FrameReader(b)
      r.push(frame)
      const n = r.next()
      assert.ok(!n.ok && n.error.code === code, `byte ${i}`)
      r.push(new Uint8Array(64))
      assert.ok(!r.next().ok)
    }
  })

  test('a header announcing more than the cap is refused before any body byte arrives', () => {
    const { a, b } = pair()
    const frame = new FrameWriter(a).write(new Uint8Array(5000))
    const r = new FrameReader(b, { maxFrameSize: 4096 })
    r.push(frame.subarray(0, 32))
    const n = r.next()
    assert.ok(!n.ok && n.error.code === 'TOO_LARGE')
  })

  test('the reader waits for exactly the announced body', () => {
    const { a, b } = pair()
    const w = new FrameWriter(a)
    const f1 = w.write(new Uint8Array(100).fill(1))
    const r = new FrameReader(b)
    r.push(f1.subarray(0, f1.length - 1))
    assert.deepEqual(readAll(r), [])
    assert.ok(r.inFrame)
    r.push(f1.subarray(f1.length - 1))
    assert.deepEqual(readAll(r), [new Uint8Array(100).fill(1)])
  })

  test('MAC states continue across frames (keccak state is not finalised)', () => {
    const s = new KeccakState().update(Uint8Array.of(1))
    const before = s.digest()
    assert.deepEqual(s.digest(), before)
    assert.deepEqual(s.update(Uint8Array.of(2)).digest(), keccak256(Uint8Array.of(1, 2)))
  })
})

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildHandshake } from '../../../src/discv5/session/handshake.js'
import {
  MAX_HEADER_MASKERS,
  MAX_QUEUED_REQUESTS_PER_PEER,
  type SessionOutput,
  Sessions,
} from '../../../src/discv5/session/index.js'
import { decodePacket, encodePacket, type WhoareyouPacket } from '../../../src/discv5/wire/index.js'
import type { Enr } from '../../../src/enr/index.js'
import { type Datagram, keyFromSeed, Net, type Peer, seededRandom } from './session-harness.js'

function setup() {
  const net = new Net()
  return { net, a: net.add('a', 30301), b: net.add('b', 30302) }
}

function kindOf(p: Peer, d: Datagram | undefined): string {
  assert.ok(d)
  const r = decodePacket(p.enr.nodeId, d.data)
  return r.ok ? r.value.kind : r.error.code
}

/** A sends a PING; B's WHOAREYOU is captured and not delivered. */
function challenged(net: Net, a: Peer, b: Peer) {
  const req = net.ping(a, b)
  const random = net.inflight.shift() as Datagram
  net.deliver(random)
  const w = net.inflight.shift() as Datagram
  const decoded = decodePacket(a.enr.nodeId, w.data)
  assert.ok(decoded.ok && decoded.value.kind === 'whoareyou')
  return { req, random, w, challenge: decoded.value as WhoareyouPacket }
}

const discards = (p: Peer, net: Net) => net.take(p, 'discarded').map((d) => d.reason)

describe('discv5 sessions: challenges', () => {
  test('this test checks that a repeated packet gets the same WHOAREYOU bytes (geth HandshakeResend)', () => {
    const { net, a, b } = setup()
    const { random, w } = challenged(net, a, b)
    // A -> B  the same packet again  ->  A <- B  the very same WHOAREYOU
    net.deliver(random)
    assert.deepEqual(net.inflight.shift()?.data, w.data)
    // A retry (another random packet) within the handshake timeout gets it too.
    net.advance(500)
    const retry = net.inflight.shift() as Datagram
    assert.notDeepEqual(retry.data, random.data)
    net.deliver(retry)
    assert.deepEqual(net.inflight.shift()?.data, w.data)
    // After the challenge expires, a fresh one.
    net.now += 1001
    net.deliver(retry)
    const fresh = net.inflight.shift()
    assert.equal(kindOf(a, fresh), 'whoareyou')
    assert.notDeepEqual(fresh?.data, w.data)
  })

  test('this test checks that a session is bound to IP:port: the same node elsewhere gets a WHOAREYOU', () => {
    const { net, a, b } = setup()
    net.ping(a, b)
    net.run()
    net.take(b, 'request')
    net.autoRespond = false
    net.ping(a, b)
    const msg = net.inflight.shift() as Datagram
    const other = { ip: '127.0.0.1', port: 40000 }
    net.deliver(msg, other)
    assert.equal(net.take(b, 'request').length, 0)
    const w = net.inflight.shift()
    assert.deepEqual(w?.to, other)
    assert.equal(kindOf(a, w), 'whoareyou')
    // From the right endpoint it still decrypts.
    net.deliver(msg)
    assert.equal(net.take(b, 'request').length, 1)
  })

  test('this test checks that a WHOAREYOU answering nothing we sent, or from elsewhere, is ignored', () => {
    const { net, a, b } = setup()
    const stray = encodePacket(
      a.enr.nodeId,
      { kind: 'whoareyou', nonce: new Uint8Array(12).fill(7), idNonce: new Uint8Array(16), enrSeq: 0n },
      new Uint8Array(16),
    )
    net.deliver({ from: b.addr, to: a.addr, data: stray })
    assert.deepEqual(discards(a, net), ['unsolicited-whoareyou'])
    const { w } = challenged(net, a, b)
    net.deliver(w, { ip: '127.0.0.2', port: 30302 })
    assert.deepEqual(discards(a, net), ['unsolicited-whoareyou'])
    assert.equal(net.inflight.length, 0, 'nothing answered')
    net.deliver(w)
    assert.equal(kindOf(b, net.inflight[0]), 'handshake', 'the real one is answered')
  })
})

describe('discv5 sessions: hostile handshakes', () => {
  test('this test checks that a replayed handshake is refused', () => {
    const { net, a, b } = setup()
    net.ping(a, b)
    net.run()
    const hs = net.sent.find((d) => kindOf(b, d) === 'handshake') as Datagram
    net.take(b, 'request')
    net.take(b, 'established')
    net.deliver(hs)
    assert.deepEqual(discards(b, net), ['unexpected-handshake'])
    assert.equal(net.take(b, 'request').length, 0)
    // Replayed while a new challenge is pending, its signature does not cover that challenge.
    const c = new Net()
    const a2 = c.add('a', 30301)
    const b2 = c.add('b', 30302)
    c.ping(a2, b2)
    c.run()
    const hs2 = c.sent.find((d) => kindOf(b2, d) === 'handshake') as Datagram
    c.deliver(c.sent[0] as Datagram) // A's first random packet again: B cannot decrypt it, so a new challenge
    assert.equal(kindOf(a2, c.inflight.shift()), 'whoareyou')
    c.deliver(hs2)
    // The random packet failed to decrypt under the session (counted), then the handshake failed.
    assert.deepEqual(discards(b2, c), ['decrypt-failed', 'bad-id-signature'])
  })

  test('this test checks that a bad id-signature, a foreign record and a missing record are refused, and the challenge survives', () => {
    const { net, a, b } = setup()
    const c = net.add('c', 30303)
    const { w, challenge } = challenged(net, a, b)
    const plaintext = Uint8Array.of(0x01, 0xc2, 0x01, 0x01) // PING [1, 1]
    const forge = (privateKey: Uint8Array, enr: Enr, ch: WhoareyouPacket) => {
      const built = buildHandshake(
        { privateKey, nodeId: a.enr.nodeId, enr },
        net.contact(b),
        ch,
        plaintext,
        seededRandom('x'),
      )
      assert.ok(built.ok)
      net.deliver({ from: a.addr, to: b.addr, data: built.value.data })
    }
    forge(keyFromSeed('evil'), a.enr, challenge)
    assert.deepEqual(discards(b, net), ['bad-id-signature'])
    forge(a.key, c.enr, challenge)
    assert.deepEqual(discards(b, net), ['bad-record'])
    forge(a.key, a.enr, { ...challenge, enrSeq: 99n }) // omits the record B does not have
    assert.deepEqual(discards(b, net), ['no-record'])
    assert.equal(net.take(b, 'established').length, 0)
    net.deliver(w)
    net.run()
    assert.equal(net.take(b, 'established').length, 1, 'the genuine handshake still completes')
    assert.equal(net.take(a, 'response').length, 1)
  })

  test('this test checks that a bad GCM tag is refused: on a handshake, and on a session message', () => {
    const { net, a, b } = setup()
    const { w } = challenged(net, a, b)
    net.deliver(w)
    const hs = net.inflight.shift() as Datagram
    const bad = hs.data.slice()
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1
    net.deliver({ ...hs, data: bad })
    assert.deepEqual(discards(b, net), ['decrypt-failed'])
    net.deliver(hs)
    net.run()
    assert.equal(net.take(a, 'response').length, 1)
    net.take(b, 'request')
    net.ping(a, b)
    const msg = net.inflight.shift() as Datagram
    const tampered = msg.data.slice()
    tampered[tampered.length - 2] = (tampered[tampered.length - 2] as number) ^ 1
    net.deliver({ ...msg, data: tampered })
    assert.equal(net.take(b, 'request').length, 0)
    assert.equal(kindOf(a, net.inflight.shift()), 'whoareyou', 'undecryptable: challenge (discv5-theory.md step 2)')
  })

  test('this test checks that random and foreign datagrams are classified without a crash', () => {
    const { net, a, b } = setup()
    const outs: SessionOutput[] = a.s.handle({ kind: 'datagram', from: b.addr, data: new Uint8Array(100).fill(3) }, 0)
    assert.equal(outs[0]?.kind, 'foreign')
    const w = encodePacket(
      a.enr.nodeId,
      { kind: 'whoareyou', nonce: new Uint8Array(12), idNonce: new Uint8Array(16), enrSeq: 0n },
      new Uint8Array(16),
    )
    const longer = new Uint8Array(w.length + 5)
    longer.set(w)
    const outs2 = a.s.handle({ kind: 'datagram', from: b.addr, data: longer }, 0)
    assert.deepEqual(outs2, [
      { kind: 'discarded', from: b.addr, reason: 'bad-packet', detail: 'WHOAREYOU_HAS_MESSAGE' },
    ])
    assert.equal(net.inflight.length, 0)
  })
})

describe('discv5 sessions: requests', () => {
  test('this test checks timeouts with one retry on virtual time', () => {
    const { net, a, b } = setup()
    net.drop = () => true
    const req = net.ping(a, b)
    assert.equal(a.s.nextDeadline(), 500)
    net.run()
    net.advance(499)
    assert.equal(net.inflight.length, 0)
    net.advance(1)
    assert.equal(net.inflight.length, 1, 'one retry')
    net.run()
    assert.equal(a.s.nextDeadline(), 1500, 'the retry waits twice as long (RFC 6298 back-off)')
    net.advance(1000)
    assert.equal(net.inflight.length, 0, 'no second retry')
    const [failed] = net.take(a, 'request-failed')
    assert.equal(failed?.request, req)
    assert.equal(failed?.error, 'timeout')
    assert.equal(a.s.activeRequests, 0)
    assert.equal(a.s.nextDeadline(), undefined)
  })

  test('this test checks that a lost first packet is recovered by the retry', () => {
    const { net, a, b } = setup()
    let n = 0
    net.drop = () => n++ === 0
    net.ping(a, b)
    net.run()
    net.advance(500)
    net.run()
    assert.equal(net.take(a, 'response').length, 1)
    assert.equal(net.take(a, 'request-failed').length, 0)
  })

  test('this test checks that a lost handshake packet is recovered: B repeats its challenge and A answers again', () => {
    const { net, a, b } = setup()
    let dropped = 0
    net.drop = (d) => dropped === 0 && d.from === a.addr && kindOf(b, d) === 'handshake' && ++dropped > 0
    net.ping(a, b)
    net.run()
    assert.equal(dropped, 1)
    net.advance(500) // retry over the unconfirmed session -> B repeats WHOAREYOU -> second handshake
    net.run()
    assert.equal(net.take(a, 'response').length, 1)
    assert.equal(net.take(b, 'established').length, 1)
    const whoareyous = net.sent.filter((d) => d.from === b.addr && kindOf(a, d) === 'whoareyou')
    assert.equal(whoareyous.length, 2)
    assert.deepEqual(whoareyous[0]?.data, whoareyous[1]?.data, 'the same challenge')
  })

  test('this test checks that a peer that lost its session is re-handshaken, with in-flight requests re-sent', () => {
    const { net, a, b } = setup()
    net.ping(a, b)
    net.run()
    net.take(a, 'response')
    // B restarts: same key and endpoint, no sessions.
    const fresh = new Sessions({ privateKey: b.key, enr: b.enr, random: seededRandom('b2') })
    b.s = fresh
    net.ping(a, b)
    net.request(a, b, { type: 'FINDNODE', reqId: a.s.newRequestId(), distances: [1] })
    net.run()
    assert.deepEqual(
      net.take(a, 'response').map((r) => r.msg.type),
      ['PONG', 'NODES'],
    )
    assert.equal(net.take(a, 'request-failed').length, 0)
  })

  test('this test checks NODES over several packets, the 5-packet cap, and unsolicited responses', () => {
    const { net, a, b } = setup()
    net.autoRespond = false
    const req = net.request(a, b, { type: 'FINDNODE', reqId: a.s.newRequestId(), distances: [255, 256] })
    net.run()
    const [incoming] = net.take(b, 'request')
    assert.ok(incoming)
    const nodes = (total: number) => ({ type: 'NODES' as const, reqId: req.msg.reqId, total, enrs: [b.enr.encode()] })
    for (let i = 0; i < 6; i++) net.input(b, { kind: 'send-response', to: incoming.from, msg: nodes(10) })
    net.run()
    const got = net.take(a, 'response')
    assert.deepEqual(
      got.map((r) => r.done),
      [false, false, false, false, true],
    )
    assert.deepEqual(discards(a, net), ['unsolicited-response'])
    // A PONG nobody asked for, and a PONG to a FINDNODE's request id.
    const req2 = net.request(a, b, { type: 'FINDNODE', reqId: a.s.newRequestId(), distances: [1] })
    net.run()
    const pong = (reqId: Uint8Array) => ({ type: 'PONG' as const, reqId, enrSeq: 1n, ip: '127.0.0.1', port: 1 })
    net.input(b, { kind: 'send-response', to: incoming.from, msg: pong(Uint8Array.of(9, 9)) })
    net.input(b, { kind: 'send-response', to: incoming.from, msg: pong(req2.msg.reqId) })
    net.run()
    assert.deepEqual(discards(a, net), ['unsolicited-response', 'unsolicited-response'])
    // A partial answer then silence: the request fails without a re-send.
    net.input(b, { kind: 'send-response', to: incoming.from, msg: { ...nodes(2), reqId: req2.msg.reqId } })
    net.run()
    assert.equal(net.take(a, 'response')[0]?.done, false)
    net.advance(500)
    assert.equal(net.inflight.length, 0)
    assert.equal(net.take(a, 'request-failed')[0]?.error, 'timeout')
  })

  test('this test checks the per-peer queue bound, and that queued requests fail with the handshake', () => {
    const { net, a, b } = setup()
    net.drop = () => true
    for (let i = 0; i <= MAX_QUEUED_REQUESTS_PER_PEER; i++) net.ping(a, b)
    net.ping(a, b)
    assert.deepEqual(
      net.take(a, 'request-failed').map((f) => f.error),
      ['queue-full'],
    )
    net.run()
    net.advance(500)
    net.run()
    net.advance(1000)
    const failed = net.take(a, 'request-failed').map((f) => f.error)
    assert.equal(failed.length, MAX_QUEUED_REQUESTS_PER_PEER + 1)
    assert.equal(failed.filter((e) => e === 'handshake-failed').length, MAX_QUEUED_REQUESTS_PER_PEER)
    assert.equal(a.s.activeRequests, 0)
  })

  test('this test checks duplicate request ids, oversized requests, and responses without a session', () => {
    const { net, a, b } = setup()
    const id = a.s.newRequestId()
    net.ping(a, b, id)
    net.ping(a, b, id)
    net.request(a, b, {
      type: 'TALKREQ',
      reqId: a.s.newRequestId(),
      protocol: Uint8Array.of(1),
      request: new Uint8Array(1200),
    })
    assert.deepEqual(
      net.take(a, 'request-failed').map((f) => f.error),
      ['duplicate-request-id', 'too-large'],
    )
    net.input(a, {
      kind: 'send-response',
      to: { nodeId: b.enr.nodeId, addr: b.addr },
      msg: { type: 'TALKRESP', reqId: Uint8Array.of(1), response: new Uint8Array(0) },
    })
    assert.deepEqual(discards(a, net), ['no-session'])
  })

  test('this test checks the LRU bound on sessions and that request ids never start with a zero byte', () => {
    const net = new Net()
    const a = net.add('a', 30301, { maxSessions: 2 })
    const peers = [net.add('b', 30302), net.add('c', 30303), net.add('d', 30304)]
    for (const p of peers) {
      net.ping(a, p)
      net.run()
    }
    assert.equal(a.s.sessionCount, 2)
    assert.equal(net.take(a, 'response').length, 3)
    const zeros = new Sessions({ privateKey: a.key, enr: a.enr, random: { bytes: (n) => new Uint8Array(n) } })
    assert.equal(zeros.newRequestId()[0], 1)
    assert.equal(zeros.newRequestId().length, 8)
    assert.throws(() => new Sessions({ privateKey: a.key, enr: peers[0]?.enr as Enr }), RangeError)
  })

  test('this test checks that sessions outlive the bounded header-masker cache', () => {
    const net = new Net()
    const a = net.add('a', 30301)
    const peers = Array.from({ length: MAX_HEADER_MASKERS + 2 }, (_, i) => net.add(`p${i}`, 31000 + i))
    for (const round of [0, 1])
      for (const p of peers) {
        net.ping(a, p)
        net.ping(p, a)
        net.run()
        assert.equal(net.take(a, 'response').length, 1, `round ${round}`)
        assert.equal(net.take(p, 'response').length, 1, `round ${round}`)
      }
    assert.equal(a.s.sessionCount, peers.length)
    assert.deepEqual(discards(a, net), [])
  })
})

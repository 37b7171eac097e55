import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Net } from './session-harness.js'

describe('discv5 sessions: handshakes on virtual time', () => {
  test('this test checks that A completes a handshake with B and gets its PONG (A initiates)', () => {
    const net = new Net()
    const a = net.add('a', 30301)
    const b = net.add('b', 30302)
    // A -> B  random packet (PING waiting)
    const req = net.ping(a, b)
    assert.equal(net.inflight.length, 1)
    // A <- B  WHOAREYOU;  A -> B  handshake + PING;  A <- B  PONG
    net.run()
    assert.equal(net.sent.length, 4)
    const [inB] = net.take(b, 'established')
    assert.equal(inB?.direction, 'in')
    assert.deepEqual(inB?.node.nodeId, a.enr.nodeId)
    assert.deepEqual(inB?.enr?.encode(), a.enr.encode(), 'B learnt A’s record from the handshake')
    const [pingAtB] = net.take(b, 'request')
    assert.equal(pingAtB?.msg.type, 'PING')
    const [outA] = net.take(a, 'established')
    assert.equal(outA?.direction, 'out')
    const [resp] = net.take(a, 'response')
    assert.equal(resp?.request, req)
    assert.equal(resp?.done, true)
    assert.deepEqual(resp?.msg, { type: 'PONG', reqId: req.msg.reqId, enrSeq: 1n, ip: '127.0.0.1', port: 30301 })
    assert.equal(a.s.activeRequests, 0)
    assert.equal(a.s.nextDeadline(), undefined)
    assert.deepEqual(a.log, [])
    assert.deepEqual(b.log, [])
  })

  test('this test checks the other direction (B initiates), then that both reuse the session both ways', () => {
    const net = new Net()
    const a = net.add('a', 30301)
    const b = net.add('b', 30302)
    net.request(b, a, {
      type: 'TALKREQ',
      reqId: b.s.newRequestId(),
      protocol: Uint8Array.of(1),
      request: Uint8Array.of(7),
    })
    net.run()
    assert.equal(net.take(a, 'established')[0]?.direction, 'in')
    assert.equal(net.take(b, 'established')[0]?.direction, 'out')
    const [talk] = net.take(b, 'response')
    assert.deepEqual(talk?.msg.type === 'TALKRESP' && talk.msg.response, Uint8Array.of(7))
    // Both directions now run over the one session: a request and its answer, 2 packets each.
    const before = net.sent.length
    net.ping(a, b)
    net.run()
    net.ping(b, a)
    net.run()
    assert.equal(net.sent.length - before, 4)
    assert.equal(net.take(a, 'response').length, 1)
    assert.equal(net.take(b, 'response').length, 1)
    assert.equal(net.take(a, 'established').length + net.take(b, 'established').length, 0)
  })

  test('this test checks that a known record is not re-sent, and a newer one is', () => {
    const net = new Net()
    const a = net.add('a', 30301)
    const b = net.add('b', 30302)
    net.know(b, a)
    net.ping(a, b)
    net.run()
    const hs = net.sent[2]
    assert.ok(hs)
    assert.ok(hs.data.length < 300, 'handshake without a record')
    assert.equal(net.take(b, 'established')[0]?.enr?.seq, 1n)

    const net2 = new Net()
    const a2 = net2.add('a', 30301)
    const b2 = net2.add('b', 30302)
    net2.know(b2, a2)
    const newer = a2.enr.update(a2.key, { ip: '127.0.0.1', udp: 30301, tcp: 30303 })
    a2.s.setEnr(newer)
    net2.ping(a2, b2)
    net2.run()
    assert.ok((net2.sent[2]?.data.length ?? 0) > 300, 'handshake with the newer record')
    assert.equal(net2.take(b2, 'established')[0]?.enr?.seq, 2n)
  })

  test('this test checks that requests queued during the handshake go out once B answers it', () => {
    const net = new Net()
    const a = net.add('a', 30301)
    const b = net.add('b', 30302)
    net.ping(a, b)
    net.request(a, b, { type: 'FINDNODE', reqId: a.s.newRequestId(), distances: [256] })
    net.request(a, b, {
      type: 'TALKREQ',
      reqId: a.s.newRequestId(),
      protocol: Uint8Array.of(1),
      request: Uint8Array.of(2),
    })
    assert.equal(net.inflight.length, 1, 'only the random packet goes out')
    net.run()
    const types = net.take(a, 'response').map((r) => r.msg.type)
    assert.deepEqual(types, ['PONG', 'NODES', 'TALKRESP'])
    assert.equal(net.take(b, 'established').length, 1, 'one handshake, not three')
    assert.equal(a.s.activeRequests, 0)
  })

  test('this test checks that simultaneous first contact from both sides still answers both requests', () => {
    const net = new Net()
    const a = net.add('a', 30301)
    const b = net.add('b', 30302)
    net.ping(a, b)
    net.ping(b, a)
    net.run()
    assert.equal(net.take(a, 'response').length, 1)
    assert.equal(net.take(b, 'response').length, 1)
    assert.equal(net.take(a, 'request-failed').length + net.take(b, 'request-failed').length, 0)
    // And the sessions they ended with work both ways.
    net.ping(a, b)
    net.ping(b, a)
    net.run()
    net.advance(5000)
    assert.equal(net.take(a, 'response').length, 1)
    assert.equal(net.take(b, 'response').length, 1)
    assert.equal(net.take(a, 'request-failed').length + net.take(b, 'request-failed').length, 0)
  })
})

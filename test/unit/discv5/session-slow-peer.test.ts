// A peer that reads our packets seconds late (a bootnode whose socket queue runs behind during a
// join storm): per-peer back-off of the request timeout, late handshakes still accepted, the
// session kept after a failed handshake, and a repeated challenge answered by the next request.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { CHALLENGE_ACCEPT_MS, MAX_REQUEST_TIMEOUT_MS, RttEstimator } from '../../../src/discv5/session/index.js'
import { decodePacket } from '../../../src/discv5/wire/index.js'
import { type Datagram, Net, type Peer } from './session-harness.js'

function kindOf(p: Peer, d: Datagram | undefined): string {
  assert.ok(d)
  const r = decodePacket(p.enr.nodeId, d.data)
  return r.ok ? r.value.kind : r.error.code
}

const reasons = (p: Peer, net: Net) => net.take(p, 'discarded').map((d) => d.reason)

/** A PINGs B; B's first WHOAREYOU is held back. */
function challenged(net: Net, a: Peer, b: Peer): Datagram {
  net.ping(a, b)
  net.deliver(net.inflight.shift() as Datagram)
  const w = net.inflight.shift() as Datagram
  assert.equal(kindOf(a, w), 'whoareyou')
  return w
}

describe('discv5 sessions: a slow peer', () => {
  test('RttEstimator: each timeout doubles the wait for that peer only, up to the max; an answer resets it', () => {
    const r = new RttEstimator(500, MAX_REQUEST_TIMEOUT_MS)
    r.backOff('b')
    assert.equal(r.timeoutFor('b'), 1000)
    r.backOff('b')
    r.backOff('b')
    r.backOff('b')
    assert.equal(r.timeoutFor('b'), MAX_REQUEST_TIMEOUT_MS)
    assert.equal(r.timeoutFor('c'), 500)
    r.answered('b')
    assert.equal(r.timeoutFor('b'), 500)
  })

  test('a peer that timed out is waited for longer until it answers; other peers are not', () => {
    const net = new Net()
    const a = net.add('a', 30301)
    const b = net.add('b', 30302)
    const c = net.add('c', 30303)
    net.drop = (d) => d.to.port === b.addr.port
    net.ping(a, b)
    net.run()
    net.advance(500)
    net.run()
    assert.equal(a.s.nextDeadline(), 1500, 'the retry waits 1 s')
    net.advance(1000)
    assert.equal(net.take(a, 'request-failed')[0]?.error, 'timeout')
    net.ping(a, b)
    assert.equal(a.s.nextDeadline(), 1500 + 2000, 'the next request to b waits 2 s')
    net.ping(a, c)
    assert.equal(a.s.nextDeadline(), 1500 + 500, 'c is not b')
    net.drop = () => false
    net.run()
    assert.equal(net.take(a, 'response').length, 2, 'b answered (it was only slow), and c')
    net.ping(a, b)
    assert.equal(a.s.nextDeadline(), 1500 + 500, 'b answered: back to the measured timeout')
  })

  test('a handshake answering the challenge before the newest one is accepted, once, for CHALLENGE_ACCEPT_MS', () => {
    const net = new Net()
    const a = net.add('a', 30301)
    const b = net.add('b', 30302)
    const w1 = challenged(net, a, b)
    net.now += 1001 // B's challenge is no longer repeated: A's retry gets a new one
    net.advance(0)
    const retry = net.inflight.shift() as Datagram
    net.deliver(retry)
    const w2 = net.inflight.shift() as Datagram
    assert.equal(kindOf(a, w2), 'whoareyou')
    assert.notDeepEqual(w2.data, w1.data)
    net.deliver(w1) // A answers the first challenge, which B reads late
    const h1 = net.inflight.shift() as Datagram
    assert.equal(kindOf(b, h1), 'handshake')
    net.deliver(h1)
    assert.deepEqual(reasons(b, net), [], 'signed over the older challenge: still accepted')
    assert.equal(net.take(b, 'established').length, 1)
    net.run()
    assert.equal(net.take(a, 'response').length, 1)
    net.deliver(h1)
    assert.deepEqual(reasons(b, net), ['unexpected-handshake'], 'accepted once')

    // Past the accept window the older challenge is gone.
    const n2 = new Net()
    const a2 = n2.add('a', 30301)
    const b2 = n2.add('b', 30302)
    const old = challenged(n2, a2, b2)
    n2.now += 1001
    n2.advance(0)
    n2.deliver(n2.inflight.shift() as Datagram)
    n2.inflight.shift()
    n2.now += CHALLENGE_ACCEPT_MS
    n2.deliver(old)
    n2.deliver(n2.inflight.shift() as Datagram)
    assert.deepEqual(reasons(b2, n2), ['unexpected-handshake'])
  })

  test('after a handshake gives up, its session stays: a late answer decrypts and the next request needs no handshake', () => {
    const net = new Net()
    const a = net.add('a', 30301)
    const b = net.add('b', 30302, { handshakeTimeoutMs: 5_000 })
    net.deliver(challenged(net, a, b))
    const hs = net.inflight.shift() as Datagram // B reads it only after A gave up
    net.drop = () => true
    net.advance(500)
    net.run()
    net.advance(1000)
    assert.equal(net.take(a, 'request-failed')[0]?.error, 'timeout')
    net.drop = () => false
    net.deliver(hs)
    assert.equal(net.take(b, 'established').length, 1)
    net.run() // B's PONG to the request A gave up on
    assert.deepEqual(reasons(a, net), ['unsolicited-response'], 'decrypted, then dropped as late')
    const before = net.sent.length
    net.ping(a, b)
    net.run()
    assert.equal(net.take(a, 'response').length, 1)
    assert.equal(net.sent.length - before, 2, 'one PING, one PONG: no new handshake')
  })

  test('a peer that lost our session repeats a challenge to a packet we gave up on: the next request answers it', () => {
    const net = new Net()
    const a = net.add('a', 30301)
    let b = net.add('b', 30302)
    net.ping(a, b)
    net.run()
    net.take(a, 'response')
    b = net.add('b', 30302, { handshakeTimeoutMs: 5_000 }) // B restarts: A's session is unknown there
    net.drop = (d) => d.from.port === b.addr.port // B's challenges are lost
    net.ping(a, b)
    net.run()
    net.advance(500)
    net.run()
    net.advance(1000)
    assert.equal(net.take(a, 'request-failed')[0]?.error, 'timeout')
    net.drop = () => false
    net.ping(a, b) // B repeats the challenge that references A's first packet
    net.run()
    assert.deepEqual(reasons(a, net), [])
    assert.equal(net.take(a, 'response').length, 1)
    assert.equal(net.take(b, 'established').length, 1)
  })
})

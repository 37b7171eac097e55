// Session timing: a repeated challenge gets the same handshake, and request timeouts follow the
// measured round trips (RFC 6298 style, between 500 ms and the maximum).
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { RefreshSchedule } from '../../../src/discv5/lookups.js'
import { FAST_REFRESH_MS } from '../../../src/discv5/options.js'
import { MAX_REQUEST_TIMEOUT_MS, REQUEST_TIMEOUT_MS, RttEstimator } from '../../../src/discv5/session/index.js'
import { decodePacket } from '../../../src/discv5/wire/index.js'
import { seededRandom as kadRandom } from '../../../src/kademlia/index.js'
import { type Datagram, Net, type Peer } from './session-harness.js'

function kindOf(p: Peer, d: Datagram | undefined): string {
  assert.ok(d)
  const r = decodePacket(p.enr.nodeId, d.data)
  return r.ok ? r.value.kind : r.error.code
}

/** Deliver everything in flight, `hopMs` of virtual time (with ticks) before each datagram. */
function slowRun(net: Net, hopMs: number): void {
  for (let i = 0; i < 100 && net.inflight.length > 0; i++) {
    net.advance(hopMs)
    const d = net.inflight.shift() as Datagram
    net.deliver(d)
  }
}

describe('discv5 sessions: timing', () => {
  test('a retry that meets the pending challenge gets the same handshake bytes; both sides keep one key set', () => {
    const net = new Net()
    const a = net.add('a', 30301)
    const b = net.add('b', 30302)
    net.ping(a, b)
    net.deliver(net.inflight.shift() as Datagram) // random packet -> B
    const w1 = net.inflight.shift() as Datagram // B's WHOAREYOU, held back
    net.advance(500) // A retries with another random packet
    net.deliver(net.inflight.shift() as Datagram)
    const w2 = net.inflight.shift() as Datagram
    assert.deepEqual(w2.data, w1.data, 'B repeats its pending challenge')
    net.deliver(w1)
    net.deliver(w2)
    const [h1, h2] = net.inflight.splice(0) as [Datagram, Datagram]
    assert.equal(kindOf(b, h1), 'handshake')
    assert.deepEqual(h2.data, h1.data, 'the same handshake, not a second key set')
    net.deliver(h1)
    net.deliver(h2)
    assert.deepEqual(
      net.take(b, 'discarded').map((d) => d.reason),
      ['unexpected-handshake'],
    )
    net.run()
    assert.equal(net.take(a, 'response').length, 1)
    // Both directions now run over that one session: no further WHOAREYOU.
    const before = net.sent.length
    net.ping(a, b)
    net.ping(b, a)
    net.run()
    assert.equal(net.take(a, 'response').length, 1)
    assert.equal(net.take(b, 'response').length, 1)
    assert.equal(net.sent.length - before, 4)
    assert.equal(net.take(a, 'request-failed').length + net.take(b, 'request-failed').length, 0)
  })

  test('after a request whose handshake was lost gives up, the next one answers the challenge the peer repeats', () => {
    const net = new Net()
    const a = net.add('a', 30301)
    const b = net.add('b', 30302, { handshakeTimeoutMs: 5_000 })
    net.drop = (d) => d.from === a.addr && kindOf(b, d) === 'handshake'
    net.ping(a, b)
    net.run()
    net.advance(500) // retry over the unconfirmed session: B repeats its challenge, A answers, lost again
    net.run()
    net.advance(500)
    assert.equal(net.take(a, 'request-failed').length, 1)
    net.drop = () => false
    net.ping(a, b) // a new random packet: B still holds the challenge that references the first one
    net.run()
    assert.equal(net.take(a, 'response').length, 1)
    assert.equal(net.take(b, 'established').length, 1)
    assert.deepEqual(
      net.take(a, 'discarded').map((d) => d.reason),
      [],
    )
  })

  test('the request timeout grows with slow round trips, so a slow answer is not re-sent, and shrinks back', () => {
    const net = new Net()
    const a = net.add('a', 30301)
    const b = net.add('b', 30302)
    assert.equal(a.s.requestTimeout, REQUEST_TIMEOUT_MS)
    net.ping(a, b)
    slowRun(net, 200) // round trips of 400 ms
    assert.equal(net.take(a, 'response').length, 1)
    assert.equal(a.s.requestTimeout, 1000) // srtt 400 + 4 × rttvar 150
    const sent = net.sent.length
    net.ping(a, b)
    slowRun(net, 350) // 700 ms: over the spec's 500, within the grown timeout
    assert.equal(net.take(a, 'response').length, 1)
    assert.equal(net.sent.length - sent, 2, 'no retry')
    for (let i = 0; i < 60; i++) {
      net.ping(a, b)
      net.run()
    }
    assert.equal(a.s.requestTimeout, REQUEST_TIMEOUT_MS)
    assert.equal(net.take(a, 'request-failed').length, 0)
  })

  test('maxRequestTimeoutMs = requestTimeoutMs keeps the timeout fixed', () => {
    const net = new Net()
    const a = net.add('a', 30301, { requestTimeoutMs: 300, maxRequestTimeoutMs: 300 })
    const b = net.add('b', 30302)
    net.ping(a, b)
    slowRun(net, 100)
    assert.equal(net.take(a, 'response').length, 1)
    assert.equal(a.s.requestTimeout, 300)
    assert.equal(a.s.nextDeadline(), undefined)
  })

  test('RttEstimator: first sample, smoothing, bounds', () => {
    const r = new RttEstimator(REQUEST_TIMEOUT_MS, MAX_REQUEST_TIMEOUT_MS)
    assert.equal(r.timeout, 500)
    r.sample(50)
    assert.equal(r.smoothed, 50)
    assert.equal(r.timeout, 500, 'never below the base')
    r.sample(1000)
    assert.equal(r.smoothed, 0.875 * 50 + 0.125 * 1000)
    assert.equal(r.timeout, Math.ceil(r.smoothed + 4 * (0.75 * 25 + 0.25 * 950)))
    for (let i = 0; i < 20; i++) r.sample(10_000)
    assert.equal(r.timeout, MAX_REQUEST_TIMEOUT_MS, 'never above the max')
    assert.throws(() => new RttEstimator(500, 400), RangeError)
  })
})

describe('discv5 refresh schedule', () => {
  test('2 s after the first refresh, doubling up to the interval, then [½, 1] of it', () => {
    const interval = 30 * 60_000
    const s = new RefreshSchedule(interval, kadRandom(1))
    const delays: number[] = []
    for (let i = 0; i < 14; i++) delays.push(s.nextDelay())
    assert.deepEqual(
      delays.slice(0, 10),
      Array.from({ length: 10 }, (_, i) => FAST_REFRESH_MS * 2 ** i),
    )
    for (const d of delays.slice(10)) assert.ok(d >= interval / 2 && d <= interval, `${d}`)
  })
})

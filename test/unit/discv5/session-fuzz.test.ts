import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { type Datagram, Net } from './session-harness.js'

describe('discv5 sessions: fuzz', () => {
  test('this test checks that mutated and random datagrams never throw and the peers keep answering a fresh PING', () => {
    const net = new Net()
    const a = net.add('a', 30301)
    const b = net.add('b', 30302)
    net.ping(a, b)
    net.request(a, b, { type: 'FINDNODE', reqId: a.s.newRequestId(), distances: [0] })
    net.run()
    const corpus: Datagram[] = [...net.sent]
    fc.assert(
      fc.property(
        fc.nat(corpus.length - 1),
        fc.array(fc.tuple(fc.nat(1279), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
        fc.option(fc.nat(1280), { nil: undefined }),
        fc.boolean(),
        (i, flips, cut, swap) => {
          const d = corpus[i] as Datagram
          const data = d.data.slice(0, cut ?? d.data.length)
          for (const [at, x] of flips) if (at < data.length) data[at] = (data[at] as number) ^ x
          const to = swap ? d.from : d.to
          const from = swap ? d.to : d.from
          net.deliver({ from, to, data })
          net.inflight.length = 0
          return true
        },
      ),
      { numRuns: 1500 },
    )
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 60, maxLength: 1300 }), (data) => {
        net.deliver({ from: a.addr, to: b.addr, data })
        net.inflight.length = 0
        return true
      }),
      { numRuns: 500 },
    )
    for (const p of [a, b]) p.log.length = 0
    net.now += 10_000
    net.ping(a, b)
    net.ping(b, a)
    net.run()
    net.advance(2000)
    net.run()
    assert.equal(net.take(a, 'response').length, 1)
    assert.equal(net.take(b, 'response').length, 1)
  })
})

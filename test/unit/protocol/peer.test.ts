import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { MetricsRegistry } from '../../../src/metrics/registry.js'
import {
  AbortedError,
  DisconnectedError,
  DisconnectReason,
  InFlightLimitError,
  PeerError,
  TimeoutError,
} from '../../../src/protocol/index.js'
import { echoProto, fifoProto, flush, helloProto, pairOf, rawPair } from './helpers.js'

describe('request/response with request ids', () => {
  test('100 concurrent requests are all matched, answered in reverse order', async () => {
    // This test checks that responses are matched by id, not by arrival order.
    const { a, b } = await pairOf(echoProto, { b: { limits: { maxServing: 100 } } })
    const gates: (() => void)[] = []
    b.handle(echoProto.requests.echo, (n) => new Promise<bigint>((res) => gates.push(() => res(n * 2n))))
    const all = Array.from({ length: 100 }, (_, i) => a.request(echoProto.requests.echo, BigInt(i)))
    await flush()
    assert.equal(gates.length, 100)
    assert.equal(a.inFlight, 100)
    for (const open of gates.reverse()) open()
    const got = await Promise.all(all)
    assert.deepEqual(
      got,
      Array.from({ length: 100 }, (_, i) => BigInt(i) * 2n),
    )
    assert.equal(a.inFlight, 0)
    assert.deepEqual(Object.values(a.dropped), [0, 0, 0, 0, 0, 0])
  })

  test('a timeout rejects with TimeoutError and the late response is dropped and counted', async () => {
    const metrics = new MetricsRegistry()
    const { a, b, clock } = await pairOf(echoProto, { a: { metrics } })
    let open!: () => void
    b.handle(echoProto.requests.echo, (n) => new Promise<bigint>((res) => (open = () => res(n))))
    const p = a.request(echoProto.requests.echo, 7n)
    await flush()
    clock.advance(999)
    await flush()
    assert.equal(a.inFlight, 1)
    clock.advance(1)
    await assert.rejects(p, (e) => e instanceof TimeoutError && e.timeoutMs === 1000 && e.code === 'TIMEOUT')
    assert.equal(a.inFlight, 0)
    open()
    await flush()
    assert.equal(a.dropped.late, 1)
    assert.equal(metrics.value('eth_p2p_protocol_dropped_total', { protocol: 'echo/1', reason: 'late' }), 1)
    assert.equal(metrics.value('eth_p2p_protocol_requests_total', { protocol: 'echo/1', outcome: 'timeout' }), 1)
    assert.ok(!a.closeReason, 'a late response is no reason to disconnect')
    assert.equal(clock.pending, 0, 'no timer left armed')
  })

  test('per-call timeout and AbortSignal', async () => {
    const { a, b, clock } = await pairOf(echoProto)
    b.handle(echoProto.requests.echo, () => new Promise<bigint>(() => {}))
    const p1 = a.request(echoProto.requests.echo, 1n, { timeoutMs: 50 })
    const ctl = new AbortController()
    const p2 = a.request(echoProto.requests.echo, 2n, { signal: ctl.signal })
    ctl.abort(new Error('user gave up'))
    await assert.rejects(p2, (e) => e instanceof AbortedError && (e.cause as Error).message === 'user gave up')
    clock.advance(50)
    await assert.rejects(p1, TimeoutError)
    await assert.rejects(a.request(echoProto.requests.echo, 3n, { signal: ctl.signal }), AbortedError)
  })

  test('request id 0: the first id is 0, a response with id 0 matches, a request with id 0 is answered with id 0', async () => {
    const { peer, raw } = await rawPair(echoProto, {}, (p) => p.handle(echoProto.requests.echo, (n) => n + 1n))
    const p = peer.request(echoProto.requests.echo, 5n)
    await flush()
    assert.deepEqual(raw.got[0], [0x01, Uint8Array.of(0xc2, 0x80, 0x05)])
    raw.send(0x02, [0, 6])
    assert.equal(await p, 6n)
    raw.send(0x01, [0, 41])
    await flush()
    assert.deepEqual(raw.got[1], [0x02, Uint8Array.of(0xc2, 0x80, 42)])
  })

  test('two requests with the same id from the remote are both answered with that id', async () => {
    const { peer, raw } = await rawPair(echoProto, {}, (p) => p.handle(echoProto.requests.echo, (n) => n * 10n))
    raw.send(0x01, [7, 1])
    raw.send(0x01, [7, 2])
    await flush()
    assert.deepEqual(
      raw.got.map(([c, b]) => [c, [...b]]),
      [
        [0x02, [0xc2, 7, 10]],
        [0x02, [0xc2, 7, 20]],
      ],
    )
    assert.ok(!peer.closeReason)
  })

  test('a second response with the same id is a counted duplicate', async () => {
    const { peer, raw } = await rawPair(echoProto)
    const p = peer.request(echoProto.requests.echo, 1n)
    await flush()
    raw.send(0x02, [0, 1])
    raw.send(0x02, [0, 2])
    assert.equal(await p, 1n)
    await flush()
    assert.equal(peer.dropped.duplicate, 1)
  })

  test('local ids never collide with requests still in flight', async () => {
    const { peer, raw } = await rawPair(echoProto)
    const ps = [1n, 2n, 3n].map((n) => peer.request(echoProto.requests.echo, n))
    await flush()
    assert.deepEqual(
      raw.got.map(([, b]) => b[1]),
      [0x80, 1, 2],
    )
    raw.send(0x02, [2, 30])
    raw.send(0x02, [0, 10])
    raw.send(0x02, [1, 20])
    assert.deepEqual(await Promise.all(ps), [10n, 20n, 30n])
  })

  test('unsolicited and mismatched responses are dropped and counted', async () => {
    const { peer, raw } = await rawPair(echoProto)
    raw.send(0x02, [12345, 1])
    const p = peer.request(echoProto.requests.echo, 1n)
    await flush()
    raw.send(0x04, [0, new Uint8Array(2)]) // id 0 but the answer to `other`
    await flush()
    assert.equal(peer.dropped.unsolicited, 1)
    assert.equal(peer.dropped.mismatched, 1)
    raw.send(0x02, [0, 9])
    assert.equal(await p, 9n)
  })

  test('the in-flight cap refuses the next request with InFlightLimitError', async () => {
    const { peer, raw } = await rawPair(echoProto, { limits: { maxInFlight: 3 } })
    const ps = [1n, 2n, 3n].map((n) => peer.request(echoProto.requests.echo, n))
    await assert.rejects(
      peer.request(echoProto.requests.echo, 4n),
      (e) => e instanceof InFlightLimitError && e.limit === 3,
    )
    await flush()
    for (const id of [0, 1, 2]) raw.send(0x02, [id, id])
    assert.deepEqual(await Promise.all(ps), [0n, 1n, 2n])
    raw.send(0x02, [5, 5])
    await flush()
    assert.equal(raw.got.length, 3, 'the refused request was never sent')
  })

  test('disconnect during a pending request rejects it and next() waiters with DisconnectedError', async () => {
    const { peer, raw } = await rawPair(echoProto)
    const p = peer.request(echoProto.requests.echo, 1n)
    const n = peer.next(echoProto.messages.note)
    raw.conn.disconnect(DisconnectReason.UselessPeer)
    await assert.rejects(p, (e) => e instanceof DisconnectedError && e.reason === 0x03 && e.remote)
    await assert.rejects(n, DisconnectedError)
    assert.throws(() => peer.send(echoProto.messages.note, 'x'), DisconnectedError)
    await assert.rejects(peer.request(echoProto.requests.echo, 1n), DisconnectedError)
    assert.deepEqual(await peer.closed, { reason: 0x03, remote: true })
  })

  test('a local disconnect rejects pending requests at once and leaves no timers', async () => {
    const { peer, raw, clock } = await rawPair(echoProto)
    const p = peer.request(echoProto.requests.echo, 1n)
    assert.equal(clock.pending, 1)
    peer.disconnect()
    await assert.rejects(p, (e) => e instanceof DisconnectedError && !e.remote && e.reason === 0)
    assert.equal(clock.pending, 0)
    await flush()
    assert.deepEqual(raw.closeInfo, { reason: 0, remote: true })
  })
})

describe('messages and next()', () => {
  test('send/handle, next() with a timeout, and typed peer state', async () => {
    const { a, b, clock } = await pairOf(echoProto)
    b.handle(echoProto.messages.note, (text, peer) => {
      peer.state.notes.push(text)
    })
    const waiting = b.next(echoProto.messages.note)
    a.send(echoProto.messages.note, 'hi')
    assert.equal(await waiting, 'hi')
    await flush()
    assert.deepEqual(b.state.notes, ['hi'])
    const late = b.next(echoProto.messages.note, { timeoutMs: 100 })
    clock.advance(100)
    await assert.rejects(late, (e) => e instanceof PeerError && e.code === 'TIMEOUT')
  })

  test('a message nobody handles is dropped and counted', async () => {
    const { a, b } = await pairOf(echoProto)
    a.send(echoProto.messages.note, 'nobody listens')
    await flush()
    assert.equal(b.dropped.unhandled, 1)
    assert.ok(!b.closeReason)
  })

  test('a spec of another protocol is refused as a bug', async () => {
    const { a } = await pairOf(echoProto)
    assert.throws(() => a.send(helloProto.messages.note, 'x'), TypeError)
  })
})

describe('FIFO matching (no request ids)', () => {
  test('responses match requests in order; an expired slot swallows its late answer', async () => {
    const { peer, raw, clock } = await rawPair(fifoProto)
    const first = peer.request(fifoProto.requests.echo, 1n)
    clock.advance(500)
    const second = peer.request(fifoProto.requests.echo, 2n)
    const third = peer.request(fifoProto.requests.echo, 3n)
    await flush()
    assert.deepEqual(
      raw.got.map(([c, b]) => [c, [...b]]),
      [
        [1, [1]],
        [1, [2]],
        [1, [3]],
      ],
    )
    clock.advance(500)
    await assert.rejects(first, TimeoutError)
    assert.equal(peer.inFlight, 3, 'the expired slot is still owed')
    raw.send(0x02, 100) // the late answer to `first`
    raw.send(0x02, 200)
    raw.send(0x02, 300)
    assert.equal(await second, 200n)
    assert.equal(await third, 300n)
    assert.equal(peer.dropped.late, 1)
    raw.send(0x02, 400)
    await flush()
    assert.equal(peer.dropped.unsolicited, 1)
    assert.equal(peer.inFlight, 0)
  })

  test('a FIFO server answers in request order even when handlers finish out of order', async () => {
    const { peer, raw } = await rawPair(fifoProto, {}, (p) =>
      p.handle(fifoProto.requests.echo, async (n) => {
        for (let i = 0; i < Number(10n - n); i++) await Promise.resolve()
        return n
      }),
    )
    for (const n of [1, 2, 3]) raw.send(0x01, n)
    for (let i = 0; i < 5; i++) await flush()
    assert.deepEqual(
      raw.got.map(([, b]) => b[0]),
      [1, 2, 3],
    )
    assert.ok(!peer.closeReason)
  })
})

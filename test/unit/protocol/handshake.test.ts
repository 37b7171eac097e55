import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { MetricsRegistry } from '../../../src/metrics/registry.js'
import {
  AbortedError,
  DisconnectedError,
  DisconnectReason,
  HandshakeError,
  MAX_EARLY_MESSAGES,
  PeerError,
} from '../../../src/protocol/index.js'
import { flush, helloProto, pairOf, rawPair } from './helpers.js'

describe('handshake', () => {
  test('both sides learn the typed handshake result before any handler runs', async () => {
    // A -> B  hello(1)    A <- B  hello(2)
    const { a, b } = await pairOf(helloProto, { a: { init: { id: 1n } }, b: { init: { id: 2n } } })
    const remote: bigint = a.handshake.remoteId
    assert.equal(remote, 2n)
    assert.equal(b.handshake.remoteId, 1n)
    assert.ok(a.ready && b.ready)
    b.handle(helloProto.requests.echo, (n, peer) => n + peer.handshake.remoteId)
    assert.equal(await a.request(helloProto.requests.echo, 5n), 6n)
  })

  test('messages that arrive while the handshake is still running are delivered afterwards, in order', async () => {
    // B's handshake waits on a gate after reading A's hello; A is done and sends two notes at once.
    let open!: () => void
    const gate = new Promise<void>((r) => (open = r))
    const { a, b } = await pairOf(helloProto, { a: { init: { id: 1n } }, b: { init: { id: 2n, gate } }, start: false })
    const seen: string[] = []
    b.handle(helloProto.messages.note, (text) => {
      seen.push(text)
    })
    const bReady = b.start()
    await a.start()
    a.send(helloProto.messages.note, 'first')
    a.send(helloProto.messages.note, 'second')
    await flush()
    assert.equal(b.ready, false)
    assert.deepEqual(seen, [])
    open()
    await bReady
    await flush()
    assert.deepEqual(seen, ['first', 'second'])
  })

  test('the deadline disconnects with SubprotocolError and rejects start() with HandshakeError', async () => {
    const metrics = new MetricsRegistry()
    const { peer, raw, clock } = await rawPair(helloProto, { init: { id: 1n }, metrics })
    const started = peer.start()
    await flush()
    assert.equal(raw.got.length, 1, 'our hello was sent')
    clock.advance(1999)
    await flush()
    assert.equal(peer.ready, false)
    assert.ok(!peer.closeReason)
    clock.advance(1)
    await assert.rejects(started, (e) => e instanceof HandshakeError && e.reason === DisconnectReason.SubprotocolError)
    await flush()
    assert.deepEqual(raw.closeInfo, { reason: 0x10, remote: true })
    assert.equal(
      metrics.value('eth_p2p_protocol_faults_total', { protocol: 'hello/1', reason: 'handshake_timeout' }),
      1,
    )
    assert.equal(clock.pending, 0)
  })

  test('a handshake step picks its own reason by throwing DisconnectError', async () => {
    const { peer, raw } = await rawPair(helloProto, { init: { id: 1n } })
    const started = peer.start()
    raw.send(0x00, 99)
    await assert.rejects(started, (e) => e instanceof HandshakeError && e.reason === DisconnectReason.UselessPeer)
    await flush()
    assert.equal(raw.closeInfo?.reason, 0x03)
  })

  test('a first message other than hello fails the handshake with SubprotocolError', async () => {
    const { peer, raw } = await rawPair(helloProto, { init: { id: 1n } })
    raw.send(0x01, 'too early')
    await assert.rejects(peer.start(), (e) => e instanceof HandshakeError && e.reason === 0x10)
  })

  test('an undecodable hello is a breach of protocol', async () => {
    const { peer, raw } = await rawPair(helloProto, { init: { id: 1n } })
    const started = peer.start()
    raw.send(0x00, [[1]])
    await assert.rejects(started, (e) => e instanceof HandshakeError && e.reason === 0x02)
  })

  test('a hello after the handshake is a breach of protocol', async () => {
    const { peer, raw } = await rawPair(helloProto, { init: { id: 1n } })
    const started = peer.start()
    raw.send(0x00, 5)
    assert.deepEqual(await started, { remoteId: 5n })
    raw.send(0x00, 5)
    await flush()
    assert.equal(raw.closeInfo?.reason, 0x02)
  })

  test('a disconnect during the handshake rejects start() with DisconnectedError', async () => {
    const { peer, raw } = await rawPair(helloProto, { init: { id: 1n } })
    const started = peer.start()
    raw.conn.disconnect(0x04)
    await assert.rejects(started, (e) => e instanceof DisconnectedError && e.reason === 0x04 && e.remote)
  })

  test('an aborted start() disconnects as requested', async () => {
    const { peer, raw } = await rawPair(helloProto, { init: { id: 1n } })
    const ctl = new AbortController()
    const started = peer.start({ signal: ctl.signal })
    ctl.abort()
    await assert.rejects(started, AbortedError)
    await flush()
    assert.equal(raw.closeInfo?.reason, DisconnectReason.Requested)
  })

  test('send and request before the handshake completes are refused with NOT_READY', async () => {
    const { peer } = await rawPair(helloProto, { init: { id: 1n } })
    assert.throws(
      () => peer.send(helloProto.messages.note, 'x'),
      (e) => e instanceof PeerError && e.code === 'NOT_READY',
    )
    await assert.rejects(
      peer.request(helloProto.requests.echo, 1n),
      (e) => e instanceof PeerError && e.code === 'NOT_READY',
    )
    assert.throws(() => peer.handshake, PeerError)
  })

  test('too many messages before start() is a breach of protocol', async () => {
    const { peer, raw } = await rawPair(helloProto, { init: { id: 1n } })
    for (let i = 0; i <= MAX_EARLY_MESSAGES; i++) raw.send(0x01, 'spam')
    await flush()
    assert.equal(peer.closeReason?.reason, 0x02)
    await assert.rejects(peer.start(), DisconnectedError)
  })
})

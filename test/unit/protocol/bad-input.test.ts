import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { MetricsRegistry } from '../../../src/metrics/registry.js'
import { DisconnectError, DisconnectedError, DisconnectReason } from '../../../src/protocol/index.js'
import { encode } from '../../../src/rlp/index.js'
import { echoProto, flush, rawPair } from './helpers.js'

/** This suite checks that every bad input has its defined outcome and never leaks a pending request. */
describe('bad input from the remote', () => {
  const breaches: [string, number, Uint8Array | Parameters<import('./helpers.js').RawPeer['send']>[1], string][] = [
    ['an unassigned code inside the table', 0x06, [], 'unknown_message'],
    ['a code beyond the protocol length', 0x20, [], 'unknown_message'],
    ['a note that is not text', 0x00, [[1]], 'bad_message'],
    ['a note that is not RLP at all', 0x00, Uint8Array.of(0xb8), 'bad_message'],
    ['a blob over its 100-byte limit', 0x05, new Uint8Array(101), 'oversized'],
    ['a message over the protocol limit', 0x03, [1, new Uint8Array(1000)], 'oversized'],
    ['a request without the id envelope', 0x01, 5, 'bad_message'],
    ['a request with a 9-byte id', 0x01, [new Uint8Array(9).fill(1), 5], 'bad_message'],
    ['a request with two payload items', 0x01, [1, 5, 6], 'bad_message'],
    ['a request whose payload its codec refuses', 0x01, [1, new Uint8Array(9).fill(1)], 'bad_message'],
  ]
  for (const [what, code, payload, fault] of breaches)
    test(`${what}: disconnect with BreachOfProtocol, pending requests rejected`, async () => {
      const metrics = new MetricsRegistry()
      const { peer, raw, clock } = await rawPair(echoProto, { metrics })
      const pending = peer.request(echoProto.requests.echo, 1n)
      raw.send(code, payload)
      await assert.rejects(pending, (e) => e instanceof DisconnectedError && e.reason === 0x02 && !e.remote)
      await flush()
      assert.deepEqual(raw.closeInfo, { reason: DisconnectReason.BreachOfProtocol, remote: true })
      assert.equal(metrics.value('eth_p2p_protocol_faults_total', { protocol: 'echo/1', reason: fault }), 1)
      assert.equal(clock.pending, 0)
    })

  test('a blob of exactly its 100-byte limit is accepted', async () => {
    const { peer, raw } = await rawPair(echoProto, {}, (p) => p.handle(echoProto.messages.blob, () => {}))
    raw.send(0x05, encode(new Uint8Array(98)))
    await flush()
    assert.ok(!peer.closeReason)
  })

  test('a garbage response to a pending request disconnects and rejects it', async () => {
    const { peer, raw } = await rawPair(echoProto)
    const p = peer.request(echoProto.requests.echo, 1n)
    raw.send(0x02, [0, [1, 2]])
    await assert.rejects(p, DisconnectedError)
    assert.equal(peer.closeReason?.reason, 0x02)
  })

  test('requests beyond the serving queue are dropped and counted, the rest served', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const { peer, raw } = await rawPair(echoProto, { limits: { maxServing: 1, maxServeQueue: 1 } }, (p) =>
      p.handle(echoProto.requests.echo, async (n) => {
        await gate
        return n
      }),
    )
    for (const id of [1, 2, 3]) raw.send(0x01, [id, id])
    await flush()
    assert.equal(peer.dropped.serve_overflow, 1)
    release()
    await flush()
    await flush()
    assert.deepEqual(
      raw.got.map(([, b]) => b[1]),
      [1, 2],
    )
    assert.ok(!peer.closeReason)
  })

  test('a request nobody handles is dropped and counted', async () => {
    const { peer, raw } = await rawPair(echoProto)
    raw.send(0x03, [1, new Uint8Array(3)])
    await flush()
    assert.equal(peer.dropped.unhandled, 1)
    assert.equal(raw.got.length, 0)
  })

  test('a handler throwing DisconnectError disconnects with its reason; other errors only get logged', async () => {
    const { peer, raw } = await rawPair(echoProto, {}, (p) => {
      p.handle(echoProto.messages.note, (text) => {
        if (text === 'bye') throw new DisconnectError(DisconnectReason.UselessPeer, 'go away')
        throw new Error('a bug in the handler')
      })
    })
    raw.send(0x00, 'oops')
    await flush()
    assert.ok(!peer.closeReason)
    raw.send(0x00, 'bye')
    await flush()
    assert.equal(raw.closeInfo?.reason, 0x03)
  })

  test('random bytes on every code never throw, and the peer ends either open or disconnected with a reason', async () => {
    let seed = 12345
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    for (let i = 0; i < 200; i++) {
      const { peer, raw } = await rawPair(echoProto, {}, (p) => p.handle(echoProto.requests.echo, (n) => n))
      const pending = peer.request(echoProto.requests.echo, 1n).catch((e) => e)
      const bytes = Uint8Array.from({ length: rand(40) }, () => rand(256))
      raw.send(rand(10), bytes)
      await flush()
      if (peer.closeReason) {
        assert.equal(peer.closeReason.reason, 0x02)
        assert.ok((await pending) instanceof DisconnectedError)
      } else peer.disconnect()
    }
  })
})

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { describe, test } from 'node:test'
import { generatePrivateKey, publicKey64 } from '../../../src/crypto/index.js'
import { MetricsRegistry } from '../../../src/metrics/registry.js'
import { FrameReader, FrameWriter } from '../../../src/rlpx/frame/index.js'
import { RecipientHandshake } from '../../../src/rlpx/handshake/index.js'
import {
  DisconnectReason,
  dial,
  type RlpxConnection,
  type RlpxError,
  RlpxListener,
  type RlpxOptions,
} from '../../../src/rlpx/index.js'
import { encodeMessageId } from '../../../src/rlpx/message.js'
import { encodeHello, P2pMessage } from '../../../src/rlpx/p2p.js'
import { RawPeer } from './raw-peer.js'

const protocols = [
  { name: 'test', version: 1, length: 4 },
  { name: 'aaa', version: 2, length: 3 },
]

/** Poll `cond` every 5 ms for at most 2 s. */
export async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

async function pair(extra: Partial<RlpxOptions> = {}) {
  const a = generatePrivateKey()
  const b = generatePrivateKey()
  const metrics = new MetricsRegistry()
  let accept!: (c: RlpxConnection) => void
  const accepted = new Promise<RlpxConnection>((r) => {
    accept = r
  })
  const listener = await RlpxListener.listen({ privateKey: a, protocols, metrics, ...extra, onConnection: accept })
  const client = await dial(
    { publicKey: publicKey64(a), ip: '127.0.0.1', tcp: listener.address.port },
    { privateKey: b, protocols, metrics, clientId: 'client/1', ...extra },
  )
  const server = await accepted
  return { a, b, metrics, listener, client, server }
}

describe('RLPx connection', () => {
  test('dial and accept: Hellos, capabilities with offsets, snappy, messages both ways, disconnect reason', async () => {
    const { a, b, metrics, listener, client, server } = await pair()
    assert.equal(client.remoteHello.version, 5)
    assert.equal(server.remoteHello.clientId, 'client/1')
    assert.deepEqual(server.remoteHello.id, publicKey64(b))
    assert.deepEqual(client.remotePublicKey, publicKey64(a))
    assert.deepEqual(client.capabilities, [
      { name: 'aaa', version: 2, length: 3, offset: 0x10 },
      { name: 'test', version: 1, length: 4, offset: 0x13 },
    ])
    assert.ok(client.snappy && server.snappy)
    assert.equal(client.direction, 'outbound')
    assert.equal(server.direction, 'inbound')

    assert.ok((await client.ping()) >= 0)
    assert.ok((await server.ping()) >= 0)

    const payloads = [new Uint8Array(0), Uint8Array.of(0xc0), new Uint8Array(randomBytes(200_000))]
    for (const p of payloads) await client.send(0x13 + 2, p)
    const it = server.messages()
    for (const p of payloads) {
      const m = await it.next()
      assert.ok(!m.done)
      assert.equal(m.value.capability.name, 'test')
      assert.equal(m.value.id, 2)
      assert.deepEqual(new Uint8Array(m.value.payload), p)
    }
    const got: number[] = []
    client.onMessage((m) => got.push(m.id))
    await server.send(0x10, Uint8Array.of(1))
    await server.send(0x12, Uint8Array.of(2))
    await server.ping()
    assert.deepEqual(got, [0, 2])

    await assert.rejects(client.send(0x17, Uint8Array.of(1)), (e: RlpxError) => e.code === 'BAD_CODE')
    await assert.rejects(client.send(0x05, Uint8Array.of(1)), (e: RlpxError) => e.code === 'BAD_CODE')

    const [mine, theirs] = await Promise.all([client.disconnect(DisconnectReason.TooManyPeers), server.closed])
    assert.deepEqual(mine, { reason: DisconnectReason.TooManyPeers, by: 'local' })
    assert.deepEqual(theirs, { reason: DisconnectReason.TooManyPeers, by: 'remote' })
    await assert.rejects(client.send(0x10, Uint8Array.of(1)), (e: RlpxError) => e.code === 'CLOSED')
    assert.equal((await it.next()).done, true)
    await listener.close()
    assert.equal(metrics.value('rlpx_handshakes_total', { direction: 'inbound', outcome: 'ok' }), 1)
    assert.equal(metrics.value('rlpx_handshakes_total', { direction: 'outbound', outcome: 'ok' }), 1)
    assert.equal(metrics.value('rlpx_disconnects_total', { reason: 'TooManyPeers', by: 'local' }), 1)
    assert.equal(metrics.value('rlpx_disconnects_total', { reason: 'TooManyPeers', by: 'remote' }), 1)
    assert.equal(
      metrics.value('rlpx_messages_total', { direction: 'out' }),
      metrics.value('rlpx_messages_total', { direction: 'in' }),
    )
    assert.ok(metrics.value('rlpx_bytes_total', { direction: 'in' }) > 200_000)
  })

  test('no shared capability: UselessPeer on both sides', async () => {
    const a = generatePrivateKey()
    const metrics = new MetricsRegistry()
    const listener = await RlpxListener.listen({ privateKey: a, protocols, metrics, onConnection: () => assert.fail() })
    await assert.rejects(
      dial(
        { publicKey: publicKey64(a), ip: '127.0.0.1', tcp: listener.address.port },
        { privateKey: generatePrivateKey(), protocols: [{ name: 'other', version: 1, length: 1 }] },
      ),
      (e: RlpxError) => e.reason === DisconnectReason.UselessPeer,
    )
    await until(() => metrics.total('rlpx_handshakes_total') === 1)
    await listener.close()
    assert.equal(metrics.value('rlpx_handshakes_total', { direction: 'inbound', outcome: 'useless' }), 1)
  })

  test('a dialled node whose Hello announces another key gets UnexpectedIdentity', async () => {
    // The peer proves key K in the handshake but says it is someone else in Hello.
    const k = generatePrivateKey()
    let seen: number | undefined
    const server = createServer((s) => {
      const h = new RecipientHandshake({ privateKey: k })
      let buf = Buffer.alloc(0)
      let reader: FrameReader | undefined
      s.on('error', () => {})
      s.on('data', (c: Buffer) => {
        if (reader) {
          reader.push(c)
          for (let f = reader.next(); f.ok && f.value; f = reader.next())
            if (f.value[0] === P2pMessage.Disconnect) seen = f.value[2]
          return
        }
        buf = Buffer.concat([buf, c])
        const r = h.onData(buf)
        if (!r.ok || r.value.kind !== 'done' || !h.done) return
        s.write(h.done.ack)
        const w = new FrameWriter(r.value.secrets)
        reader = new FrameReader(r.value.secrets)
        reader.push(buf.subarray(r.value.consumed))
        const hello = {
          version: 5,
          clientId: 'liar',
          capabilities: protocols,
          listenPort: 0,
          id: publicKey64(generatePrivateKey()),
        }
        s.write(w.write(encodeMessageId(0), encodeHello(hello)))
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as { port: number }).port
    await assert.rejects(
      dial({ publicKey: publicKey64(k), ip: '127.0.0.1', tcp: port }, { privateKey: generatePrivateKey(), protocols }),
      (e: RlpxError) => e.reason === DisconnectReason.UnexpectedIdentity && e.by === 'local',
    )
    await until(() => seen !== undefined)
    assert.equal(seen, DisconnectReason.UnexpectedIdentity)
    await new Promise((r) => server.close(r))
  })

  test('dial errors: refused port, wrong key, self-dial', async () => {
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as { port: number }).port
    await new Promise((r) => closed.close(r))
    await assert.rejects(
      dial(
        { publicKey: publicKey64(generatePrivateKey()), ip: '127.0.0.1', tcp: port },
        { privateKey: generatePrivateKey() },
      ),
      (e: RlpxError) => e.code === 'REFUSED',
    )
    const a = generatePrivateKey()
    const listener = await RlpxListener.listen({ privateKey: a, protocols, onConnection: () => assert.fail() })
    await assert.rejects(
      dial(
        { publicKey: publicKey64(generatePrivateKey()), ip: '127.0.0.1', tcp: listener.address.port },
        { privateKey: generatePrivateKey(), protocols },
      ),
      (e: RlpxError) => e.code === 'HANDSHAKE_FAILED',
    )
    await listener.close()
    // Self-dial: the Hello carries our own key.
    const self = await RlpxListener.listen({ privateKey: a, protocols, onConnection: () => assert.fail() })
    await assert.rejects(
      dial({ publicKey: publicKey64(a), ip: '127.0.0.1', tcp: self.address.port }, { privateKey: a, protocols }),
      (e: RlpxError) => e.reason === DisconnectReason.SelfIdentity,
    )
    await self.close()
  })

  test('a peer that never answers Ping gets Disconnect(Timeout)', async () => {
    const a = generatePrivateKey()
    const metrics = new MetricsRegistry()
    let conn: RlpxConnection | undefined
    const listener = await RlpxListener.listen({
      privateKey: a,
      protocols,
      metrics,
      timeouts: { pingIntervalMs: 50, pongTimeoutMs: 100 },
      onConnection: (c) => {
        conn = c
      },
    })
    const raw = await RawPeer.connect(listener.address.port)
    await raw.handshake(publicKey64(a))
    raw.sendHello()
    // Keep talking (so the read deadline never fires) but never Pong.
    const chatter = setInterval(() => raw.send(P2pMessage.Pong + 1, Uint8Array.of(0xc0), true), 20)
    try {
      assert.equal(await raw.disconnectReason(3000), DisconnectReason.Timeout)
    } finally {
      clearInterval(chatter)
    }
    assert.deepEqual(await conn?.closed.then((i) => [i.reason, i.by]), [DisconnectReason.Timeout, 'local'])
    await listener.close()
    raw.close()
  })

  test('a silent established peer hits the read deadline', async () => {
    const a = generatePrivateKey()
    const listener = await RlpxListener.listen({
      privateKey: a,
      protocols,
      timeouts: { readIdleMs: 150, pingIntervalMs: 10_000 },
      onConnection: () => {},
    })
    const raw = await RawPeer.connect(listener.address.port)
    await raw.handshake(publicKey64(a))
    raw.sendHello()
    const t0 = Date.now()
    assert.equal(await raw.disconnectReason(3000), DisconnectReason.Timeout)
    assert.ok(Date.now() - t0 >= 100)
    await listener.close()
    raw.close()
  })

  test('backpressure: an idle consumer pauses reading, senders wait on drain; nothing is lost', async () => {
    const { listener, client, server } = await pair({ inbox: { maxMessages: 8 } })
    const size = 64 * 1024
    const total = 300
    let sent = 0
    const sender = (async () => {
      for (let i = 0; i < total; i++) {
        const p = new Uint8Array(randomBytes(size))
        p[0] = i & 0xff
        await client.send(0x13, p)
        sent++
      }
    })()
    await new Promise((r) => setTimeout(r, 300))
    // The server reads nothing yet: the sender must be stuck well before the end.
    assert.ok(sent < total, `sender not blocked (${sent} sent)`)
    let n = 0
    for await (const m of server.messages()) {
      assert.equal(m.payload.length, size)
      assert.equal(m.payload[0], n & 0xff)
      if (++n === total) break
    }
    await sender
    await client.disconnect()
    await server.closed
    await listener.close()
  })

  test('listener close() aborts pending handshakes and frees the port', async () => {
    const a = generatePrivateKey()
    const listener = await RlpxListener.listen({ privateKey: a, protocols, onConnection: () => {} })
    const raw = await RawPeer.connect(listener.address.port)
    await new Promise((r) => setTimeout(r, 20))
    assert.equal(listener.pendingHandshakes, 1)
    await listener.close()
    await raw.closed
    assert.equal(listener.pendingHandshakes, 0)
  })
})

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { generatePrivateKey, publicKey64 } from '../../../src/crypto/index.js'
import { MetricsRegistry } from '../../../src/metrics/registry.js'
import { encode } from '../../../src/rlp/index.js'
import { InitiatorHandshake } from '../../../src/rlpx/handshake/index.js'
import { DisconnectReason, dial, type RlpxConnection, RlpxListener } from '../../../src/rlpx/index.js'
import type { Logger } from '../../../src/util/logger.js'
import { RawPeer } from './raw-peer.js'

/** A logger that keeps its debug lines. */
function captureLogger(lines: string[]): Logger {
  const l: Logger = {
    error: () => {},
    warn: () => {},
    info: () => {},
    debug: (m) => lines.push(m),
    trace: () => {},
    child: () => l,
  }
  return l
}

const MAX = 64 * 1024

describe('RLPx endpoint under bad input', () => {
  const key = generatePrivateKey()
  const pub = publicKey64(key)
  const metrics = new MetricsRegistry()
  const logs: string[] = []
  const conns: RlpxConnection[] = []
  let listener: RlpxListener
  let port: number

  before(async () => {
    listener = await RlpxListener.listen({
      privateKey: key,
      protocols: [{ name: 'test', version: 1, length: 4 }],
      metrics,
      logger: captureLogger(logs),
      maxMessageSize: MAX,
      timeouts: { handshakeMs: 300, disconnectWaitMs: 200 },
      onConnection: (c) => {
        conns.push(c)
      },
    })
    port = listener.address.port
  })

  after(async () => {
    await listener.close()
    await Promise.all(conns.map((c) => c.disconnect()))
  })

  const handshakes = (outcome: string) => metrics.value('rlpx_handshakes_total', { direction: 'inbound', outcome })
  const disconnects = (reason: string) => metrics.value('rlpx_disconnects_total', { reason, by: 'local' })

  /** Run `attack`, then check the socket closed, the metric moved, a debug line was logged. */
  async function expectClosed(attack: (raw: RawPeer) => Promise<void>, metric: () => number): Promise<void> {
    const before = metric()
    const logged = logs.length
    const raw = await RawPeer.connect(port)
    await attack(raw)
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      raw.closed,
      new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('not closed')), 3000))),
    ])
    clearTimeout(timer)
    // The listener's bookkeeping runs on its own socket's events: give it a moment.
    for (let i = 0; i < 200 && metric() === before; i++) await new Promise((r) => setTimeout(r, 5))
    assert.equal(metric(), before + 1)
    assert.ok(logs.length > logged, 'no debug line logged')
  }

  /** A session with the Hello exchange done, so frames can be attacked. */
  async function established(raw: RawPeer): Promise<void> {
    await raw.handshake(pub)
    raw.sendHello()
    const hello = await raw.next()
    assert.equal(hello.code, 0)
  }

  test('garbage auth (valid size prefix, random body) is dropped', async () => {
    await expectClosed(
      async (raw) => raw.write(Uint8Array.from([0x01, 0x20, ...randomBytes(0x120)])),
      () => handshakes('bad_auth'),
    )
  })

  test('an auth that does not decrypt (sealed to another key) is dropped', async () => {
    const h = new InitiatorHandshake({
      privateKey: generatePrivateKey(),
      remotePublicKey: publicKey64(generatePrivateKey()),
    })
    await expectClosed(
      async (raw) => raw.write(h.auth),
      () => handshakes('bad_auth'),
    )
  })

  test('an auth size prefix over 2 KiB is refused before the body is read', async () => {
    await expectClosed(
      async (raw) => raw.write(Uint8Array.of(0x08, 0x01, 1, 2, 3)),
      () => handshakes('bad_auth'),
    )
  })

  test('a truncated auth, and a connection that sends nothing, hit the handshake deadline', async () => {
    const h = new InitiatorHandshake({ privateKey: generatePrivateKey(), remotePublicKey: pub })
    await expectClosed(
      async (raw) => raw.write(h.auth.subarray(0, 100)),
      () => handshakes('timeout'),
    )
    await expectClosed(
      async () => {},
      () => handshakes('timeout'),
    )
  })

  test('a Hello with a wrong node id gets UnexpectedIdentity, a malformed one InvalidIdentity', async () => {
    await expectClosed(
      async (raw) => {
        await raw.handshake(pub)
        raw.sendHello({ id: publicKey64(generatePrivateKey()) })
        assert.equal(await raw.disconnectReason(), DisconnectReason.UnexpectedIdentity)
      },
      () => disconnects('UnexpectedIdentity'),
    )
    await expectClosed(
      async (raw) => {
        await raw.handshake(pub)
        raw.sendHello({ id: new Uint8Array(63).fill(1) })
        assert.equal(await raw.disconnectReason(), DisconnectReason.InvalidIdentity)
      },
      () => disconnects('InvalidIdentity'),
    )
    assert.equal(handshakes('identity'), 2)
  })

  test('a first frame that is not a valid Hello is a breach of protocol', async () => {
    await expectClosed(
      async (raw) => {
        await raw.handshake(pub)
        raw.send(0, Uint8Array.of(0xf8, 0x01))
        assert.equal(await raw.disconnectReason(), DisconnectReason.BreachOfProtocol)
      },
      () => handshakes('bad_hello'),
    )
    await expectClosed(
      async (raw) => {
        await raw.handshake(pub)
        raw.send(0x10, encode([1]))
        assert.equal(await raw.disconnectReason(), DisconnectReason.BreachOfProtocol)
      },
      () => handshakes('bad_hello'),
    )
  })

  test('a corrupted header MAC or frame MAC is a breach of protocol', async () => {
    for (const pos of [20, -3]) {
      await expectClosed(
        async (raw) => {
          await established(raw)
          const f = raw.frame(0x10, encode([1, 2, 3]), true)
          const i = pos < 0 ? f.length + pos : pos
          f[i] = (f[i] as number) ^ 1
          raw.write(f)
          assert.equal(await raw.disconnectReason(), DisconnectReason.BreachOfProtocol)
        },
        () => disconnects('BreachOfProtocol'),
      )
    }
  })

  test('a header announcing more than the cap is refused on the header alone', async () => {
    await expectClosed(
      async (raw) => {
        await established(raw)
        const f = raw.frame(0x10, new Uint8Array(MAX + 100))
        raw.write(f.subarray(0, 32))
        assert.equal(await raw.disconnectReason(), DisconnectReason.BreachOfProtocol)
      },
      () => disconnects('BreachOfProtocol'),
    )
  })

  test('a snappy bomb (tiny frame announcing 16 MiB + 1) is refused without inflating it', async () => {
    const n = 0x1000000
    const bomb = Uint8Array.of(0x80 | (n & 0x7f), 0x80 | ((n >> 7) & 0x7f), 0x80 | ((n >> 14) & 0x7f), n >> 21, 0, 0x41)
    await expectClosed(
      async (raw) => {
        await established(raw)
        raw.send(0x10, bomb)
        assert.equal(await raw.disconnectReason(), DisconnectReason.BreachOfProtocol)
      },
      () => disconnects('BreachOfProtocol'),
    )
  })

  test('an unknown message id is a breach of protocol', async () => {
    await expectClosed(
      async (raw) => {
        await established(raw)
        raw.send(0x30, encode([]), true)
        assert.equal(await raw.disconnectReason(), DisconnectReason.BreachOfProtocol)
      },
      () => disconnects('BreachOfProtocol'),
    )
  })

  test('after all that, the listener still accepts and serves a good peer', async () => {
    const conn = await dial(
      { publicKey: pub, ip: '127.0.0.1', tcp: port },
      { privateKey: generatePrivateKey(), protocols: [{ name: 'test', version: 1, length: 4 }] },
    )
    assert.ok((await conn.ping()) >= 0)
    await conn.disconnect()
    assert.ok(handshakes('ok') >= 1)
    assert.equal(listener.pendingHandshakes, 0)
  })
})

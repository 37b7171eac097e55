// js-libp2p needs Promise.withResolvers (Node 22+): installed before any libp2p module loads.
import '../../src/libp2p/polyfill.js'
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { RLP } from '@ethereumjs/rlp'
import type { Identify } from '@libp2p/identify'
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { generatePrivateKey } from '../../src/crypto/index.js'
import { Enr } from '../../src/enr/index.js'
import { Libp2pNode, Libp2pNodeError, type PeerReadyEvent } from '../../src/libp2p/index.js'
import {
  bytesCodec,
  DisconnectError,
  DisconnectReason,
  defineProtocol,
  envelopeIds,
  HandshakeError,
  message,
  ProtocolHost,
  request,
  textCodec,
  uint64Codec,
} from '../../src/protocol/index.js'
import { toHex } from '../../src/util/bytes.js'
import { concat, framed, parseRequest, parseResponse, plainNode, readAll, until, varint } from '../unit/libp2p/plain.js'

// Two protocol definitions, run unchanged over libp2p streams.
const ping = defineProtocol({
  name: 'ping',
  version: 1,
  length: 2,
  requestIds: envelopeIds,
  requests: { ping: request(0x00, uint64Codec, { response: 0x01, codec: uint64Codec }) },
})
const PING_ID = '/ping/ping/1/rlp_snappy'

const status = message(0x00, textCodec(64))
const hello = defineProtocol({
  name: 'hello',
  version: 1,
  length: 3,
  requestIds: envelopeIds,
  messages: { status },
  requests: { echo: request(0x01, bytesCodec, { response: 0x02, codec: bytesCodec }) },
  nodeState: (init: { network: string }) => init,
  handshake: {
    exclusive: [status],
    async run(ctx) {
      ctx.send(status, ctx.nodeState.network)
      const theirs = await ctx.receive(status)
      if (theirs !== ctx.nodeState.network) throw new DisconnectError(DisconnectReason.UselessPeer, 'wrong network')
      return theirs
    },
  },
})

const TIMEOUTS = { ttfbMs: 300, respMs: 1000 }

interface Ours {
  node: Libp2pNode
  ready: PeerReadyEvent[]
  pingHost: ProtocolHost<typeof ping>
  helloHost: ProtocolHost<typeof hello>
}

async function ours(network = 'devnet'): Promise<Ours> {
  const ready: PeerReadyEvent[] = []
  const pingHost = new ProtocolHost(ping).handle(ping.requests.ping, (n) => n + 1n)
  const helloHost = new ProtocolHost(hello, { init: { network } }).handle(hello.requests.echo, (b) => b)
  const node = await Libp2pNode.create({
    privateKey: generatePrivateKey(),
    listen: { ip: '127.0.0.1', port: 0 },
    protocols: [{ host: pingHost }, { host: helloHost }],
    timeouts: TIMEOUTS,
    inboundPerHostPerSecond: 100,
    onPeerReady: (e) => ready.push(e),
  })
  await node.start()
  return { node, ready, pingHost, helloHost }
}

/** Write `bytes` on a new stream from the plain node to us, close our write side, read what comes back. */
async function rawExchange(plain: Libp2p, to: PeerId, bytes: Uint8Array | undefined, ms = 3000) {
  const stream: Stream = await plain.dialProtocol(to, PING_ID, { signal: AbortSignal.timeout(3000) })
  if (bytes) {
    stream.send(bytes)
    await stream.close()
  }
  try {
    return { bytes: await readAll(stream, ms), stream }
  } catch (e) {
    return { error: e, stream }
  }
}

describe('libp2p interop with a plain js-libp2p node', () => {
  let us: Ours
  let plain: Libp2p<{ identify: Identify }>
  const started: (Libp2pNode | Libp2p<{ identify: Identify }>)[] = []

  before(async () => {
    us = await ours()
    plain = await plainNode()
    started.push(us.node, plain)
    // the plain node serves our ping protocol by hand (snappy package + @ethereumjs/rlp)
    await plain.handle(PING_ID, async (stream) => {
      const req = await parseRequest(await readAll(stream))
      const n = BigInt(`0x${Buffer.from(RLP.decode(req) as Uint8Array).toString('hex') || '0'}`)
      const answer = RLP.encode(n + 1n)
      stream.send(concat(Uint8Array.of(0), varint(answer.length), await framed(answer)))
      await stream.close()
    })
    await plain.start()
  })

  after(async () => {
    for (const n of started) await n.stop()
    await new Promise((r) => setTimeout(r, 50))
    const left = process
      .getActiveResourcesInfo()
      .filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap' || r === 'TCPWRAP')
    assert.deepEqual(left, [], 'no sockets left open')
  })

  test('This test checks a plain node dials us over TCP+noise+yamux, sees our protocols and gets an answer', async () => {
    const identified = new Promise<string[]>((resolve) =>
      plain.addEventListener('peer:identify', (e) => resolve(e.detail.protocols), { once: true }),
    )
    const conn = await plain.dial(us.node.multiaddrs[0]!, { signal: AbortSignal.timeout(3000) })
    assert.equal(conn.encryption, '/noise')
    assert.equal(conn.multiplexer, '/yamux/1.0.0')
    assert.equal(conn.remotePeer.toString(), us.node.peerId.toString())
    const protocols = await identified
    for (const id of [PING_ID, '/hello/status/1/rlp_snappy', '/hello/echo/1/rlp_snappy', '/meshsub/1.1.0'])
      assert.ok(protocols.includes(id), `identify lists ${id}`)
    assert.ok(!protocols.some((p) => p.includes('/hello/echo-response')), 'responses get no protocol id')

    const r = await rawExchange(plain, us.node.peerId, concat(varint(1), await framed(RLP.encode(41))))
    assert.ok(r.bytes, String(r.error))
    const { result, payload } = await parseResponse(r.bytes)
    assert.equal(result, 0)
    assert.deepEqual(RLP.decode(payload), Uint8Array.of(42))
    await plain.hangUp(us.node.peerId)
    await until(() => us.node.peerCount() === 0, 3000, 'our side of the hang-up')
  })

  test('This test checks we dial the plain node and our request is answered by its handler', async () => {
    const addr = plain.getMultiaddrs()[0]!
    await us.node.dial(addr, AbortSignal.timeout(3000))
    await until(() => us.node.peer(plain.peerId, us.pingHost)?.ready === true, 3000, 'ping session')
    const peer = us.node.peer(plain.peerId, us.pingHost)!
    assert.equal(await peer.request(ping.requests.ping, 41n), 42n)
    assert.equal(await peer.request(ping.requests.ping, 1000n), 1001n)
    assert.equal(us.node.peer(plain.peerId, us.helloHost), undefined, 'no session for a protocol it does not speak')
    await us.node.hangUp(plain.peerId)
    await until(() => plain.getPeers().length === 0, 3000, 'their side of the hang-up')
  })

  describe('bad input', () => {
    async function expectDisconnect(bytes: Uint8Array) {
      await plain.dial(us.node.multiaddrs[0]!, { signal: AbortSignal.timeout(3000) })
      const gone = new Promise<void>((resolve) =>
        plain.addEventListener('peer:disconnect', () => resolve(), { once: true }),
      )
      const r = await rawExchange(plain, us.node.peerId, bytes)
      assert.equal(r.bytes?.length ?? 0, 0, 'no response')
      await gone
      assert.equal(plain.getConnections(us.node.peerId).length, 0)
      // Each case starts from a clean slate: our side has dropped the peer too (a reconnection
      // racing the old connection's teardown is not what these cases are about).
      await until(() => us.node.peerCount() === 0, 3000, 'our side of the disconnect')
    }

    test('This test checks a malformed frame gets the peer disconnected', async () => {
      await expectDisconnect(concat(varint(10), Uint8Array.of(0xff, 6, 0, 0), new TextEncoder().encode('sNaPpX')))
    })

    test('This test checks an oversized length prefix gets the peer disconnected before any payload', async () => {
      await expectDisconnect(concat(varint(11 * 1024 * 1024), new Uint8Array(16)))
    })

    test('This test checks a snappy bomb gets the peer disconnected', async () => {
      const bombBlock = concat(new Uint8Array(4), varint(1 << 28), new Uint8Array(8))
      const chunk = concat(Uint8Array.of(0x00, bombBlock.length, 0, 0), bombBlock)
      const streamId = Uint8Array.of(0xff, 6, 0, 0, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59)
      await expectDisconnect(concat(varint(100), streamId, chunk))
    })

    test('This test checks a well-framed payload the codec refuses gets the peer disconnected', async () => {
      await expectDisconnect(concat(varint(3), await framed(Uint8Array.of(0xc2, 0x01, 0x02))))
    })

    test('This test checks a stream that never writes is reset at its deadline, the connection kept', async () => {
      await plain.dial(us.node.multiaddrs[0]!, { signal: AbortSignal.timeout(3000) })
      const t0 = performance.now()
      const r = await rawExchange(plain, us.node.peerId, undefined, 3000)
      const took = performance.now() - t0
      assert.equal(r.bytes?.length ?? 0, 0)
      assert.ok(took >= TIMEOUTS.ttfbMs - 50 && took < 2500, `reset after ${took} ms`)
      assert.equal(plain.getConnections(us.node.peerId).length, 1, 'still connected')
      await plain.hangUp(us.node.peerId)
      await until(() => us.node.peerCount() === 0, 3000, 'our side of the hang-up')
    })

    test('This test checks records with bogus or unreachable addresses are refused by the dialer', async () => {
      const bogus = Enr.create(generatePrivateKey(), { ip: '0.0.0.0', tcp: 9000 })
      await assert.rejects(us.node.dial(bogus), (e: unknown) => e instanceof Libp2pNodeError && e.code === 'NO_ADDRESS')
      const noTcp = Enr.create(generatePrivateKey(), { ip: '127.0.0.1', udp: 9000 })
      await assert.rejects(us.node.dial(noTcp), Libp2pNodeError)
      const closed = Enr.create(generatePrivateKey(), { ip: '127.0.0.1', tcp: 1 })
      await assert.rejects(us.node.dial(closed, AbortSignal.timeout(3000)))
    })
  })
})

describe('libp2p between two eth-p2p nodes', () => {
  test('This test checks dial by ENR, the handshake on connect, and requests over streams on both sides', async () => {
    const a = await ours()
    const b = await ours()
    try {
      assert.equal(a.node.enr.tcp, a.node.tcpPort)
      assert.equal(a.node.enr.ip, '127.0.0.1')
      await a.node.dial(b.node.enr, AbortSignal.timeout(3000))
      await until(() => a.ready.length === 2 && b.ready.length === 2, 5000, 'sessions ready')
      const ab = a.node.peer(b.node.peerId, a.helloHost)!
      const ba = b.node.peer(a.node.peerId, b.helloHost)!
      assert.equal(ab.handshake, 'devnet')
      assert.equal(ba.handshake, 'devnet')
      const blob = new Uint8Array(300_000).map((_, i) => i % 7)
      assert.deepEqual(await ab.request(hello.requests.echo, blob), blob)
      assert.equal(await b.node.peer(a.node.peerId, b.pingHost)!.request(ping.requests.ping, 7n), 8n)
      const many = await Promise.all(
        Array.from({ length: 20 }, (_, i) => ab.request(hello.requests.echo, Uint8Array.of(i))),
      )
      assert.deepEqual(
        many.map((m) => m[0]),
        Array.from({ length: 20 }, (_, i) => i),
      )
    } finally {
      await a.node.stop()
      await b.node.stop()
    }
  })

  test('This test checks a failed handshake closes the connection and backs the peer off', async () => {
    const a = await ours('mainnet')
    const b = await ours('sepolia')
    try {
      const failures: unknown[] = []
      await a.node.dial(b.node.enr, AbortSignal.timeout(3000))
      await until(() => a.node.peer(b.node.peerId, a.helloHost) !== undefined, 3000, 'session')
      const peer = a.node.peer(b.node.peerId, a.helloHost)!
      const closed = await peer.closed
      failures.push(closed)
      await until(() => a.node.peerCount() === 0, 3000, 'disconnect')
      await until(() => !a.node.history.canDial(toHex(b.node.enr.nodeId), performance.now()), 3000, 'backoff')
      assert.ok(a.ready.every((e) => e.protocol !== 'hello/1'))
      assert.equal(failures.length, 1)
      await assert.rejects(peer.request(hello.requests.echo, Uint8Array.of(1)))
      assert.ok(HandshakeError)
    } finally {
      await a.node.stop()
      await b.node.stop()
    }
  })
})

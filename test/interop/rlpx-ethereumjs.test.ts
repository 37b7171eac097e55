/**
 * Interop with @ethereumjs/devp2p 10 over real loopback sockets, snappy active: it dials us and we
 * dial it. Hellos, Ping/Pong both ways, 1,000 sub-protocol messages each way with sizes from 1 B
 * to 1 MiB (log-uniform, first 1 B and last 1 MiB), and Disconnect reasons seen by the other side.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Common, Mainnet } from '@ethereumjs/common'
import { type Capabilities, type Peer, RLPx } from '@ethereumjs/devp2p'
import { generatePrivateKey, publicKey64 } from '../../src/crypto/index.js'
import { DisconnectReason, dial, type RlpxConnection, RlpxListener, snappyCompress } from '../../src/rlpx/index.js'
import { toHex } from '../../src/util/bytes.js'

const COUNT = 1000
const MIB = 1 << 20
const CAP = { name: 'test', version: 1, length: 4 }

/** The sub-protocol ethereumjs runs: hands raw (decompressed) payloads to the test. */
class TestProto {
  static received = new Map<Peer, (code: number, data: Uint8Array) => void>()
  constructor(
    _version: number,
    readonly peer: Peer,
    readonly send: (code: number, data: Uint8Array) => void,
  ) {}
  _handleMessage(code: number, data: Uint8Array): void {
    TestProto.received.get(this.peer)?.(code, data)
  }
}

/** Sizes 1 B .. 1 MiB, log-uniform, and contents that are unique per message but compress well. */
function messages(): Uint8Array[] {
  const block = randomBytes(4096)
  return Array.from({ length: COUNT }, (_, i) => {
    const size = i === 0 ? 1 : i === COUNT - 1 ? MIB : Math.max(1, Math.round(2 ** (Math.random() * 20)))
    const m = new Uint8Array(size)
    for (let o = 0; o < size; o += block.length) m.set(block.subarray(0, Math.min(block.length, size - o)), o)
    m.set(randomBytes(Math.min(32, size)), 0)
    return m
  })
}
const digest = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

async function exchange(ours: RlpxConnection, theirs: Peer): Promise<void> {
  const proto = theirs.getProtocols()[0] as unknown as TestProto
  const cap = ours.capability('test')
  assert.ok(cap)
  // ours -> theirs
  const out = messages()
  const want = out.map(digest)
  const got: string[] = []
  const allIn = new Promise<void>((resolve) => {
    TestProto.received.set(theirs, (code, data) => {
      assert.equal(code, 1)
      got.push(digest(data))
      if (got.length === COUNT) resolve()
    })
  })
  for (const m of out) await ours.send(cap.offset + 1, m)
  await allIn
  assert.deepEqual(got, want)
  // theirs -> ours
  const back = messages()
  const wantBack = back.map(digest)
  // ethereumjs leaves compression to the sub-protocol (as its eth/snap do).
  for (const m of back) proto.send(2, snappyCompress(m))
  const gotBack: string[] = []
  for await (const m of ours.messages()) {
    assert.equal(m.id, 2)
    gotBack.push(digest(m.payload))
    if (gotBack.length === COUNT) break
  }
  assert.deepEqual(gotBack, wantBack)
}

async function pingBoth(ours: RlpxConnection, theirs: Peer): Promise<void> {
  assert.ok((await ours.ping()) >= 0)
  const t = theirs as unknown as { _handlePong(): void; _sendPing(): void }
  const orig = t._handlePong.bind(theirs)
  const pong = new Promise<void>((resolve) => {
    t._handlePong = () => {
      orig()
      resolve()
    }
  })
  t._sendPing()
  await pong
}

describe('interop with @ethereumjs/devp2p (snappy on)', () => {
  const common = new Common({ chain: Mainnet })
  const ejsKey = generatePrivateKey()
  const ourKey = generatePrivateKey()
  const caps = [{ ...CAP, constructor: TestProto as unknown as Capabilities['constructor'] }]
  let ejs: RLPx
  let ejsPort: number
  let listener: RlpxListener
  let incoming: ((c: RlpxConnection) => void) | undefined

  before(async () => {
    ejs = new RLPx(ejsKey, {
      capabilities: caps,
      common,
      maxPeers: 10,
      clientId: new TextEncoder().encode('ejs-interop'),
    })
    ejs.events.on('peer:error', () => {})
    ejs.listen(0, '127.0.0.1')
    await new Promise<void>((r) => ejs.events.once('listening', () => r()))
    ejsPort = (ejs as unknown as { _server: { address(): { port: number } } })._server.address().port
    listener = await RlpxListener.listen({
      privateKey: ourKey,
      protocols: [CAP],
      clientId: 'eth-p2p/interop',
      listenPort: 30303,
      onConnection: (c) => incoming?.(c),
    })
  })

  after(async () => {
    ejs.destroy()
    await listener.close()
  })

  test('we dial @ethereumjs/devp2p: Hellos, pings, 1,000 messages each way, our Disconnect reason', async () => {
    const added = new Promise<Peer>((r) => ejs.events.once('peer:added', r))
    const conn = await dial(
      { publicKey: publicKey64(ejsKey), ip: '127.0.0.1', tcp: ejsPort },
      { privateKey: ourKey, protocols: [CAP], clientId: 'eth-p2p/interop' },
    )
    const peer = await added
    assert.equal(conn.remoteHello.version, 5)
    assert.equal(conn.remoteHello.clientId, 'ejs-interop')
    assert.deepEqual(conn.remoteHello.capabilities, [{ name: 'test', version: 1 }])
    assert.equal(toHex(conn.remoteHello.id), toHex(ejs.id))
    assert.ok(conn.snappy)
    const theirView = peer.getHelloMessage()
    assert.equal(theirView?.protocolVersion, 5)
    assert.equal(theirView?.clientId, 'eth-p2p/interop')
    assert.equal(toHex(theirView?.id ?? new Uint8Array()), toHex(publicKey64(ourKey)))
    await pingBoth(conn, peer)
    await exchange(conn, peer)
    const removed = new Promise<unknown[]>((r) => ejs.events.once('peer:removed', (...a: unknown[]) => r(a)))
    await conn.disconnect(DisconnectReason.TooManyPeers)
    const [, reason, disconnectWe] = await removed
    assert.equal(reason, DisconnectReason.TooManyPeers)
    assert.equal(disconnectWe, false)
  })

  test('@ethereumjs/devp2p dials us: Hellos, pings, 1,000 messages each way, its Disconnect reason', async () => {
    const accepted = new Promise<RlpxConnection>((r) => {
      incoming = r
    })
    const added = new Promise<Peer>((r) => ejs.events.once('peer:added', r))
    await ejs.connect({ id: publicKey64(ourKey), address: '127.0.0.1', tcpPort: listener.address.port })
    const [conn, peer] = await Promise.all([accepted, added])
    assert.equal(conn.direction, 'inbound')
    assert.equal(conn.remoteHello.clientId, 'ejs-interop')
    assert.equal(peer.getHelloMessage()?.port, 30303)
    await pingBoth(conn, peer)
    await exchange(conn, peer)
    peer.disconnect(DisconnectReason.ClientQuitting)
    assert.deepEqual(await conn.closed, { reason: DisconnectReason.ClientQuitting, by: 'remote' })
  })

  test('`eth-p2p rlpx ping` prints the Hello of a running @ethereumjs/devp2p node and exits 0', async () => {
    const bin = join(fileURLToPath(import.meta.url), '..', '..', '..', '..', 'bin', 'eth-p2p.js')
    const enode = `enode://${toHex(ejs.id)}@127.0.0.1:${ejsPort}`
    const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [bin, 'rlpx', 'ping', enode, '--timeout', '15s'], { timeout: 20_000 }, (e, stdout) =>
        resolve({ code: e ? Number(e.code ?? 1) : 0, stdout }),
      )
    })
    assert.equal(out.code, 0)
    const lines = out.stdout.trim().split('\n')
    assert.equal(lines.length, 1)
    assert.deepEqual(JSON.parse(lines[0] as string), {
      version: 5,
      clientId: 'ejs-interop',
      capabilities: [{ name: 'test', version: 1 }],
      listenPort: 0,
      id: toHex(ejs.id),
    })
  })
})

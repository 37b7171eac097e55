// Discovery v4 interop with @ethereumjs/devp2p 10's DPT (an implementation we did not write), over
// real UDP on 127.0.0.1: PING/PONG both ways, and each side bootstraps from the other and finds the
// nodes the other knows. Our endpoint-proof rules stay on; DPT's first FINDNODE (sent before the
// bond is complete) is dropped by them, and its periodic refresh asks again once bonded.
import assert from 'node:assert/strict'
import { createSocket, type Socket } from 'node:dgram'
import { once } from 'node:events'
import { after, describe, test } from 'node:test'
import { DPT, type PeerInfo } from '@ethereumjs/devp2p'
import { generatePrivateKey, publicKey64 } from '../../src/crypto/index.js'
import { type Discv4Node, Discv4Service, makeNode } from '../../src/discv4/index.js'
import { UdpTransport } from '../../src/transport/udp.js'
import { equalBytes, toHex } from '../../src/util/bytes.js'

interface Ours {
  service: Discv4Service
  transport: UdpTransport
  node: Discv4Node
}

async function ours(bootnodes: Discv4Node[] = []): Promise<Ours> {
  const key = generatePrivateKey()
  const transport = await UdpTransport.bind('127.0.0.1', 0)
  const port = transport.address.port
  const service = new Discv4Service({
    privateKey: key,
    endpoint: { ip: '127.0.0.1', udp: port, tcp: port },
    send: (bytes, to) => transport.send(bytes, to),
    bootnodes,
  })
  transport.onDatagram((data, from) => service.handle(data, from))
  return { service, transport, node: makeNode(publicKey64(key), '127.0.0.1', port) }
}

interface Theirs {
  dpt: DPT
  socket: Socket
  node: Discv4Node
  info: PeerInfo
}

/** A DPT on a socket bound beforehand, so its PING 'from' can carry the real port. */
async function theirs(): Promise<Theirs> {
  const key = generatePrivateKey()
  const socket = createSocket({ type: 'udp4' })
  socket.bind(0, '127.0.0.1')
  await once(socket, 'listening')
  const port = socket.address().port
  const info = { address: '127.0.0.1', udpPort: port, tcpPort: port }
  // refreshInterval 1 s: DPT's refresh sends FINDNODE to a tenth of its table every 100 ms.
  const dpt = new DPT(key, { endpoint: info, createSocket: () => socket, refreshInterval: 1000, timeout: 1000 })
  dpt.events.on('error', () => {}) // DPT reports unanswered PINGs and unknown packet types here
  return { dpt, socket, node: makeNode(publicKey64(key), '127.0.0.1', port), info }
}

const asInfo = (n: Discv4Node): PeerInfo => ({ address: n.ip, udpPort: n.udp, tcpPort: n.tcp })
const dptKnows = (t: Theirs, n: Discv4Node) => t.dpt.getPeers().some((p) => p.id && equalBytes(p.id, n.publicKey))

/** Poll `cond` every 50 ms for at most `ms`. */
async function eventually(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('discv4 interop with @ethereumjs/devp2p DPT over UDP', () => {
  const cleanup: (() => Promise<void> | void)[] = []
  after(async () => {
    for (const c of cleanup.reverse()) await c()
  })
  const track = <T extends Ours | Theirs>(x: T): T => {
    if ('service' in x)
      cleanup.push(async () => {
        await x.service.close()
        await x.transport.close()
      })
    else cleanup.push(() => x.dpt.destroy())
    return x
  }

  test('PING/PONG both ways', async () => {
    const a = track(await ours())
    const d = track(await theirs())
    const pong = await a.service.ping(d.node)
    assert.deepEqual([pong.to.ip, pong.to.udp], ['127.0.0.1', a.node.udp]) // how DPT saw us
    assert.equal(pong.enrSeq, undefined) // DPT sends no enr-seq (pre-EIP-868)
    const peer = await d.dpt.addPeer(asInfo(a.node)) // DPT's PING, answered by our PONG
    assert.ok(peer.id && equalBytes(peer.id, a.node.publicKey))
    await eventually(() => a.service.table.info(d.node.id)?.live === true, 3000, 'DPT live in our table')
  })

  test('DPT bootstraps from us and learns the nodes we know', async () => {
    const a = track(await ours())
    const o1 = track(await ours())
    const o2 = track(await ours())
    await a.service.ping(o1.node)
    await a.service.ping(o2.node)
    const d = track(await theirs())
    await d.dpt.bootstrap(asInfo(a.node))
    await eventually(() => dptKnows(d, o1.node) && dptKnows(d, o2.node), 10_000, 'DPT to know o1 and o2')
    // Its first FINDNODE came before our PING was answered: dropped, not answered.
    assert.ok((a.service.dropped.get('unverified') ?? 0) >= 1)
  })

  test('we bootstrap from DPT and find the nodes it knows', async () => {
    const d = track(await theirs())
    const d1 = track(await theirs())
    const d2 = track(await theirs())
    await d.dpt.addPeer(d1.info)
    await d.dpt.addPeer(d2.info)
    const a = track(await ours([d.node]))
    await a.service.lookup(undefined)
    for (const n of [d.node, d1.node, d2.node]) {
      assert.ok(a.service.table.get(n.id), `our table lacks ${toHex(n.id).slice(0, 8)}`)
    }
    // Nodes learnt from DPT answer our own queries (they bonded with us during the lookup).
    assert.equal(a.service.table.info(d1.node.id)?.live, true)
  })
})

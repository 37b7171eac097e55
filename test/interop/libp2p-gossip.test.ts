// js-libp2p needs Promise.withResolvers (Node 22+): installed before any libp2p module loads.
import '../../src/libp2p/polyfill.js'
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { type GossipSub, gossipsub, StrictNoSign } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import snappy from 'snappy'
import { generatePrivateKey } from '../../src/crypto/index.js'
import { eth2MessageId, gossipsubOptions, Libp2pNode } from '../../src/libp2p/index.js'
import { concat, until, varint } from '../unit/libp2p/plain.js'

const TOPIC = '/eth2/aabbccdd/beacon_block/ssz_snappy'
const FAST = { gossipsub: { heartbeatInterval: 100 } }

interface Received {
  data: Uint8Array
  from: string
}

async function ours(): Promise<{ node: Libp2pNode; got: Received[] }> {
  const node = await Libp2pNode.create({
    privateKey: generatePrivateKey(),
    listen: { ip: '127.0.0.1' },
    gossip: FAST,
    inboundPerHostPerSecond: 100,
  })
  await node.start()
  const got: Received[] = []
  node.gossip.subscribe(TOPIC, (data, _topic, from) => got.push({ data, from: from.toString() }))
  return { node, got }
}

describe('gossip through gossipsub with snappy payloads', () => {
  const nodes: { node: Libp2pNode; got: Received[] }[] = []
  let plain: Libp2p<{ pubsub: GossipSub }>
  const plainGot: Uint8Array[] = []

  before(async () => {
    for (let i = 0; i < 4; i++) nodes.push(await ours())
    // a line: 0 - 1 - 2 - 3, so messages must be forwarded to reach the far end
    for (let i = 0; i < 3; i++) await nodes[i]!.node.dial(nodes[i + 1]!.node.multiaddrs[0]!, AbortSignal.timeout(3000))
    // a plain gossipsub node (no data transform) next to node 3: sees the bytes as they travel
    plain = await createLibp2p({
      privateKey: await generateKeyPair('secp256k1'),
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: {
        identify: identify(),
        pubsub: gossipsub({
          globalSignaturePolicy: StrictNoSign,
          allowPublishToZeroTopicPeers: true,
          heartbeatInterval: 100,
        }),
      },
    })
    await plain.start()
    plain.services.pubsub.subscribe(TOPIC)
    plain.services.pubsub.addEventListener('message', (e) => plainGot.push(e.detail.data))
    await plain.dial(nodes[3]!.node.multiaddrs[0]!, { signal: AbortSignal.timeout(3000) })
    const neighbours = [1, 2, 2, 2]
    await until(
      () => nodes.every((n, i) => n.node.gossip.peers(TOPIC).length >= neighbours[i]!),
      5000,
      'subscriptions to propagate',
    )
  })

  after(async () => {
    for (const n of nodes) await n.node.stop()
    await plain.stop()
    await new Promise((r) => setTimeout(r, 50))
    const left = process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP'))
    assert.deepEqual(left, [], 'no sockets left open')
  })

  test('This test checks a message published by one node reaches every other node, once', async () => {
    const payload = new Uint8Array(5000).map((_, i) => i % 13)
    // the mesh forms on heartbeats; publish until the far end has it (each publish is a new message)
    let sent = 0
    await until(
      () => {
        if (nodes[3]!.got.length === 0 && sent < 40) {
          const p = concat(payload, varint(sent++))
          void nodes[0]!.node.gossip.publish(TOPIC, p)
        }
        return nodes[3]!.got.length > 0
      },
      5000,
      'delivery to the far end',
    )
    const first = nodes[3]!.got[0]!.data
    await until(() => nodes.slice(1).every((n) => n.got.some((g) => Buffer.compare(g.data, first) === 0)), 3000, 'all')
    for (const n of nodes.slice(1)) {
      const copies = n.got.filter((g) => Buffer.compare(g.data, first) === 0)
      assert.equal(copies.length, 1, 'delivered once')
    }
    assert.equal(nodes[0]!.got.length, 0, 'no echo to the publisher')
    assert.equal(nodes[3]!.got[0]!.from, nodes[2]!.node.peerId.toString(), 'relayed by the neighbour')
    // the same payload again has the same message id: dropped as a duplicate everywhere
    assert.equal(await nodes[0]!.node.gossip.publish(TOPIC, first), 0)
    await new Promise((r) => setTimeout(r, 300))
    for (const n of nodes.slice(1))
      assert.equal(n.got.filter((g) => Buffer.compare(g.data, first) === 0).length, 1, 'duplicate not delivered')
  })

  test('This test checks payloads travel snappy-compressed and the message id follows the Altair rule', async () => {
    await until(() => plainGot.length > 0, 3000, 'the plain node to receive')
    const raw = plainGot[0]!
    const inner = snappy.uncompressSync(raw, { asBuffer: true }) as Buffer
    assert.ok(
      nodes[3]!.got.some((g) => Buffer.compare(g.data, inner) === 0),
      'the plain node sees the compressed form of what ours deliver',
    )
    assert.ok(raw.length < inner.length)
    const id = eth2MessageId(TOPIC, inner)
    assert.equal(id.length, 20)
    const opts = gossipsubOptions()
    const viaOpts = await opts.msgIdFn!({ type: 'unsigned', topic: TOPIC, data: inner })
    assert.deepEqual(new Uint8Array(viaOpts), new Uint8Array(id))
  })

  test('This test checks a snappy bomb and a non-snappy payload are rejected, a valid one delivered', async () => {
    const counts = nodes.map((n) => n.got.length)
    const bomb = concat(varint(1 << 30), new Uint8Array(16))
    await plain.services.pubsub.publish(TOPIC, bomb)
    await plain.services.pubsub.publish(TOPIC, new TextEncoder().encode('not snappy at all'))
    const good = new TextEncoder().encode(`a valid block ${Math.random()}`)
    await plain.services.pubsub.publish(TOPIC, snappy.compressSync(good))
    await until(() => nodes[3]!.got.some((g) => Buffer.compare(g.data, good) === 0), 3000, 'the valid message')
    await new Promise((r) => setTimeout(r, 200))
    const fresh = nodes[3]!.got.slice(counts[3])
    assert.equal(fresh.length, 1, 'only the valid message was delivered')
  })
})

// Known nodes: the node database of verified endpoints, apart from the routing table (go-ethereum
// p2p/enode/nodedb.go). The store alone, then the service: who enters (only a node that answered
// our PING with the right token), and what it is used for (seeding an emptied table, resolve).
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { logDistance, publicKey64 } from '../../../src/crypto/index.js'
import {
  BOND_EXPIRATION_MS,
  type Discv4Node,
  type Discv4Service,
  KnownNodes,
  MAX_KNOWN_NODES,
  RESPONSE_TIMEOUT_MS,
} from '../../../src/discv4/index.js'
import { decodePacket, encodePacket, type Packet } from '../../../src/discv4/wire/index.js'
import { Enr } from '../../../src/enr/index.js'
import { BUCKET_SIZE } from '../../../src/kademlia/index.js'
import { toHex } from '../../../src/util/bytes.js'
import { keyOf, Net, nodeOf, UNIX0, within } from './net.js'

const T0 = 1_000_000
const ids = (ns: Discv4Node[]) => ns.map((n) => toHex(n.id))
const recordOf = (i: number, seq: bigint) => Enr.create(keyOf(i), { seq, ip: '127.0.0.1', udp: 30000 + i })

describe('discv4 known nodes: the store', () => {
  test('the default bound is a named constant; past its capacity the least recently verified node goes', () => {
    assert.equal(MAX_KNOWN_NODES, 1000)
    const k = new KnownNodes(3)
    for (const i of [1, 2, 3]) k.add(nodeOf(i), T0 + i)
    k.add(nodeOf(1), T0 + 10) // verified again: now the newest
    k.add(nodeOf(4), T0 + 11)
    assert.equal(k.size(T0 + 11), 3)
    assert.equal(k.get(nodeOf(2).id, T0 + 11), undefined)
    assert.deepEqual(ids(k.values(T0 + 11).map((e) => e.node)), ids([nodeOf(4), nodeOf(1), nodeOf(3)]))
  })

  test('a node older than 24 h does not count, is not returned and is not a seed', () => {
    const k = new KnownNodes()
    k.add(nodeOf(1), T0)
    k.add(nodeOf(2), T0 + 1000)
    const late = T0 + BOND_EXPIRATION_MS
    assert.equal(k.get(nodeOf(1).id, late - 1)?.lastPong, T0)
    assert.equal(k.get(nodeOf(1).id, late), undefined)
    assert.deepEqual(ids(k.seeds(10, late)), ids([nodeOf(2)]))
    assert.equal(k.size(late), 1)
    assert.equal(k.size(late + 1000), 0)
  })

  test('seeds: most recently verified first, at most n, skipping what the caller holds already', () => {
    const k = new KnownNodes()
    for (const i of [1, 2, 3, 4, 5]) k.add(nodeOf(i), T0 + i)
    assert.deepEqual(ids(k.seeds(3, T0 + 5)), ids([nodeOf(5), nodeOf(4), nodeOf(3)]))
    const held = new Set(ids([nodeOf(5), nodeOf(3)]))
    assert.deepEqual(ids(k.seeds(3, T0 + 5, (n) => held.has(toHex(n.id)))), ids([nodeOf(4), nodeOf(2), nodeOf(1)]))
  })

  test('a fetched record is kept across re-verification and replaced only by a newer one', () => {
    const k = new KnownNodes()
    k.setRecord(nodeOf(1).id, recordOf(1, 5n)) // unknown node: ignored
    assert.equal(k.size(T0), 0)
    k.add(nodeOf(1), T0, 7n)
    k.setRecord(nodeOf(1).id, recordOf(1, 5n))
    assert.equal(k.get(nodeOf(1).id, T0)?.node.seq, 5n)
    k.setRecord(nodeOf(1).id, recordOf(1, 4n))
    assert.equal(k.get(nodeOf(1).id, T0)?.node.seq, 5n)
    k.add(nodeOf(1), T0 + 1) // a PONG without enr-seq: record and announced seq stay
    const e = k.get(nodeOf(1).id, T0 + 1)
    assert.equal(e?.node.enr?.seq, 5n)
    assert.equal(e?.announcedSeq, 7n)
    assert.equal(e?.lastPong, T0 + 1)
  })
})

/** PING from a raw (service-less) key `i` to service port `to`. */
const pongFrom = (i: number, replyToken: Uint8Array): Uint8Array => {
  const p: Packet = { kind: 'pong', to: { ip: '127.0.0.1', udp: 30000, tcp: 0 }, replyToken, expiration: UNIX0 + 60 }
  return encodePacket(keyOf(i), p).bytes
}

/** The hash of the last datagram sent to raw port `30000 + i`, which must be a PING. */
function lastPingTo(net: Net, i: number): Uint8Array {
  const d = decodePacket(net.outbox.get(30000 + i)?.at(-1) ?? new Uint8Array(0))
  assert.ok(d.ok && d.value.packet.kind === 'ping')
  return d.value.hash
}

describe('discv4 known nodes: the service', () => {
  test('only a PONG with our PING’s token makes a node known, also one that comes late', async () => {
    const net = new Net()
    const a = net.service(0)
    const pinged = a.ping(nodeOf(9)).catch((e: unknown) => e)
    await net.flush()
    const token = lastPingTo(net, 9)
    net.send(30009)(pongFrom(9, new Uint8Array(32).fill(1)), { ip: '127.0.0.1', port: 30000 })
    await net.flush()
    assert.equal(a.knownNodes, 0, 'wrong reply token')
    net.send(30009)(pongFrom(9, token), { ip: '127.0.0.1', port: 30000 })
    await within(net, pinged)
    assert.deepEqual(ids(a.known()), ids([nodeOf(9)]))
    // A PING that timed out: its PONG within the grace time still proves the node.
    const late = a.ping(nodeOf(8)).catch((e: unknown) => e)
    await net.flush()
    const token8 = lastPingTo(net, 8)
    await net.run(RESPONSE_TIMEOUT_MS + 200)
    await late
    assert.equal(a.knownNodes, 1)
    net.send(30008)(pongFrom(8, token8), { ip: '127.0.0.1', port: 30000 })
    await net.flush()
    assert.deepEqual(ids(a.known()), ids([nodeOf(8), nodeOf(9)]))
    await a.close()
  })

  test('nodes named in NEIGHBORS, asked for or not, are not known; the node that answered our PING is', async () => {
    const net = new Net()
    const a = net.service(1)
    const b = net.service(2)
    const others = [3, 4, 5].map((i) => net.service(i))
    for (const i of [3, 4, 5]) await within(net, b.ping(nodeOf(i)))
    await net.flush()
    const found = await within(net, a.findNode(nodeOf(2), publicKey64(keyOf(3))))
    assert.deepEqual(new Set(ids(found)), new Set(ids([3, 4, 5].map(nodeOf))), 'B relayed them')
    assert.deepEqual(ids(a.known()), ids([nodeOf(2)]))
    // Unsolicited NEIGHBORS from a node we bonded with, about yet another node.
    const neighbors: Packet = {
      kind: 'neighbors',
      nodes: [{ ip: '10.0.0.7', udp: 30007, tcp: 30007, publicKey: publicKey64(keyOf(7)) }],
      expiration: UNIX0 + 60,
    }
    net.send(30002)(encodePacket(keyOf(2), neighbors).bytes, { ip: '127.0.0.1', port: 30001 })
    await net.flush()
    assert.equal(a.dropped.get('unsolicited'), 1)
    assert.equal(a.knownNodes, 1)
    for (const s of [a, b, ...others]) await s.close()
  })

  test('a node that answered our PING is known although its bucket is full; resolve() finds it there', async () => {
    const net = new Net()
    const a = net.service(0)
    const far: number[] = []
    for (let i = 1; far.length <= BUCKET_SIZE; i++) if (logDistance(nodeOf(0).id, nodeOf(i).id) === 256) far.push(i)
    const services = far.map((i) => net.service(i))
    for (const i of far) await within(net, a.ping(nodeOf(i)))
    await net.flush()
    const last = far.at(-1) as number
    assert.equal(a.table.bucketSizes()[255], BUCKET_SIZE)
    assert.equal(a.table.has(nodeOf(last).id), false, 'not a bucket member')
    assert.equal(a.knownNodes, BUCKET_SIZE + 1)
    assert.ok(ids(a.known()).includes(toHex(nodeOf(last).id)))
    // Out of the replacement cache as well: only the known nodes still have it.
    a.table.remove(nodeOf(last).id, net.clock.now())
    assert.equal(a.table.get(nodeOf(last).id), undefined)
    const r = await within(net, a.resolve(publicKey64(keyOf(last))))
    assert.equal(r?.node.udp, 30000 + last)
    assert.equal(r?.enr?.seq, 3n)
    assert.equal(a.known()[0]?.enr?.seq, 3n, 'the fetched record is kept with the known node')
    for (const s of [a, ...services]) await s.close()
  })

  test('a refresh re-seeds an emptied table from the known nodes, without bootnodes or a restart', async () => {
    const net = new Net()
    const a: Discv4Service = net.service(0)
    const peers = [1, 2, 3, 4, 5]
    const services = peers.map((i) => net.service(i))
    for (const i of peers) await within(net, a.ping(nodeOf(i)))
    await net.flush()
    assert.equal(a.table.size, peers.length)
    for (const n of a.table.nodes()) a.table.remove(n.id, net.clock.now())
    assert.equal(a.table.size, 0)
    await within(net, a.refresh())
    assert.deepEqual(new Set(ids(a.table.nodes())), new Set(ids(peers.map(nodeOf))))
    assert.equal(a.knownNodes, peers.length)
    for (const s of [a, ...services]) await s.close()
    assert.equal(net.clock.pending, 0)
  })
})

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { publicKey64 } from '../../../src/crypto/index.js'
import { Discv4Error, type Discv4Service } from '../../../src/discv4/index.js'
import { decodePacket, encodePacket, type Packet } from '../../../src/discv4/wire/index.js'
import { fromHex, toHex } from '../../../src/util/bytes.js'
import { loadVector } from '../../helpers/vectors.js'
import { keyOf, Net, nodeOf, UNIX0, within } from './net.js'

describe('discv4 service', () => {
  test('PING bonds both ways: each side ends up with the other in its table, live', async () => {
    const net = new Net()
    const a = net.service(1)
    const b = net.service(2)
    const pong = await within(net, a.ping(nodeOf(2)))
    assert.deepEqual(pong.to, { ip: '127.0.0.1', udp: 30001, tcp: 30001 }) // tcp echoes our PING's from.tcp
    assert.equal(pong.enrSeq, 3n)
    await net.flush()
    assert.equal(a.table.info(nodeOf(2).id)?.live, true)
    assert.equal(b.table.info(nodeOf(1).id)?.live, true)
    assert.equal(b.core.proofs.bonded(toHex(nodeOf(1).id), '127.0.0.1', net.clock.now()), true)
    await a.close()
    await b.close()
  })

  test('FINDNODE returns the live neighbours; requestEnr returns the verified record', async () => {
    const net = new Net()
    const a = net.service(1)
    const b = net.service(2)
    const c = net.service(3)
    await within(net, c.ping(nodeOf(2))) // b now knows c, live
    await net.flush()
    const found = await within(net, a.findNode(nodeOf(2), publicKey64(keyOf(3))))
    assert.deepEqual(
      found.map((n) => n.udp),
      [30003],
    )
    const enr = await within(net, a.requestEnr(nodeOf(3)))
    assert.equal(enr.seq, 3n)
    assert.equal(enr.udp, 30003)
    for (const s of [a, b, c]) await s.close()
  })

  test('a FINDNODE from a node that never answered our PING gets nothing (amplification defence)', async () => {
    const net = new Net()
    const b = net.service(2)
    const rawKey = keyOf(9)
    const findnode: Packet = { kind: 'findnode', target: publicKey64(keyOf(2)), expiration: UNIX0 + 20 }
    net.send(30009)(encodePacket(rawKey, findnode).bytes, { ip: '127.0.0.1', port: 30002 })
    await net.run(2000)
    assert.deepEqual(net.outbox.get(30009) ?? [], [])
    assert.equal(b.dropped.get('unverified'), 1)
    // The same node's PING is still answered, with a PONG and a PING of ours.
    const ping: Packet = {
      kind: 'ping',
      version: 4,
      from: { ip: '127.0.0.1', udp: 30009, tcp: 0 },
      to: { ip: '127.0.0.1', udp: 30002, tcp: 0 },
      expiration: UNIX0 + 30,
    }
    net.send(30009)(encodePacket(rawKey, ping).bytes, { ip: '127.0.0.1', port: 30002 })
    await net.flush()
    const kinds = (net.outbox.get(30009) ?? []).map((x) => {
      const d = decodePacket(x)
      return d.ok ? d.value.packet.kind : 'bad'
    })
    assert.deepEqual(kinds, ['pong', 'ping'])
    await b.close()
  })

  test('expired packets are dropped and counted', async () => {
    const net = new Net()
    const b = net.service(2)
    const ping: Packet = {
      kind: 'ping',
      version: 4,
      from: { ip: '127.0.0.1', udp: 30009, tcp: 0 },
      to: { ip: '127.0.0.1', udp: 30002, tcp: 0 },
      expiration: UNIX0 - 1,
    }
    net.send(30009)(encodePacket(keyOf(9), ping).bytes, { ip: '127.0.0.1', port: 30002 })
    await net.flush()
    assert.equal(b.dropped.get('EXPIRED'), 1)
    assert.equal(net.outbox.get(30009), undefined)
    await b.close()
  })

  test('handle() declines discv5 packets so the socket owner can pass them on', async () => {
    const net = new Net()
    const b = net.service(2)
    const d5 = loadVector<{ packets: { encoded: string }[] }>('discv5-wire.json')
    for (const p of d5.packets) assert.equal(b.handle(fromHex(p.encoded), { ip: '127.0.0.1', port: 1 }), false)
    assert.equal(b.handle(new Uint8Array(0), { ip: '127.0.0.1', port: 1 }), false)
    await b.close()
  })

  test('a flood from one IP is rate limited and counted, and a fresh PING is answered afterwards', async () => {
    const net = new Net()
    const b = net.service(2, { rateLimit: { perIpRate: 10, perIpBurst: 20 } })
    const mk = (exp: number) =>
      encodePacket(keyOf(9), {
        kind: 'ping',
        version: 4,
        from: { ip: '127.0.0.1', udp: 30009, tcp: 0 },
        to: { ip: '127.0.0.1', udp: 30002, tcp: 0 },
        expiration: exp,
      }).bytes
    const flood = mk(UNIX0 + 60)
    for (let i = 0; i < 60; i++) b.handle(flood, { ip: '10.1.1.1', port: 30009 })
    assert.equal(b.dropped.get('ip-limit'), 40)
    assert.equal(b.handle(flood, { ip: '10.1.1.2', port: 30009 }), true) // another IP is not limited
    await net.run(3000, 1000)
    net.outbox.clear()
    b.handle(mk(UNIX0 + 60), { ip: '10.1.1.1', port: 30009 })
    await net.flush()
    assert.equal(net.outbox.get(30009)?.length, 2) // PONG, and our PING
    await b.close()
  })

  test('a request nobody answers times out on the virtual clock; close() fails pending ones and leaves no timers', async () => {
    const net = new Net()
    const a = net.service(1)
    const silent = nodeOf(50)
    const p1 = assert.rejects(a.ping(silent), (e: unknown) => e instanceof Discv4Error && e.code === 'TIMEOUT')
    await net.run(400)
    let settled = false
    void p1.then(() => {
      settled = true
    })
    await net.flush()
    assert.equal(settled, false) // not before the 500 ms reply timeout
    await net.run(200)
    await p1
    const p2 = assert.rejects(a.ping(silent), (e: unknown) => e instanceof Discv4Error && e.code === 'CLOSED')
    await a.close()
    await p2
    assert.equal(net.clock.pending, 0)
  })

  test('a 10-node network bootstrapped from one node fills its tables; lookup and resolve work', async () => {
    const net = new Net()
    const n = 10
    const boot = nodeOf(0)
    const services = Array.from({ length: n }, (_, i) => net.service(i, { bootnodes: i === 0 ? [] : [boot] }))
    for (const s of services) s.start() // the first refresh lookup runs at once
    await net.run(3000)
    const sizes = services.map((s) => s.table.size).sort((x, y) => x - y)
    assert.ok((sizes[0] as number) >= n - 2, `table sizes ${sizes.join(',')} of ${n - 1}`)
    const a = services[5] as Discv4Service
    const target = publicKey64(keyOf(7))
    const closest = await within(net, a.lookup(target))
    assert.equal(toHex(closest[0]?.id ?? new Uint8Array(0)), toHex(nodeOf(7).id))
    const r = await within(net, a.resolve(publicKey64(keyOf(8))))
    assert.equal(r?.enr?.udp, 30008)
    for (const s of services) await s.close()
    assert.equal(net.clock.pending, 0)
  })
})

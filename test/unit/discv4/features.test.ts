import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type Discv4Node, type Discv4Service, MIN_LOOKUP_INTERVAL_MS } from '../../../src/discv4/index.js'
import { decodePacket } from '../../../src/discv4/wire/index.js'
import { Enr } from '../../../src/enr/index.js'
import { MetricsRegistry } from '../../../src/metrics/registry.js'
import { toHex } from '../../../src/util/bytes.js'
import { keyOf, Net, nodeOf, within } from './net.js'

/** Count the packets `port` sends, by kind, by wrapping the network's send function. */
function countingSend(net: Net, port: number, counts: Map<string, number>) {
  const inner = net.send(port)
  return (bytes: Uint8Array, to: { ip: string; port: number }) => {
    const d = decodePacket(bytes)
    const kind = d.ok ? d.value.packet.kind : 'bad'
    counts.set(kind, (counts.get(kind) ?? 0) + 1)
    inner(bytes, to)
  }
}

/** A 6-node network bootstrapped from node 0, run until the tables settle. */
async function smallNetwork(net: Net, n = 6): Promise<Discv4Service[]> {
  const services = Array.from({ length: n }, (_, i) => net.service(i, { bootnodes: i === 0 ? [] : [nodeOf(0)] }))
  for (const s of services) s.start()
  await net.run(3000)
  return services
}

describe('discv4 random-node iterator', () => {
  test('yields nodes that answered our FINDNODE, and each node of a small network shows up', async () => {
    const net = new Net()
    const services = await smallNetwork(net)
    const a = services[3] as Discv4Service
    const it = a.randomNodes()
    const seen = new Set<string>()
    for (let i = 0; i < 30 && seen.size < 5; i++) {
      const r = await within(net, it.next())
      assert.equal(r.done, false)
      const node = r.value as Discv4Node
      seen.add(node.udp.toString())
      // Verified: the node answered us, so our table holds it as live.
      assert.equal(a.table.info(node.id)?.live, true)
    }
    assert.deepEqual([...seen].sort(), ['30000', '30001', '30002', '30004', '30005'])
    await it.return()
    assert.deepEqual(await it.next(), { value: undefined, done: true })
    for (const s of services) await s.close()
    assert.equal(net.clock.pending, 0)
  })

  test('is pull-based: no lookup runs while nobody asks, and at most one per second when asked', async () => {
    const net = new Net()
    const counts = new Map<string, number>()
    const services = Array.from({ length: 5 }, (_, i) =>
      net.service(i, {
        bootnodes: i === 0 ? [] : [nodeOf(0)],
        ...(i === 4 ? { send: countingSend(net, 30004, counts) } : {}),
      }),
    )
    for (const s of services.slice(0, 4)) s.start()
    await net.run(2000)
    const a = services[4] as Discv4Service // not started: no refresh of its own
    const it = a.randomNodes()
    await within(net, it.next())
    await net.run(1000)
    const after = counts.get('findnode') ?? 0
    assert.ok(after > 0)
    await net.run(20_000) // nobody pulls: nothing more is asked
    assert.equal(counts.get('findnode') ?? 0, after)
    // Pull until the buffer is drained and a second lookup is needed: it waits out the interval.
    const t0 = net.clock.now()
    let lookups = 1
    let before = counts.get('findnode') ?? 0
    while (lookups < 3) {
      await within(net, it.next())
      const now = counts.get('findnode') ?? 0
      if (now > before) lookups++
      before = now
    }
    assert.ok(net.clock.now() - t0 >= MIN_LOOKUP_INTERVAL_MS, `${net.clock.now() - t0} ms for two lookups`)
    await it.return()
    for (const s of services) await s.close()
  })

  test('ends when its signal aborts and when the service closes, even while waiting', async () => {
    const net = new Net()
    const lonely = net.service(1) // no bootnodes, empty table: lookups find nothing
    const ctl = new AbortController()
    const it = lonely.randomNodes({ signal: ctl.signal })
    const p = it.next()
    await net.run(3000)
    ctl.abort()
    assert.deepEqual(await within(net, p), { value: undefined, done: true })
    const it2 = lonely.randomNodes()
    const p2 = it2.next()
    await net.run(1500)
    await lonely.close()
    assert.deepEqual(await within(net, p2), { value: undefined, done: true })
    assert.equal(net.clock.pending, 0)
  })
})

describe('discv4 records and metrics', () => {
  test('a PONG or PING announcing a higher enr-seq makes us fetch the newer record into the table', async () => {
    const net = new Net()
    const a = net.service(1)
    let recordB = Enr.create(keyOf(2), { seq: 3n, ip: '127.0.0.1', udp: 30002, tcp: 30002 })
    const b = net.service(2, { record: () => recordB.encode(), enrSeq: () => recordB.seq })
    await within(net, a.ping(nodeOf(2)))
    await net.run(1000)
    assert.equal(a.table.get(nodeOf(2).id)?.seq, 3n) // PONG said 3, the table had none: fetched
    assert.equal(a.table.get(nodeOf(2).id)?.enr?.udp, 30002)
    recordB = recordB.update(keyOf(2), { tcp: 40000 })
    await within(net, b.ping(nodeOf(1))) // b's PING carries seq 4
    await net.run(1000)
    const got = a.table.get(nodeOf(2).id)
    assert.equal(got?.seq, 4n)
    assert.equal(got?.enr?.tcp, 40000)
    assert.equal(toHex(got?.enr?.nodeId ?? new Uint8Array()), toHex(nodeOf(2).id))
    await a.close()
    await b.close()
  })

  test('the table-size gauge and the drop counter follow the table and the drops', async () => {
    const net = new Net()
    const metrics = new MetricsRegistry()
    const a = net.service(1, { metrics })
    const b = net.service(2)
    const c = net.service(3)
    assert.equal(metrics.value('discv4_table_nodes'), 0)
    await within(net, a.ping(nodeOf(2)))
    await within(net, a.ping(nodeOf(3)))
    await net.flush()
    assert.equal(metrics.value('discv4_table_nodes'), 2)
    assert.ok(metrics.value('discv4_received_total', { kind: 'pong' }) >= 2) // and revalidation's
    a.handle(new Uint8Array(200).fill(1), { ip: '127.0.0.1', port: 30009 }) // not discv4-shaped: declined
    assert.equal(metrics.total('discv4_dropped_total'), 0)
    for (const s of [a, b, c]) await s.close()
  })
})

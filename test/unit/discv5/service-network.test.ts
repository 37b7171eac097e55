// Lookups, the random-node iterator, refresh and revalidation in in-memory networks of 16-24 nodes.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { compareDistance } from '../../../src/crypto/index.js'
import { tableCapacity } from '../../../src/kademlia/index.js'
import { V5Net } from './service-net.js'

const capacity = (me: Uint8Array, all: Uint8Array[]) => tableCapacity(me, all)

async function network(n: number, ms = 8_000) {
  const net = new V5Net()
  const boot = net.add(0, { ip: '10.0.0.1', opts: { refresh: true } })
  for (let i = 1; i < n; i++) net.add(i, { ip: `10.0.${i}.1`, opts: { refresh: true, bootnodes: [boot.enr] } })
  for (const x of net.nodes) x.svc.start()
  await net.run(ms, 10)
  return net
}

describe('discv5 service: networks', () => {
  test('24 nodes join through one bootnode; tables fill; lookups find their targets', async () => {
    const net = await network(24)
    const ids = net.nodes.map((x) => x.enr.nodeId)
    const fill = net.nodes.map((x) => x.svc.table.size / capacity(x.enr.nodeId, ids)).sort((a, b) => a - b)
    const median = fill[Math.floor(fill.length / 2)] as number
    assert.ok(median >= 0.9, `median table fill ${median.toFixed(2)}`)
    for (const [from, to] of [
      [5, 23],
      [17, 2],
      [23, 20],
      [0, 11],
    ] as const) {
      const target = net.nodes[to]!.enr.nodeId
      const found = await net.within(net.nodes[from]!.svc.lookup(target))
      assert.equal(found[0]?.nodeIdHex, net.nodes[to]!.enr.nodeIdHex, `lookup ${from} -> ${to}`)
      assert.ok(found.length <= 16)
      for (let i = 1; i < found.length; i++)
        assert.ok(compareDistance(target, found[i - 1]!.nodeId, found[i]!.nodeId) < 0, 'nearest first')
    }
    await net.closeAll()
  })

  test('the random-node iterator yields verified records on demand and ends on abort', async () => {
    const net = await network(16)
    const ctl = new AbortController()
    const it = net.nodes[3]!.svc.randomNodes({ signal: ctl.signal })
    const seen = new Set<string>()
    for (let i = 0; i < 40 && seen.size < 10; i++) {
      const r = await net.within(it.next())
      assert.equal(r.done, false)
      if (!r.done) seen.add(r.value.nodeIdHex)
    }
    assert.ok(seen.size >= 10, `distinct records: ${seen.size}`)
    assert.ok(!seen.has(net.nodes[3]!.enr.nodeIdHex), 'never ourselves')
    ctl.abort()
    assert.deepEqual(await net.within(it.next()), { value: undefined, done: true })
    await net.closeAll()
  })

  test('revalidation removes a node that went away; the others stay', async () => {
    const net = await network(16)
    const gone = net.nodes[7]!
    const holders = net.nodes.filter((x) => x !== gone && x.svc.table.has(gone.enr.nodeId))
    assert.ok(holders.length >= 4, `holders: ${holders.length}`)
    await gone.svc.close()
    await gone.ep.close()
    await net.run(240_000, 50) // the slow list is checked one node per 9 s: a dead one is met within minutes
    const still = holders.filter((x) => x.svc.table.has(gone.enr.nodeId))
    assert.equal(still.length, 0, `${still.length} tables still hold the dead node`)
    const live = net.nodes.filter((x) => x !== gone)
    const sizes = live.map((x) => x.svc.table.size).sort((a, b) => a - b)
    assert.ok((sizes[Math.floor(sizes.length / 2)] as number) >= 10, `sizes ${sizes}`)
    await net.closeAll()
  })
})

// A 200-node eth-p2p discv5 network in one process converges (issue #6, "Proof"): the median
// routing-table fill reaches 90% of what the nodes could hold.
//
// What a node could hold: for each log-distance, min(16, other nodes of the network at that
// distance), summed, from the actual node ids. No table can hold more (16 per bucket), and a
// converged one holds about that. Fill of a node = table members / that; the median is over nodes.
//
// The network is in memory on virtual time (deterministic: seeded keys and randomness, 1 ms
// latency), so the test costs only CPU (about 10-30 s on the 2-core test machine). Every node is
// on 127.0.0.1 with its own port and runs with the service's defaults: its own refresh loop
// (nothing drives lookups from outside), the table IP limits (loopback is exempt, as with
// go-ethereum's netutil AddrIsLAN) and the receive rate limits (loopback senders are counted per
// IP:port, each being its own process). Node 0 is the bootnode; all start at once.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { tableCapacity } from '../../../src/kademlia/index.js'
import { V5Net } from './service-net.js'

const N = 200
/** Virtual time allowed to converge. */
const VIRTUAL_LIMIT_MS = 60_000
/** Wall-clock bound: fail rather than run on (the suite's per-file budget is 90 s). */
const WALL_LIMIT_MS = 80_000

const capacity = (me: Uint8Array, all: Uint8Array[]) => tableCapacity(me, all)

describe('discv5: a 200-node network in one process', () => {
  test('median routing-table fill (size / what the node could hold) reaches 90%', async (t) => {
    const wall = performance.now()
    const net = new V5Net({ record: false })
    const boot = net.add(0, { opts: { refresh: true } })
    for (let i = 1; i < N; i++) net.add(i, { opts: { refresh: true, bootnodes: [boot.enr] } })
    for (const x of net.nodes) x.svc.start()
    const ids = net.nodes.map((x) => x.enr.nodeId)
    const caps = net.nodes.map((x) => capacity(x.enr.nodeId, ids))
    const median = () => {
      const fill = net.nodes.map((x, i) => x.svc.table.size / (caps[i] as number)).sort((a, b) => a - b)
      return fill[Math.floor(fill.length / 2)] as number
    }
    let virtual = 0
    let m = 0
    const trace: string[] = []
    while (virtual < VIRTUAL_LIMIT_MS && m < 0.9 && performance.now() - wall < WALL_LIMIT_MS) {
      await net.run(250, 10)
      virtual += 250
      m = median()
      trace.push(`${virtual / 1000}s ${(m * 100).toFixed(0)}%`)
    }
    const dropped = new Map<string, number>()
    for (const x of net.nodes) for (const [k, v] of x.svc.dropped) dropped.set(k, (dropped.get(k) ?? 0) + v)
    t.diagnostic(`median fill by virtual time: ${trace.join(', ')}`)
    t.diagnostic(`${net.datagrams} datagrams, wall ${((performance.now() - wall) / 1000).toFixed(1)} s`)
    t.diagnostic(`dropped: ${[...dropped].map(([k, v]) => `${k}=${v}`).join(' ') || 'none'}`)
    await net.closeAll()
    assert.ok(m >= 0.9, `median fill ${(m * 100).toFixed(1)}% after ${virtual / 1000} virtual s`)
    // Nothing was refused on the way: no rate-limit or table-limit drops in a healthy network.
    assert.equal(dropped.get('ip-limit') ?? 0, 0)
    assert.equal(dropped.get('global-limit') ?? 0, 0)
  })
})

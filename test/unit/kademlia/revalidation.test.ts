import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  BUCKET_SIZE,
  PING_INTERVAL_MS,
  RoutingTable,
  SLOW_REVALIDATION_FACTOR,
  seededRandom,
} from '../../../src/kademlia/index.js'
import { toHex } from '../../../src/util/bytes.js'
import { nodeAt, randomId, rng, type TestNode } from './helpers.js'

function setup(seed = 1) {
  const random = rng(seed)
  const localId = randomId(random)
  const table = new RoutingTable<TestNode>({ localId, random: seededRandom(seed + 99) })
  return { random, localId, table, reval: table.revalidation }
}

/** Advance to the next due time and return the PING it yields (asserting there is one). */
function nextPing(reval: RoutingTable<TestNode>['revalidation'], from: number): { node: TestNode; at: number } {
  let now = from
  for (let i = 0; i < 100; i++) {
    const s = reval.next(now)
    if (s.kind === 'ping') return { node: s.node, at: now }
    assert.ok(Number.isFinite(s.until), 'a ping should be scheduled')
    now = s.until
  }
  throw new Error('no ping scheduled')
}

describe('Revalidation scheduling', () => {
  test('This test checks that an empty table schedules nothing.', () => {
    const { reval } = setup()
    assert.equal(reval.nextTime(), Number.POSITIVE_INFINITY)
    assert.deepEqual(reval.next(1_000_000), { kind: 'wait', until: Number.POSITIVE_INFINITY })
  })

  test('This test checks that a new member is pinged from the fast list within one interval.', () => {
    const { localId, random, table, reval } = setup()
    const n = nodeAt(localId, 256, random)
    table.addSeen(n, 1000)
    assert.deepEqual(reval.counts, { fast: 1, slow: 0, active: 0 })
    const due = reval.nextTime()
    assert.ok(due >= 1000 && due < 1000 + PING_INTERVAL_MS)
    if (due > 1000) assert.deepEqual(reval.next(due - 1), { kind: 'wait', until: due })
    assert.deepEqual(reval.next(due), { kind: 'ping', node: n })
    assert.equal(reval.counts.active, 1)
    // while the PING is in flight the node is not picked again
    const s = reval.next(reval.nextTime())
    assert.equal(s.kind, 'wait')
  })

  test('This test checks that an answered PING makes the node live and moves it to the slow list.', () => {
    const { localId, random, table, reval } = setup()
    const n = nodeAt(localId, 256, random, undefined, 3n)
    table.addSeen(n, 0)
    const { at } = nextPing(reval, 0)
    assert.deepEqual(reval.onPong(n.id, at + 10, 3n), { known: true, recordStale: false })
    assert.equal(table.info(n.id)?.live, true)
    assert.equal(table.info(n.id)?.checks, 1)
    assert.deepEqual(reval.counts, { fast: 0, slow: 1, active: 0 })
    const due = reval.nextTime()
    assert.ok(due >= at + 10 && due < at + 10 + PING_INTERVAL_MS * SLOW_REVALIDATION_FACTOR)
    // a PONG announcing a newer record asks for it
    assert.deepEqual(reval.onPong(n.id, at + 20, 4n), { known: true, recordStale: true })
    // a PONG from a node no longer in the table changes nothing
    assert.deepEqual(reval.onPong(randomId(random), at + 30), { known: false, recordStale: false })
  })

  test('This test checks that failures divide the credit by 3, move the node to the fast list, and remove it at zero.', () => {
    const { localId, random, table, reval } = setup()
    const n = nodeAt(localId, 256, random)
    table.addSeen(n, 0)
    for (let i = 0; i < 4; i++) reval.onPong(n.id, i)
    assert.equal(table.info(n.id)?.checks, 4)
    assert.deepEqual(reval.counts, { fast: 0, slow: 1, active: 0 })
    assert.deepEqual(reval.onTimeout(n.id, 10), [])
    assert.equal(table.info(n.id)?.checks, 1)
    assert.deepEqual(reval.counts, { fast: 1, slow: 0, active: 0 })
    assert.deepEqual(reval.onTimeout(n.id, 20), [{ kind: 'removed', node: n, reason: 'dead' }])
    assert.equal(table.has(n.id), false)
    assert.deepEqual(reval.counts, { fast: 0, slow: 0, active: 0 })
    assert.deepEqual(reval.onTimeout(n.id, 30), []) // already gone
  })

  test('This test checks that a dead member is replaced from the cache and the newcomer is revalidated quickly.', () => {
    const { localId, random, table, reval } = setup()
    const members = Array.from({ length: BUCKET_SIZE }, () => nodeAt(localId, 256, random))
    for (const m of members) table.addSeen(m, 0)
    const rep = nodeAt(localId, 256, random)
    table.addSeen(rep, 0)
    const rep2 = nodeAt(localId, 256, random)
    table.addSeen(rep2, 0)
    assert.deepEqual(reval.onPong(rep.id, 0), { known: false, recordStale: false }) // a replacement answering …
    assert.equal(table.info(rep.id)?.live, true) // … is preferred for promotion
    for (const m of members) reval.onPong(m.id, 1)
    assert.deepEqual(reval.counts, { fast: 0, slow: BUCKET_SIZE, active: 0 })
    const { node, at } = nextPing(reval, 1)
    reval.onTimeout(node.id, at) // checks 1 → 0: dead
    assert.equal(table.has(node.id), false)
    assert.equal(table.has(rep.id), true)
    assert.deepEqual(reval.counts, { fast: 1, slow: BUCKET_SIZE - 1, active: 0 })
  })

  test('This test checks that an endpoint change moves a slow-list node back to the fast list.', () => {
    const { localId, random, table, reval } = setup()
    const n = nodeAt(localId, 256, random)
    table.addSeen(n, 0)
    reval.onPong(n.id, 0)
    assert.equal(reval.counts.slow, 1)
    table.addInbound({ ...n, ip: '200.1.1.1' }, 5)
    assert.deepEqual(reval.counts, { fast: 1, slow: 0, active: 0 })
    assert.equal(table.info(n.id)?.live, false)
  })

  test('This test checks that, over a minute of virtual time, every member is checked and the answering ones settle in the slow list.', () => {
    const { localId, random, table, reval } = setup(5)
    const nodes = Array.from({ length: 40 }, (_, i) => nodeAt(localId, 256 - (i % 5), random))
    for (const n of nodes) table.addSeen(n, 0)
    const dead = new Set(nodes.filter((_, i) => i % 8 === 0).map((n) => toHex(n.id)))
    const pinged = new Map<string, number>()
    const removed: string[] = []
    let now = 0
    let pings = 0
    while (now <= 60_000) {
      const s = reval.next(now)
      if (s.kind === 'wait') {
        now = s.until
        continue
      }
      pings++
      const key = toHex(s.node.id)
      pinged.set(key, (pinged.get(key) ?? 0) + 1)
      if (dead.has(key)) {
        for (const e of reval.onTimeout(s.node.id, now)) if (e.kind === 'removed') removed.push(toHex(e.node.id))
      } else reval.onPong(s.node.id, now)
    }
    assert.equal(pinged.size, nodes.length)
    assert.deepEqual(removed.sort(), [...dead].sort())
    assert.equal(table.size, nodes.length - dead.size)
    assert.deepEqual(reval.counts, { fast: 0, slow: table.size, active: 0 })
    assert.equal(table.liveSize(), table.size)
    // each list PINGs once per random [0, interval) delay: about 60 s / 1.5 s + 60 s / 4.5 s
    assert.ok(pings > 40 && pings < 120, `pings ${pings}`)
  })
})

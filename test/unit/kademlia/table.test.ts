import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { compareDistance, logDistance } from '../../../src/crypto/nodeid.js'
import {
  BUCKET_SIZE,
  type KadNode,
  MAX_FINDNODE_FAILURES,
  MAX_REPLACEMENTS,
  RoutingTable,
  type RoutingTableOptions,
  seededRandom,
  TABLE_IP_LIMIT,
} from '../../../src/kademlia/index.js'
import { toHex } from '../../../src/util/bytes.js'
import { nodeAt, randomId, rng, type TestNode, withRecord } from './helpers.js'

function setup(opts: Partial<RoutingTableOptions> = {}, seed = 1) {
  const random = rng(seed)
  const localId = randomId(random)
  const table = new RoutingTable<TestNode>({ localId, random: seededRandom(seed + 1000), ...opts })
  return { random, localId, table }
}

describe('RoutingTable placement and bounds', () => {
  test('This test checks that a node lands in the bucket of its log-distance from the local id.', () => {
    const { random, localId, table } = setup()
    for (const d of [1, 2, 7, 8, 9, 128, 255, 256]) {
      const n = nodeAt(localId, d, random)
      const r = table.addSeen(n, 0)
      assert.equal(r.outcome, 'added')
      assert.deepEqual(r.events, [{ kind: 'added', node: n, live: false }])
      assert.equal(table.info(n.id)?.distance, d)
      assert.equal(table.bucketSizes()[d - 1], 1)
      assert.deepEqual(table.nodesAtDistance(d), [n])
    }
    assert.equal(table.size, 8)
  })

  test('This test checks that a bucket holds K members and the replacement cache keeps the 10 most recent.', () => {
    const { random, localId, table } = setup()
    const nodes = Array.from({ length: BUCKET_SIZE + MAX_REPLACEMENTS + 5 }, () => nodeAt(localId, 256, random))
    const outcomes = nodes.map((n) => table.addSeen(n, 0).outcome)
    assert.deepEqual(outcomes.slice(0, BUCKET_SIZE), new Array(BUCKET_SIZE).fill('added'))
    assert.deepEqual(outcomes.slice(BUCKET_SIZE), new Array(MAX_REPLACEMENTS + 5).fill('replacement'))
    assert.equal(table.size, BUCKET_SIZE)
    assert.equal(table.bucketSizes()[255], BUCKET_SIZE)
    const reps = table.replacements(256)
    assert.equal(reps.length, MAX_REPLACEMENTS)
    assert.deepEqual(reps, nodes.slice(-MAX_REPLACEMENTS).reverse()) // most recent first
    // the 5 oldest replacements were dropped entirely
    for (const n of nodes.slice(BUCKET_SIZE, BUCKET_SIZE + 5)) assert.equal(table.get(n.id), undefined)
    assert.equal(table.has(nodes[0]!.id), true)
    assert.equal(table.has(reps[0]!.id), false) // a replacement is not a member
  })

  test('This test checks that the local node, bad ids and nodes without a usable IP are refused.', () => {
    const { random, localId } = setup()
    const table = new RoutingTable<KadNode>({ localId })
    assert.equal(table.addSeen({ id: localId, ip: '1.2.3.4' }, 0).reason, 'self')
    assert.equal(table.addSeen({ id: new Uint8Array(31), ip: '1.2.3.4' }, 0).reason, 'bad-id')
    const n = nodeAt(localId, 200, random)
    assert.equal(table.addSeen({ id: n.id }, 0).reason, 'no-ip')
    assert.equal(table.addSeen({ id: n.id, ip: 'nonsense' }, 0).reason, 'no-ip')
    assert.equal(table.addSeen({ id: n.id, ip: '0.0.0.0' }, 0).reason, 'no-ip')
    assert.equal(table.addSeen({ id: n.id, ip: '::' }, 0).reason, 'no-ip')
    assert.equal(table.size, 0)
    assert.throws(() => new RoutingTable({ localId: new Uint8Array(5) }), RangeError)
  })
})

describe('RoutingTable IP limits', () => {
  test('This test checks that at most 2 addresses of a /24 enter one bucket, and removal frees the slot.', () => {
    const { random, localId, table } = setup()
    const a = nodeAt(localId, 256, random, '8.8.8.1')
    const b = nodeAt(localId, 256, random, '8.8.8.2')
    const c = nodeAt(localId, 256, random, '8.8.8.3')
    const other = nodeAt(localId, 255, random, '8.8.8.4')
    assert.equal(table.addSeen(a, 0).outcome, 'added')
    assert.equal(table.addSeen(b, 0).outcome, 'added')
    assert.deepEqual(table.addSeen(c, 0), { outcome: 'rejected', reason: 'bucket-ip-limit', events: [] })
    assert.equal(table.addSeen(other, 0).outcome, 'added') // another bucket has its own limit
    assert.equal(table.remove(a.id, 1)[0]?.kind, 'removed')
    assert.equal(table.addSeen(c, 2).outcome, 'added')
  })

  test('This test checks that at most 10 addresses of a /24 enter the table, and removal frees the slot.', () => {
    const { random, localId, table } = setup()
    const nodes = Array.from({ length: TABLE_IP_LIMIT + 1 }, (_, i) =>
      nodeAt(localId, 256 - (i >> 1), random, `9.9.9.${i + 1}`),
    )
    for (const n of nodes.slice(0, TABLE_IP_LIMIT)) assert.equal(table.addSeen(n, 0).outcome, 'added')
    const last = nodes[TABLE_IP_LIMIT]!
    assert.equal(table.addSeen(last, 0).reason, 'table-ip-limit')
    table.remove(nodes[0]!.id, 1)
    assert.equal(table.addSeen(last, 1).outcome, 'added')
  })

  test('This test checks that replacements count against the limits and dropping one frees its slot.', () => {
    const { random, localId, table } = setup({ maxReplacements: 2 })
    for (let i = 0; i < BUCKET_SIZE; i++) table.addSeen(nodeAt(localId, 256, random), 0)
    const [r1, r2, r3] = [1, 2, 3].map((i) => nodeAt(localId, 256, random, `7.7.7.${i}`)) as [
      TestNode,
      TestNode,
      TestNode,
    ]
    assert.equal(table.addSeen(r1, 0).outcome, 'replacement')
    assert.equal(table.addSeen(r2, 0).outcome, 'replacement')
    assert.equal(table.addSeen(r3, 0).reason, 'bucket-ip-limit') // r1 and r2 hold the /24's two slots
    assert.deepEqual(table.remove(r1.id, 1), []) // a replacement leaving emits nothing
    assert.equal(table.addSeen(r3, 1).outcome, 'replacement')
    // the cache is full (r3, r2): a newcomer of another /24 pushes out r2, freeing its slot
    assert.equal(table.addSeen(nodeAt(localId, 256, random), 2).outcome, 'replacement')
    assert.equal(table.get(r2.id), undefined)
    assert.equal(table.addSeen(nodeAt(localId, 256, random, '7.7.7.4'), 3).outcome, 'replacement')
  })

  test('This test checks that LAN addresses are exempt by default and limited when exemptLan is false.', () => {
    const exempt = setup()
    for (let i = 1; i <= 5; i++) {
      assert.equal(exempt.table.addSeen(nodeAt(exempt.localId, 256, exempt.random, `127.0.0.${i}`), 0).outcome, 'added')
    }
    const strict = setup({ ipLimits: { exemptLan: false } })
    const outcomes = [1, 2, 3].map(
      (i) => strict.table.addSeen(nodeAt(strict.localId, 256, strict.random, `10.0.0.${i}`), 0).outcome,
    )
    assert.deepEqual(outcomes, ['added', 'added', 'rejected'])
    const off = setup({ ipLimits: false })
    for (let i = 1; i <= 5; i++)
      assert.equal(off.table.addSeen(nodeAt(off.localId, 256, off.random, `8.8.8.${i}`), 0).outcome, 'added')
  })

  test('This test checks that IPv4-mapped IPv6 addresses count in their IPv4 /24.', () => {
    const { random, localId, table } = setup()
    assert.equal(table.addSeen(nodeAt(localId, 256, random, '8.8.4.1'), 0).outcome, 'added')
    assert.equal(table.addSeen(nodeAt(localId, 256, random, '::ffff:8.8.4.2'), 0).outcome, 'added')
    assert.equal(table.addSeen(nodeAt(localId, 256, random, '8.8.4.3'), 0).reason, 'bucket-ip-limit')
  })

  test('This test checks that IPv6 addresses are limited by their /24 as go-ethereum does, and by /64 when configured.', () => {
    const def = setup()
    const v6 = ['2a01:4f8:1::1', '2a01:4f8:2::1', '2a01:4f9::1'].map(
      (ip) => def.table.addSeen(nodeAt(def.localId, 256, def.random, ip), 0).outcome,
    )
    assert.deepEqual(v6, ['added', 'added', 'rejected'])
    const s64 = setup({ ipLimits: { ipv6SubnetBits: 64 } })
    const v6b = ['2a01:4f8:1::1', '2a01:4f8:2::1', '2a01:4f9::1', '2a01:4f9::2', '2a01:4f9::3'].map(
      (ip) => s64.table.addSeen(nodeAt(s64.localId, 256, s64.random, ip), 0).outcome,
    )
    assert.deepEqual(v6b, ['added', 'added', 'added', 'added', 'rejected'])
  })

  test('This test checks that an address change beyond the limits is refused and the old record kept.', () => {
    const { random, localId, table } = setup()
    table.addSeen(nodeAt(localId, 256, random, '5.5.5.1'), 0)
    table.addSeen(nodeAt(localId, 256, random, '5.5.5.2'), 0)
    const n = nodeAt(localId, 256, random, '6.6.6.6', 1n)
    table.addSeen(n, 0)
    const moved = withRecord(n, { ip: '5.5.5.3', seq: 2n })
    const r = table.addInbound(moved, 1)
    assert.equal(r.reason, 'bucket-ip-limit')
    assert.deepEqual(r.events, [])
    assert.equal(table.get(n.id), n)
    // its old /24 is still counted: a second 6.6.6.x fits, a third does not
    assert.equal(table.addSeen(nodeAt(localId, 256, random, '6.6.6.7'), 1).outcome, 'added')
    assert.equal(table.addSeen(nodeAt(localId, 256, random, '6.6.6.8'), 1).reason, 'bucket-ip-limit')
  })
})

describe('RoutingTable liveness and records', () => {
  test('This test checks that closest(liveOnly) returns only nodes that answered us.', () => {
    const { random, localId, table } = setup()
    const seen = nodeAt(localId, 250, random)
    const inbound = nodeAt(localId, 250, random)
    const verified = nodeAt(localId, 251, random)
    table.addSeen(seen, 0)
    table.addInbound(inbound, 0)
    assert.deepEqual(table.addVerified(verified, 0).events, [{ kind: 'added', node: verified, live: true }])
    assert.deepEqual(table.closest(localId, 16, { liveOnly: true }), [verified])
    assert.equal(table.closest(localId, 16).length, 3)
    assert.deepEqual(table.nodesAtDistance(250, { liveOnly: true }), [])
    assert.equal(table.liveSize(), 1)
    // a seen node becomes live once it answers
    assert.equal(table.addVerified(seen, 1).outcome, 'present')
    assert.equal(table.info(seen.id)?.live, true)
    assert.deepEqual(table.nodesAtDistance(250, { liveOnly: true }), [seen])
    assert.deepEqual(table.nodes({ liveOnly: true }).length, 2)
  })

  test('This test checks that closest() is sorted by XOR distance, unique and complete (property).', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.nat(40), (seed, n) => {
        const { random, localId, table } = setup({ ipLimits: false }, seed)
        const all: TestNode[] = []
        for (let i = 0; i < 60; i++) {
          const node = nodeAt(localId, 250 + (i % 7), random)
          if (table.addSeen(node, 0).outcome === 'added') all.push(node)
        }
        const target = randomId(random)
        const got = table.closest(target, n)
        const want = [...all].sort((a, b) => compareDistance(target, a.id, b.id)).slice(0, n)
        assert.deepEqual(
          got.map((x) => toHex(x.id)),
          want.map((x) => toHex(x.id)),
        )
      }),
      { numRuns: 40 },
    )
  })

  test('This test checks that nodesAtDistance refuses 0 and over 256 and shuffles deterministically.', () => {
    const a = setup({}, 7)
    const b = setup({}, 7)
    for (let i = 0; i < 12; i++) {
      a.table.addSeen(nodeAt(a.localId, 256, a.random), 0)
      b.table.addSeen(nodeAt(b.localId, 256, b.random), 0)
    }
    assert.deepEqual(a.table.nodesAtDistance(0), [])
    assert.deepEqual(a.table.nodesAtDistance(257), [])
    assert.deepEqual(a.table.nodesAtDistance(1.5), [])
    const ida = a.table.nodesAtDistance(256).map((n) => toHex(n.id))
    assert.deepEqual(
      ida,
      b.table.nodesAtDistance(256).map((n) => toHex(n.id)),
    )
    assert.deepEqual(
      [...ida].sort(),
      a.table
        .nodes()
        .map((n) => toHex(n.id))
        .sort(),
    )
  })

  test('This test checks that a newer record replaces the old one in place and an older found one does not.', () => {
    const { random, localId, table } = setup()
    const nodes = Array.from({ length: 4 }, () => nodeAt(localId, 256, random))
    for (const n of nodes) table.addSeen(n, 0)
    const n1 = nodes[1]!
    const newer = withRecord(n1, { seq: 5n })
    assert.deepEqual(table.update(newer, 1), [{ kind: 'updated', node: newer, previous: n1, endpointChanged: false }])
    assert.deepEqual(
      table.nodes().map((n) => n.seq),
      [1n, 5n, 1n, 1n],
    ) // kept its position
    assert.deepEqual(table.update(withRecord(n1, { seq: 4n }), 2), [])
    assert.equal(table.addSeen(withRecord(n1, { seq: 5n, ip: '4.4.4.4' }), 2).outcome, 'present') // same seq from a third party
    assert.equal(table.get(n1.id), newer)
    // the node itself may set its seq back (go-ethereum addInboundNode)
    const older = withRecord(n1, { seq: 2n })
    assert.equal(table.addInbound(older, 3).outcome, 'updated')
    assert.equal(table.get(n1.id), older)
    // an unknown node is not added by update()
    assert.deepEqual(table.update(nodeAt(localId, 200, random), 3), [])
    assert.equal(table.size, 4)
  })

  test('This test checks that an endpoint change clears liveness until the node answers again.', () => {
    const { random, localId, table } = setup()
    const n = nodeAt(localId, 240, random)
    table.addVerified(n, 0)
    const moved = withRecord(n, { udp: 30304, seq: 2n })
    assert.deepEqual(table.addSeen(moved, 1).events, [
      { kind: 'updated', node: moved, previous: n, endpointChanged: true },
    ])
    assert.equal(table.info(n.id)?.live, false)
    assert.deepEqual(table.closest(localId, 16, { liveOnly: true }), [])
    table.revalidation.onPong(n.id, 2)
    assert.deepEqual(table.closest(localId, 16, { liveOnly: true }), [moved])
  })

  test('This test checks that removing a member promotes a replacement, preferring one that answered us.', () => {
    const { random, localId, table } = setup()
    const members = Array.from({ length: BUCKET_SIZE }, () => nodeAt(localId, 256, random))
    for (const n of members) table.addSeen(n, 0)
    const reps = Array.from({ length: 5 }, () => nodeAt(localId, 256, random))
    for (const n of reps) table.addSeen(n, 1)
    table.addVerified(reps[2]!, 2) // answered us while waiting in the cache
    const events = table.remove(members[3]!.id, 3)
    assert.deepEqual(events, [
      { kind: 'removed', node: members[3], reason: 'removed' },
      { kind: 'added', node: reps[2], live: true },
    ])
    assert.equal(table.size, BUCKET_SIZE)
    assert.equal(table.info(reps[2]!.id)?.addedToBucket, 3)
    assert.equal(table.info(reps[2]!.id)?.firstSeen, 1)
    assert.equal(table.replacements(256).length, 4)
    assert.deepEqual(table.remove(members[3]!.id, 4), []) // already gone
    // removing a replacement emits nothing
    assert.deepEqual(table.remove(reps[0]!.id, 4), [])
    assert.equal(table.replacements(256).length, 3)
  })

  test('This test checks that repeated lookup failures drop a node only from a bucket with enough members.', () => {
    const { random, localId, table } = setup()
    const lonely = nodeAt(localId, 200, random)
    table.addSeen(lonely, 0)
    for (let i = 0; i < MAX_FINDNODE_FAILURES + 2; i++)
      assert.deepEqual(table.onFindnodeResult(lonely.id, false, i), [])
    assert.equal(table.has(lonely.id), true)
    const crowd = Array.from({ length: BUCKET_SIZE / 4 }, () => nodeAt(localId, 256, random))
    for (const n of crowd) table.addSeen(n, 0)
    const x = crowd[0]!
    for (let i = 0; i < MAX_FINDNODE_FAILURES - 1; i++) table.onFindnodeResult(x.id, false, i)
    table.onFindnodeResult(x.id, true, 10) // a success resets the count
    for (let i = 0; i < MAX_FINDNODE_FAILURES - 1; i++) assert.deepEqual(table.onFindnodeResult(x.id, false, 11), [])
    assert.deepEqual(table.onFindnodeResult(x.id, false, 12), [
      { kind: 'removed', node: x, reason: 'findnode-failures' },
    ])
  })

  test('This test checks that a table keeps its bounds under random churn (property).', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), (seed) => {
        const { random, localId, table } = setup({}, seed)
        const known: TestNode[] = []
        for (let step = 0; step < 400; step++) {
          const op = random.int(10)
          if (op < 6 || known.length === 0) {
            const n = nodeAt(localId, 250 + random.int(7), random, `3.3.${random.int(4)}.${random.int(250) + 1}`)
            known.push(n)
            if (op === 0) table.addVerified(n, step)
            else table.addSeen(n, step)
          } else if (op < 8) table.remove(known[random.int(known.length)]!.id, step)
          else {
            const s = table.revalidation.next(step * 1000)
            if (s.kind === 'ping') {
              if (random.int(2) === 0) table.revalidation.onPong(s.node.id, step * 1000)
              else table.revalidation.onTimeout(s.node.id, step * 1000)
            }
          }
        }
        const sizes = table.bucketSizes()
        assert.ok(sizes.every((s) => s <= BUCKET_SIZE))
        assert.equal(
          sizes.reduce((a, b) => a + b, 0),
          table.size,
        )
        // never more than 10 of one /24 in the table, 2 per bucket (all LAN-free public addresses)
        const per24 = new Map<string, number>()
        const perBucket24 = new Map<string, number>()
        for (const n of table.nodes()) {
          const s24 = n.ip.split('.').slice(0, 3).join('.')
          per24.set(s24, (per24.get(s24) ?? 0) + 1)
          const k = `${logDistance(localId, n.id)}/${s24}`
          perBucket24.set(k, (perBucket24.get(k) ?? 0) + 1)
        }
        assert.ok([...per24.values()].every((c) => c <= TABLE_IP_LIMIT))
        assert.ok([...perBucket24.values()].every((c) => c <= 2))
        const c = table.revalidation.counts
        assert.equal(c.fast + c.slow, table.size)
      }),
      { numRuns: 30 },
    )
  })
})

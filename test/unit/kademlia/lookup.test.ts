import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { compareDistance, logDistance } from '../../../src/crypto/nodeid.js'
import {
  ALPHA,
  Lookup,
  type LookupOptions,
  lookupDistances,
  runLookup,
  seededRandom,
} from '../../../src/kademlia/index.js'
import { toHex } from '../../../src/util/bytes.js'
import { nodeAt, randomId, rng, type TestNode } from './helpers.js'
import { SimNetwork } from './network.js'

type Answer = (peer: TestNode, distances: number[], target: Uint8Array) => TestNode[] | 'fail' | 'silent'

/**
 * Run a lookup to completion on virtual time: queries are answered one at a time in the order
 * sent, 10 ms apart; 'silent' peers never answer, so the lookup's own deadline must expire them.
 */
function drive(lookup: Lookup<TestNode>, answer: Answer): { closest: TestNode[]; queried: string[]; now: number } {
  let now = 0
  const inFlight: { peer: TestNode; distances: number[] }[] = []
  const queried: string[] = []
  for (let guard = 0; guard < 100_000; guard++) {
    const step = lookup.next(now)
    if (step.kind === 'done') return { closest: step.closest, queried, now }
    if (step.kind === 'query') {
      queried.push(toHex(step.peer.id))
      inFlight.push({ peer: step.peer, distances: step.distances })
      continue
    }
    now += 10
    const q = inFlight.shift()
    if (q === undefined) {
      now = Math.max(now, step.until)
      continue
    }
    const a = answer(q.peer, q.distances, lookup.target)
    if (a === 'fail') lookup.onFailure(q.peer.id)
    else if (a !== 'silent') lookup.onSuccess(q.peer.id, a)
    else if (inFlight.length === 0) now = Math.max(now, step.until)
  }
  throw new Error('lookup did not finish')
}

const hexes = (ns: TestNode[]): string[] => ns.map((n) => toHex(n.id))

describe('lookupDistances', () => {
  test('This test checks the target distance comes first, then its neighbours, as go-ethereum lookupDistances.', () => {
    const r = rng(3)
    const a = randomId(r)
    for (const d of [1, 2, 100, 255, 256]) {
      const b = nodeAt(a, d, r).id
      const want = d === 256 ? [256, 255, 254] : d === 1 ? [1, 2, 3] : [d, d + 1, d - 1]
      assert.deepEqual(lookupDistances(a, b), want, `d=${d}`)
    }
    assert.deepEqual(lookupDistances(a, a), [0, 1, 2])
    assert.deepEqual(lookupDistances(a, nodeAt(a, 100, r).id, 5), [100, 101, 99, 102, 98])
    assert.deepEqual(lookupDistances(a, nodeAt(a, 100, r).id, 1), [100])
  })
})

describe('Lookup state machine', () => {
  const r = rng(11)
  const target = randomId(r)
  const seeds = Array.from({ length: 8 }, (_, i) => nodeAt(target, 250 - i, r))

  test('This test checks that α queries go out, nearest first, and then the lookup waits for the earliest deadline.', () => {
    const l = new Lookup(target, [...seeds].reverse(), { queryTimeoutMs: 500 })
    const steps = [l.next(0), l.next(1), l.next(2), l.next(3)]
    const nearestFirst = [...seeds].reverse() // seeds[i] is at log-distance 250 - i
    assert.deepEqual(
      steps.slice(0, ALPHA).map((s) => (s.kind === 'query' ? toHex(s.peer.id) : s.kind)),
      hexes(nearestFirst.slice(0, ALPHA)),
    )
    const q0 = steps[0]
    assert.ok(q0?.kind === 'query')
    assert.deepEqual(q0.distances, lookupDistances(target, nearestFirst[0]!.id))
    assert.deepEqual(steps[3], { kind: 'waiting', until: 500 })
    assert.deepEqual(l.stats, { queried: 3, answered: 0, failed: 0, inFlight: 3, candidates: 8 })
  })

  test('This test checks that unsolicited and duplicate answers are ignored, fresh nodes reported, and late answers still count.', () => {
    const l = new Lookup(target, seeds.slice(0, 2), { queryTimeoutMs: 100, k: 4 })
    const a = l.next(0)
    const b = l.next(0)
    assert.ok(a.kind === 'query' && b.kind === 'query')
    const stranger = nodeAt(target, 10, r)
    assert.deepEqual(l.onSuccess(stranger.id, [nodeAt(target, 5, r)]), []) // never asked
    const close = [nodeAt(target, 20, r), nodeAt(target, 21, r)]
    assert.deepEqual(l.onSuccess(a.peer.id, [...close, seeds[1]!, a.peer]), close) // known ones are not fresh
    assert.deepEqual(l.onSuccess(a.peer.id, [nodeAt(target, 3, r)]), []) // second answer ignored
    // b times out …
    assert.equal(l.next(100).kind, 'query')
    assert.equal(l.stats.failed, 1)
    // … then answers late: it counts as answered
    l.onSuccess(b.peer.id, [])
    assert.equal(l.stats.failed, 0)
    assert.equal(l.stats.answered, 2)
  })

  test('This test checks that a lookup with no seeds is done at once and cancel() stops a running one.', () => {
    assert.deepEqual(new Lookup(target, []).next(0), { kind: 'done', closest: [] })
    const l = new Lookup(target, seeds)
    const q = l.next(0)
    assert.ok(q.kind === 'query')
    l.cancel()
    assert.equal(l.finished, true)
    assert.deepEqual(l.onSuccess(q.peer.id, [nodeAt(target, 1, r)]), [])
    assert.deepEqual(l.next(1), { kind: 'done', closest: [] })
  })

  test('This test checks that the local id is never queried and bad ids are skipped.', () => {
    const local = seeds[0]!
    const l = new Lookup(target, [...seeds, { ...local, id: new Uint8Array(5) }], { localId: local.id })
    assert.equal(l.stats.candidates, seeds.length - 1)
  })

  test('This test checks that a peer feeding ever-closer fake nodes cannot make the lookup run for ever.', () => {
    const liar = (peer: TestNode): TestNode[] => {
      const d = Math.max(1, logDistance(target, peer.id) - 1)
      return Array.from({ length: 16 }, () => nodeAt(target, d, r))
    }
    const l = new Lookup(target, seeds, { maxQueries: 40, maxCandidates: 64 })
    const out = drive(l, liar)
    assert.ok(out.queried.length <= 40, `queried ${out.queried.length}`)
    assert.ok(l.stats.candidates <= 64)
    assert.equal(l.finished, true)
  })
})

describe('Lookup on a 1,000-node network', () => {
  let net: SimNetwork
  before(() => {
    net = new SimNetwork(1000, seededRandom(42))
  })
  const v4: Answer = (peer, _d, target) => net.findnodeV4(peer, target)
  const v5: Answer = (peer, distances) => net.findnodeV5(peer, distances)

  function lookupFrom(start: number, target: Uint8Array, options: LookupOptions = {}): Lookup<TestNode> {
    const me = net.peers[start]!
    return new Lookup(target, me.table.closest(target, 16), { localId: me.node.id, ...options })
  }

  for (const [name, answer] of [
    ['discv4 (closest 16)', v4],
    ['discv5 (3 distances)', v5],
  ] as const) {
    test(`This test checks that ${name} lookups find the true 16 closest nodes.`, () => {
      const r = rng(7)
      let queries = 0
      for (let i = 0; i < 12; i++) {
        const start = r.int(1000)
        // half of the targets are existing nodes (resolve), half random ids
        const target = i % 2 === 0 ? net.peers[r.int(1000)]!.node.id : randomId(r)
        const self = toHex(net.peers[start]!.node.id)
        const out = drive(lookupFrom(start, target), answer)
        const want = net
          .trueClosest(target, 17)
          .filter((h) => h !== self)
          .slice(0, 16)
        assert.deepEqual(hexes(out.closest), want, `lookup ${i}`)
        queries += out.queried.length
      }
      assert.ok(queries / 12 < 60, `mean queries per lookup ${queries / 12}`)
    })
  }

  test('This test checks that lookups route around failing and silent peers and return only live ones.', () => {
    const r = rng(9)
    const failing = new Set<string>()
    const silent = new Set<string>()
    for (const p of net.peers) {
      const x = r.int(10)
      if (x < 2) failing.add(toHex(p.node.id))
      else if (x < 3) silent.add(toHex(p.node.id))
    }
    const answer: Answer = (peer, d, target) => {
      const k = toHex(peer.id)
      return failing.has(k) ? 'fail' : silent.has(k) ? 'silent' : v5(peer, d, target)
    }
    const alive = (n: TestNode): boolean => !failing.has(toHex(n.id)) && !silent.has(toHex(n.id))
    let found = 0
    for (let i = 0; i < 8; i++) {
      let start = r.int(1000)
      while (!alive(net.peers[start]!.node)) start = r.int(1000)
      const target = randomId(r)
      const self = toHex(net.peers[start]!.node.id)
      const l = lookupFrom(start, target, { queryTimeoutMs: 300 })
      const out = drive(l, answer)
      const want = net
        .trueClosest(target, 17, alive)
        .filter((h) => h !== self)
        .slice(0, 16)
      const got = hexes(out.closest)
      assert.equal(got.length, 16)
      assert.ok(out.closest.every(alive), 'only peers that answered are returned')
      for (let j = 1; j < 16; j++) assert.ok(compareDistance(target, out.closest[j - 1]!.id, out.closest[j]!.id) < 0)
      const hits = got.filter((h) => want.includes(h)).length
      // a live node known only to dead peers cannot be found: allow one miss per lookup
      assert.ok(hits >= 15, `lookup ${i}: ${hits} of the 16 closest live nodes`)
      found += hits
      assert.ok(l.stats.failed > 0)
    }
    assert.ok(found >= 8 * 16 - 2, `found ${found} of ${8 * 16}`)
  })

  test('This test checks that the async runLookup driver gives the same result and stops on abort.', async () => {
    const target = randomId(rng(13))
    const sync = drive(lookupFrom(5, target), v5)
    let t = 0
    const calls: string[] = []
    const got = await runLookup(
      lookupFrom(5, target),
      async (peer, distances) => {
        await Promise.resolve()
        return net.findnodeV5(peer, distances)
      },
      { now: () => t++, onResult: (peer) => calls.push(toHex(peer.id)) },
    )
    assert.deepEqual(hexes(got), hexes(sync.closest))
    assert.equal(calls.length, sync.queried.length)
    const ac = new AbortController()
    let n = 0
    const partial = await runLookup(
      lookupFrom(5, target),
      async (peer, distances) => {
        if (++n === 4) ac.abort()
        return net.findnodeV5(peer, distances)
      },
      { now: () => 0, signal: ac.signal },
    )
    assert.ok(n < sync.queried.length)
    assert.ok(partial.length <= 16)
    await assert.rejects(
      runLookup(lookupFrom(5, target), async () => [], {
        now: () => 0,
        onResult: () => {
          throw new Error('callback bug')
        },
      }),
      /callback bug/,
    )
  })
})

describe('Lookup determinism', () => {
  test('This test checks that the same seeds give the same query sequence and another seed a different one.', () => {
    const run = (tableSeed: number): string[] => {
      const net = new SimNetwork(300, seededRandom(tableSeed))
      const me = net.peers[0]!
      const target = randomId(rng(21))
      const l = new Lookup(target, me.table.closest(target, 16), { localId: me.node.id })
      return drive(l, (peer, distances) => net.findnodeV5(peer, distances)).queried
    }
    const a = run(100)
    assert.deepEqual(run(100), a)
    assert.notDeepEqual(run(101), a)
  })
})

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { generatePrivateKey } from '../../../src/crypto/index.js'
import { Enr } from '../../../src/enr/index.js'
import {
  BOOTNODE_CHECK_MS,
  type DialTarget,
  DiscoveryLoop,
  type DiscoverySource,
  ETH2_ENR_KEY,
  encodeEnrForkId,
  eth2Filter,
} from '../../../src/libp2p/index.js'
import { BACKOFF_BASE_MS } from '../../../src/server/backoff.js'
import { toHex } from '../../../src/util/bytes.js'
import { VirtualClock } from '../../../src/util/clock.js'

const digest = Uint8Array.of(1, 2, 3, 4)
const eth2 = encodeEnrForkId({ forkDigest: digest, nextForkVersion: new Uint8Array(4), nextForkEpoch: 0n })

function record(opts: { tcp?: boolean; digest?: Uint8Array } = {}): Enr {
  const fork = opts.digest
    ? encodeEnrForkId({ forkDigest: opts.digest, nextForkVersion: new Uint8Array(4), nextForkEpoch: 0n })
    : eth2
  return Enr.create(generatePrivateKey(), {
    ip: '127.0.0.1',
    udp: 9000,
    ...(opts.tcp === false ? {} : { tcp: 9000 }),
    extra: { [ETH2_ENR_KEY]: fork },
  })
}

const flush = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r))
}

/** A discovery fake: yields queued records as they are pulled, counting pulls; then waits. */
class FakeDiscovery implements DiscoverySource {
  added: Enr[] = []
  pulls = 0
  queue: Enr[] = []
  lastSignal: AbortSignal | undefined
  addEnr(enr: Enr): void {
    this.added.push(enr)
  }
  async *randomNodes(signal: AbortSignal): AsyncIterable<Enr> {
    this.lastSignal = signal
    while (!signal.aborted) {
      const next = this.queue.shift()
      if (!next) return
      this.pulls++
      yield next
    }
  }
}

/** A node fake: dials resolve or reject when told; connected ones count as peers. */
class FakeNode implements DialTarget {
  connected = new Set<string>()
  dials: { enr: Enr; signal: AbortSignal; ok: () => void; fail: () => void }[] = []
  maxActive = 0
  active = 0
  auto: 'ok' | 'fail' | 'hang' = 'hang'
  peerCount(): number {
    return this.connected.size
  }
  isConnected(id: string): boolean {
    return this.connected.has(id)
  }
  dial(enr: Enr, signal: AbortSignal): Promise<void> {
    this.active++
    this.maxActive = Math.max(this.maxActive, this.active)
    return new Promise<void>((resolve, reject) => {
      let settled = false
      const end = () => {
        if (settled) return false
        settled = true
        this.active--
        return true
      }
      const ok = () => {
        if (!end()) return
        this.connected.add(toHex(enr.nodeId))
        resolve()
      }
      const fail = () => {
        if (!end()) return
        reject(new Error('unreachable'))
      }
      signal.addEventListener('abort', fail, { once: true })
      this.dials.push({ enr, signal, ok, fail })
      if (this.auto === 'ok') ok()
      if (this.auto === 'fail') fail()
    })
  }
}

describe('discovery loop', () => {
  test('This test checks lookups are pulled only while peers are below target, then resume when one leaves', async () => {
    const clock = new VirtualClock()
    const disc = new FakeDiscovery()
    const node = new FakeNode()
    node.auto = 'ok'
    disc.queue = Array.from({ length: 20 }, () => record())
    const loop = new DiscoveryLoop(disc, node, { targetPeers: 3, clock, filter: eth2Filter(digest) })
    loop.start([])
    await flush()
    assert.equal(node.peerCount(), 3)
    assert.equal(disc.pulls, 3, 'no record pulled past the target')
    clock.advance(5_000)
    await flush()
    assert.equal(disc.pulls, 3, 'still at target: no lookups')
    node.connected.delete([...node.connected][0] as string)
    loop.wake()
    await flush()
    assert.equal(node.peerCount(), 3)
    assert.equal(disc.pulls, 4)
    await loop.stop()
  })

  test('This test checks the filter drops records of another fork and records without TCP', async () => {
    const clock = new VirtualClock()
    const disc = new FakeDiscovery()
    const node = new FakeNode()
    node.auto = 'ok'
    disc.queue = [record({ tcp: false }), record({ digest: Uint8Array.of(9, 9, 9, 9) }), record()]
    const loop = new DiscoveryLoop(disc, node, { targetPeers: 5, clock, filter: eth2Filter(digest) })
    loop.start([])
    await flush()
    assert.equal(loop.stats.filtered, 2)
    assert.equal(node.dials.length, 1)
    await loop.stop()
  })

  test('This test checks dials are bounded: records are not pulled while every slot is busy', async () => {
    const clock = new VirtualClock()
    const disc = new FakeDiscovery()
    const node = new FakeNode()
    disc.queue = Array.from({ length: 30 }, () => record())
    const loop = new DiscoveryLoop(disc, node, { targetPeers: 50, clock, maxConcurrentDials: 4 })
    loop.start([])
    await flush()
    assert.equal(node.maxActive, 4)
    assert.equal(disc.pulls, 4)
    node.dials[0]?.ok()
    node.dials[1]?.fail()
    await flush()
    assert.equal(node.maxActive, 4)
    assert.equal(loop.activeDials, 4)
    assert.equal(disc.pulls, 6)
    await loop.stop()
    assert.equal(node.active, 0, 'stop aborted every dial')
    assert.ok(disc.lastSignal?.aborted)
  })

  test('This test checks a failed node is backed off (shared DialHistory) and retried after the wait', async () => {
    const clock = new VirtualClock()
    const disc = new FakeDiscovery()
    const node = new FakeNode()
    node.auto = 'fail'
    const r = record()
    disc.queue = [r, r]
    const loop = new DiscoveryLoop(disc, node, { targetPeers: 5, clock })
    loop.start([])
    await flush()
    assert.equal(node.dials.length, 1)
    assert.equal(loop.stats.skipped, 1)
    assert.equal(loop.history.canDial(toHex(r.nodeId), clock.now()), false)
    clock.advance(BACKOFF_BASE_MS.unreachable)
    disc.queue = [r]
    loop.wake()
    await flush()
    assert.equal(node.dials.length, 2)
    await loop.stop()
  })

  test('This test checks the warning when no bootnode is reached within 30 s', async () => {
    const clock = new VirtualClock()
    const disc = new FakeDiscovery()
    const node = new FakeNode()
    node.auto = 'fail'
    let warned = 0
    const boot = record()
    const loop = new DiscoveryLoop(disc, node, { targetPeers: 5, clock, onNoBootnode: () => warned++ })
    loop.start([boot])
    await flush()
    assert.deepEqual(disc.added, [boot])
    assert.equal(node.dials.length, 1, 'a bootnode with TCP is dialed directly')
    clock.advance(BOOTNODE_CHECK_MS - 1)
    await flush()
    assert.equal(warned, 0)
    clock.advance(1)
    await flush()
    assert.equal(warned, 1)
    assert.equal(loop.bootnodeReached, false)
    await loop.stop()
  })

  test('This test checks no warning once a bootnode was connected', async () => {
    const clock = new VirtualClock()
    const disc = new FakeDiscovery()
    const node = new FakeNode()
    node.auto = 'ok'
    let warned = 0
    const loop = new DiscoveryLoop(disc, node, { targetPeers: 5, clock, onNoBootnode: () => warned++ })
    loop.start([record()])
    await flush()
    clock.advance(BOOTNODE_CHECK_MS)
    await flush()
    assert.equal(warned, 0)
    assert.ok(loop.bootnodeReached)
    await loop.stop()
  })

  test('This test checks stop() cancels a pending lookup and the bootnode timer', async () => {
    const clock = new VirtualClock()
    const node = new FakeNode()
    let ended = false
    const hanging: DiscoverySource = {
      addEnr() {},
      async *randomNodes(signal) {
        await new Promise((r) => signal.addEventListener('abort', r, { once: true }))
        ended = true
      },
    }
    let warned = 0
    const loop = new DiscoveryLoop(hanging, node, { targetPeers: 5, clock, onNoBootnode: () => warned++ })
    loop.start([record({ tcp: false })])
    await flush()
    await loop.stop()
    assert.ok(ended)
    clock.advance(BOOTNODE_CHECK_MS * 2)
    assert.equal(warned, 0)
    assert.equal(clock.pending, 0, 'no timers left')
  })
})

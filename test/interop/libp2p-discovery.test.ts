import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { generatePrivateKey } from '../../src/crypto/index.js'
import { Enr } from '../../src/enr/index.js'
import { type DiscoverySource, ETH2_ENR_KEY, encodeEnrForkId, eth2Filter, Libp2pNode } from '../../src/libp2p/index.js'
import { defineProtocol, envelopeIds, ProtocolHost, request, uint64Codec } from '../../src/protocol/index.js'
import { toHex } from '../../src/util/bytes.js'
import { until } from '../unit/libp2p/plain.js'

const digest = Uint8Array.of(0xde, 0xad, 0xbe, 0xef)
const fork = (d: Uint8Array) =>
  encodeEnrForkId({ forkDigest: d, nextForkVersion: new Uint8Array(4), nextForkEpoch: 0n })

const ping = defineProtocol({
  name: 'ping',
  version: 1,
  length: 2,
  requestIds: envelopeIds,
  requests: { ping: request(0x00, uint64Codec, { response: 0x01, codec: uint64Codec }) },
})

async function node(forkDigest = digest): Promise<Libp2pNode> {
  const n = await Libp2pNode.create({
    privateKey: generatePrivateKey(),
    listen: { ip: '127.0.0.1' },
    udpPort: 9000,
    enrExtra: { [ETH2_ENR_KEY]: fork(forkDigest) },
    protocols: [{ host: new ProtocolHost(ping).handle(ping.requests.ping, (x) => x + 1n) }],
    inboundPerHostPerSecond: 100,
  })
  await n.start()
  return n
}

/** Yields the given records on every lookup, counting lookups. */
class ListDiscovery implements DiscoverySource {
  added: Enr[] = []
  lookups = 0
  constructor(private readonly records: Enr[]) {}
  addEnr(enr: Enr): void {
    this.added.push(enr)
  }
  async *randomNodes(signal: AbortSignal): AsyncIterable<Enr> {
    this.lookups++
    for (const r of this.records) {
      if (signal.aborted) return
      yield r
    }
  }
}

describe('connectToNetwork over real libp2p nodes', () => {
  test('This test checks bootnodes are dialed, records filtered, and dials stop at the peer target', async () => {
    const hub = await node()
    const same = [await node(), await node(), await node()]
    const other = await node(Uint8Array.of(1, 1, 1, 1))
    const all = [hub, ...same, other]
    try {
      const bogus = Enr.create(generatePrivateKey(), {
        ip: '0.0.0.0',
        tcp: 9000,
        extra: { [ETH2_ENR_KEY]: fork(digest) },
      })
      const noTcp = Enr.create(generatePrivateKey(), {
        ip: '127.0.0.1',
        udp: 9000,
        extra: { [ETH2_ENR_KEY]: fork(digest) },
      })
      const disc = new ListDiscovery([other.enr, bogus, noTcp, same[1]!.enr, same[2]!.enr])
      const loop = hub.connectToNetwork([same[0]!.enr], disc, { targetPeers: 2, filter: eth2Filter(digest) })
      assert.deepEqual(disc.added, [same[0]!.enr])
      await until(() => hub.peerCount() === 2, 5000, 'two peers')
      await new Promise((r) => setTimeout(r, 300))
      assert.equal(hub.peerCount(), 2, 'no dial past the target')
      assert.ok(loop.bootnodeReached)
      assert.ok(hub.isConnected(toHex(same[0]!.enr.nodeId)), 'the bootnode was dialed directly')
      assert.ok(!hub.isConnected(toHex(other.enr.nodeId)), 'another fork is never dialed')
      assert.equal(loop.stats.filtered, 3, 'other fork, bogus address, no TCP')
      const lookups = disc.lookups
      await new Promise((r) => setTimeout(r, 1200))
      assert.equal(disc.lookups, lookups, 'no lookups while at target')
      // a peer leaves: the loop looks up again and fills the slot
      const gone = hub.connectedPeers()[0]!
      await hub.hangUp(gone)
      await until(() => disc.lookups > lookups, 3000, 'a new lookup')
      await until(() => hub.peerCount() === 2, 5000, 'the slot refilled')
      // the sessions run over the new connections
      for (const p of hub.connectedPeers()) await until(() => hub.sessionsOf(p).includes('ping/1'), 3000, 'session')
    } finally {
      for (const n of all) await n.stop()
    }
  })
})

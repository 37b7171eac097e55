// Ten Eth2-style eth-p2p nodes on 127.0.0.1 (discv5 + js-libp2p), joined through one bootnode ENR.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { generatePrivateKey } from '../../src/crypto/index.js'
import type { Enr } from '../../src/enr/index.js'
import {
  ATTNETS_ENR_KEY,
  createEth2Node,
  type EnrForkId,
  ETH2_ENR_KEY,
  type Eth2Node,
  FAR_FUTURE_EPOCH,
  forkStatusHost,
  genesisStatus,
} from '../../src/libp2p/index.js'
import { BACKOFF_BASE_MS, DialHistory } from '../../src/server/backoff.js'
import { toHex } from '../../src/util/bytes.js'
import { until } from '../unit/libp2p/plain.js'

const N = 10
const DIGEST = Uint8Array.of(0x4a, 0x26, 0xc5, 0x8b)
const OTHER_DIGEST = Uint8Array.of(0x01, 0x02, 0x03, 0x04)
const TOPIC = `/eth2/${toHex(DIGEST)}/beacon_block/ssz_snappy`
const forkId = (forkDigest: Uint8Array): EnrForkId => ({
  forkDigest,
  nextForkVersion: new Uint8Array(4),
  nextForkEpoch: FAR_FUTURE_EPOCH,
})

interface Member {
  node: Eth2Node
  host: ReturnType<typeof forkStatusHost>
  got: Uint8Array[]
}

/** Socket handles of this process (TCP servers and sockets, UDP sockets). */
function sockets(): number {
  return process.getActiveResourcesInfo().filter((r) => /TCP|UDP|Pipe/.test(r)).length
}

async function member(digest: Uint8Array, bootnodes: Enr[], targetPeers: number): Promise<Member> {
  const host = forkStatusHost(genesisStatus(digest))
  const node = await createEth2Node({
    privateKey: generatePrivateKey(),
    host: '127.0.0.1',
    tcpPort: 0,
    bootnodes,
    targetPeers,
    forkId: forkId(digest),
    attnets: new Uint8Array(8),
    protocols: [{ host, encoding: 'ssz_snappy' }],
    gossip: { gossipsub: { heartbeatInterval: 200 } },
    // on a busy test machine a dial or handshake can time out; retry within the test's time, not in 35 s
    history: new DialHistory(undefined, { ...BACKOFF_BASE_MS, unreachable: 2_000, disconnected: 1_000 }),
    // all nodes dial from 127.0.0.1: js-libp2p's per-host inbound rate (5/s) would refuse some
    inboundPerHostPerSecond: 1000,
  })
  const got: Uint8Array[] = []
  node.libp2p.gossip.subscribe(TOPIC, (data) => got.push(data))
  return { node, host, got }
}

describe('an Eth2-style network: discv5 finds, libp2p connects, protocols and gossip run', () => {
  const members: Member[] = []
  let foreign: Member
  let baseline = 0

  before(async () => {
    baseline = sockets()
    // The bootnode dials nobody (target 0): every other link must come from discv5 lookups.
    const boot = await member(DIGEST, [], 0)
    members.push(boot)
    foreign = await member(OTHER_DIGEST, [boot.node.enr], 0)
    for (let i = 1; i < N; i++) members.push(await member(DIGEST, [boot.node.enr], N - 1))
  })

  after(async () => {
    await Promise.all([...members, foreign].map((m) => m.node.stop()))
    // closed sockets leave the handle list on the next turns of the loop
    await until(() => sockets() <= baseline, 3000, 'every socket closed').catch(() => {})
    assert.ok(sockets() <= baseline, `open socket handles after stop: ${process.getActiveResourcesInfo().join(', ')}`)
  })

  test('This test checks every record advertises the libp2p TCP port, the discv5 UDP port and the eth2 entries', () => {
    for (const { node } of members) {
      const enr = node.enr
      assert.equal(enr.ip, '127.0.0.1')
      assert.equal(enr.tcp, node.tcpPort)
      assert.equal(enr.udp, node.udpPort)
      assert.ok(enr.get(ETH2_ENR_KEY))
      assert.equal(enr.get(ATTNETS_ENR_KEY)?.length, 8)
      assert.ok(node.multiaddrs[0]?.toString().endsWith(`/tcp/${node.tcpPort}/p2p/${node.peerId.toString()}`))
    }
  })

  test('This test checks the nodes find each other by discv5 and connect in a full mesh with the handshake done', async () => {
    const ids = members.map((m) => m.node.enr.nodeIdHex)
    await until(
      () =>
        members.every((m, i) => {
          const peers = m.node.connectedPeers()
          return (
            peers.length >= N - 1 &&
            ids.every((id, j) => j === i || m.node.libp2p.isConnected(id)) &&
            peers.every((p) => m.node.peer(p, m.host)?.ready === true)
          )
        }),
      40_000,
      'a full mesh with fork-status handshakes',
    ).catch((e: Error) => {
      const state = members.map((m) => ({
        peers: m.node.peerCount(),
        table: m.node.discv5.table.size,
        ...m.node.loop.stats,
      }))
      throw new Error(`${e.message}: ${JSON.stringify(state)}`)
    })
    for (const m of members) {
      // the joining nodes learnt others than the bootnode from discv5 (their only source of records)
      if (m !== members[0]) assert.ok(m.node.discv5.table.size >= 3, `table of ${m.node.discv5.table.size}`)
      for (const p of m.node.connectedPeers()) {
        const theirs = m.node.peer(p, m.host)?.handshake
        assert.deepEqual(theirs?.forkDigest, DIGEST)
      }
      assert.ok(m.node.handshakes >= N - 1)
      assert.ok(!m.node.libp2p.isConnected(foreign.node.enr.nodeIdHex), 'another fork is never dialed')
    }
    const stats = members.slice(1).map((m) => m.node.loop.stats)
    assert.ok(
      stats.every((s) => s.found > 0),
      'every joining node pulled records from discv5',
    )
    // 36 links between joining nodes, each dialed by one side or both: the bootnode dialed none
    assert.equal(members[0]!.node.loop.stats.dials, 0)
    assert.ok(
      stats.reduce((n, s) => n + s.dials, 0) >= N - 1 + ((N - 1) * (N - 2)) / 2,
      'dials to the bootnode and between the joining nodes',
    )
    // the other fork's node is found by discv5 like the rest, and never dialed
    const foreignId = foreign.node.enr.nodeId
    await until(() => members.slice(1).some((m) => m.node.discv5.table.has(foreignId)), 10_000, 'the foreign record')
    assert.equal(foreign.node.peerCount(), 0)
  })

  test('This test checks a gossip message published by one node reaches all the others, once', async () => {
    const publisher = members[3]!
    await until(() => publisher.node.libp2p.gossip.peers(TOPIC).length >= N - 1, 10_000, 'subscriptions known')
    const payload = new TextEncoder().encode('block 1')
    await publisher.node.libp2p.gossip.publish(TOPIC, payload)
    const others = members.filter((m) => m !== publisher)
    await until(() => others.every((m) => m.got.length > 0), 10_000, 'the message everywhere')
    await new Promise((r) => setTimeout(r, 500))
    for (const m of others) assert.deepEqual(m.got.map(toHex), [toHex(payload)])
    assert.equal(publisher.got.length, 0, 'no echo to the publisher')
    assert.equal(foreign.got.length, 0)
  })

  test('This test checks an ENR update goes through discv5 and a peer fetches the new record', async () => {
    const m = members[5]!
    const before = m.node.enr.seq
    const updated = m.node.updateEnr({ [ATTNETS_ENR_KEY]: Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 0) })
    assert.equal(updated.seq, before + 1n)
    assert.equal(m.node.libp2p.enr.seq, updated.seq, 'libp2p follows discv5')
    // a busy machine may drop a datagram: a few tries, each bounded
    let fetched: Enr | undefined
    for (let i = 0; i < 5 && !fetched; i++)
      fetched = await members[6]!.node.discv5
        .requestEnr(m.node.enr, { signal: AbortSignal.timeout(5000) })
        .catch(() => undefined)
    assert.equal(fetched?.seq, updated.seq)
    assert.deepEqual(fetched?.get(ATTNETS_ENR_KEY), Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 0))
  })
})

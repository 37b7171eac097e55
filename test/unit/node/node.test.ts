import assert from 'node:assert/strict'
import { once } from 'node:events'
import { describe, test } from 'node:test'
import { createNode, type EthP2pNode } from '../../../src/node/node.js'
import { devnet, eth69 } from '../../../src/protocols/eth/index.js'
import { DisconnectReason } from '../../../src/rlpx/disconnect.js'
import { equalBytes } from '../../../src/util/bytes.js'

const base = { host: '127.0.0.1', tcpPort: 0, discovery: [] as const, chain: devnet }

async function withNodes(n: number, opts: Record<string, unknown>[], fn: (nodes: EthP2pNode[]) => Promise<void>) {
  const nodes: EthP2pNode[] = []
  try {
    for (let i = 0; i < n; i++) nodes.push(await createNode({ ...base, ...(opts[i] ?? {}) }))
    await fn(nodes)
  } finally {
    await Promise.all(nodes.map((x) => x.stop()))
  }
}

function waitPeers(node: EthP2pNode, count: number, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`only ${node.peers.length} peers after ${ms} ms`)), ms)
    const check = () => {
      if (node.peers.length >= count) {
        clearTimeout(t)
        node.off('peer:added', check)
        resolve()
      }
    }
    node.on('peer:added', check)
    check()
  })
}

describe('node: server, dialer, checks', () => {
  test('a dial runs the eth Status handshake; peers appear on both sides', async () => {
    await withNodes(2, [], async ([a, b]) => {
      const peer = await a!.connect(b!.enode)
      assert.equal(peer.direction, 'outbound')
      const eth = peer.protocol(eth69)
      assert.ok(eth?.ready)
      assert.ok(equalBytes(eth.handshake.genesis, devnet.genesisHash))
      await waitPeers(b!, 1)
      assert.equal(b!.peers[0]?.direction, 'inbound')
    })
  })

  test('a node without a chain answers eth requests with empty lists', async () => {
    await withNodes(2, [], async ([a, b]) => {
      const eth = (await a!.connect(b!.enode)).protocol(eth69)!
      const headers = await eth.request(eth69.requests.getBlockHeaders, {
        origin: 0n,
        limit: 1n,
        skip: 0n,
        reverse: false,
      })
      assert.deepEqual(headers, [])
      assert.deepEqual(await eth.request(eth69.requests.getReceipts, [new Uint8Array(32)]), [])
    })
  })

  test('self-dials and duplicate connections are refused', async () => {
    await withNodes(2, [], async ([a, b]) => {
      await assert.rejects(a!.connect(a!.enode))
      await a!.connect(b!.enode)
      await waitPeers(b!, 1)
      await assert.rejects(a!.connect(b!.enode))
      // b dialing a while connected: refused by b's own check
      await assert.rejects(b!.connect(a!.enode))
      assert.equal(a!.peers.length, 1)
    })
  })

  test('--max-peers holds (with the dial ratio), trusted peers get in past it', async () => {
    // maxPeers 2: one outbound slot (go-ethereum maxDialedConns, at least 1), one inbound.
    await withNodes(4, [{ maxPeers: 2 }], async ([hub, x, y, z]) => {
      await x!.connect(hub!.enode)
      await waitPeers(hub!, 1)
      await assert.rejects(y!.connect(hub!.enode), /too many peers/)
      assert.equal(hub!.peers.length, 1)
      const hub2 = await createNode({ ...base, maxPeers: 2, trustedNodes: [z!.enode] })
      try {
        await x!.connect(hub2.enode)
        await waitPeers(hub2, 1)
        await z!.connect(hub2.enode)
        await waitPeers(hub2, 2)
        assert.ok(hub2.peers.some((p) => p.trusted))
      } finally {
        await hub2.stop()
      }
    })
  })

  test('static peers are redialed after a disconnect', async () => {
    await withNodes(2, [], async ([a, b]) => {
      a!.addStatic(b!.enode)
      await waitPeers(a!, 1)
      const p = a!.peers[0]!
      await p.disconnect(DisconnectReason.DisconnectRequested)
      // the backoff for a clean disconnect is short (5 s); the static check runs every second
      await new Promise((r) => setTimeout(r, 200))
      await waitPeers(a!, 1, 9000)
    })
  })

  test('net-restrict refuses outsiders', async () => {
    await withNodes(2, [{ netRestrict: '10.0.0.0/8' }], async ([a, b]) => {
      await assert.rejects(b!.connect(a!.enode))
      await assert.rejects(a!.connect(b!.enode), /netrestrict/)
      assert.equal(a!.peers.length, 0)
    })
  })

  test('stop sends ClientQuitting to every peer', async () => {
    await withNodes(2, [], async ([a, b]) => {
      await a!.connect(b!.enode)
      await waitPeers(b!, 1)
      const removed = once(a!, 'peer:removed')
      await b!.stop()
      const [ev] = await removed
      assert.equal(ev.reason, DisconnectReason.ClientQuitting)
      assert.equal(ev.by, 'remote')
    })
  })
})

describe('published bootnodes', () => {
  test('every bootnode go-ethereum v1.17.10 ships for mainnet, sepolia and hoodi parses and verifies', async () => {
    const { BOOTNODES, parseNodeList } = await import('../../../src/index.js')
    for (const net of ['mainnet', 'sepolia', 'hoodi']) {
      const list = BOOTNODES[net] ?? []
      assert.ok(list.length >= 5, net)
      const refs = parseNodeList(list)
      assert.equal(refs.length, list.length)
      for (const r of refs) assert.ok(r.ip && r.udp > 0, `${net}: ${r.ip}:${r.udp}`)
    }
  })
})

describe('eth dial filter', () => {
  test('candidates are filtered by the fork id in their eth entry', async () => {
    const { Enr, generatePrivateKey, mainnet, parseNodeRef } = await import('../../../src/index.js')
    const { ethForkFilter } = await import('../../../src/node/node.js')
    const { computeForkId, forkIdToRlp } = await import('../../../src/protocols/eth/forkid.js')
    const { toDialCandidate } = await import('../../../src/node/bootnodes.js')
    const genesis = (c: typeof devnet) => ({ number: 0n, time: c.genesisTime })
    const make = (extra?: Record<string, unknown>) =>
      toDialCandidate(
        parseNodeRef(
          Enr.create(generatePrivateKey(), {
            ip: '127.0.0.1',
            tcp: 1,
            udp: 1,
            ...(extra ? { extra: extra as never } : {}),
          }).encodeText(),
        ),
      )
    const filter = ethForkFilter(devnet)
    assert.equal(filter(make({ eth: [forkIdToRlp(computeForkId(devnet, genesis(devnet)))] })), true)
    assert.equal(filter(make({ eth: [forkIdToRlp(computeForkId(mainnet, genesis(mainnet)))] })), false)
    assert.equal(filter(make()), false, 'a record without eth is not an eth node')
    const { enr: _, ...noRecord } = make()
    assert.equal(filter(noRecord), true, 'an enode-only candidate is judged by the Status handshake')
  })
})

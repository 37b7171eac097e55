// Issue 8's network proof: 20 nodes in one process and 3 `eth-p2p node` processes share one bootnode;
// within 30 s each has at least 5 peers; after the bootnode stops the others keep their peers and find new ones.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createNode, type EthP2pNode } from '../../src/node/node.js'
import { devnet } from '../../src/protocols/eth/index.js'
import { type CliProcess, runProcess } from '../helpers/process.js'

const base = { host: '127.0.0.1', tcpPort: 0, udpPort: 0, chain: devnet, maxPeers: 25 }

test('20 in-process nodes and 3 processes around one bootnode', async () => {
  const nodes: EthP2pNode[] = []
  const procs: CliProcess[] = []
  const peersOf = new Map<CliProcess, Set<string>>()
  try {
    const boot = await createNode({ ...base, maxPeers: 50 })
    const bootnodes = [boot.enr.encodeText()]
    for (let i = 0; i < 20; i++) nodes.push(await createNode({ ...base, bootnodes }))
    for (let i = 0; i < 3; i++) {
      const p = runProcess([
        'node',
        '--port',
        '0',
        '--discport',
        '0',
        '--network',
        'devnet',
        '--max-peers',
        '25',
        '--bootnodes',
        bootnodes[0] as string,
      ])
      procs.push(p)
      peersOf.set(p, new Set())
    }
    for (const p of procs) await p.waitFor((o) => o.event === 'ready', 15_000)
    const count = (p: CliProcess) => {
      const set = new Set<string>()
      for (const o of p.lines) {
        if (o.event === 'peer:added') set.add(o.id as string)
        if (o.event === 'peer:removed') set.delete(o.id as string)
      }
      peersOf.set(p, set)
      return set.size
    }
    const everyone = () => nodes.every((n) => n.peers.length >= 5) && procs.every((p) => count(p) >= 5)
    const deadline = Date.now() + 30_000
    while (!everyone() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250))
    const summary = `${nodes.map((n) => n.peers.length).join(',')} | ${procs.map(count).join(',')}`
    assert.ok(everyone(), `not every node has 5 peers within 30 s: ${summary}`)

    // The bootnode goes away: the others keep their peers and still find new ones.
    const bootId = boot.enr.nodeIdHex
    const before = new Map(nodes.map((n) => [n, new Set(n.peers.map((p) => p.idHex))]))
    await boot.stop()
    const newFound = () => nodes.some((n) => n.peers.some((p) => !before.get(n)?.has(p.idHex)))
    const end2 = Date.now() + 30_000
    // free a slot on some nodes so they have room to find someone new
    for (const n of nodes.slice(0, 5)) await n.peers.find((p) => p.idHex !== bootId)?.disconnect()
    while (!newFound() && Date.now() < end2) await new Promise((r) => setTimeout(r, 250))
    assert.ok(newFound(), 'no node found a new peer after the bootnode stopped')
    assert.ok(
      nodes.every((n) => n.peers.length >= 3),
      `peers after the bootnode stopped: ${nodes.map((n) => n.peers.length).join(',')}`,
    )
  } finally {
    await Promise.all([...nodes.map((n) => n.stop()), ...procs.map((p) => p.stop())])
  }
})

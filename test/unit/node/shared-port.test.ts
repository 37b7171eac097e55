// discv4 and discv5 on one UDP port: a discv4-only and a discv5-only peer discover through the same node at once.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createNode, type EthP2pNode } from '../../../src/node/node.js'
import { devnet } from '../../../src/protocols/eth/index.js'

const base = { host: '127.0.0.1', tcpPort: 0, udpPort: 0, chain: devnet }

async function until(cond: () => boolean, ms: number, what: string) {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

test('one port serves a discv4-only and a discv5-only network at the same time', async () => {
  const nodes: EthP2pNode[] = []
  try {
    const hub = await createNode({ ...base, discovery: ['v4', 'v5'] })
    nodes.push(hub)
    const v4 = { ...base, discovery: ['v4'] as const, bootnodes: [hub.enode] }
    const v5 = { ...base, discovery: ['v5'] as const, bootnodes: [hub.enr.encodeText()] }
    const [a, c] = [await createNode(v4), await createNode(v4)]
    const [b, d] = [await createNode(v5), await createNode(v5)]
    nodes.push(a, b, c, d)
    await until(
      () =>
        a.discv4!.table.has(c.nodeId) &&
        c.discv4!.table.has(a.nodeId) &&
        b.discv5!.table.has(d.nodeId) &&
        d.discv5!.table.has(b.nodeId),
      30_000,
      'each single-protocol pair found its partner through the hub',
    )
    assert.ok(hub.discv4!.table.has(a.nodeId) && hub.discv5!.table.has(b.nodeId))
    assert.equal(a.discv5, undefined)
    assert.equal(b.discv4, undefined)
  } finally {
    await Promise.all(nodes.map((n) => n.stop()))
  }
})

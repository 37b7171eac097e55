// Two nodes dialing each other at once (mutual static peers): exactly one connection must survive.
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { describe, test } from 'node:test'
import { generatePrivateKey, publicKey64 } from '../../../src/crypto/secp256k1.js'
import { formatEnode } from '../../../src/enr/enode.js'
import { createNode, type EthP2pNode } from '../../../src/node/node.js'
import { devnet } from '../../../src/protocols/eth/index.js'
import { compareBytes } from '../../../src/util/bytes.js'

const base = { host: '127.0.0.1', discovery: [] as const, chain: devnet }

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

function waitPeers(node: EthP2pNode, count: number, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${node.peers.length} peers after ${ms} ms`)), ms)
    const check = () => {
      if (node.peers.length < count) return
      clearTimeout(t)
      node.off('peer:added', check)
      resolve()
    }
    node.on('peer:added', check)
    check()
  })
}

/** Both sides keep the same single connection: the one dialed by the node with the smaller id. */
function assertOneConnection(a: EthP2pNode, b: EthP2pNode): void {
  assert.equal(a.peers.length, 1)
  assert.equal(b.peers.length, 1)
  const aDialed = a.peers[0]?.direction === 'outbound'
  assert.equal(b.peers[0]?.direction, aDialed ? 'inbound' : 'outbound')
  assert.equal(aDialed, compareBytes(a.nodeId, b.nodeId) < 0)
}

describe('simultaneous dials', () => {
  test('a dials b while b dials a: one connection survives on both sides', async () => {
    const [a, b] = await Promise.all([createNode({ ...base, tcpPort: 0 }), createNode({ ...base, tcpPort: 0 })])
    try {
      const results = await Promise.allSettled([a.connect(b.enode), b.connect(a.enode)])
      assert.ok(
        results.some((r) => r.status === 'fulfilled'),
        results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')).join('; '),
      )
      await waitPeers(a, 1, 3000)
      await waitPeers(b, 1, 3000)
      await new Promise((r) => setTimeout(r, 200)) // let the losing connection finish closing
      assertOneConnection(a, b)
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
  })

  test('mutual static peers started together connect on the first attempt', async () => {
    const [ka, kb] = [generatePrivateKey(), generatePrivateKey()]
    const [pa, pb] = [await freePort(), await freePort()]
    const enode = (k: Uint8Array, port: number) =>
      formatEnode({ publicKey: publicKey64(k), ip: '127.0.0.1', tcp: port, udp: port })
    const [a, b] = await Promise.all([
      createNode({ ...base, privateKey: ka, tcpPort: pa, staticNodes: [enode(kb, pb)] }),
      createNode({ ...base, privateKey: kb, tcpPort: pb, staticNodes: [enode(ka, pa)] }),
    ])
    try {
      // A failed first attempt would wait out a 5 s backoff, in step on both sides.
      await waitPeers(a, 1, 4000)
      await waitPeers(b, 1, 4000)
      await new Promise((r) => setTimeout(r, 200))
      assertOneConnection(a, b)
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
  })
})

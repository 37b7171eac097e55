// 200 idle TCP connections to one node, then a real peer dials it: the peer gets in within 10 s.
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { test } from 'node:test'
import { createNode } from '../../../src/node/node.js'
import { devnet } from '../../../src/protocols/eth/index.js'

test('200 idle connections do not keep a real peer out', async () => {
  const base = { host: '127.0.0.1', tcpPort: 0, discovery: [] as const, chain: devnet }
  const target = await createNode(base)
  const peer = await createNode(base)
  const idle: Socket[] = []
  try {
    await Promise.all(
      Array.from(
        { length: 200 },
        () =>
          new Promise<void>((resolve) => {
            const s = connect(target.tcpPort, '127.0.0.1')
            s.on('error', () => {})
            s.once('connect', () => resolve())
            s.once('close', () => resolve())
            idle.push(s)
          }),
      ),
    )
    const start = Date.now()
    let connected = false
    while (!connected && Date.now() - start < 10_000) {
      try {
        await peer.connect(target.enode, { signal: AbortSignal.timeout(6000) })
        connected = true
      } catch {
        await new Promise((r) => setTimeout(r, 250))
      }
    }
    assert.ok(connected, 'the real peer did not get in within 10 s')
    assert.ok(Date.now() - start < 10_000)
    assert.equal(target.peers.length, 1)
  } finally {
    for (const s of idle) s.destroy()
    await Promise.all([target.stop(), peer.stop()])
  }
})

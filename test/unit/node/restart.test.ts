// Restart with the same --datadir: same node id, higher ENR sequence number, tables seeded from the database.
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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

test('a restarted node keeps its id, bumps its ENR seq and seeds its tables from the database', async () => {
  const datadir = mkdtempSync(join(tmpdir(), 'eth-p2p-restart-'))
  const others: EthP2pNode[] = []
  try {
    const boot = await createNode(base)
    others.push(boot)
    others.push(await createNode({ ...base, bootnodes: [boot.enr.encodeText()] }))
    const first = await createNode({ ...base, datadir, bootnodes: [boot.enr.encodeText()] })
    const id = first.enr.nodeIdHex
    const seq = first.enr.seq
    await until(() => (first.discv5?.table.liveSize() ?? 0) >= 2, 20_000, 'first run fills its discv5 table')
    await first.stop()

    const second = await createNode({ ...base, datadir })
    try {
      assert.equal(second.enr.nodeIdHex, id)
      assert.ok(second.enr.seq > seq, `seq ${second.enr.seq} after ${seq}`)
      await until(() => (second.discv5?.table.size ?? 0) >= 1, 5_000, 'second run seeded without bootnodes')
      await until(() => second.peers.length >= 1, 20_000, 'second run connects to a seeded node')
    } finally {
      await second.stop()
    }
  } finally {
    await Promise.all(others.map((n) => n.stop()))
  }
})

import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { Enr, generatePrivateKey } from '../../../src/index.js'
import { NodeDb, NodeDbError } from '../../../src/server/nodedb.js'

const HOUR = 3600_000
const tmp = () => mkdtempSync(join(tmpdir(), 'eth-p2p-db-'))

describe('node database', () => {
  test('key and sequence number survive a restart; seq never goes down', async () => {
    const dir = tmp()
    let db = await NodeDb.open(dir)
    const key = await db.loadOrCreateKey()
    await db.setLocalSeq(5n)
    await db.setLocalSeq(3n)
    await db.close()
    db = await NodeDb.open(dir)
    assert.deepEqual(await db.loadOrCreateKey(), key)
    assert.equal(await db.localSeq(), 5n)
    await db.close()
  })

  test('nodes: newest record kept, seeds are recent responders, expiry after 24 h', async () => {
    const db = await NodeDb.open(tmp())
    const now = 10_000 * HOUR
    const keys = [generatePrivateKey(), generatePrivateKey(), generatePrivateKey()]
    const enrs = keys.map((k, i) => Enr.create(k, { ip: '10.0.0.1', udp: 30300 + i, seq: 2 }))
    await db.putNode(enrs[0]!, { lastPong: now - HOUR }, now - HOUR)
    await db.putNode(enrs[1]!, { lastPong: now - 6 * 24 * HOUR }, now - 2 * HOUR)
    await db.putNode(enrs[2]!, {}, now - 30 * HOUR)
    // an older record does not replace a newer one
    await db.putNode(Enr.create(keys[0]!, { ip: '10.0.0.9', udp: 1, seq: 1 }), {}, now)
    assert.equal((await db.getNode(enrs[0]!.nodeId))?.enr.ip, '10.0.0.1')
    const seeds = await db.seedNodes(now)
    assert.deepEqual(
      seeds.map((s) => s.enr.nodeIdHex),
      [enrs[0]!.nodeIdHex],
    )
    assert.equal(await db.expire(now), 1)
    assert.equal(await db.getNode(enrs[2]!.nodeId), undefined)
    await db.close()
  })

  test('a locked or unusable database is a clear error naming the path', async () => {
    const dir = tmp()
    const db = await NodeDb.open(dir)
    await assert.rejects(
      NodeDb.open(dir),
      (e: unknown) => e instanceof NodeDbError && e.message.includes(join(dir, 'nodes')),
    )
    await db.close()
    const file = join(tmp(), 'file')
    writeFileSync(file, 'x')
    await assert.rejects(NodeDb.open(file), NodeDbError)
  })
})

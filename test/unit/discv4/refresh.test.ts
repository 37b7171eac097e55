import assert from 'node:assert/strict'
import { test } from 'node:test'
import { logDistance } from '../../../src/crypto/index.js'
import { type Discv4Service, REFRESH_RETRY_MS } from '../../../src/discv4/index.js'
import { BUCKET_SIZE } from '../../../src/kademlia/index.js'
import { Net, nodeOf } from './net.js'

/** The most members `s`'s table can hold with these other services: Σ over distances min(k, nodes there). */
function capacity(s: Discv4Service, all: Discv4Service[]): number {
  const per = new Map<number, number>()
  for (const o of all) {
    if (o === s) continue
    const d = logDistance(s.localId, o.localId)
    per.set(d, (per.get(d) ?? 0) + 1)
  }
  let c = 0
  for (const v of per.values()) c += Math.min(BUCKET_SIZE, v)
  return c
}

test('nodes that started first learn the nodes that joined after their first refresh, within seconds', async () => {
  const net = new Net()
  const boot = nodeOf(0)
  const make = (i: number) => net.service(i, { bootnodes: i === 0 ? [] : [boot] })
  const early = Array.from({ length: 20 }, (_, i) => make(i))
  for (const s of early) s.start()
  await net.run(4000)
  assert.ok(
    early.every((s) => s.table.size >= BUCKET_SIZE),
    'past the small-table retries',
  )
  const late = Array.from({ length: 16 }, (_, i) => make(20 + i))
  for (const s of late) s.start()
  await net.run(2 * REFRESH_RETRY_MS)
  const all = [...early, ...late]
  const short = early.filter((s) => s.table.size < capacity(s, all)).map((s) => `${s.table.size}/${capacity(s, all)}`)
  assert.deepEqual(short, [], 'early nodes below their capacity')
  for (const s of all) await s.close()
  assert.equal(net.clock.pending, 0)
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { tableCapacity } from '../../../src/kademlia/index.js'

test('tableCapacity: per distance min(k, nodes there); self and duplicates of self count nothing', () => {
  const self = new Uint8Array(32)
  const at = (distance: number, salt: number) => {
    const id = new Uint8Array(32)
    const bit = distance - 1
    id[31 - (bit >> 3)] = 1 << (bit & 7)
    if (distance > 1) id[31] = (id[31] as number) | (salt % (1 << Math.min(7, bit)))
    return id
  }
  const others = [
    ...Array.from({ length: 20 }, (_, i) => at(256, i)), // 20 at distance 256: 16 fit
    ...Array.from({ length: 3 }, (_, i) => at(200, i)), // 3 at distance 200
    self,
  ]
  assert.equal(tableCapacity(self, others), 16 + 3)
  assert.equal(tableCapacity(self, others, 2), 2 + 2)
  assert.equal(tableCapacity(self, []), 0)
})

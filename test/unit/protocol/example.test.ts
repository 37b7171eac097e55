import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { ping, runPingExample } from '../../../examples/ping-protocol.js'
import { VECTORS_DIR } from '../../helpers/vectors.js'

test('examples/ping-protocol.ts runs between two nodes: greeting, ping/pong, goodbye', async () => {
  assert.deepEqual(await runPingExample(), { greeting: 'hello from a', pong: 42n, closedBy: 'server' })
  assert.equal(ping.id, 'ping/1')
})

test('the example stays under 40 lines', () => {
  const src = readFileSync(join(VECTORS_DIR, '..', '..', 'examples', 'ping-protocol.ts'), 'utf8')
  assert.ok(src.trimEnd().split('\n').length < 40)
})

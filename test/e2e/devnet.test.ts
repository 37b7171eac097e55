// `npm start` runs `eth-p2p devnet`: within 30 s every node has peers; the dashboard answers; Ctrl-C ends it cleanly.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runProcess } from '../helpers/process.js'

test('devnet: 16 nodes on 127.0.0.1, every node has peers within 30 s, dashboard live, clean stop', async () => {
  const p = runProcess(['devnet', '--nodes', '16', '--duration', '120s', '--dashboard-port', '0'])
  try {
    const ready = await p.waitFor((o) => o.event === 'ready', 30_000)
    await p.waitFor((o) => o.event === 'status' && o.connected === 16, 30_000)
    // more than the star around the bootnode: the others found each other by discovery
    await p.waitFor((o) => o.event === 'status' && (o.connections as number) > 15, 60_000)
    const status = (await (
      await fetch(`${ready.dashboard as string}api/status`, { signal: AbortSignal.timeout(5000) })
    ).json()) as { nodes: unknown[] }
    assert.equal(status.nodes.length, 16)
    const page = await (await fetch(ready.dashboard as string, { signal: AbortSignal.timeout(5000) })).text()
    assert.match(page, /eth-p2p devnet/)
    const { code, ms } = await p.stop()
    assert.equal(code, 0)
    assert.ok(ms < 5000, `stopped in ${ms} ms`)
    const summary = p.lines.find((o) => o.event === 'summary')
    assert.equal(summary?.nodes, 16)
  } finally {
    await p.stop()
  }
})

// go-ethereum's own discovery test suites (cmd/devp2p `discv4 test`, `discv5 test`) against `eth-p2p node`,
// on 127.0.0.1/127.0.0.2. Each go-ethereum case is reported as its own subtest.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { peerBinary, runBinary, suiteResults } from '../helpers/peers.js'
import { runProcess } from '../helpers/process.js'

const devp2p = peerBinary('devp2p')

async function suite(t: import('node:test').TestContext, discovery: string, proto: 'discv4' | 'discv5', min: number) {
  if (!devp2p.path) {
    // Skipped without Go; under CI a missing reference peer is a failure (issue 10).
    if (process.env.CI === 'true') assert.fail(devp2p.missing)
    return t.skip(devp2p.missing)
  }
  const node = runProcess([
    'node',
    '--port',
    '0',
    '--discport',
    '0',
    '--discovery',
    discovery,
    '--network',
    'devnet',
    '--protocols',
    'none',
  ])
  try {
    const ready = await node.waitFor((o) => o.event === 'ready', 15_000)
    const args =
      proto === 'discv4'
        ? ['discv4', 'test', '-remote', ready.enode as string, '-listen1', '127.0.0.1', '-listen2', '127.0.0.2']
        : ['discv5', 'test', '-listen1', '127.0.0.1', '-listen2', '127.0.0.2', ready.enr as string]
    const { out } = await runBinary(devp2p.path, args, 180_000)
    const results = suiteResults(out)
    assert.ok(
      results.size >= min,
      `expected at least ${min} go-ethereum cases, saw ${results.size}:\n${out.slice(-2000)}`,
    )
    for (const [name, ok] of results) await t.test(name, () => assert.ok(ok, `go-ethereum case ${name} failed`))
  } finally {
    await node.stop()
  }
}

describe('go-ethereum devp2p discovery suites against eth-p2p node', () => {
  test('discv4 test, --discovery v4', (t) => suite(t, 'v4', 'discv4', 15))
  test('discv5 test, --discovery v5', (t) => suite(t, 'v5', 'discv5', 10))
  test('discv4 test, --discovery v4,v5 (one port)', (t) => suite(t, 'v4,v5', 'discv4', 15))
  test('discv5 test, --discovery v4,v5 (one port)', (t) => suite(t, 'v4,v5', 'discv5', 10))
})

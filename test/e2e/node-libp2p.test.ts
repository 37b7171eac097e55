// `eth-p2p node --transport libp2p` keeps the process contract: ready line (with multiaddr), peer events, SIGTERM → exit < 5 s.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Enr, parseEnode } from '../../src/index.js'
import { runCli } from '../helpers/cli.js'
import { runProcess } from '../helpers/process.js'

describe('eth-p2p node --transport libp2p (process contract)', () => {
  test('This test checks the ready line carries enr, enode and multiaddr, a second node joins through it, and SIGTERM exits within 5 s', async () => {
    const boot = runProcess(['node', '--transport', 'libp2p', '--port', '0'])
    let joiner: ReturnType<typeof runProcess> | undefined
    try {
      const ready = await boot.waitFor((o) => o.event === 'ready', 15_000)
      const enr = Enr.decodeText(ready.enr as string)
      const enode = parseEnode(ready.enode as string)
      const ma = ready.multiaddr as string
      assert.equal(enr.ip, '127.0.0.1')
      assert.equal(enr.tcp, ready.tcp)
      assert.equal(enr.udp, ready.udp)
      assert.equal(enode.tcp, enr.tcp)
      assert.equal(enode.udp, enr.udp)
      assert.equal(ma, `/ip4/127.0.0.1/tcp/${enr.tcp}/p2p/${ready.peerId as string}`)
      assert.ok(enr.get('eth2'), 'the eth2 entry is advertised')
      assert.equal(ready.nodeId, enr.nodeIdHex)

      // a second node finds and dials the first through its ENR (discv5 + libp2p)
      joiner = runProcess(['node', '--transport', 'libp2p', '--port', '0', '--bootnodes', ready.enr as string])
      const joined = await joiner.waitFor((o) => o.event === 'ready', 15_000)
      const added = await joiner.waitFor((o) => o.event === 'peer:added', 15_000)
      assert.equal(added.id, enr.nodeIdHex)
      const seen = await boot.waitFor((o) => o.event === 'peer:added', 15_000)
      assert.equal(seen.id, Enr.decodeText(joined.enr as string).nodeIdHex)

      const { code, ms } = await boot.stop()
      assert.equal(code, 0)
      assert.ok(ms < 5000, `stopped in ${ms} ms`)
      const removed = await joiner.waitFor((o) => o.event === 'peer:removed', 10_000)
      assert.equal(removed.id, enr.nodeIdHex)
      const second = await joiner.stop()
      assert.equal(second.code, 0)
      assert.ok(second.ms < 5000, `stopped in ${second.ms} ms`)
    } finally {
      await boot.stop()
      await joiner?.stop()
    }
  })

  test('This test checks eth-p2p devnet --transport libp2p meshes 6 nodes beyond the star, serves the dashboard status, and stops cleanly', async () => {
    const p = runProcess([
      'devnet',
      '--transport',
      'libp2p',
      '--nodes',
      '6',
      '--duration',
      '60s',
      '--dashboard-port',
      '0',
    ])
    try {
      const ready = await p.waitFor((o) => o.event === 'ready', 20_000)
      // 5 links form the star around the bootnode; more come from discv5
      await p.waitFor((o) => o.event === 'status' && o.connected === 6 && (o.connections as number) > 5, 30_000)
      const status = (await (
        await fetch(`${ready.dashboard as string}api/status`, { signal: AbortSignal.timeout(5000) })
      ).json()) as { nodes: { links: number[]; table: number }[]; handshakes: number }
      assert.equal(status.nodes.length, 6)
      assert.ok(status.handshakes > 0, 'fork-status handshakes counted')
      assert.ok(status.nodes.every((n) => n.links.length > 0 && n.table > 0))
      const { code, ms } = await p.stop()
      assert.equal(code, 0)
      assert.ok(ms < 5000, `stopped in ${ms} ms`)
      assert.equal(p.lines.find((o) => o.event === 'summary')?.nodes, 6)
    } finally {
      await p.stop()
    }
  })

  test('This test checks flags that do not fit the libp2p transport exit with code 2 and one line', () => {
    for (const args of [
      ['node', '--transport', 'libp2p', '--discovery', 'v4'],
      ['node', '--transport', 'libp2p', '--discovery', 'v4,v5'],
      ['node', '--transport', 'libp2p', '--discovery', 'none'],
      ['node', '--transport', 'quic'],
      ['node', '--transport', 'libp2p', '--bootnodes', `enode://${'ab'.repeat(64)}@127.0.0.1:30303`],
      ['node', '--transport', 'libp2p', '--bootnodes', 'enr:-bogus'],
      ['node', '--transport', 'libp2p', '--fork-digest', '1234'],
      ['node', '--transport', 'libp2p', '--static', 'enr:-x'],
      ['node', '--transport', 'libp2p', '--network', 'mainnet'],
      ['node', '--transport', 'libp2p', '--max-peers', '0'],
      ['node', '--fork-digest', '12345678'],
      ['devnet', '--transport', 'libp2p', '--discovery', 'v4,v5'],
      ['devnet', '--transport', 'tcp'],
    ]) {
      const r = runCli(args)
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
    }
  })
})

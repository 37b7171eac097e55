// `eth-p2p node` follows the process contract of DESIGN.md: ready line, peers, SIGTERM → ClientQuitting, exit < 5 s.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Enr, generatePrivateKey, parseEnode, rlpx } from '../../src/index.js'
import { runCli } from '../helpers/cli.js'
import { runProcess } from '../helpers/process.js'

describe('eth-p2p node (process contract)', () => {
  test('--discovery none: ready line, handshake and Ping/Pong, SIGTERM sends ClientQuitting and exits within 5 s', async () => {
    const p = runProcess(['node', '--port', '0', '--discovery', 'none', '--network', 'devnet'])
    try {
      const ready = await p.waitFor((o) => o.event === 'ready')
      const enr = Enr.decodeText(ready.enr as string)
      const target = parseEnode(ready.enode as string)
      assert.equal(enr.ip, '127.0.0.1')
      assert.equal(enr.tcp, target.tcp)
      assert.equal((ready.enode as string).includes('discport'), false)
      const conn = await rlpx.dial(
        { publicKey: target.publicKey, ip: '127.0.0.1', tcp: target.tcp },
        // announce eth/69 so the node keeps us (it would send Status and wait 5 s for ours)
        { privateKey: generatePrivateKey(), protocols: [{ name: 'eth', version: 69, length: 18 }] },
      )
      assert.ok(conn.remoteHello.clientId.startsWith('eth-p2p'))
      assert.deepEqual(conn.remoteNodeId, enr.nodeId)
      const rtt = await conn.ping({ signal: AbortSignal.timeout(5000) })
      assert.ok(rtt >= 0)
      const stopping = p.stop()
      const info = await conn.closed
      assert.equal(info.reason, rlpx.DisconnectReason.ClientQuitting)
      assert.equal(info.by, 'remote')
      const { code, ms } = await stopping
      assert.equal(code, 0)
      assert.ok(ms < 5000, `took ${ms} ms`)
    } finally {
      await p.stop()
    }
  })

  test('--discovery v4 carries the UDP port in the ENR and ?discport in the enode', async () => {
    const p = runProcess(['node', '--port', '0', '--discport', '0', '--discovery', 'v4', '--network', 'devnet'])
    try {
      const ready = await p.waitFor((o) => o.event === 'ready')
      const enr = Enr.decodeText(ready.enr as string)
      assert.ok(enr.udp && enr.udp > 0)
      assert.equal(parseEnode(ready.enode as string).udp, enr.udp)
    } finally {
      const { code } = await p.stop()
      assert.equal(code, 0)
    }
  })

  test('a SIGTERM sent the moment the ready line appears is handled: clean exit 0', async () => {
    // The handler must be in place before the ready line is written (it once was not: ~10% of
    // such processes died of the signal under load).
    const procs = Array.from({ length: 6 }, () =>
      runProcess(['node', '--port', '0', '--discport', '0', '--discovery', 'v4', '--network', 'devnet']),
    )
    const codes = await Promise.all(
      procs.map(async (p) => {
        await p.waitFor((o) => o.event === 'ready', 20_000)
        return (await p.stop()).code
      }),
    )
    assert.deepEqual(codes, [0, 0, 0, 0, 0, 0])
  })

  test('bad flags: one line, exit code 2', () => {
    for (const args of [
      ['node', '--discovery', 'v6'],
      ['node', '--port', 'x'],
      ['node', '--host', 'nohost'],
      ['node', '--network', 'nonet'],
      ['node', '--key', '12'],
      ['node', '--bootnodes', 'enode://zz'],
      ['node', '--netrestrict', '10.0.0.0/99', '--port', '0', '--discovery', 'none'],
      ['node', '--nat', 'upnp'],
      ['node', '--bogus'],
    ]) {
      const r = runCli(args)
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
    }
  })
})

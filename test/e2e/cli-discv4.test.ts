// End-to-end tests of `eth-p2p discv4` as a process, against in-process discv4 services on real
// UDP sockets bound to 127.0.0.1 (OS-chosen ports). The CLI runs asynchronously so that the
// services in this process can answer it.
import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { discv4, Enr, formatEnode, generatePrivateKey, publicKey64, toHex, UdpTransport } from '../../src/index.js'
import { startCli } from '../helpers/cli.js'

interface Peer {
  service: InstanceType<typeof discv4.Discv4Service>
  transport: UdpTransport
  key: Uint8Array
  port: number
  enode: string
  record: Enr
}

async function peer(bootnodes: Peer[] = []): Promise<Peer> {
  const key = generatePrivateKey()
  const transport = await UdpTransport.bind('127.0.0.1', 0)
  const port = transport.address.port
  const record = Enr.create(key, { seq: 7n, ip: '127.0.0.1', udp: port, tcp: port })
  const service = new discv4.Discv4Service({
    privateKey: key,
    endpoint: { ip: '127.0.0.1', udp: port, tcp: port },
    record: () => record.encode(),
    enrSeq: () => record.seq,
    send: (bytes, to) => transport.send(bytes, to),
    bootnodes: bootnodes.map((b) => discv4.makeNode(publicKey64(b.key), '127.0.0.1', b.port)),
  })
  transport.onDatagram((data, from) => service.handle(data, from))
  const enode = formatEnode({ publicKey: publicKey64(key), ip: '127.0.0.1', tcp: port, udp: port })
  return { service, transport, key, port, enode, record }
}

/** Run `eth-p2p <args>` without blocking this process; killed after `ms`. */
function cli(
  args: string[],
  ms = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now()
  const child = startCli(args)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
  })
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const kill = setTimeout(() => child.kill('SIGKILL'), ms)
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(kill)
      resolve({ code, stdout, stderr, ms: Date.now() - t0 })
    })
  })
}

describe('eth-p2p discv4', () => {
  const peers: Peer[] = []
  let boot: Peer
  before(async () => {
    boot = await peer()
    peers.push(boot)
    for (let i = 0; i < 4; i++) peers.push(await peer([boot]))
    for (const p of peers.slice(1)) await p.service.ping(discv4.makeNode(publicKey64(boot.key), '127.0.0.1', boot.port))
    for (const p of peers) p.service.start()
    await new Promise((r) => setTimeout(r, 1500)) // refresh lookups: tables fill
  })
  after(async () => {
    for (const p of peers) {
      await p.service.close()
      await p.transport.close()
    }
  })

  test('ping prints the PONG: enrSeq, our endpoint as seen, rttMs', async () => {
    const r = await cli(['discv4', 'ping', boot.enode])
    assert.equal(r.code, 0, r.stderr)
    const o = JSON.parse(r.stdout)
    assert.equal(o.nodeId, toHex(boot.service.localId))
    assert.equal(o.enrSeq, 7)
    assert.equal(o.ip, '127.0.0.1')
    assert.ok(Number.isInteger(o.port) && o.port > 0)
    assert.ok(typeof o.rttMs === 'number' && o.rttMs >= 0 && o.rttMs < 1000)
  })

  test('requestenr prints the record as enr decode does', async () => {
    const target = peers[2] as Peer
    const r = await cli(['discv4', 'requestenr', target.enode])
    assert.equal(r.code, 0, r.stderr)
    const o = JSON.parse(r.stdout)
    assert.equal(o.valid, true)
    assert.equal(o.seq, 7)
    assert.equal(o.nodeId, target.record.nodeIdHex)
    assert.equal(o.udp, target.port)
    const decoded = await cli(['enr', 'decode', target.record.encodeText()])
    assert.deepEqual(o, JSON.parse(decoded.stdout))
  })

  test('resolve finds a node through a bootnode and prints its record', async () => {
    const target = peers[4] as Peer
    const r = await cli(['discv4', 'resolve', target.enode, '--bootnodes', boot.enode])
    assert.equal(r.code, 0, r.stderr)
    const o = JSON.parse(r.stdout)
    assert.equal(o.nodeId, toHex(target.service.localId))
    assert.equal(o.enr, target.record.encodeText())
    assert.equal(o.seq, 7)
    assert.equal(o.enode, target.enode)
  })

  test('crawl walks the network breadth-first and writes every node with its record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eth-p2p-crawl-'))
    const out = join(dir, 'nodes.json')
    const r = await cli(['discv4', 'crawl', '--bootnodes', boot.enode, '--timeout', '15s', '--out', out])
    assert.equal(r.code, 0, r.stderr)
    assert.ok(r.ms < 12_000, `crawl of 5 nodes took ${r.ms} ms`) // finished before its timeout
    const summary = JSON.parse(r.stdout)
    assert.equal(summary.nodes, 5)
    const file = JSON.parse(readFileSync(out, 'utf8'))
    const ids = file.nodes.map((n: { id: string }) => n.id)
    assert.deepEqual(ids, peers.map((p) => toHex(p.service.localId)).sort())
    for (const n of file.nodes) {
      const p = peers.find((x) => toHex(x.service.localId) === n.id) as Peer
      assert.equal(n.enr, p.record.encodeText())
      assert.equal(n.enode, p.enode)
      assert.ok(!Number.isNaN(Date.parse(n.firstSeen)) && n.lastSeen >= n.firstSeen)
    }
    // A second crawl into the same file keeps each node's firstSeen.
    const again = await cli(['discv4', 'crawl', '--bootnodes', boot.enode, '--timeout', '15s', '--out', out])
    assert.equal(again.code, 0, again.stderr)
    const file2 = JSON.parse(readFileSync(out, 'utf8'))
    assert.deepEqual(
      file2.nodes.map((n: { firstSeen: string }) => n.firstSeen),
      file.nodes.map((n: { firstSeen: string }) => n.firstSeen),
    )
  })

  test('a node that never answers: the reason on stderr, exit code 1, within the timeout', async () => {
    const silent = createSocket('udp4')
    silent.bind(0, '127.0.0.1')
    await once(silent, 'listening')
    const enode = formatEnode({
      publicKey: publicKey64(generatePrivateKey()),
      ip: '127.0.0.1',
      tcp: 1,
      udp: silent.address().port,
    })
    try {
      for (const sub of ['ping', 'requestenr']) {
        const r = await cli(['discv4', sub, enode, '--timeout', '1s'])
        assert.equal(r.code, 1, `${sub}: ${r.stderr}`)
        assert.match(r.stderr, /no answer in time/)
        assert.equal(r.stderr.trim().split('\n').length, 1)
        assert.ok(r.ms < 5000, `${sub} took ${r.ms} ms`)
      }
      const dir = mkdtempSync(join(tmpdir(), 'eth-p2p-crawl-'))
      const r = await cli(['discv4', 'crawl', '--bootnodes', enode, '--timeout', '1s', '--out', join(dir, 'n.json')])
      assert.equal(r.code, 1, r.stderr)
      assert.match(r.stderr, /no node answered/)
    } finally {
      silent.close()
    }
  })

  test('bad input: one line on stderr, exit code 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eth-p2p-crawl-'))
    const notCrawl = join(dir, 'x.json')
    writeFileSync(notCrawl, '{"nodes": 3}')
    for (const args of [
      ['discv4', 'ping'],
      ['discv4', 'ping', 'enode://1234@127.0.0.1:30303'],
      ['discv4', 'ping', `enode://${'ab'.repeat(64)}@127.0.0.1:30303`],
      ['discv4', 'ping', boot.enode.replace('127.0.0.1', 'example.org')],
      ['discv4', 'ping', boot.enode, '--timeout', 'soon'],
      ['discv4', 'ping', boot.enode, '--bind', '127.0.0.1'],
      ['discv4', 'ping', boot.enode, '--key', 'zz'],
      ['discv4', 'requestenr', 'enr:xyz'],
      ['discv4', 'crawl', '--out', join(dir, 'y.json')],
      ['discv4', 'crawl', '--bootnodes', boot.enode],
      ['discv4', 'crawl', '--bootnodes', boot.enode, '--out', notCrawl],
      ['discv4', 'nope'],
    ]) {
      const r = await cli(args)
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
      assert.doesNotMatch(r.stderr, /at .*\.js:\d+/)
    }
  })

  test('--help on every discv4 command', async () => {
    for (const sub of [[], ['ping'], ['requestenr'], ['resolve'], ['crawl']]) {
      const r = await cli(['discv4', ...sub, '--help'])
      assert.equal(r.code, 0)
      assert.match(
        r.stdout,
        sub.length ? new RegExp(`Usage: eth-p2p discv4 ${sub[0]}`) : /Usage: eth-p2p discv4 <command>/,
      )
    }
  })
})

// `eth-p2p discv5` as a process: listen, ping, resolve, crawl, signals, bad input and network failure.
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { Enr, generatePrivateKey, toHex } from '../../src/index.js'
import { runCli, startCli } from '../helpers/cli.js'

const children: ChildProcess[] = []
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
})

/** Start `discv5 listen` on 127.0.0.1 and wait (≤ 15 s) for its ready line. */
async function listen(extra: string[] = []): Promise<{ proc: ChildProcess; enr: string; nodeId: string }> {
  const proc = startCli(['discv5', 'listen', '--host', '127.0.0.1', '--port', '0', ...extra])
  children.push(proc)
  let buf = ''
  const ready = await new Promise<{ enr: string; nodeId: string }>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ready line: ${buf}`)), 15_000)
    proc.stdout?.on('data', (d: Buffer) => {
      buf += d.toString()
      const line = buf.split('\n').find((l) => l.includes('"ready"'))
      if (line) {
        clearTimeout(t)
        resolve(JSON.parse(line))
      }
    })
    proc.once('exit', (code) => reject(new Error(`listen exited with ${code}`)))
  })
  return { proc, ...ready }
}

function exited(proc: ChildProcess, ms: number): Promise<number | null> {
  // It may have exited already (while the test awaited another process).
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode)
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms)
    proc.once('exit', (code) => {
      clearTimeout(t)
      resolve(code)
    })
  })
}

describe('eth-p2p discv5', () => {
  test('listen, ping, resolve (by record and by id), crawl, and a clean stop on SIGTERM', async () => {
    const a = await listen()
    const record = Enr.decodeText(a.enr)
    assert.equal(record.ip, '127.0.0.1')
    assert.equal(a.nodeId, record.nodeIdHex)
    const b = await listen(['--bootnodes', a.enr])

    const ping = runCli(['discv5', 'ping', a.enr, '--timeout', '10s'])
    assert.equal(ping.code, 0, ping.stderr)
    const pong = JSON.parse(ping.stdout)
    assert.deepEqual(Object.keys(pong), ['enrSeq', 'ip', 'port', 'rttMs'])
    assert.equal(pong.ip, '127.0.0.1')
    assert.equal(pong.enrSeq, 1)

    const byEnr = runCli(['discv5', 'resolve', a.enr, '--timeout', '10s'])
    assert.equal(byEnr.code, 0, byEnr.stderr)
    assert.equal(JSON.parse(byEnr.stdout).nodeId, a.nodeId)
    const byId = runCli(['discv5', 'resolve', b.nodeId, '--bootnodes', a.enr, '--timeout', '10s'])
    assert.equal(byId.code, 0, byId.stderr)
    const rb = JSON.parse(byId.stdout)
    assert.equal(rb.nodeId, b.nodeId)
    assert.equal(rb.valid, true)

    const out = join(mkdtempSync(join(tmpdir(), 'eth-p2p-')), 'nodes.json')
    const crawl = runCli(['discv5', 'crawl', '--bootnodes', a.enr, '--out', out, '--timeout', '8s'])
    assert.equal(crawl.code, 0, crawl.stderr)
    const file = JSON.parse(readFileSync(out, 'utf8')) as { nodes: { id: string; enr: string; enode: string }[] }
    assert.deepEqual(file.nodes.map((n) => n.id).sort(), [a.nodeId, b.nodeId].sort())
    for (const n of file.nodes) {
      assert.equal(Enr.decodeText(n.enr).nodeIdHex, n.id)
      assert.match(n.enode, /^enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+/)
    }

    const start = Date.now()
    const exits = [exited(a.proc, 5_000), exited(b.proc, 5_000)]
    a.proc.kill('SIGTERM')
    b.proc.kill('SIGINT')
    assert.deepEqual(await Promise.all(exits), [0, 0])
    assert.ok(Date.now() - start < 5_000)
  })

  test('no answer: the reason on stderr and exit code 1', () => {
    const silent = Enr.create(generatePrivateKey(), { ip: '127.0.0.1', udp: 9 }).encodeText()
    for (const args of [
      ['discv5', 'ping', silent, '--timeout', '1500ms'],
      ['discv5', 'resolve', silent, '--timeout', '1500ms'],
    ]) {
      const r = runCli(args)
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, /^eth-p2p: .*(no answer in time|not found)/)
      assert.equal(r.stderr.trim().split('\n').length, 1)
    }
  })

  test('bad input: one line on stderr, exit code 2; --help exits 0', () => {
    const enr = Enr.create(generatePrivateKey(), { ip: '127.0.0.1', udp: 30303 }).encodeText()
    for (const args of [
      ['discv5', 'ping'],
      ['discv5', 'ping', 'enr:x'],
      ['discv5', 'ping', Enr.create(generatePrivateKey(), {}).encodeText()],
      ['discv5', 'ping', enr, '--timeout', 'soon'],
      ['discv5', 'resolve', 'zz'],
      ['discv5', 'resolve', toHex(new Uint8Array(32))],
      ['discv5', 'resolve', enr, '--bootnodes', 'enode://abc@1.2.3.4:1'],
      ['discv5', 'crawl', '--out', '/tmp/x.json'],
      ['discv5', 'crawl', '--bootnodes', enr],
      ['discv5', 'listen', '--port', '70000'],
      ['discv5', 'listen', '--host', 'localhost'],
      ['discv5', 'listen', '--key', 'abcd'],
      ['discv5', 'nope'],
    ]) {
      const r = runCli(args)
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
      assert.match(r.stderr, /^eth-p2p: /)
    }
    for (const args of [['discv5', '--help'], ['discv5', 'ping', '--help'], ['--help']]) {
      const r = runCli(args)
      assert.equal(r.code, 0)
      assert.match(r.stdout, /discv5/)
    }
  })
})

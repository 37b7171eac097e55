import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { Enr, parseEnode } from '../../src/index.js'
import { runCli } from '../helpers/cli.js'
import { loadVector } from '../helpers/vectors.js'

const example = loadVector<{ valid: { text: string; nodeId: string }[] }>('enr.json').valid[0]!

describe('eth-p2p identity commands', () => {
  test('enr decode prints the EIP-778 example as valid, with ip, udp and node id', () => {
    const r = runCli(['enr', 'decode', example.text])
    assert.equal(r.code, 0, r.stderr)
    const o = JSON.parse(r.stdout)
    assert.equal(o.valid, true)
    assert.equal(o.ip, '127.0.0.1')
    assert.equal(o.udp, 30303)
    assert.equal(o.nodeId, example.nodeId)
    assert.equal(o.seq, 1)
    assert.equal(o.publicKey.length, 66)
    assert.deepEqual(Object.keys(o.entries), ['id', 'ip', 'secp256k1', 'udp'])
  })

  test('key generate, to-enode and to-enr agree', () => {
    const key = runCli(['key', 'generate']).stdout.trim()
    assert.match(key, /^[0-9a-f]{64}$/)
    const enode = runCli(['key', 'to-enode', '--key', key, '--ip', '10.0.0.1', '--tcp', '30303', '--udp', '30301'])
    assert.equal(enode.code, 0, enode.stderr)
    const parsed = parseEnode(enode.stdout.trim())
    assert.deepEqual([parsed.ip, parsed.tcp, parsed.udp], ['10.0.0.1', 30303, 30301])
    const enr = runCli(['key', 'to-enr', '--key', key, '--ip', '10.0.0.1', '--tcp', '30303', '--udp', '30301'])
    assert.equal(enr.code, 0, enr.stderr)
    const record = Enr.decodeText(enr.stdout.trim())
    assert.deepEqual(record.nodeId, parsed.nodeId)
    assert.deepEqual([record.ip, record.tcp, record.udp], ['10.0.0.1', 30303, 30301])
  })

  test('key generate --out writes the key with mode 0600 and refuses to overwrite', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'eth-p2p-')), 'node.key')
    assert.equal(runCli(['key', 'generate', '--out', file]).code, 0)
    assert.match(readFileSync(file, 'utf8').trim(), /^[0-9a-f]{64}$/)
    assert.equal(statSync(file).mode & 0o777, 0o600)
    const again = runCli(['key', 'generate', '--out', file])
    assert.equal(again.code, 2)
    assert.match(again.stderr, /file exists/)
  })

  test('bad input: one clear line on stderr, exit code 2, no stack trace', () => {
    for (const args of [
      ['enr', 'decode', 'enr:x'],
      ['enr', 'decode', 'not-an-enr'],
      ['enr', 'decode', 'enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJ!'],
      ['key', 'to-enode', '--key', 'abcd'],
      ['key', 'to-enr', '--key', 'zz'.repeat(32), '--ip', '1.2.3.4', '--tcp', '1', '--udp', '1'],
      ['key', 'to-enr', '--key', '11'.repeat(32), '--ip', '1.2.3', '--tcp', '1', '--udp', '1'],
      ['key', 'to-enr', '--key', '11'.repeat(32), '--ip', '1.2.3.4', '--tcp', '70000', '--udp', '1'],
      ['key', 'nope'],
      ['nope'],
    ]) {
      const r = runCli(args)
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
      assert.doesNotMatch(r.stderr, /at .*\.js:\d+/)
    }
  })

  test('--help on every command', () => {
    for (const args of [
      ['--help'],
      ['key', '--help'],
      ['key', 'generate', '--help'],
      ['key', 'to-enode', '--help'],
      ['key', 'to-enr', '--help'],
      ['enr', '--help'],
      ['enr', 'decode', '--help'],
    ]) {
      const r = runCli(args)
      assert.equal(r.code, 0, args.join(' '))
      assert.match(r.stdout, /Usage: eth-p2p/)
    }
  })
})

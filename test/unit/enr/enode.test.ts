import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { generatePrivateKey, publicKey64 } from '../../../src/crypto/index.js'
import { Enr, EnrError, enrToEnode, formatEnode, parseEnode } from '../../../src/enr/index.js'
import { toHex } from '../../../src/util/bytes.js'
import { loadVector } from '../../helpers/vectors.js'

interface Vec {
  input: string
  valid: boolean
  expected?: { pubkey: string; ip: string | null; hostname?: string; tcp: number; udp: number }
}

describe('enode URL vectors (go-ethereum urlv4_test.go)', () => {
  for (const v of loadVector<{ vectors: Vec[] }>('enode-url.json').vectors) {
    const name = v.input.length > 60 ? `${v.input.slice(0, 20)}…${v.input.slice(-30)}` : v.input || '(empty)'
    test(`${v.valid ? 'parse' : 'reject'} ${name}`, () => {
      if (!v.valid) {
        // go-ethereum's parser also takes enr: text; everything else fails either way.
        assert.throws(() => parseEnode(v.input), EnrError)
        return
      }
      const e = parseEnode(v.input)
      const x = v.expected!
      assert.equal(toHex(e.publicKey), x.pubkey)
      assert.equal(e.ip ?? null, x.ip)
      if (x.hostname) assert.equal(e.hostname, x.hostname)
      assert.equal(e.tcp, x.tcp)
      assert.equal(e.udp, x.udp)
    })
  }
})

describe('enode URLs', () => {
  const pub = publicKey64(generatePrivateKey())
  test('format and parse round trip, IPv6 in brackets, discport only when different', () => {
    const a = formatEnode({ publicKey: pub, ip: '127.0.0.1', tcp: 30303, udp: 30303 })
    assert.equal(a, `enode://${toHex(pub)}@127.0.0.1:30303`)
    const b = formatEnode({ publicKey: pub, ip: '2001:db8::1', tcp: 1, udp: 2 })
    assert.equal(b, `enode://${toHex(pub)}@[2001:db8::1]:1?discport=2`)
    assert.deepEqual(parseEnode(b).ip, '2001:db8::1')
    assert.equal(parseEnode(b).udp, 2)
  })
  test('host names are kept for dialing, not resolved', () => {
    const e = parseEnode(`enode://${toHex(pub)}@boot.example.org:30303`)
    assert.equal(e.hostname, 'boot.example.org')
    assert.equal(e.ip, undefined)
  })
  test('rejects bad keys, hosts and ports', () => {
    const k = toHex(pub)
    for (const bad of [
      `enode://${'00'.repeat(64)}@1.2.3.4:1`,
      `enode://${k}@1.2.3.4`,
      `enode://${k}@1.2.3.4:70000`,
      `enode://${k}@[::1:1`,
      `enode://${k}@bad_host!:1`,
      `enode://${k}@${'a'.repeat(300)}:1`,
      `enode://${k}@${'a-'.repeat(40)}!:1`,
    ])
      assert.throws(() => parseEnode(bad), EnrError, bad)
  })
  test('ENR to enode', () => {
    const priv = generatePrivateKey()
    const enr = Enr.create(priv, { ip: '10.1.2.3', tcp: 30303, udp: 30301 })
    assert.equal(enrToEnode(enr), `enode://${toHex(publicKey64(priv))}@10.1.2.3:30303?discport=30301`)
    const v6 = Enr.create(priv, { ip6: '::1', udp6: 9000 })
    assert.equal(enrToEnode(v6), `enode://${toHex(publicKey64(priv))}@[::1]:9000`)
  })
})

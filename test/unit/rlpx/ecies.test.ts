import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ecdhX, generatePrivateKey, publicKey64 } from '../../../src/crypto/index.js'
import { concatKdf, ECIES_OVERHEAD, eciesDecrypt, eciesEncrypt } from '../../../src/rlpx/ecies.js'
import { fromHex, toHex, utf8 } from '../../../src/util/bytes.js'
import { loadVector } from '../../helpers/vectors.js'

interface EciesVectors {
  concatKdf: { input: string; otherInfo: string; length: number; output: string }[]
  hmacSha256: { key: string; data: string; mac: string }[]
  publicKeys: { privateKey: string; x: string; y: string }[]
  ecdh: { privateKey: string; peerPrivateKey: string; sharedSecret: string }[]
  decrypt: { privateKey: string; ciphertext: string; plaintext: string }[]
}
const v = loadVector<EciesVectors>('ecies.json')

describe('ECIES (rlpx.md#ecies-encryption)', () => {
  test('concatenation KDF matches every vector', () => {
    for (const k of v.concatKdf) {
      assert.equal(toHex(concatKdf(fromHex(k.input), k.length, fromHex(k.otherInfo))), k.output)
    }
  })

  test('public keys and ECDH match the vectors (leading-zero keys included)', () => {
    for (const p of v.publicKeys) assert.equal(toHex(publicKey64(fromHex(p.privateKey))), p.x + p.y)
    for (const e of v.ecdh) {
      const peer = publicKey64(fromHex(e.peerPrivateKey))
      assert.equal(toHex(ecdhX(fromHex(e.privateKey), peer)), e.sharedSecret)
    }
  })

  test('decrypts every vector ciphertext', () => {
    assert.ok(v.decrypt.length >= 6)
    for (const d of v.decrypt) {
      const r = eciesDecrypt(fromHex(d.privateKey), fromHex(d.ciphertext))
      assert.ok(r.ok, `decrypt failed: ${!r.ok && r.error.message}`)
      assert.equal(toHex(r.value), d.plaintext)
    }
  })

  test('round-trips with shared MAC data, and the MAC data is authenticated', () => {
    const priv = generatePrivateKey()
    const msg = utf8('hello rlpx')
    const ct = eciesEncrypt(publicKey64(priv), msg, Uint8Array.of(1, 2))
    assert.equal(ct.length, msg.length + ECIES_OVERHEAD)
    const r = eciesDecrypt(priv, ct, Uint8Array.of(1, 2))
    assert.ok(r.ok)
    assert.deepEqual(r.value, msg)
    const wrong = eciesDecrypt(priv, ct, Uint8Array.of(1, 3))
    assert.ok(!wrong.ok && wrong.error.code === 'BAD_MAC')
  })

  test('is deterministic given the ephemeral key and IV', () => {
    const priv = generatePrivateKey()
    const opts = { ephemeralPrivateKey: generatePrivateKey(), iv: new Uint8Array(16).fill(7) }
    const a = eciesEncrypt(publicKey64(priv), utf8('x'), undefined, opts)
    const b = eciesEncrypt(publicKey64(priv), utf8('x'), undefined, opts)
    assert.deepEqual(a, b)
  })

  test('refuses short, mis-prefixed, off-curve, tampered and foreign ciphertexts with typed errors', () => {
    const priv = generatePrivateKey()
    const ct = eciesEncrypt(publicKey64(priv), utf8('payload'))
    const code = (data: Uint8Array, key = priv) => {
      const r = eciesDecrypt(key, data)
      return r.ok ? 'ok' : r.error.code
    }
    assert.equal(code(ct.subarray(0, ECIES_OVERHEAD - 1)), 'TOO_SHORT')
    const badPrefix = ct.slice()
    badPrefix[0] = 0x02
    assert.equal(code(badPrefix), 'BAD_PREFIX')
    const offCurve = ct.slice()
    offCurve.fill(0xff, 1, 65)
    assert.equal(code(offCurve), 'BAD_KEY')
    for (const i of [70, 85, ct.length - 1]) {
      const t = ct.slice()
      t[i] = (t[i] as number) ^ 1
      assert.equal(code(t), 'BAD_MAC')
    }
    assert.equal(code(ct, generatePrivateKey()), 'BAD_MAC')
    assert.equal(code(ct), 'ok')
  })
})

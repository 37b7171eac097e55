import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ecdhX, generatePrivateKey, publicKey64 } from '../../../src/crypto/index.js'
import { resolveOptions } from '../../../src/rlpx/config.js'
import { EcdhKey } from '../../../src/rlpx/ecdh.js'

describe('EcdhKey', () => {
  test('generated private keys are always 32 bytes and match their public key', () => {
    // OpenSSL returns 31 bytes for 1 key in 256: 2,000 keys miss that case with probability ~4e-4.
    for (let i = 0; i < 2000; i++) {
      const k = EcdhKey.generate()
      assert.equal(k.privateKey.length, 32)
      if (k.privateKey[0] === 0) assert.deepEqual(publicKey64(k.privateKey), k.publicKey)
    }
  })

  test('agree equals ecdhX for every public key form', () => {
    const a = EcdhKey.generate()
    const b = EcdhKey.generate()
    const want = ecdhX(a.privateKey, b.publicKey)
    assert.deepEqual(a.agree(b.publicKey), want)
    assert.deepEqual(b.agree(a.publicKey), want)
    assert.deepEqual(a.agree(Uint8Array.of(4, ...b.publicKey)), want)
  })
})

describe('resolveOptions static key', () => {
  test('is set up once per key array, and again when the array changes in place', () => {
    const key = generatePrivateKey()
    const a = resolveOptions({ privateKey: key })
    assert.equal(resolveOptions({ privateKey: key }).staticKey, a.staticKey)
    assert.deepEqual(a.staticKey.publicKey, publicKey64(key))
    key.set(generatePrivateKey())
    const b = resolveOptions({ privateKey: key })
    assert.notEqual(b.staticKey, a.staticKey)
    assert.deepEqual(b.staticKey.publicKey, publicKey64(key))
  })
})

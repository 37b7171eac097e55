import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  compressPublicKey,
  ecdhX,
  KeccakState,
  KeyError,
  keccak256,
  logDistance,
  nodeIdFromPublicKey,
  publicKey64,
  publicKeyCompressed,
  randomBytesArray,
  randomNodeIdAtDistance,
  recoverPublicKey,
  signRecoverable,
  verify,
} from '../../src/crypto/index.js'
import { fromHex, toHex, utf8 } from '../../src/util/bytes.js'
import { loadVector } from '../helpers/vectors.js'

describe('keccak-256', () => {
  test('known digests', () => {
    assert.equal(
      toHex(keccak256(new Uint8Array(0))),
      'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    )
    assert.equal(toHex(keccak256(utf8('foo'))), '41b1a0649752af1b28b3dc29a1556eee781e4a4c3a1f7f53f90fa834de098c4d')
  })
  test('incremental state digests without finalising and clones independently', () => {
    const s = new KeccakState().update(utf8('fo'))
    const c = s.clone()
    s.update(utf8('o'))
    assert.deepEqual(s.digest(), keccak256(utf8('foo')))
    assert.deepEqual(s.digest(), keccak256(utf8('foo')))
    assert.deepEqual(c.digest(), keccak256(utf8('fo')))
    s.update(utf8('bar'))
    assert.deepEqual(s.digest(), keccak256(utf8('foobar')))
  })
})

describe('secp256k1', () => {
  const v = loadVector<{
    publicKeys: { privateKey: string; x: string; y: string }[]
    ecdh: { privateKey: string; peerPrivateKey: string; sharedSecret: string }[]
  }>('ecies.json')
  for (const [i, pk] of v.publicKeys.entries()) {
    test(`public key derivation vector ${i}`, () => {
      assert.equal(toHex(publicKey64(fromHex(pk.privateKey))), pk.x + pk.y)
    })
  }
  for (const [i, e] of v.ecdh.entries()) {
    test(`ECDH vector ${i}`, () => {
      const peerPub = publicKey64(fromHex(e.peerPrivateKey))
      assert.equal(toHex(ecdhX(fromHex(e.privateKey), peerPub)), e.sharedSecret)
    })
  }
  test('sign, recover and verify', () => {
    const priv = randomBytesArray(32)
    const hash = keccak256(utf8('message'))
    const sig = signRecoverable(hash, priv)
    assert.equal(sig.length, 65)
    assert.deepEqual(recoverPublicKey(hash, sig).subarray(1), publicKey64(priv))
    assert.ok(verify(hash, sig.subarray(0, 64), publicKeyCompressed(priv)))
    const other = keccak256(utf8('other'))
    assert.ok(!verify(other, sig.subarray(0, 64), publicKeyCompressed(priv)))
  })
  test('bad keys are typed errors', () => {
    assert.throws(() => publicKey64(new Uint8Array(31)), KeyError)
    assert.throws(() => publicKey64(new Uint8Array(32)), KeyError)
    assert.throws(() => compressPublicKey(new Uint8Array(64)), KeyError)
    assert.throws(() => recoverPublicKey(new Uint8Array(32), new Uint8Array(65)), KeyError)
  })
})

describe('node ids and distances', () => {
  test('node id of the EIP-778 example key', () => {
    const priv = fromHex('b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291')
    assert.equal(
      toHex(nodeIdFromPublicKey(publicKeyCompressed(priv))),
      'a448f24c6d18e575453db13171562b71999873db5b286df957af199ec94617f7',
    )
  })
  test('log distance', () => {
    const a = new Uint8Array(32)
    const b = new Uint8Array(32)
    assert.equal(logDistance(a, b), 0)
    b[31] = 1
    assert.equal(logDistance(a, b), 1)
    b[0] = 0x80
    assert.equal(logDistance(a, b), 256)
  })
  test('random id at every log distance', () => {
    const from = randomBytesArray(32)
    for (let d = 1; d <= 256; d++) {
      const id = randomNodeIdAtDistance(from, d, randomBytesArray)
      assert.equal(logDistance(from, id), d)
    }
    assert.throws(() => randomNodeIdAtDistance(from, 0, randomBytesArray), RangeError)
  })
})

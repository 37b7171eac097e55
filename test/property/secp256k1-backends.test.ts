// libsecp256k1 (native) and @noble/curves must give the same bytes and the same verdicts, so a
// node without the native binding behaves exactly like one with it.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { secp256k1 as noble } from '@noble/curves/secp256k1.js'
import {
  compressPublicKey,
  decompressPublicKey,
  ecdhCompressed,
  ecdhX,
  isValidPrivateKey,
  KeyError,
  parsePublicKey,
  publicKey64,
  publicKeyCompressed,
  recoverPublicKey,
  secp256k1Backend,
  signRecoverable,
  verify,
} from '../../src/crypto/index.js'
import { EcdhKey } from '../../src/rlpx/ecdh.js'
import { toHex } from '../../src/util/bytes.js'

const RUNS = 300
const N = noble.Point.CURVE().n

function seeded(seed: number): (n: number) => Uint8Array {
  let s = seed >>> 0
  return (n) => {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0
      out[i] = s >>> 24
    }
    return out
  }
}

function bigToBytes(v: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'))
}

describe('secp256k1 backends agree', () => {
  test('the native backend is in use on this machine', () => {
    assert.equal(secp256k1Backend, 'libsecp256k1')
  })

  test(`${RUNS} random keys: public keys, signatures, recovery, ECDH equal noble's`, () => {
    const rnd = seeded(0x5ec9)
    for (let i = 0; i < RUNS; i++) {
      const a = rnd(32)
      const b = rnd(32)
      const hash = rnd(32)
      const pubA = noble.getPublicKey(a, false)
      const pubB = noble.getPublicKey(b, false)
      assert.equal(toHex(publicKey64(a)), toHex(pubA.subarray(1)))
      assert.equal(toHex(publicKeyCompressed(a)), toHex(noble.getPublicKey(a, true)))

      const sig = signRecoverable(hash, a)
      const nobleSig = noble.sign(hash, a, { prehash: false, format: 'recovered' })
      assert.equal(toHex(sig.subarray(0, 64)), toHex(nobleSig.subarray(1)), 'RFC 6979 signatures differ')
      assert.equal(sig[64], nobleSig[0])
      assert.equal(toHex(recoverPublicKey(hash, sig)), toHex(pubA))
      assert.equal(verify(hash, sig.subarray(0, 64), pubA), true)
      assert.equal(verify(hash, sig.subarray(0, 64), pubB), false)
      const compressedA = noble.getPublicKey(a, true)
      assert.equal(verify(hash, sig.subarray(0, 64), compressedA), true, 'a compressed key verifies too')
      assert.equal(toHex(ecdhX(b, compressedA)), toHex(ecdhX(b, pubA)), 'ECDH with a compressed key')

      assert.equal(toHex(ecdhCompressed(a, pubB)), toHex(noble.getSharedSecret(a, pubB, true)))
      assert.equal(toHex(ecdhX(a, pubB)), toHex(noble.getSharedSecret(a, pubB, true).subarray(1)))
      assert.equal(toHex(EcdhKey.fromPrivate(b).agree(pubA.subarray(1))), toHex(ecdhX(a, pubB)))
      assert.equal(toHex(decompressPublicKey(compressPublicKey(pubA))), toHex(pubA.subarray(1)))
    }
  })

  test('a high-s signature verifies and recovers as its low-s twin does', () => {
    const rnd = seeded(7)
    for (let i = 0; i < 50; i++) {
      const priv = rnd(32)
      const hash = rnd(32)
      const sig = signRecoverable(hash, priv)
      const s = BigInt(`0x${toHex(sig.subarray(32, 64))}`)
      const high = sig.slice()
      high.set(bigToBytes(N - s), 32)
      high[64] = (sig[64] as number) ^ 1
      const before = toHex(high)
      assert.equal(verify(hash, high.subarray(0, 64), publicKey64(priv)), true)
      assert.equal(toHex(high), before, "verify must not normalise the caller's signature in place")
      assert.equal(toHex(recoverPublicKey(hash, high).subarray(1)), toHex(publicKey64(priv)))
    }
  })

  test('bad keys and signatures are refused with KeyError or false, as by noble', () => {
    const zero = new Uint8Array(32)
    const n = bigToBytes(N)
    for (const k of [zero, n, bigToBytes(N + 1n), new Uint8Array(31)]) {
      assert.equal(isValidPrivateKey(k), false)
      assert.throws(() => publicKey64(k), KeyError)
    }
    assert.equal(isValidPrivateKey(bigToBytes(N - 1n)), true)
    const pub = publicKey64(bigToBytes(3n))
    const offCurve = pub.slice()
    offCurve[63] = (offCurve[63] as number) ^ 1
    assert.throws(() => parsePublicKey(offCurve), KeyError)
    assert.throws(() => ecdhX(bigToBytes(5n), offCurve), KeyError)
    assert.throws(() => ecdhCompressed(bigToBytes(5n), offCurve), KeyError)
    const someSig = signRecoverable(new Uint8Array(32).fill(9), bigToBytes(3n)).subarray(0, 64)
    assert.equal(verify(new Uint8Array(32).fill(9), someSig, pub), true)
    assert.equal(verify(new Uint8Array(32).fill(9), someSig, offCurve), false, 'an off-curve key verifies nothing')
    const badX = new Uint8Array(33).fill(0xff)
    badX[0] = 2
    assert.throws(() => ecdhX(bigToBytes(5n), badX), KeyError, 'x beyond the field')
    assert.equal(verify(new Uint8Array(32).fill(9), someSig, badX), false)
    const hybrid = new Uint8Array(65)
    hybrid.set(pub, 1)
    hybrid[0] = 6 | ((pub[63] as number) & 1)
    assert.throws(() => parsePublicKey(hybrid), KeyError, 'the hybrid 0x06/0x07 form is not an Ethereum encoding')
    const hash = new Uint8Array(32).fill(1)
    const sig = new Uint8Array(65)
    assert.throws(() => recoverPublicKey(hash, sig), KeyError, 'r = s = 0')
    sig.fill(0xff, 0, 64)
    assert.throws(() => recoverPublicKey(hash, sig), KeyError, 'r, s >= n')
    sig[64] = 4
    assert.throws(() => recoverPublicKey(hash, sig), KeyError, 'recovery id 4')
    assert.equal(verify(hash, sig.subarray(0, 64), pub), false)
    assert.equal(verify(hash, new Uint8Array(64), pub), false)
  })

  test('with ETH_P2P_SECP256K1=noble the fallback is used and the crypto vectors still pass', () => {
    const unit = fileURLToPath(new URL('../unit/crypto.test.js', import.meta.url))
    const probe = fileURLToPath(new URL('../../src/crypto/index.js', import.meta.url))
    const env = { ...process.env, ETH_P2P_SECP256K1: 'noble' }
    const backend = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `import(${JSON.stringify(probe)}).then((m) => console.log(m.secp256k1Backend))`],
      { env, encoding: 'utf8', timeout: 30_000 },
    )
    assert.equal(backend.stdout.trim(), 'noble')
    const r = spawnSync(process.execPath, ['--test', unit], { env, encoding: 'utf8', timeout: 120_000 })
    assert.equal(r.status, 0, r.stdout + r.stderr)
  })
})

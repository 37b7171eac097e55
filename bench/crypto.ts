// The hot-path primitives behind the choices in src/crypto: keccak-256 (our WASM keccak-f vs
// hash-wasm and @noble/hashes), and the elliptic-curve work (libsecp256k1 when it loads, against
// @noble/curves and Node's OpenSSL).
import { createECDH } from 'node:crypto'

import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { createKeccak } from 'hash-wasm'
import {
  ecdhCompressed,
  ecdhX,
  generatePrivateKey,
  KeccakState,
  keccak256,
  publicKey64,
  recoverPublicKey,
  secp256k1Backend,
  signRecoverable,
  verify,
} from '../src/crypto/index.js'
import { opsPerSecond, row } from './_harness.js'

const big = new Uint8Array(65536).fill(7)
const mb = (ops: number) => (ops * big.length) / 1e6
const hw = await createKeccak(256)
const ours64k = mb(opsPerSecond(() => keccak256(big)))
row('keccak-256 64 KiB (vs noble)', ours64k, mb(opsPerSecond(() => keccak_256(big))), 'MB/s', 'noble')
row(
  'keccak-256 64 KiB (vs hash-wasm)',
  ours64k,
  mb(
    opsPerSecond(() => {
      hw.init()
      hw.update(big)
      hw.digest('binary')
    }),
  ),
  'MB/s',
  'hash-wasm',
)

const small = new Uint8Array(16)
const mac = new KeccakState()
const nmac = keccak_256.create()
const macStep = opsPerSecond(() => {
  mac.update(small)
  mac.digest()
})
row(
  'MAC step: update 16 B + digest (vs noble clone)',
  macStep,
  opsPerSecond(() => {
    nmac.update(small)
    nmac.clone().digest()
  }),
  'ops/s',
  'noble',
)
hw.init()
let saved = hw.save()
row(
  'MAC step (vs hash-wasm save/load)',
  macStep,
  opsPerSecond(() => {
    hw.load(saved)
    hw.update(small)
    saved = hw.save()
    hw.load(saved)
    hw.digest('binary')
  }),
  'ops/s',
  'hash-wasm',
)

const a = generatePrivateKey()
const bPub = publicKey64(generatePrivateKey())
const full = secp256k1.getPublicKey(generatePrivateKey(), false)
const ec = secp256k1Backend
row(
  `ECDH x-coordinate (${ec} vs noble)`,
  opsPerSecond(() => ecdhX(a, bPub)),
  opsPerSecond(() => secp256k1.getSharedSecret(a, full)),
  'ops/s',
  'noble',
)
const openssl = createECDH('secp256k1')
openssl.setPrivateKey(a)
row(
  `ECDH x-coordinate (${ec} vs Node OpenSSL)`,
  opsPerSecond(() => ecdhX(a, bPub)),
  opsPerSecond(() => openssl.computeSecret(full)),
  'ops/s',
  'openssl',
)
row(
  `ECDH compressed point (discv5; ${ec} vs noble)`,
  opsPerSecond(() => ecdhCompressed(a, bPub)),
  opsPerSecond(() => secp256k1.getSharedSecret(a, full, true)),
  'ops/s',
  'noble',
)
const h = keccak256(small)
const sig = signRecoverable(h, a)
const nobleSig = secp256k1.sign(h, a, { prehash: false, format: 'recovered' })
row(
  `ECDSA sign (${ec} vs noble)`,
  opsPerSecond(() => signRecoverable(h, a)),
  opsPerSecond(() => secp256k1.sign(h, a, { prehash: false })),
  'ops/s',
  'noble',
)
row(
  `ECDSA recover (${ec} vs noble)`,
  opsPerSecond(() => recoverPublicKey(h, sig)),
  opsPerSecond(() => secp256k1.recoverPublicKey(nobleSig, h, { prehash: false })),
  'ops/s',
  'noble',
)
const aPub = publicKey64(a)
row(
  `ECDSA verify (${ec} vs noble)`,
  opsPerSecond(() => verify(h, sig.subarray(0, 64), aPub)),
  opsPerSecond(() => secp256k1.verify(sig.subarray(0, 64), h, secp256k1.getPublicKey(a, false), { prehash: false })),
  'ops/s',
  'noble',
)

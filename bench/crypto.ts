// The hot-path primitives behind the choices in src/crypto: keccak-256 (our WASM keccak-f vs
// hash-wasm and @noble/hashes), ECDH (Node's OpenSSL vs @noble/curves), and signature recovery.

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
  signRecoverable,
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
row(
  'ECDH x-coordinate (Node OpenSSL vs noble)',
  opsPerSecond(() => ecdhX(a, bPub)),
  opsPerSecond(() => secp256k1.getSharedSecret(a, full)),
  'ops/s',
  'noble',
)
row(
  'ECDH compressed point (discv5; noble)',
  opsPerSecond(() => ecdhCompressed(a, bPub)),
  undefined,
  'ops/s',
)
const h = keccak256(small)
const sig = signRecoverable(h, a)
row(
  'ECDSA sign (noble)',
  opsPerSecond(() => signRecoverable(h, a)),
  undefined,
  'ops/s',
)
row(
  'ECDSA recover (noble)',
  opsPerSecond(() => recoverPublicKey(h, sig)),
  undefined,
  'ops/s',
)

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { generatePrivateKey, keccak256, publicKey64 } from '../../../src/crypto/index.js'
import { encode } from '../../../src/rlp/index.js'
import { eciesDecrypt } from '../../../src/rlpx/ecies.js'
import {
  decodeAuthEip8Body,
  deriveSecrets,
  encodeAckLegacyBody,
  encodeAuthLegacyBody,
  HANDSHAKE_MAX_SIZE,
  type HandshakeStep,
  InitiatorHandshake,
  LEGACY_ACK_SIZE,
  RecipientHandshake,
  readAck,
  readAuth,
  sealEip8,
} from '../../../src/rlpx/handshake/index.js'
import { fromHex, toHex, utf8 } from '../../../src/util/bytes.js'
import type { Result } from '../../../src/util/result.js'
import { loadVector } from '../../helpers/vectors.js'

interface Eip8 {
  keys: Record<'staticKeyA' | 'staticKeyB' | 'ephemeralKeyA' | 'ephemeralKeyB' | 'nonceA' | 'nonceB', string>
  authSignature: { value: string }
  auth: { name: string; format: string; ciphertext: string; expectedVersion?: number; expectedRest?: string[] }[]
  ack: { name: string; format: string; ciphertext: string; expectedVersion?: number; expectedRest?: string[] }[]
  secrets: { aesSecret: string; macSecret: string; ingressMacAfterFoo: { digest: string } }
}
interface Legacy {
  initiatorPrivateKey: string
  receiverPrivateKey: string
  initiatorEphemeralPrivateKey: string
  receiverEphemeralPrivateKey: string
  initiatorNonce: string
  receiverNonce: string
  authPlaintext: string
  authCiphertext: string
  authrespPlaintext: string
  authrespCiphertext: string
  ecdheSharedSecret: string
  aesSecret: string
  macSecret: string
  token: string
  initialEgressMac: string
  initialIngressMac: string
}
const e8 = loadVector<Eip8>('eip8-handshake.json')
const lg = loadVector<Legacy>('rlpx-handshake-legacy.json')
const k = Object.fromEntries(
  Object.entries(e8.keys)
    .filter(([n]) => n !== 'source')
    .map(([n, h]) => [n, fromHex(h)]),
) as Record<keyof Eip8['keys'], Uint8Array>
const rest = (items: unknown[]) => items.map((i) => toHex(encode(i as Uint8Array)))

function done(r: Result<HandshakeStep, Error>): Extract<HandshakeStep, { kind: 'done' }> {
  assert.ok(r.ok, `handshake step failed: ${!r.ok && r.error.message}`)
  assert.equal(r.value.kind, 'done')
  return r.value as Extract<HandshakeStep, { kind: 'done' }>
}

describe('RLPx handshake: EIP-8 vectors', () => {
  test('reads Auth1 (legacy), Auth2 and Auth3 (EIP-8, extra elements ignored)', () => {
    for (const a of e8.auth) {
      const r = readAuth(k.staticKeyB, fromHex(a.ciphertext))
      assert.ok(r.ok && r.value.kind === 'done', a.name)
      const m = r.value.message
      assert.equal(m.format, a.format === 'EIP-8' ? 'eip8' : 'legacy', a.name)
      assert.equal(r.value.consumed, a.ciphertext.length / 2)
      assert.deepEqual(m.initiatorPublicKey, publicKey64(k.staticKeyA))
      assert.deepEqual(m.nonce, k.nonceA)
      if (a.expectedVersion !== undefined) assert.equal(m.version, a.expectedVersion)
      assert.deepEqual(rest(m.rest), a.expectedRest ?? [])
      if (a.format === 'EIP-8') assert.equal(toHex(m.signature), e8.authSignature.value)
    }
  })

  test('reads Ack1 (legacy), Ack2 and Ack3', () => {
    for (const a of e8.ack) {
      const r = readAck(k.staticKeyA, fromHex(a.ciphertext))
      assert.ok(r.ok && r.value.kind === 'done', a.name)
      const m = r.value.message
      assert.equal(m.format, a.format === 'EIP-8' ? 'eip8' : 'legacy', a.name)
      assert.deepEqual(m.ephemeralPublicKey, publicKey64(k.ephemeralKeyB))
      assert.deepEqual(m.nonce, k.nonceB)
      if (a.expectedVersion !== undefined) assert.equal(m.version, a.expectedVersion)
      assert.deepEqual(rest(m.rest), a.expectedRest ?? [])
    }
  })

  test('the recipient accepts every auth form and recovers the initiator ephemeral key', () => {
    for (const a of e8.auth) {
      const b = new RecipientHandshake({
        privateKey: k.staticKeyB,
        ephemeralPrivateKey: k.ephemeralKeyB,
        nonce: k.nonceB,
      })
      const d = done(b.onData(fromHex(a.ciphertext)))
      assert.deepEqual(d.secrets.remotePublicKey, publicKey64(k.staticKeyA))
      const expected = deriveSecrets({
        initiator: false,
        ephemeralPrivateKey: k.ephemeralKeyB,
        remoteEphemeralPublicKey: publicKey64(k.ephemeralKeyA),
        initiatorNonce: k.nonceA,
        recipientNonce: k.nonceB,
        auth: fromHex(a.ciphertext),
        ack: b.done?.ack ?? new Uint8Array(0),
        remotePublicKey: publicKey64(k.staticKeyA),
      })
      assert.deepEqual(d.secrets.aesSecret, expected.aesSecret, a.name)
      assert.deepEqual(d.secrets.ingressMac.digest(), expected.ingressMac.digest())
      // A legacy auth is answered with a legacy ack (go-ethereum's old behaviour); EIP-8 with EIP-8.
      const ack = b.done?.ack ?? new Uint8Array(0)
      if (a.format === 'EIP-8') assert.notEqual(ack[0], 0x04)
      else assert.equal(ack.length, LEGACY_ACK_SIZE)
      const back = readAck(k.staticKeyA, ack)
      assert.ok(back.ok && back.value.kind === 'done')
      assert.equal(back.value.message.format, a.format === 'EIP-8' ? 'eip8' : 'legacy')
    }
  })

  test('secrets for (Auth2, Ack2) derived by B, and B\'s ingress MAC after "foo"', () => {
    const s = deriveSecrets({
      initiator: false,
      ephemeralPrivateKey: k.ephemeralKeyB,
      remoteEphemeralPublicKey: publicKey64(k.ephemeralKeyA),
      initiatorNonce: k.nonceA,
      recipientNonce: k.nonceB,
      auth: fromHex(e8.auth[1]?.ciphertext ?? ''),
      ack: fromHex(e8.ack[1]?.ciphertext ?? ''),
      remotePublicKey: publicKey64(k.staticKeyA),
    })
    assert.equal(toHex(s.aesSecret), e8.secrets.aesSecret)
    assert.equal(toHex(s.macSecret), e8.secrets.macSecret)
    assert.equal(toHex(s.ingressMac.clone().update(utf8('foo')).digest()), e8.secrets.ingressMacAfterFoo.digest)
  })

  test('the initiator sends an auth B accepts and derives the same secrets from Ack2', () => {
    const a = new InitiatorHandshake({
      privateKey: k.staticKeyA,
      remotePublicKey: publicKey64(k.staticKeyB),
      ephemeralPrivateKey: k.ephemeralKeyA,
      nonce: k.nonceA,
    })
    // Our auth is EIP-8 and its signature recovers ephemeral key A, so B derives the vector secrets.
    const parsed = readAuth(k.staticKeyB, a.auth)
    assert.ok(parsed.ok && parsed.value.kind === 'done')
    assert.equal(parsed.value.message.format, 'eip8')
    assert.equal(parsed.value.message.version, 4)
    const b = new RecipientHandshake({
      privateKey: k.staticKeyB,
      ephemeralPrivateKey: k.ephemeralKeyB,
      nonce: k.nonceB,
    })
    assert.equal(toHex(done(b.onData(a.auth)).secrets.aesSecret), e8.secrets.aesSecret)
    const d = done(a.onData(fromHex(e8.ack[1]?.ciphertext ?? '')))
    assert.equal(toHex(d.secrets.aesSecret), e8.secrets.aesSecret)
    assert.equal(toHex(d.secrets.macSecret), e8.secrets.macSecret)
    assert.equal(d.remoteFormat, 'eip8')
  })
})

describe('RLPx handshake: legacy vector with every intermediate value', () => {
  const iPriv = fromHex(lg.initiatorPrivateKey)
  const rPriv = fromHex(lg.receiverPrivateKey)
  const iEph = fromHex(lg.initiatorEphemeralPrivateKey)
  const rEph = fromHex(lg.receiverEphemeralPrivateKey)
  const iNonce = fromHex(lg.initiatorNonce)
  const rNonce = fromHex(lg.receiverNonce)

  test('auth and ack bodies re-encode to the vector plaintexts', () => {
    const plain = fromHex(lg.authPlaintext)
    const body = encodeAuthLegacyBody({
      signature: plain.subarray(0, 65),
      ephemeralPublicKey: publicKey64(iEph),
      publicKey: publicKey64(iPriv),
      nonce: iNonce,
    })
    assert.equal(toHex(body), lg.authPlaintext)
    assert.equal(
      toHex(encodeAckLegacyBody({ ephemeralPublicKey: publicKey64(rEph), nonce: rNonce })),
      lg.authrespPlaintext,
    )
  })

  test('the recipient reads the legacy auth and derives ephemeral key, secrets and token', () => {
    const r = new RecipientHandshake({ privateKey: rPriv, ephemeralPrivateKey: rEph, nonce: rNonce })
    const d = done(r.onData(fromHex(lg.authCiphertext)))
    assert.equal(d.remoteFormat, 'legacy')
    assert.equal(r.done?.auth.format, 'legacy')
    assert.deepEqual(r.done?.auth.ephemeralHash, keccak256(publicKey64(iEph)))
    assert.equal(toHex(d.secrets.ephemeralKey), lg.ecdheSharedSecret)
    assert.equal(toHex(d.secrets.aesSecret), lg.aesSecret)
    assert.equal(toHex(d.secrets.macSecret), lg.macSecret)
    assert.equal(toHex(d.secrets.token), lg.token)
    // Recipient ingress = initiator egress, initialised from the auth alone.
    assert.equal(toHex(d.secrets.ingressMac.digest()), lg.initialEgressMac)
    const ack = r.done?.ack ?? new Uint8Array(0)
    assert.equal(ack.length, LEGACY_ACK_SIZE)
    const plain = eciesDecrypt(iPriv, ack)
    assert.ok(plain.ok)
    assert.equal(toHex(plain.value), lg.authrespPlaintext)
  })

  test('the initiator reads the legacy ack; MAC states match the vector', () => {
    const i = new InitiatorHandshake({
      privateKey: iPriv,
      remotePublicKey: publicKey64(rPriv),
      ephemeralPrivateKey: iEph,
      nonce: iNonce,
    })
    const d = done(i.onData(fromHex(lg.authrespCiphertext)))
    assert.equal(d.remoteFormat, 'legacy')
    assert.equal(toHex(d.secrets.aesSecret), lg.aesSecret)
    assert.equal(toHex(d.secrets.macSecret), lg.macSecret)
    assert.equal(toHex(d.secrets.ingressMac.digest()), lg.initialIngressMac)
    const s = deriveSecrets({
      initiator: true,
      ephemeralPrivateKey: iEph,
      remoteEphemeralPublicKey: publicKey64(rEph),
      initiatorNonce: iNonce,
      recipientNonce: rNonce,
      auth: fromHex(lg.authCiphertext),
      ack: fromHex(lg.authrespCiphertext),
      remotePublicKey: publicKey64(rPriv),
    })
    assert.equal(toHex(s.egressMac.digest()), lg.initialEgressMac)
    assert.equal(toHex(s.ingressMac.digest()), lg.initialIngressMac)
  })
})

describe('RLPx handshake: round trip and hostile input', () => {
  test('both sides agree on secrets; egress of one is ingress of the other', () => {
    const a = generatePrivateKey()
    const b = generatePrivateKey()
    const ini = new InitiatorHandshake({ privateKey: a, remotePublicKey: publicKey64(b) })
    const rec = new RecipientHandshake({ privateKey: b })
    // Feed the auth one byte at a time: the reader asks for exactly what it needs.
    let step: Result<HandshakeStep, Error> | undefined
    for (let n = 1; n <= ini.auth.length; n++) {
      step = rec.onData(ini.auth.subarray(0, n))
      assert.ok(step.ok)
      if (step.value.kind === 'need') assert.ok(step.value.total > n && step.value.total <= ini.auth.length)
    }
    const rd = done(step as Result<HandshakeStep, Error>)
    const id = done(ini.onData(rec.done?.ack ?? new Uint8Array(0)))
    assert.deepEqual(id.secrets.aesSecret, rd.secrets.aesSecret)
    assert.deepEqual(id.secrets.macSecret, rd.secrets.macSecret)
    assert.deepEqual(id.secrets.egressMac.digest(), rd.secrets.ingressMac.digest())
    assert.deepEqual(id.secrets.ingressMac.digest(), rd.secrets.egressMac.digest())
    assert.deepEqual(rd.secrets.remotePublicKey, publicKey64(a))
    assert.deepEqual(id.secrets.remotePublicKey, publicKey64(b))
  })

  test('trailing frame bytes after the auth are left unconsumed', () => {
    const b = generatePrivateKey()
    const ini = new InitiatorHandshake({ privateKey: generatePrivateKey(), remotePublicKey: publicKey64(b) })
    const d = done(new RecipientHandshake({ privateKey: b }).onData(Uint8Array.from([...ini.auth, 1, 2, 3])))
    assert.equal(d.consumed, ini.auth.length)
  })

  test('an oversized size prefix is refused before the body arrives', () => {
    const r = readAuth(
      generatePrivateKey(),
      Uint8Array.of((HANDSHAKE_MAX_SIZE + 1) >> 8, (HANDSHAKE_MAX_SIZE + 1) & 0xff),
    )
    assert.ok(!r.ok && r.error.code === 'TOO_LARGE')
    const small = readAuth(generatePrivateKey(), Uint8Array.of(0, 50))
    assert.ok(!small.ok && small.error.code === 'TOO_SHORT')
  })

  test('garbage, a foreign key, bad RLP, bad fields and a bad signature are typed errors', () => {
    const b = generatePrivateKey()
    const pubB = publicKey64(b)
    const garbage = new Uint8Array(400).fill(0x11)
    garbage[0] = 0x01
    garbage[1] = 0x00
    const codeOf = (bytes: Uint8Array) => {
      const r = new RecipientHandshake({ privateKey: b }).onData(bytes)
      return r.ok ? r.value.kind : r.error.code
    }
    assert.equal(codeOf(garbage.subarray(0, 258)), 'DECRYPT')
    assert.equal(codeOf(garbage.subarray(0, 100)), 'need')
    const foreign = new InitiatorHandshake({
      privateKey: generatePrivateKey(),
      remotePublicKey: publicKey64(generatePrivateKey()),
    })
    assert.equal(codeOf(foreign.auth), 'DECRYPT')
    assert.equal(codeOf(sealEip8(pubB, Uint8Array.of(0xf8, 0xff, 1))), 'BAD_RLP')
    assert.equal(
      codeOf(sealEip8(pubB, encode([new Uint8Array(64), new Uint8Array(64), new Uint8Array(32), 4]))),
      'BAD_FIELD',
    )
    const sig = new Uint8Array(65).fill(0xff)
    const badSig = sealEip8(pubB, encode([sig, publicKey64(generatePrivateKey()), new Uint8Array(32), 4]))
    assert.equal(codeOf(badSig), 'BAD_SIGNATURE')
    const notOnCurve = sealEip8(pubB, encode([sig, new Uint8Array(64).fill(0xff), new Uint8Array(32), 4]))
    assert.equal(codeOf(notOnCurve), 'BAD_KEY')
    assert.ok(!decodeAuthEip8Body(new Uint8Array(0)).ok)
  })
})

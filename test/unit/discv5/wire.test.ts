import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ecdhCompressed, nodeIdFromPublicKey, publicKeyCompressed } from '../../../src/crypto/index.js'
import {
  aesGcmDecrypt,
  aesGcmEncrypt,
  decodeMessage,
  decodePacket,
  deriveKeysAsInitiator,
  deriveKeysAsRecipient,
  deriveSessionKeys,
  encodeMessage,
  encodePacket,
  encodePacketWithHeader,
  idSign,
  idVerify,
  type Message,
  type Packet,
} from '../../../src/discv5/wire/index.js'
import { Enr } from '../../../src/enr/index.js'
import { fromHex, toHex } from '../../../src/util/bytes.js'
import { loadVector, readVectorText } from '../../helpers/vectors.js'

interface Challenge {
  challengeData: string
  requestNonce: string
  idNonce: string
  enrSeq: number
}
interface PacketVector {
  name: string
  flag: number
  srcNodeId: string
  destNodeId: string
  nonce?: string
  readKey?: string
  ping?: { reqId: string; enrSeq: number }
  whoareyou?: Challenge
  handshake?: { whoareyou: Challenge; ephemeralKey: string; ephemeralPubkey: string }
  maskingIv: string
  encoded: string
}
interface MessageVector {
  name: string
  type: number
  reqId?: string
  fields?: Record<string, unknown>
  encoded: string
  valid: boolean
}
interface WireVectors {
  nodeAKey: string
  nodeBKey: string
  packets: PacketVector[]
  cryptoPrimitives: {
    ecdh: { publicKey: string; secretKey: string; sharedSecret: string }
    keyDerivation: {
      ephemeralKey: string
      destPubkey: string
      nodeIdA: string
      nodeIdB: string
      challengeData: string
      initiatorKey: string
      recipientKey: string
    }
    idNonceSigning: {
      staticKey: string
      challengeData: string
      ephemeralPubkey: string
      nodeIdB: string
      idSignature: string
    }
    aesGcm: { encryptionKey: string; nonce: string; pt: string; ad: string; messageCiphertext: string }
  }
  messages: MessageVector[]
}

const V = loadVector<WireVectors>('discv5-wire.json')
const keyA = fromHex(V.nodeAKey)
const keyB = fromHex(V.nodeBKey)
const idA = fromHex('aaaa8419e9f49d0083561b48287df592939a8d19947d8c0ef88f2a4856a69fbb')
const idB = fromHex('bbbb9d047f0488c0b5a93c1c3f2d8bafc7c8ff337024a55434a0d0555de64db9')

function mustDecode(localId: Uint8Array, data: Uint8Array): Packet {
  const r = decodePacket(localId, data)
  if (!r.ok) throw r.error
  return r.value
}

function mustMessage(pt: Uint8Array): Message {
  const r = decodeMessage(pt)
  if (!r.ok) throw r.error
  return r.value
}

/**
 * Checks one packet vector both ways: node B decodes (and, for handshakes, derives the keys,
 * verifies the id-signature and decrypts), and node A's encoder reproduces the bytes.
 */
function checkPacketVector(v: PacketVector): void {
  const data = fromHex(v.encoded)
  const p = mustDecode(idB, data)
  const iv = fromHex(v.maskingIv)
  if (v.flag === 1) {
    assert.equal(p.kind, 'whoareyou')
    if (p.kind !== 'whoareyou') return
    const w = v.whoareyou!
    assert.equal(toHex(p.nonce), w.requestNonce)
    assert.equal(toHex(p.idNonce), w.idNonce)
    assert.equal(p.enrSeq, BigInt(w.enrSeq))
    assert.equal(toHex(p.challengeData), w.challengeData)
    const { packet, header } = encodePacketWithHeader(
      idB,
      { kind: 'whoareyou', nonce: p.nonce, idNonce: p.idNonce, enrSeq: p.enrSeq },
      iv,
    )
    assert.equal(toHex(packet), v.encoded)
    assert.equal(toHex(header), w.challengeData)
    return
  }
  const ping = v.ping!
  assert.equal(toHex(p.nonce), v.nonce)
  if (p.kind === 'message') {
    assert.equal(v.flag, 0)
    assert.deepEqual(p.srcId, idA)
    const pt = aesGcmDecrypt(fromHex(v.readKey!), p.nonce, p.message, p.messageAd)
    assert.ok(pt)
    assert.deepEqual(mustMessage(pt), { type: 'PING', reqId: fromHex(ping.reqId), enrSeq: BigInt(ping.enrSeq) })
    const again = encodePacket(
      idB,
      { kind: 'message', srcId: idA, nonce: p.nonce, body: { key: fromHex(v.readKey!), plaintext: pt } },
      iv,
    )
    assert.equal(toHex(again), v.encoded)
    return
  }
  assert.equal(p.kind, 'handshake')
  assert.equal(v.flag, 2)
  if (p.kind !== 'handshake') return
  const hs = v.handshake!
  const challengeData = fromHex(hs.whoareyou.challengeData)
  assert.deepEqual(p.srcId, idA)
  assert.equal(toHex(p.ephemeralPublicKey), hs.ephemeralPubkey)
  assert.equal(p.record !== undefined, hs.whoareyou.enrSeq === 0, 'record present exactly when enr-seq is 0')
  // Node B: verify the id-signature with A's key, derive the keys, decrypt.
  assert.ok(idVerify(publicKeyCompressed(keyA), p.idSignature, challengeData, p.ephemeralPublicKey, idB))
  const bKeys = deriveKeysAsRecipient(keyB, p.ephemeralPublicKey, challengeData, p.srcId, idB)
  assert.equal(toHex(bKeys.initiatorKey), v.readKey)
  const pt = aesGcmDecrypt(bKeys.initiatorKey, p.nonce, p.message, p.messageAd)
  assert.ok(pt)
  assert.deepEqual(mustMessage(pt), { type: 'PING', reqId: fromHex(ping.reqId), enrSeq: BigInt(ping.enrSeq) })
  if (p.record) {
    const enr = Enr.tryDecode(p.record)
    assert.ok(enr.ok)
    assert.deepEqual(enr.value.nodeId, nodeIdFromPublicKey(publicKeyCompressed(keyA)))
  }
  // Node A: derive the same keys from the ephemeral key, sign (RFC 6979), encode the same bytes.
  const eph = fromHex(hs.ephemeralKey)
  assert.equal(toHex(publicKeyCompressed(eph)), hs.ephemeralPubkey)
  const aKeys = deriveKeysAsInitiator(eph, publicKeyCompressed(keyB), challengeData, idA, idB)
  assert.deepEqual(aKeys, bKeys)
  const sig = idSign(keyA, challengeData, p.ephemeralPublicKey, idB)
  assert.deepEqual(sig, p.idSignature)
  const again = encodePacket(
    idB,
    {
      kind: 'handshake',
      srcId: idA,
      nonce: p.nonce,
      idSignature: sig,
      ephemeralPublicKey: publicKeyCompressed(eph),
      ...(p.record ? { record: p.record } : {}),
      body: { key: aKeys.initiatorKey, plaintext: encodeMessage(mustMessage(pt)) },
    },
    iv,
  )
  assert.equal(toHex(again), v.encoded)
}

describe('discv5 wire: official packet vectors (discv5-wire.json)', () => {
  test('the vector node ids belong to nodeAKey/nodeBKey', () => {
    assert.deepEqual(nodeIdFromPublicKey(publicKeyCompressed(keyA)), idA)
    assert.deepEqual(nodeIdFromPublicKey(publicKeyCompressed(keyB)), idB)
  })
  for (const v of V.packets) test(v.name, () => checkPacketVector(v))
})

/** Parse a go-ethereum v5wire testdata file: `# key = 0xvalue` comments and a hex body. */
function parseGethVector(text: string): { fields: Map<string, string>; data: Uint8Array } {
  const fields = new Map<string, string>()
  let hex = ''
  for (const line of text.split('\n')) {
    const m = /^#\s*([\w.-]+)\s*=\s*(?:0x)?([0-9a-f]+)\s*$/.exec(line)
    if (m) fields.set(m[1] as string, m[2] as string)
    else if (!line.startsWith('#')) hex += line.trim()
  }
  return { fields, data: fromHex(hex) }
}

describe('discv5 wire: go-ethereum v5wire testdata', () => {
  for (const name of ['v5.1-ping-message', 'v5.1-whoareyou', 'v5.1-ping-handshake', 'v5.1-ping-handshake-enr']) {
    test(name, () => {
      const { fields, data } = parseGethVector(readVectorText(`go-ethereum/v5wire/${name}.txt`))
      const f = (k: string) => fields.get(k) ?? assert.fail(`missing ${k}`)
      assert.equal(f('src-node-id'), toHex(idA))
      assert.equal(f('dest-node-id'), toHex(idB))
      const flag = name.endsWith('whoareyou') ? 1 : name.includes('handshake') ? 2 : 0
      const challenge = (): Challenge => ({
        challengeData: f('whoareyou.challenge-data'),
        requestNonce: f('whoareyou.request-nonce'),
        idNonce: f('whoareyou.id-nonce'),
        enrSeq: Number.parseInt(f('whoareyou.enr-seq'), 16),
      })
      const v: PacketVector = {
        name,
        flag,
        srcNodeId: f('src-node-id'),
        destNodeId: f('dest-node-id'),
        maskingIv: '00000000000000000000000000000000',
        encoded: toHex(data),
      }
      if (flag === 1) v.whoareyou = challenge()
      else {
        v.nonce = f('nonce')
        v.readKey = f('read-key')
        v.ping = { reqId: f('ping.req-id'), enrSeq: Number.parseInt(f('ping.enr-seq'), 16) }
      }
      if (flag === 2)
        v.handshake = {
          whoareyou: challenge(),
          ephemeralKey: f('ephemeral-key'),
          ephemeralPubkey: f('ephemeral-pubkey'),
        }
      checkPacketVector(v)
    })
  }
})

describe('discv5 wire: crypto primitive vectors', () => {
  const c = V.cryptoPrimitives
  test('ECDH gives the 33-byte compressed shared point', () => {
    assert.equal(toHex(ecdhCompressed(fromHex(c.ecdh.secretKey), fromHex(c.ecdh.publicKey))), c.ecdh.sharedSecret)
  })
  test('HKDF key derivation', () => {
    const k = c.keyDerivation
    const secret = ecdhCompressed(fromHex(k.ephemeralKey), fromHex(k.destPubkey))
    const keys = deriveSessionKeys(secret, fromHex(k.challengeData), fromHex(k.nodeIdA), fromHex(k.nodeIdB))
    assert.equal(toHex(keys.initiatorKey), k.initiatorKey)
    assert.equal(toHex(keys.recipientKey), k.recipientKey)
    const viaInitiator = deriveKeysAsInitiator(
      fromHex(k.ephemeralKey),
      fromHex(k.destPubkey),
      fromHex(k.challengeData),
      fromHex(k.nodeIdA),
      fromHex(k.nodeIdB),
    )
    assert.deepEqual(viaInitiator, keys)
  })
  test('id-nonce signing is byte-exact (RFC 6979) and verifies', () => {
    const s = c.idNonceSigning
    const args = [fromHex(s.challengeData), fromHex(s.ephemeralPubkey), fromHex(s.nodeIdB)] as const
    const sig = idSign(fromHex(s.staticKey), ...args)
    assert.equal(toHex(sig), s.idSignature)
    const pub = publicKeyCompressed(fromHex(s.staticKey))
    assert.ok(idVerify(pub, sig, ...args))
    const bad = sig.slice()
    bad[10] = (bad[10] as number) ^ 1
    assert.equal(idVerify(pub, bad, ...args), false)
    assert.equal(idVerify(pub, sig, args[0], args[1], fromHex(c.keyDerivation.nodeIdA)), false)
  })
  test('AES-128-GCM encrypts to the vector and rejects a tampered tag', () => {
    const g = c.aesGcm
    const [key, nonce, pt, ad] = [fromHex(g.encryptionKey), fromHex(g.nonce), fromHex(g.pt), fromHex(g.ad)]
    const ct = aesGcmEncrypt(key, nonce, pt, ad)
    assert.equal(toHex(ct), g.messageCiphertext)
    assert.deepEqual(aesGcmDecrypt(key, nonce, ct, ad), pt)
    const bad = ct.slice()
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0x80
    assert.equal(aesGcmDecrypt(key, nonce, bad, ad), undefined)
    assert.equal(aesGcmDecrypt(key, nonce, ct, ad.subarray(1)), undefined)
    assert.equal(aesGcmDecrypt(key, nonce, ct.subarray(0, 15), ad), undefined)
  })
})

describe('discv5 wire: message vectors', () => {
  for (const v of V.messages) {
    test(`${v.name} (${v.valid ? 'valid' : 'invalid'})`, () => {
      const r = decodeMessage(fromHex(v.encoded))
      if (!v.valid) {
        assert.equal(r.ok, false)
        return
      }
      assert.ok(r.ok, r.ok ? '' : r.error.message)
      const m = r.value
      assert.equal(toHex(m.reqId), v.reqId)
      const f = v.fields ?? {}
      switch (m.type) {
        case 'PING':
          assert.equal(m.enrSeq, BigInt(f.enrSeq as number))
          break
        case 'PONG':
          assert.equal(m.enrSeq, BigInt(f.enrSeq as number))
          assert.equal(m.ip, f.recipientIp)
          assert.equal(m.port, f.recipientPort)
          break
        case 'FINDNODE':
          assert.deepEqual(m.distances, f.distances)
          break
        case 'NODES':
          assert.equal(m.total, f.total)
          assert.deepEqual(
            m.enrs.map((e) => Enr.decode(e).encodeText()),
            f.enrs,
          )
          break
        case 'TALKREQ':
          assert.equal(toHex(m.protocol), f.protocol)
          assert.equal(toHex(m.request), f.request)
          break
        case 'TALKRESP':
          assert.equal(toHex(m.response), f.response)
          break
        default:
          assert.fail(`unexpected ${m.type}`)
      }
      assert.equal(toHex(encodeMessage(m)), v.encoded, 'encoding round-trips')
    })
  }
  test('a 9-byte request id is refused by the encoder too', () => {
    assert.throws(
      () => encodeMessage({ type: 'PING', reqId: new Uint8Array(9), enrSeq: 1n }),
      (e: Error) => 'code' in e && e.code === 'REQUEST_ID_TOO_LONG',
    )
    const r = decodeMessage(fromHex('01cb8900010203040506070801'))
    assert.ok(!r.ok && r.error.code === 'REQUEST_ID_TOO_LONG')
  })
})

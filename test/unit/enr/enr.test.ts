import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { generatePrivateKey, keccak256, publicKeyCompressed, sign } from '../../../src/crypto/index.js'
import { ENR_MAX_SIZE, Enr, EnrError, enrToEnode } from '../../../src/enr/index.js'
import { encode, type RlpInput } from '../../../src/rlp/index.js'
import { fromHex, toHex, utf8 } from '../../../src/util/bytes.js'
import { loadVector } from '../../helpers/vectors.js'

interface ValidVec {
  name: string
  text: string
  rlp?: string
  privateKey: string
  nodeId?: string
  seq: number
  signature?: string
  decoded: { id: string; ip: string; udp: number }
}
const vectors = loadVector<{ valid: ValidVec[]; invalid: { name: string; text: string; expectedError: string }[] }>(
  'enr.json',
)

const isCode = (code: string) => (e: unknown) => e instanceof EnrError && e.code === code

describe('ENR vectors (EIP-778, go-ethereum)', () => {
  for (const v of vectors.valid) {
    test(`decode ${v.name}`, () => {
      const enr = Enr.decodeText(v.text)
      assert.equal(enr.seq, BigInt(v.seq))
      assert.equal(enr.scheme, v.decoded.id)
      assert.equal(enr.ip, v.decoded.ip)
      assert.equal(enr.udp, v.decoded.udp)
      assert.deepEqual(enr.publicKey, publicKeyCompressed(fromHex(v.privateKey)))
      if (v.nodeId) assert.equal(enr.nodeIdHex, v.nodeId)
      if (v.rlp) assert.equal(toHex(enr.encode()), v.rlp)
      if (v.signature) assert.equal(toHex(enr.signature), v.signature)
      assert.equal(enr.encodeText(), v.text)
    })
    test(`re-create ${v.name} from its key and fields`, () => {
      const enr = Enr.create(fromHex(v.privateKey), { seq: v.seq, ip: v.decoded.ip, udp: v.decoded.udp })
      const orig = Enr.decodeText(v.text)
      assert.deepEqual(enr.entries(), orig.entries())
      assert.equal(enr.nodeIdHex, orig.nodeIdHex)
    })
  }
  for (const v of vectors.invalid) {
    test(`reject ${v.name}`, () => {
      assert.throws(() => Enr.decodeText(v.text), EnrError)
    })
  }
})

/** Build a record by hand so tests can break one rule at a time. */
function rawRecord(priv: Uint8Array, seq: number, pairs: [string, RlpInput][], opts: { badSig?: boolean } = {}) {
  const content: RlpInput[] = [seq]
  for (const [k, v] of pairs) content.push(utf8(k), v)
  const sig = sign(keccak256(encode(content)), priv)
  if (opts.badSig) sig[5] = (sig[5] as number) ^ 1
  return encode([sig, ...content])
}

describe('ENR rules', () => {
  const priv = generatePrivateKey()
  const pub = publicKeyCompressed(priv)
  const base: [string, RlpInput][] = [
    ['id', 'v4'],
    ['ip', fromHex('7f000001')],
    ['secp256k1', pub],
    ['udp', 30303],
  ]

  test('a hand-built record verifies', () => {
    const enr = Enr.decode(rawRecord(priv, 7, base))
    assert.equal(enr.seq, 7n)
    assert.equal(enrToEnode(enr).startsWith('enode://'), true)
  })
  test('bad signature', () => {
    assert.throws(() => Enr.decode(rawRecord(priv, 1, base, { badSig: true })), isCode('BAD_SIGNATURE'))
  })
  test('keys not sorted', () => {
    const pairs: [string, RlpInput][] = [base[0]!, base[2]!, base[1]!, base[3]!]
    assert.throws(() => Enr.decode(rawRecord(priv, 1, pairs)), isCode('KEYS_NOT_SORTED'))
  })
  test('duplicate key', () => {
    const pairs: [string, RlpInput][] = [...base.slice(0, 3), ['udp', 1], ['udp', 2]]
    assert.throws(() => Enr.decode(rawRecord(priv, 1, pairs)), isCode('DUPLICATE_KEY'))
  })
  test('unknown identity scheme', () => {
    const pairs: [string, RlpInput][] = [['id', 'v5'], ...base.slice(1)]
    assert.throws(() => Enr.decode(rawRecord(priv, 1, pairs)), isCode('UNKNOWN_IDENTITY_SCHEME'))
  })
  test('no identity scheme', () => {
    assert.throws(() => Enr.decode(rawRecord(priv, 1, base.slice(1))), isCode('NO_IDENTITY_SCHEME'))
  })
  test('malformed known entries', () => {
    const withIp: [string, RlpInput][] = [base[0]!, ['ip', fromHex('7f0000')], base[2]!, base[3]!]
    assert.throws(() => Enr.decode(rawRecord(priv, 1, withIp)), isCode('BAD_ENTRY'))
    const withPort: [string, RlpInput][] = [...base.slice(0, 3), ['udp', fromHex('010000')]]
    assert.throws(() => Enr.decode(rawRecord(priv, 1, withPort)), isCode('BAD_ENTRY'))
    const withKey: [string, RlpInput][] = [base[0]!, base[1]!, ['secp256k1', pub.subarray(1)], base[3]!]
    assert.throws(() => Enr.decode(rawRecord(priv, 1, withKey)), isCode('BAD_ENTRY'))
  })
  test('over 300 bytes', () => {
    const big: [string, RlpInput][] = [...base, ['zz', new Uint8Array(200)]]
    const raw = rawRecord(priv, 1, big)
    assert.ok(raw.length > ENR_MAX_SIZE)
    assert.throws(() => Enr.decode(raw), isCode('TOO_LARGE'))
    assert.throws(() => Enr.create(priv, { extra: { zz: new Uint8Array(250) } }), isCode('TOO_LARGE'))
  })
  test('odd number of elements and non-list', () => {
    assert.throws(() => Enr.decode(encode([new Uint8Array(64), 1, 'id'])), isCode('BAD_SHAPE'))
    assert.throws(() => Enr.decode(encode('x')), isCode('BAD_SHAPE'))
    assert.throws(() => Enr.decode(fromHex('c3')), isCode('BAD_RLP'))
  })
  test('text form is strict', () => {
    const text = Enr.create(priv, { ip: '10.0.0.1', udp: 1 }).encodeText()
    assert.throws(() => Enr.decodeText(text.slice(4)), isCode('BAD_TEXT'))
    assert.throws(() => Enr.decodeText(`${text}=`), isCode('BAD_TEXT'))
    assert.throws(() => Enr.decodeText(`${text.slice(0, 10)}+${text.slice(11)}`), isCode('BAD_TEXT'))
  })
  test('update increments seq on every change and keeps other entries', () => {
    const a = Enr.create(priv, {
      ip: '10.0.0.1',
      tcp: 30303,
      udp: 30303,
      extra: { eth: [[fromHex('fc64ec04'), 1150000]] },
    })
    const b = a.update(priv, { tcp: 30304 })
    const c = b.update(priv, { ip6: '::1', remove: ['eth'] })
    assert.deepEqual([a.seq, b.seq, c.seq], [1n, 2n, 3n])
    assert.equal(b.tcp, 30304)
    assert.equal(b.ip, '10.0.0.1')
    assert.deepEqual(b.getItem('eth'), [[fromHex('fc64ec04'), fromHex('118c30')]])
    assert.equal(c.ip6, '::1')
    assert.equal(c.has('eth'), false)
    assert.equal(c.nodeIdHex, a.nodeIdHex)
  })
  test('typed accessors for every known key', () => {
    const e = Enr.create(priv, {
      ip: '1.2.3.4',
      ip6: '2001:db8::1',
      tcp: 1,
      udp: 2,
      tcp6: 3,
      udp6: 4,
      quic: 5,
      quic6: 6,
      extra: { eth2: fromHex('0102030405060708'), attnets: fromHex('ff00') },
    })
    const back = Enr.decodeText(e.encodeText())
    assert.deepEqual(
      [back.ip, back.ip6, back.tcp, back.udp, back.tcp6, back.udp6, back.quic, back.quic6],
      ['1.2.3.4', '2001:db8::1', 1, 2, 3, 4, 5, 6],
    )
    assert.equal(toHex(back.get('eth2')!), '0102030405060708')
    assert.equal(toHex(back.get('attnets')!), 'ff00')
  })
})

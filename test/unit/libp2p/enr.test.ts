// js-libp2p needs Promise.withResolvers (Node 22+): installed before any libp2p module loads.
import '../../../src/libp2p/polyfill.js'
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { generatePrivateKey, publicKey64 } from '../../../src/crypto/index.js'
import { Enr } from '../../../src/enr/index.js'
import {
  ATTNETS_ENR_KEY,
  createLocalEnr,
  ETH2_ENR_KEY,
  encodeEnrForkId,
  enrForkId,
  enrToPeerInfo,
  eth2Filter,
  hasTcp,
  historyKey,
  Libp2pNodeError,
  libp2pPrivateKey,
  nodeIdFromPeerId,
  peerIdFromSecp256k1,
  peerIdFromSecret,
  sameForkDigest,
} from '../../../src/libp2p/index.js'
import { toHex } from '../../../src/util/bytes.js'

const digest = Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd)
const forkId = encodeEnrForkId({
  forkDigest: digest,
  nextForkVersion: Uint8Array.of(1, 2, 3, 4),
  nextForkEpoch: 2n ** 64n - 1n,
})

describe('keys', () => {
  test('This test checks our 32-byte key gives the same peer id as libp2p derives on its own', () => {
    const secret = generatePrivateKey()
    const theirs = peerIdFromPrivateKey(privateKeyFromRaw(secret))
    assert.equal(peerIdFromSecret(secret).toString(), theirs.toString())
    assert.equal(peerIdFromSecp256k1(publicKey64(secret)).toString(), theirs.toString())
    assert.equal(libp2pPrivateKey(secret).type, 'secp256k1')
    assert.ok(theirs.toString().startsWith('16Uiu2'))
  })

  test('This test checks a peer id maps back to the discovery node id, and other key types do not', () => {
    const secret = generatePrivateKey()
    const enr = Enr.create(secret, { ip: '127.0.0.1', tcp: 9000 })
    const id = peerIdFromSecret(secret)
    assert.deepEqual(nodeIdFromPeerId(id), enr.nodeId)
    assert.equal(historyKey(id), toHex(enr.nodeId))
    const ed = peerIdFromString('12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA')
    assert.equal(nodeIdFromPeerId(ed), undefined)
    assert.equal(historyKey(ed), ed.toString())
  })

  test('This test checks invalid private keys are refused with a typed error', () => {
    assert.throws(() => libp2pPrivateKey(new Uint8Array(31)), Libp2pNodeError)
    assert.throws(() => libp2pPrivateKey(new Uint8Array(32)), Libp2pNodeError)
  })
})

describe('ENR to libp2p', () => {
  test('This test checks the peer id and ip4/ip6 TCP multiaddrs of a record (tcp6 falls back to tcp)', () => {
    const secret = generatePrivateKey()
    const enr = Enr.create(secret, { ip: '10.1.2.3', tcp: 9000, ip6: '2001:db8::1', udp: 9001 })
    const r = enrToPeerInfo(enr)
    assert.ok(r.ok)
    assert.equal(r.value.peerId.toString(), peerIdFromSecret(secret).toString())
    assert.deepEqual(
      r.value.multiaddrs.map((m) => m.toString()),
      ['/ip4/10.1.2.3/tcp/9000', '/ip6/2001:db8::1/tcp/9000'],
    )
    const both = enrToPeerInfo(Enr.create(secret, { ip6: '2001:db8::2', tcp6: 9100 }))
    assert.ok(both.ok)
    assert.deepEqual(
      both.value.multiaddrs.map((m) => m.toString()),
      ['/ip6/2001:db8::2/tcp/9100'],
    )
  })

  test('This test checks records with bogus or missing addresses are refused', () => {
    const secret = generatePrivateKey()
    assert.deepEqual(enrToPeerInfo(Enr.create(secret, { ip: '1.2.3.4', udp: 30303 })), { ok: false, error: 'NO_TCP' })
    for (const ip of ['0.0.0.0', '224.0.0.1', '255.255.255.255', '240.0.0.1']) {
      const r = enrToPeerInfo(Enr.create(secret, { ip, tcp: 9000 }))
      assert.deepEqual(r, { ok: false, error: 'BAD_ADDRESS' }, ip)
    }
    for (const ip6 of ['::', 'ff02::1'])
      assert.deepEqual(enrToPeerInfo(Enr.create(secret, { ip6, tcp6: 9000 })), { ok: false, error: 'BAD_ADDRESS' }, ip6)
    assert.deepEqual(enrToPeerInfo(Enr.create(secret, { ip: '1.2.3.4', tcp: 0 })), { ok: false, error: 'BAD_ADDRESS' })
    assert.deepEqual(enrToPeerInfo(Enr.create(secret, { tcp: 9000 })), { ok: false, error: 'BAD_ADDRESS' })
    const lan = Enr.create(secret, { ip: '127.0.0.1', tcp: 9000 })
    assert.ok(enrToPeerInfo(lan).ok)
    assert.deepEqual(enrToPeerInfo(lan, { allowPrivate: false }), { ok: false, error: 'BAD_ADDRESS' })
  })

  test('This test checks the eth2 entry round-trips and the fork-digest filter', () => {
    const secret = generatePrivateKey()
    const enr = Enr.create(secret, { ip: '1.2.3.4', tcp: 9000, extra: { [ETH2_ENR_KEY]: forkId } })
    const f = enrForkId(enr)
    assert.ok(f)
    assert.deepEqual(f.forkDigest, digest)
    assert.deepEqual(f.nextForkVersion, Uint8Array.of(1, 2, 3, 4))
    assert.equal(f.nextForkEpoch, 2n ** 64n - 1n)
    assert.ok(sameForkDigest(digest)(enr))
    assert.ok(!sameForkDigest(Uint8Array.of(1, 1, 1, 1))(enr))
    assert.ok(eth2Filter(digest)(enr))
    const noTcp = Enr.create(secret, { ip: '1.2.3.4', udp: 9000, extra: { [ETH2_ENR_KEY]: forkId } })
    assert.ok(!eth2Filter(digest)(noTcp))
    assert.ok(!hasTcp(noTcp))
    const shortEth2 = Enr.create(secret, { ip: '1.2.3.4', tcp: 9000, extra: { [ETH2_ENR_KEY]: digest } })
    assert.equal(enrForkId(shortEth2), undefined)
    assert.ok(!eth2Filter(digest)(shortEth2))
  })

  test('This test checks our own record advertises the TCP port and the custom entries', () => {
    const secret = generatePrivateKey()
    const attnets = Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 1)
    const enr = createLocalEnr(secret, {
      ip: '127.0.0.1',
      tcp: 9000,
      udp: 9001,
      extra: { [ETH2_ENR_KEY]: forkId, [ATTNETS_ENR_KEY]: attnets },
    })
    const back = Enr.decode(enr.encode())
    assert.equal(back.tcp, 9000)
    assert.equal(back.udp, 9001)
    assert.equal(back.ip, '127.0.0.1')
    assert.deepEqual(back.get(ATTNETS_ENR_KEY), attnets)
    assert.deepEqual(back.get(ETH2_ENR_KEY), forkId)
    // an unspecified listen address is not advertised
    assert.equal(createLocalEnr(secret, { ip: '0.0.0.0', tcp: 9000 }).ip, undefined)
  })
})

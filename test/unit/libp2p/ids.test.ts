import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Libp2pNode, Libp2pNodeError, protocolIds, StreamConnection } from '../../../src/libp2p/index.js'
import {
  bytesCodec,
  defineProtocol,
  envelopeIds,
  message,
  ProtocolHost,
  request,
  uint64Codec,
} from '../../../src/protocol/index.js'
import { systemClock } from '../../../src/util/clock.js'
import { silentLogger } from '../../../src/util/logger.js'

const proto = defineProtocol({
  name: 'demo',
  version: 3,
  length: 4,
  requestIds: envelopeIds,
  messages: { status: message(0x00, bytesCodec) },
  requests: { getThing: request(0x01, uint64Codec, { response: 0x02, codec: bytesCodec }) },
})

const env = {
  openStream: () => Promise.reject(new Error('unused')),
  hangUp: () => {},
  clock: systemClock,
  logger: silentLogger,
  count: () => {},
}

describe('protocol ids', () => {
  test('This test checks one id per request and message, none for responses, with prefix and encoding', () => {
    const t = protocolIds(proto)
    assert.deepEqual(t.ids, ['/demo/status/3/rlp_snappy', '/demo/getThing/3/rlp_snappy'])
    assert.equal(t.codeOf('/demo/getThing/3/rlp_snappy'), 0x01)
    assert.equal(t.idOf(0x02), undefined)
    const e2 = protocolIds(proto, { prefix: '/eth2/beacon_chain/req', encoding: 'ssz_snappy' })
    assert.equal(e2.idOf(0x00), '/eth2/beacon_chain/req/demo/status/3/ssz_snappy')
  })

  test('This test checks names unusable in an id and bad prefixes are configuration errors', () => {
    const spaced = defineProtocol({ name: 'bad name', version: 1, length: 1, messages: { m: message(0, bytesCodec) } })
    assert.throws(() => protocolIds(spaced), Libp2pNodeError)
    assert.throws(() => protocolIds(proto, { prefix: 'no-slash' }), Libp2pNodeError)
  })

  test('This test checks request/response protocols without a request-id scheme are refused up front', async () => {
    const fifo = defineProtocol({
      name: 'fifo',
      version: 1,
      length: 2,
      requests: { q: request(0x00, uint64Codec, { response: 0x01, codec: uint64Codec }) },
    })
    assert.throws(() => new StreamConnection(fifo, protocolIds(fifo), env), Libp2pNodeError)
    await assert.rejects(
      Libp2pNode.create({ privateKey: new Uint8Array(32).fill(1), protocols: [{ host: new ProtocolHost(fifo) }] }),
      (e: unknown) => e instanceof Libp2pNodeError && e.code === 'BAD_CONFIG',
    )
    const onlyMessages = defineProtocol({
      name: 'gossipy',
      version: 1,
      length: 1,
      messages: { m: message(0, bytesCodec) },
    })
    assert.ok(new StreamConnection(onlyMessages, protocolIds(onlyMessages), env))
    await assert.rejects(
      Libp2pNode.create({
        privateKey: new Uint8Array(32).fill(1),
        protocols: [{ host: new ProtocolHost(proto) }, { host: new ProtocolHost(proto) }],
      }),
      (e: unknown) => e instanceof Libp2pNodeError && e.code === 'BAD_CONFIG',
    )
  })
})

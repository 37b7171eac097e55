import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { generatePrivateKey } from '../../src/crypto/index.js'
import { encodePacket } from '../../src/discv4/wire/index.js'
import { MemoryNetwork } from '../../src/sim/network.js'
import { demultiplex, UdpTransport } from '../../src/transport/udp.js'
import { VirtualClock } from '../../src/util/clock.js'

describe('datagram transports', () => {
  test('UDP socket on loopback sends, receives and closes', async () => {
    const a = await UdpTransport.bind('127.0.0.1', 0)
    const b = await UdpTransport.bind('127.0.0.1', 0)
    const got = new Promise<{ data: Uint8Array; port: number }>((resolve) =>
      b.onDatagram((data, from) => resolve({ data: data.slice(), port: from.port })),
    )
    a.send(Uint8Array.of(1, 2, 3), b.address)
    const r = await got
    assert.deepEqual([...r.data], [1, 2, 3])
    assert.equal(r.port, a.address.port)
    await Promise.all([a.close(), b.close()])
  })

  test('demux sends discv4-shaped datagrams to v4 and the rest to v5', () => {
    const clock = new VirtualClock()
    const net = new MemoryNetwork({ clock })
    const server = net.bind()
    const client = net.bind()
    const seen: string[] = []
    demultiplex(server, { v4: () => seen.push('v4'), v5: () => seen.push('v5') })
    const v4 = encodePacket(generatePrivateKey(), {
      kind: 'ping',
      version: 4,
      from: { ip: '127.0.0.1', udp: 1, tcp: 1 },
      to: { ip: '127.0.0.1', udp: 2, tcp: 0 },
      expiration: 2_000_000_000,
    }).bytes
    client.send(v4, server.address)
    client.send(new Uint8Array(100).fill(9), server.address)
    const tampered = v4.slice()
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1
    client.send(tampered, server.address)
    clock.advance(10)
    assert.deepEqual(seen, ['v4', 'v5', 'v5'])
  })

  test('memory network drops datagrams to closed endpoints and honours loss', async () => {
    const clock = new VirtualClock()
    let r = 0
    const net = new MemoryNetwork({ clock, loss: 0.5, random: () => (r++ % 2 ? 0.9 : 0.1) })
    const a = net.bind()
    const b = net.bind()
    let got = 0
    b.onDatagram(() => got++)
    for (let i = 0; i < 10; i++) a.send(Uint8Array.of(i), b.address)
    clock.advance(5)
    assert.equal(got, 5)
    await b.close()
    a.send(Uint8Array.of(1), b.address)
    a.send(Uint8Array.of(1), b.address)
    clock.advance(5)
    assert.equal(got, 5)
    assert.ok(net.stats.dropped >= 6)
  })
})

import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { describe, test } from 'node:test'
import { generatePrivateKey } from '../../../src/crypto/index.js'
import { Enr } from '../../../src/enr/index.js'
import { createEth2Node, discv5Source, Libp2pNodeError } from '../../../src/libp2p/index.js'
import { UdpTransport } from '../../../src/transport/udp.js'

/** A UDP port that was free a moment ago. */
async function freeUdpPort(): Promise<number> {
  const u = await UdpTransport.bind('127.0.0.1', 0)
  const port = u.address.port
  await u.close()
  return port
}

/** True if the UDP port can be bound now (the node released it). */
async function udpFree(port: number): Promise<boolean> {
  try {
    await (await UdpTransport.bind('127.0.0.1', port)).close()
    return true
  } catch {
    return false
  }
}

describe('createEth2Node', () => {
  test('This test checks a bad attnets size is refused with BAD_CONFIG and the UDP socket is released', async () => {
    const udpPort = await freeUdpPort()
    await assert.rejects(
      createEth2Node({ privateKey: generatePrivateKey(), tcpPort: 0, udpPort, attnets: new Uint8Array(7) }),
      (e) => e instanceof Libp2pNodeError && e.code === 'BAD_CONFIG',
    )
    assert.ok(await udpFree(udpPort))
  })

  test('This test checks a taken TCP port rejects creation and releases the UDP socket', async () => {
    const server = createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const taken = (server.address() as { port: number }).port
    const udpPort = await freeUdpPort()
    try {
      await assert.rejects(createEth2Node({ privateKey: generatePrivateKey(), tcpPort: taken, udpPort }))
      assert.ok(await udpFree(udpPort))
    } finally {
      await new Promise((r) => server.close(r))
    }
  })

  test('This test checks the record ports, the one record shared by discv5 and libp2p, and an idempotent stop', async () => {
    const key = generatePrivateKey()
    const node = await createEth2Node({ privateKey: key, tcpPort: 0, targetPeers: 0, syncnets: Uint8Array.of(3) })
    try {
      assert.equal(node.enr.tcp, node.tcpPort)
      assert.equal(node.enr.udp, node.udpPort)
      assert.deepEqual(node.enr.get('syncnets'), Uint8Array.of(3))
      assert.equal(node.libp2p.enr, node.discv5.enr)
      assert.match(node.enode, new RegExp(`@127\\.0\\.0\\.1:${node.tcpPort}\\?discport=${node.udpPort}$`))
      // libp2p refuses records that are not newer, or not ours
      assert.throws(
        () => node.libp2p.setEnr(node.enr),
        (e) => e instanceof Libp2pNodeError && e.code === 'BAD_CONFIG',
      )
      const foreign = Enr.create(generatePrivateKey(), { seq: 100n, ip: '127.0.0.1' })
      assert.throws(
        () => node.libp2p.setEnr(foreign),
        (e) => e instanceof Libp2pNodeError,
      )
      const next = node.updateEnr({ attnets: new Uint8Array(8).fill(1) })
      assert.equal(node.libp2p.enr, next)
      assert.equal(node.discv5.enr, next)
    } finally {
      await node.stop()
      await node.stop()
    }
    assert.ok(await udpFree(node.udpPort))
    assert.throws(
      () => node.updateEnr({}),
      (e) => e instanceof Libp2pNodeError && e.code === 'STOPPED',
    )
  })

  test('This test checks discv5Source adds records with a UDP endpoint to the table and skips others', async () => {
    const node = await createEth2Node({ privateKey: generatePrivateKey(), tcpPort: 0, targetPeers: 0 })
    try {
      const source = discv5Source(node.discv5)
      const withUdp = Enr.create(generatePrivateKey(), { ip: '127.0.0.1', udp: 30303, tcp: 30303 })
      const tcpOnly = Enr.create(generatePrivateKey(), { ip: '127.0.0.1', tcp: 30303 })
      source.addEnr(withUdp)
      source.addEnr(tcpOnly)
      assert.ok(node.discv5.table.has(withUdp.nodeId))
      assert.ok(!node.discv5.table.has(tcpOnly.nodeId))
    } finally {
      await node.stop()
    }
  })
})

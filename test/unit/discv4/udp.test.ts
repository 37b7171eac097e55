import assert from 'node:assert/strict'
import { createSocket, type Socket } from 'node:dgram'
import { once } from 'node:events'
import { test } from 'node:test'
import { publicKey64 } from '../../../src/crypto/index.js'
import { Discv4Service, makeNode } from '../../../src/discv4/index.js'
import { intToBytes, padStart } from '../../../src/util/bytes.js'

async function endpoint(i: number): Promise<{ socket: Socket; service: Discv4Service; port: number }> {
  const socket = createSocket('udp4')
  socket.bind(0, '127.0.0.1')
  await once(socket, 'listening')
  const port = socket.address().port
  const service = new Discv4Service({
    privateKey: padStart(intToBytes(i + 77), 32),
    endpoint: { ip: '127.0.0.1', udp: port, tcp: port },
    send: (bytes, to) => socket.send(bytes, to.port, to.ip),
  })
  socket.on('message', (msg, rinfo) => service.handle(new Uint8Array(msg), { ip: rinfo.address, port: rinfo.port }))
  return { socket, service, port }
}

test('discv4 over real UDP on 127.0.0.1: PING and FINDNODE between two services sharing nothing but sockets', async () => {
  const a = await endpoint(1)
  const b = await endpoint(2)
  const c = await endpoint(3)
  try {
    const nodeB = makeNode(publicKey64(padStart(intToBytes(79), 32)), '127.0.0.1', b.port)
    await c.service.ping(nodeB)
    const found = await a.service.findNode(nodeB, publicKey64(padStart(intToBytes(80), 32)))
    assert.deepEqual(
      found.map((n) => n.udp),
      [c.port],
    )
  } finally {
    for (const e of [a, b, c]) {
      await e.service.close()
      e.socket.close()
    }
  }
})

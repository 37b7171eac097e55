// One protocol definition (the example ping protocol) and one set of handlers, run over RLPx between
// two eth-p2p nodes and over libp2p streams between two Eth2-style eth-p2p nodes.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ping } from '../../examples/ping-protocol.js'
import { generatePrivateKey } from '../../src/crypto/index.js'
import { createEth2Node } from '../../src/libp2p/index.js'
import { createNode } from '../../src/node/node.js'
import type { AnyProtocol, ProtocolPeer } from '../../src/protocol/index.js'
import { ProtocolHost } from '../../src/protocol/index.js'
import { until } from '../unit/libp2p/plain.js'

/** The handler code, written once: every node of both transports runs this host. */
function pingHost(): ProtocolHost<typeof ping> {
  return new ProtocolHost(ping)
    .handle(ping.messages.hello, (text, peer) => {
      peer.state.greeting = text
    })
    .handle(ping.requests.ping, (n) => n + 1n)
    .handle(ping.messages.bye, (_, peer) => peer.disconnect())
}

/** The exchange, written once: greet, ping, say goodbye; returns what the server saw. */
async function exercise(client: ProtocolPeer<typeof ping>, server: ProtocolHost<typeof ping>) {
  client.send(ping.messages.hello, 'hello from a')
  const pong = await client.request(ping.requests.ping, 41n)
  const pongs = await Promise.all([1n, 2n, 3n].map((n) => client.request(ping.requests.ping, n)))
  await until(() => [...server.peers].some((p) => p.state.greeting !== ''), 3000, 'the greeting')
  const greeting = [...server.peers].map((p) => p.state.greeting).find((g) => g !== '')
  client.send(ping.messages.bye, null)
  const closed = await client.closed
  return { pong, pongs, greeting, closedByServer: closed.remote }
}

const expected = { pong: 42n, pongs: [2n, 3n, 4n], greeting: 'hello from a', closedByServer: true }

describe('one protocol definition, two transports', () => {
  test('This test checks the ping protocol and its handlers run over RLPx between two eth-p2p nodes', async () => {
    const hosts = [pingHost(), pingHost()] as const
    const [a, b] = await Promise.all(
      hosts.map((h) =>
        createNode({
          privateKey: generatePrivateKey(),
          tcpPort: 0,
          discovery: [],
          // a list of hosts of different protocols is typed by the widest protocol
          protocols: [h as unknown as ProtocolHost<AnyProtocol>],
        }),
      ),
    )
    try {
      const peer = await a!.connect(b!.enode, { signal: AbortSignal.timeout(5000) })
      // RLPx names capabilities by protocol name (the version is negotiated in Hello)
      assert.deepEqual([...peer.protocols.keys()], ['ping'])
      const client = peer.protocols.get('ping') as ProtocolPeer<typeof ping> | undefined
      assert.ok(client)
      await until(() => client.ready, 3000, 'the session')
      assert.deepEqual(await exercise(client, hosts[1]), expected)
    } finally {
      await Promise.all([a!.stop(), b!.stop()])
    }
  })

  test('This test checks the same protocol and handlers run over libp2p streams between two Eth2-style nodes', async () => {
    const hosts = [pingHost(), pingHost()] as const
    const [a, b] = await Promise.all(
      hosts.map((host) =>
        createEth2Node({
          privateKey: generatePrivateKey(),
          tcpPort: 0,
          targetPeers: 0,
          protocols: [{ host }],
        }),
      ),
    )
    try {
      await a!.dial(b!.enr, AbortSignal.timeout(5000))
      await until(() => a!.peer(b!.peerId, hosts[0])?.ready === true, 5000, 'the session')
      const client = a!.peer(b!.peerId, hosts[0])!
      assert.deepEqual(a!.libp2p.sessionsOf(b!.peerId), ['ping/1'])
      assert.deepEqual(await exercise(client, hosts[1]), expected)
      await until(() => a!.peerCount() === 0, 3000, 'the connection closed by bye')
    } finally {
      await Promise.all([a!.stop(), b!.stop()])
    }
  })
})

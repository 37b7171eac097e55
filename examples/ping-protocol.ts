/** A custom protocol: two messages and one request/response, run between two nodes in memory. */
import { pathToFileURL } from 'node:url'
import { defineProtocol, envelopeIds, memoryPair, message, ProtocolHost, protocol, request } from '../src/index.js'

const { emptyCodec, textCodec, uint64Codec } = protocol

export const ping = defineProtocol({
  name: 'ping',
  version: 1,
  length: 4,
  requestIds: envelopeIds,
  messages: { hello: message(0x00, textCodec()), bye: message(0x01, emptyCodec) },
  requests: { ping: request(0x02, uint64Codec, { response: 0x03, codec: uint64Codec, timeoutMs: 2_000 }) },
  peerState: () => ({ greeting: '' }),
})

/** Connect two nodes, greet, ping, say goodbye; returns what the server saw and the pong. */
export async function runPingExample(): Promise<{ greeting: string; pong: bigint; closedBy: string }> {
  const server = new ProtocolHost(ping)
    .handle(ping.messages.hello, (text, peer) => {
      peer.state.greeting = text
    })
    .handle(ping.requests.ping, (n) => n + 1n)
    .handle(ping.messages.bye, (_, peer) => peer.disconnect())
  const client = new ProtocolHost(ping)
  const [left, right] = memoryPair()
  const [b, a] = await Promise.all([server.connect(right), client.connect(left)])
  a.send(ping.messages.hello, 'hello from a')
  const pong = await a.request(ping.requests.ping, 41n)
  a.send(ping.messages.bye, null)
  const closed = await a.closed
  return { greeting: b.state.greeting, pong, closedBy: closed.remote ? 'server' : 'client' }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) console.log(await runPingExample())

// RLPx: handshakes per second (TCP connect + auth + ack + Hello, both ends in this process, at
// concurrency 1 and 8) and one-way throughput over one connection for 1 KiB and 64 KiB messages
// (random, incompressible payloads; snappy on), ours beside @ethereumjs/devp2p in the same run.
import { randomBytes } from 'node:crypto'
import { Common, Mainnet } from '@ethereumjs/common'
import { type Capabilities, type Peer, RLPx } from '@ethereumjs/devp2p'
import { generatePrivateKey, publicKey64 } from '../src/crypto/index.js'
import { dial, type RlpxConnection, RlpxListener, snappyCompress } from '../src/rlpx/index.js'
import { row } from './_harness.js'

const CAP = { name: 'bench', version: 1, length: 2 }
const common = new Common({ chain: Mainnet })

/** ethereumjs sub-protocol: counts what it receives. */
class BenchProto {
  static onMessage: (data: Uint8Array) => void = () => {}
  constructor(
    _v: number,
    _peer: Peer,
    readonly send: (code: number, data: Uint8Array) => void,
  ) {}
  _handleMessage(_code: number, data: Uint8Array): void {
    BenchProto.onMessage(data)
  }
}
const theirCaps = [{ ...CAP, constructor: BenchProto as unknown as Capabilities['constructor'] }]

async function pool(total: number, concurrency: number, one: () => Promise<void>): Promise<number> {
  let next = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) await one()
    }),
  )
  return (total * 1000) / (performance.now() - start)
}

async function oursHandshakes(total: number, concurrency: number): Promise<number> {
  const key = generatePrivateKey()
  const listener = await RlpxListener.listen({ privateKey: key, protocols: [CAP], onConnection: () => {} })
  const target = { publicKey: publicKey64(key), ip: '127.0.0.1', tcp: listener.address.port }
  const closing: Promise<unknown>[] = []
  const rate = await pool(total, concurrency, async () => {
    const c = await dial(target, { privateKey: generatePrivateKey(), protocols: [CAP] })
    closing.push(c.disconnect())
  })
  await Promise.all(closing)
  await listener.close()
  return rate
}

async function theirHandshakes(total: number, concurrency: number): Promise<number> {
  const a = new RLPx(generatePrivateKey(), { capabilities: theirCaps, common, maxPeers: 1000 })
  a.events.on('peer:error', () => {})
  a.listen(0, '127.0.0.1')
  await new Promise<void>((r) => a.events.once('listening', () => r()))
  const port = (a as unknown as { _server: { address(): { port: number } } })._server.address().port
  const clients = Array.from(
    { length: total },
    () => new RLPx(generatePrivateKey(), { capabilities: theirCaps, common }),
  )
  let i = 0
  const rate = await pool(total, concurrency, async () => {
    const b = clients[i++] as RLPx
    b.events.on('peer:error', () => {})
    const added = new Promise<Peer>((r) => b.events.once('peer:added', r))
    await b.connect({ id: a.id, address: '127.0.0.1', tcpPort: port })
    const peer = await added
    ;(peer as unknown as { _socket: { destroy(): void } })._socket.destroy()
  })
  for (const b of clients) b.destroy()
  a.destroy()
  return rate
}

/** Bytes per second from us to us: `count` messages of `size`. */
async function oursThroughput(size: number, count: number): Promise<number> {
  const key = generatePrivateKey()
  let accepted!: (c: RlpxConnection) => void
  const got = new Promise<RlpxConnection>((r) => {
    accepted = r
  })
  const listener = await RlpxListener.listen({ privateKey: key, protocols: [CAP], onConnection: (c) => accepted(c) })
  const client = await dial(
    { publicKey: publicKey64(key), ip: '127.0.0.1', tcp: listener.address.port },
    { privateKey: generatePrivateKey(), protocols: [CAP] },
  )
  const server = await got
  const payload = new Uint8Array(randomBytes(size))
  let n = 0
  const done = new Promise<void>((resolve) =>
    server.onMessage(() => {
      if (++n === count) resolve()
    }),
  )
  const start = performance.now()
  for (let i = 0; i < count; i++) await client.send(0x10, payload)
  await done
  const rate = (count * size * 1000) / (performance.now() - start)
  await client.disconnect()
  await listener.close()
  return rate
}

async function theirThroughput(size: number, count: number): Promise<number> {
  const a = new RLPx(generatePrivateKey(), { capabilities: theirCaps, common, maxPeers: 10 })
  const b = new RLPx(generatePrivateKey(), { capabilities: theirCaps, common, maxPeers: 10 })
  a.listen(0, '127.0.0.1')
  await new Promise<void>((r) => a.events.once('listening', () => r()))
  const port = (a as unknown as { _server: { address(): { port: number } } })._server.address().port
  const added = Promise.all([
    new Promise<Peer>((r) => a.events.once('peer:added', r)),
    new Promise<Peer>((r) => b.events.once('peer:added', r)),
  ])
  await b.connect({ id: a.id, address: '127.0.0.1', tcpPort: port })
  const [, pb] = await added
  const proto = pb.getProtocols()[0] as unknown as BenchProto
  const payload = new Uint8Array(randomBytes(size))
  let n = 0
  const done = new Promise<void>((resolve) => {
    BenchProto.onMessage = () => {
      if (++n === count) resolve()
    }
  })
  const start = performance.now()
  // ethereumjs leaves snappy to the sub-protocol, as its eth and snap do.
  for (let i = 0; i < count; i++) proto.send(0, snappyCompress(payload))
  await done
  const rate = (count * size * 1000) / (performance.now() - start)
  a.destroy()
  b.destroy()
  return rate
}

console.log('rlpx handshakes: TCP connect + auth + ack + Hello, both ends in this process')
for (const concurrency of [1, 8]) {
  const theirs = await theirHandshakes(40, concurrency)
  const ours = await oursHandshakes(200, concurrency)
  row(`handshakes/s, concurrency ${concurrency}`, ours, theirs, 'hs/s', '@ethereumjs/devp2p')
}
console.log('rlpx throughput: one connection, one way, random payloads, snappy on')
for (const [size, oursCount, theirCount] of [
  [1024, 30_000, 1500],
  [64 * 1024, 1500, 40],
] as const) {
  const theirs = await theirThroughput(size, theirCount)
  const ours = await oursThroughput(size, oursCount)
  row(`throughput ${size / 1024} KiB messages`, ours / 1e6, theirs / 1e6, 'MB/s', '@ethereumjs/devp2p')
}
process.exit(0)

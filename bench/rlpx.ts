// RLPx: handshakes per second (TCP connect + auth + ack + Hello, both ends in one process, at
// concurrency 1 and 8) and one-way throughput over one connection for 1 KiB and 64 KiB messages
// (random, incompressible payloads; snappy on), ours beside @ethereumjs/devp2p in the same run.
//
// Each measurement runs in a fresh child process (`--one <side> <test>`), so neither side inherits
// the other's timers, sockets, heap or JIT state; ours and theirs alternate (order swapped every
// round) over RLPX_BENCH_ROUNDS rounds (default 3). Printed: each round, then the medians and
// the median of the per-round ratios (the machine is shared and noisy: compare ratios).
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
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

type Side = 'ours' | 'theirs'
interface Test {
  id: string
  label: string
  unit: string
  ours: () => Promise<number>
  theirs: () => Promise<number>
}
const tests: Test[] = [
  ...([1, 8] as const).map((c) => ({
    id: `hs${c}`,
    label: `handshakes/s, concurrency ${c}`,
    unit: 'hs/s',
    ours: () => oursHandshakes(200, c),
    theirs: () => theirHandshakes(40, c),
  })),
  ...(
    [
      [1024, 30_000, 1500],
      [64 * 1024, 1500, 40],
    ] as const
  ).map(([size, oursCount, theirCount]) => ({
    id: `tp${size / 1024}k`,
    label: `throughput ${size / 1024} KiB messages`,
    unit: 'MB/s',
    ours: async () => (await oursThroughput(size, oursCount)) / 1e6,
    theirs: async () => (await theirThroughput(size, theirCount)) / 1e6,
  })),
]

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

/** One measurement in a child process; its last stdout line is the figure. */
function measure(side: Side, id: string): number {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--one', side, id], { encoding: 'utf8' })
  const value = Number(r.stdout.trim().split('\n').pop())
  if (r.status !== 0 || !Number.isFinite(value)) throw new Error(`${side} ${id} failed: ${r.stderr || r.stdout}`)
  return value
}

if (process.argv[2] === '--one') {
  const test = tests.find((t) => t.id === process.argv[4])
  if (!test) throw new Error(`unknown test ${process.argv[4]}`)
  console.log(await (process.argv[3] === 'ours' ? test.ours() : test.theirs()))
  process.exit(0)
}

const rounds = Math.max(1, Number(process.env.RLPX_BENCH_ROUNDS ?? 3))
console.log('rlpx: handshakes = TCP connect + auth + ack + Hello, both ends in one process;')
console.log('      throughput = one connection, one way, random payloads, snappy on.')
console.log(`      each figure from a fresh process; ${rounds} rounds, ours and theirs alternating.`)
const figures = new Map(tests.map((t) => [t.id, { ours: [] as number[], theirs: [] as number[] }]))
for (let round = 0; round < rounds; round++) {
  for (const t of tests) {
    const f = figures.get(t.id) as { ours: number[]; theirs: number[] }
    const order: Side[] = round % 2 ? ['ours', 'theirs'] : ['theirs', 'ours']
    for (const side of order) f[side].push(measure(side, t.id))
    const o = f.ours.at(-1) as number
    const th = f.theirs.at(-1) as number
    console.log(
      `  round ${round + 1} ${t.label.padEnd(32)} ours ${o.toFixed(2)} theirs ${th.toFixed(2)} ${t.unit}  ${(o / th).toFixed(2)}x`,
    )
  }
}
console.log('medians:')
for (const t of tests) {
  const f = figures.get(t.id) as { ours: number[]; theirs: number[] }
  row(t.label, median(f.ours), median(f.theirs), t.unit, '@ethereumjs/devp2p')
  const ratios = f.ours.map((o, i) => o / (f.theirs[i] as number))
  console.log(
    `${''.padEnd(44)} median of per-round ratios ${median(ratios).toFixed(2)}x (${ratios.map((r) => r.toFixed(2)).join(', ')})`,
  )
}
process.exit(0)

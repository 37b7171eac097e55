// discv5 on 127.0.0.1 over real UDP, ours beside @chainsafe/discv5 11 in the same run (chainsafe's
// transport takes its own packet objects, so it cannot share our in-memory network). Every figure
// is measured in a fresh child process per side, one after the other, so neither side's CPU load
// or memory is charged to the other.
//
//   contact  first contact: a fresh node PINGs a running one (random packet -> WHOAREYOU ->
//            handshake + PING -> PONG), wall time at the caller; median and p90 of --samples.
//   ping     PING/PONG per second over one established session: one at a time, and 16 in flight.
//   net      --nodes networks (default 100 and 300) in one process: node 0 is the bootnode, every
//            node knows only it. All nodes are created, then started at once, and each runs the
//            same driver (a lookup for its own id, then a random lookup every second); each side
//            also does what it does by default (ours: its refresh loop, a self lookup and a random
//            one at 0, 2, 6, 14, 30 s...; chainsafe has none). Time from the start until the
//            median table fill reaches 50% and 90%, CPU per lookup once filled (process CPU, all
//            nodes' work included, over --lookups lookups from different nodes, after the drivers
//            stopped), RSS per node once filled (after a GC), and again settled: with the network
//            still running, forced GCs and 15 s more (V8 keeps what the join storm made it commit
//            until its memory reducer runs), beside the V8 heap in use then.
//
// Table fill of a node = table size / what it could hold: for each log-distance, min(16, other
// nodes of the network at that distance), from the actual node ids. The median over nodes is read
// every 250 ms. A side that never gets there within --seconds counts as --seconds.
//
// Limits of ours (said again in the output): the table IP limits exempt loopback (as go-ethereum's
// netutil), so they stay at their defaults; the receive rate limits stay on at their defaults in
// the networks (loopback senders are counted per IP:port, each being its own process), and are
// raised for the one-session PING figure (otherwise 100 datagrams/s from one sender). Datagrams
// our nodes dropped are printed. @chainsafe/discv5 has no rate limits by default.
//
// Usage: node dist/bench/discv5.js [--only contact,ping,net] [--nodes 100,300] [--seconds 60]
//        [--lookups 10] [--samples 30] [--sides ours,chainsafe]
import { spawnSync } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { Discv5 } from '@chainsafe/discv5'
import { ENR, SignableENR } from '@chainsafe/enr'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { logDistance } from '../src/crypto/index.js'
import { type Discv5Options, Discv5Service } from '../src/discv5/index.js'
import { Enr, generatePrivateKey } from '../src/index.js'
import { BUCKET_SIZE, tableCapacity } from '../src/kademlia/index.js'
import { MetricsRegistry } from '../src/metrics/registry.js'
import { UdpTransport } from '../src/transport/udp.js'
import { fromHex, toHex } from '../src/util/bytes.js'
import { row, SETTLE_SECONDS, settle } from './_harness.js'

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    nodes: { type: 'string' },
    seconds: { type: 'string' },
    lookups: { type: 'string' },
    samples: { type: 'string' },
    sides: { type: 'string' },
    child: { type: 'string' },
    side: { type: 'string' },
  },
})
const SECONDS = Number(values.seconds ?? 60)
const LOOKUPS = Number(values.lookups ?? 10)
const SAMPLES = Number(values.samples ?? 30)
const NODES = (values.nodes ?? '100,300').split(',').map(Number)
const PARTS = (values.only ?? 'contact,ping,net').split(',')
const SIDES = (values.sides ?? 'ours,chainsafe').split(',') as Side[]
type Side = 'ours' | 'chainsafe'
/** Ours in the one-session PING figure: limits on, raised far above what one session sends. */
const PING_BENCH_LIMITS = { perIpRate: 1e6, perIpBurst: 1e6, globalRate: 1e6, globalBurst: 1e6 }

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const MA = join(ROOT, 'node_modules/@chainsafe/discv5/node_modules/@multiformats/multiaddr/dist/src/index.js')
const { multiaddr } = (await import(pathToFileURL(MA).href)) as { multiaddr: (s: string) => never }

/** One node of either kind, as the measurements see it. */
interface Node {
  id: Uint8Array
  /** Its record as text (both sides read the other's). */
  enrText: string
  tableSize(): number
  /** Members per log-distance (index d - 1), when the implementation tells. */
  buckets?(): number[]
  lookup(target: Uint8Array): Promise<unknown>
  /** PING the node of `enrText`. */
  ping(enrText: string): Promise<unknown>
  dropped(): Map<string, number>
  /** Start talking (ours: seed the table, start revalidation and refresh; chainsafe: already started). */
  start(): void
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  const s = createSocket('udp4')
  s.bind(0, '127.0.0.1')
  await once(s, 'listening')
  const port = s.address().port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

async function ourNode(boot: string | undefined, opts: Partial<Discv5Options> = {}): Promise<Node> {
  const udp = await UdpTransport.bind('127.0.0.1', 0)
  const key = generatePrivateKey()
  const enr = Enr.create(key, { ip: '127.0.0.1', udp: udp.address.port })
  const svc = new Discv5Service({
    privateKey: key,
    enr,
    send: (d, to) => udp.send(d, to),
    ...(boot && { bootnodes: [Enr.decodeText(boot)] }),
    ...opts,
  })
  udp.onDatagram((d, from) => svc.handle(d, from))
  /** BOUNDED: records of the few nodes a bench run pings. */
  const records = new Map<string, Enr>()
  return {
    id: enr.nodeId,
    enrText: enr.encodeText(),
    tableSize: () => svc.table.size,
    buckets: () => svc.table.bucketSizes(),
    lookup: (t) => svc.lookup(t),
    ping: (text) => {
      const r = records.get(text) ?? Enr.decodeText(text)
      records.set(text, r)
      return svc.ping(r)
    },
    dropped: () => svc.dropped,
    start: () => svc.start(),
    stop: async () => {
      await svc.close()
      await udp.close()
    },
  }
}

async function theirNode(boot: string | undefined): Promise<Node> {
  const privateKey = await generateKeyPair('secp256k1')
  const port = await freePort()
  // Its @libp2p/interface is v2, ours v3: the key objects are the same at run time.
  const enr = SignableENR.createFromPrivateKey(privateKey as never)
  enr.ip = '127.0.0.1'
  enr.udp = port
  const d = Discv5.create({
    enr,
    privateKey: privateKey as never,
    bindAddrs: { ip4: multiaddr(`/ip4/127.0.0.1/udp/${port}`) },
  })
  await d.start()
  if (boot) d.addEnr(boot)
  /** BOUNDED: records of the few nodes a bench run pings. */
  const records = new Map<string, ENR>()
  return {
    id: fromHex(d.enr.nodeId),
    enrText: d.enr.encodeTxt(),
    tableSize: () => d.kadValues().length,
    lookup: (t) => d.findNode(toHex(t)),
    ping: (text) => {
      const r = records.get(text) ?? ENR.decodeTxt(text)
      records.set(text, r)
      return d.sendPing(r)
    },
    dropped: () => new Map(),
    start: () => {},
    stop: () => d.stop(),
  }
}

/** A node of `side`, not started. */
const make = (side: Side, boot?: string, opts?: Partial<Discv5Options>) =>
  side === 'ours' ? ourNode(boot, opts) : theirNode(boot)
/** A started node of `side`. */
const started = async (side: Side, boot?: string, opts?: Partial<Discv5Options>) => {
  const n = await make(side, boot, opts)
  n.start()
  return n
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)] as number
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const randomId = () => crypto.getRandomValues(new Uint8Array(32))

/** First contact, `SAMPLES` times with a fresh caller each: [median ms, p90 ms]. */
async function contact(side: Side): Promise<Record<string, number>> {
  const server = await started(side)
  const ms: number[] = []
  for (let i = 0; i < SAMPLES + 3; i++) {
    const client = await started(side)
    const t0 = performance.now()
    await client.ping(server.enrText)
    if (i >= 3) ms.push(performance.now() - t0) // the first few warm up the code
    await client.stop()
  }
  await server.stop()
  return { median: median(ms), p90: quantile(ms, 0.9) }
}

/** PINGs per second over one session: one at a time, then 16 in flight. */
async function pings(side: Side): Promise<Record<string, number>> {
  const opts = { rateLimit: PING_BENCH_LIMITS }
  const server = await started(side, undefined, opts)
  const client = await started(side, undefined, opts)
  await client.ping(server.enrText)
  const rate = async (window: number) => {
    for (let i = 0; i < 200; i++) await client.ping(server.enrText)
    let n = 0
    const t0 = performance.now()
    const until = t0 + 2000
    await Promise.all(
      Array.from({ length: window }, async () => {
        while (performance.now() < until) {
          await client.ping(server.enrText)
          n++
        }
      }),
    )
    return (n * 1000) / (performance.now() - t0)
  }
  const serial = await rate(1)
  const window16 = await rate(16)
  await client.stop()
  await server.stop()
  return { serial, window16 }
}

const capacity = (me: Uint8Array, all: Uint8Array[]) => tableCapacity(me, all)

/** One network of `n` nodes: fill times, CPU per lookup, RSS per node. */
async function network(side: Side, n: number): Promise<Record<string, number | string>> {
  global.gc?.()
  const rss0 = process.memoryUsage().rss
  const heap0 = process.memoryUsage().heapUsed
  const nodes: Node[] = []
  const metrics = new MetricsRegistry()
  for (let i = 0; i < n; i++) nodes.push(await make(side, nodes[0]?.enrText, { metrics }))
  const ids = nodes.map((x) => x.id)
  const caps = nodes.map((x) => capacity(x.id, ids))
  const fill = () => median(nodes.map((x, i) => x.tableSize() / (caps[i] as number)))
  let running = true
  let lookups = 0
  const drive = () =>
    nodes.map(async (x) => {
      await x.lookup(x.id).catch(() => {})
      lookups++
      while (running) {
        await sleep(1000)
        if (!running) break
        await x.lookup(randomId()).catch(() => {})
        lookups++
      }
    })
  const lag = monitorEventLoopDelay({ resolution: 10 })
  lag.enable()
  const cpu0 = process.cpuUsage()
  const start = performance.now()
  for (const x of nodes) x.start()
  const drivers = drive()
  let t50 = Number.NaN
  let t90 = Number.NaN
  let f = 0
  const trace: string[] = []
  while (performance.now() - start < SECONDS * 1000 && Number.isNaN(t90)) {
    await sleep(250)
    f = fill()
    const t = (performance.now() - start) / 1000
    if (t >= trace.length * 5) trace.push(`${t.toFixed(0)}s ${(f * 100).toFixed(0)}%`)
    if (f >= 0.5 && Number.isNaN(t50)) t50 = t
    if (f >= 0.9 && Number.isNaN(t90)) t90 = t
  }
  const fillCpu = process.cpuUsage(cpu0)
  const deciles = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]
    .map((q) =>
      (
        quantile(
          nodes.map((x, i) => x.tableSize() / (caps[i] as number)),
          q,
        ) * 100
      ).toFixed(0),
    )
    .join(' ')
  // Where the missing members are: mean members / mean capacity of the 8 farthest distances.
  const have = new Array<number>(8).fill(0)
  const could = new Array<number>(8).fill(0)
  for (const x of nodes) {
    const sizes = x.buckets?.()
    if (!sizes) break
    const at = new Array<number>(8).fill(0)
    for (const y of nodes) {
      const r = 256 - logDistance(x.id, y.id)
      if (r < 8 && y !== x) at[r] = (at[r] as number) + 1
    }
    for (let r = 0; r < 8; r++) {
      have[r] = (have[r] as number) + (sizes[255 - r] as number)
      could[r] = (could[r] as number) + Math.min(BUCKET_SIZE, at[r] as number)
    }
  }
  lag.disable()
  const fillSeconds = (performance.now() - start) / 1000
  running = false
  await Promise.all(drivers)
  global.gc?.()
  const rssPerNode = (process.memoryUsage().rss - rss0) / n / 1e6
  const cpu1 = process.cpuUsage()
  const w0 = performance.now()
  for (let i = 0; i < LOOKUPS; i++) await (nodes[1 + (i % (n - 1))] as Node).lookup(randomId()).catch(() => {})
  const cpu = process.cpuUsage(cpu1)
  const wallPerLookup = (performance.now() - w0) / LOOKUPS
  await settle()
  const settledRssPerNode = (process.memoryUsage().rss - rss0) / n / 1e6
  const heapPerNode = (process.memoryUsage().heapUsed - heap0) / n / 1e6
  const dropped = new Map<string, number>()
  for (const x of nodes) for (const [k, v] of x.dropped()) dropped.set(k, (dropped.get(k) ?? 0) + v)
  for (const x of nodes) await x.stop()
  return {
    t50,
    t90,
    fill: f,
    fillSeconds,
    fillCpuSeconds: (fillCpu.user + fillCpu.system) / 1e6,
    driverLookups: lookups,
    cpuPerLookup: (cpu.user + cpu.system) / 1000 / LOOKUPS,
    wallPerLookup,
    rssPerNode,
    settledRssPerNode,
    heapPerNode,
    lagP50: lag.percentile(50) / 1e6,
    lagP99: lag.percentile(99) / 1e6,
    trace: trace.join(', '),
    deciles,
    requests: metrics
      .render()
      .split('\n')
      .filter((l) => l.startsWith('discv5_requests_total{') && !l.includes('outcome="ok"'))
      .map((l) => l.replace('discv5_requests_total', ''))
      .join(' '),
    byDistance: !nodes[0]?.buckets
      ? ''
      : have.map((h, r) => `d${256 - r} ${(h / n).toFixed(1)}/${((could[r] as number) / n).toFixed(1)}`).join(' '),
    dropped: [...dropped].map(([k, v]) => `${k}=${v}`).join(' ') || 'none',
  }
}

if (values.child) {
  const side = values.side as Side
  const out =
    values.child === 'contact'
      ? await contact(side)
      : values.child === 'ping'
        ? await pings(side)
        : await network(side, NODES[0] as number)
  console.log(JSON.stringify(out))
  process.exit(0)
}

/** Run one measurement in a fresh child process; its last stdout line is the JSON figure. */
function child(part: string, side: Side, extra: string[] = []): Record<string, number | string> | undefined {
  const args = ['--expose-gc', fileURLToPath(import.meta.url), '--child', part, '--side', side]
  args.push('--seconds', String(SECONDS), '--lookups', String(LOOKUPS), '--samples', String(SAMPLES), ...extra)
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 })
  const last = r.stdout.trim().split('\n').pop()
  try {
    return JSON.parse(last ?? '')
  } catch {
    console.log(`${side} ${part} failed (${r.status}): ${r.stderr.slice(-2000)}`)
    return undefined
  }
}

const num = (r: Record<string, number | string> | undefined, k: string) => {
  const v = r?.[k]
  return typeof v === 'number' && !Number.isNaN(v) ? v : undefined
}
const capped = (r: Record<string, number | string> | undefined, k: string) => num(r, k) ?? SECONDS
const both = (part: string, extra?: string[]) => {
  const get = (s: Side) => (SIDES.includes(s) ? child(part, s, extra) : undefined)
  return [get('ours'), get('chainsafe')] as const
}
const load = () =>
  `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`

console.log(`discv5 bench: ours beside @chainsafe/discv5 11, real UDP on 127.0.0.1; ${load()}`)
if (PARTS.includes('contact')) {
  const [o, t] = both('contact')
  row('first contact, median', num(o, 'median') ?? 0, num(t, 'median'), 'ms', 'chainsafe')
  row('first contact, p90', num(o, 'p90') ?? 0, num(t, 'p90'), 'ms', 'chainsafe')
}
if (PARTS.includes('ping')) {
  const [o, t] = both('ping')
  row('PING/PONG per s, one at a time', num(o, 'serial') ?? 0, num(t, 'serial'), '/s', 'chainsafe')
  row('PING/PONG per s, 16 in flight', num(o, 'window16') ?? 0, num(t, 'window16'), '/s', 'chainsafe')
  console.log('  (ours: receive rate limits on, raised to 1e6/s for this figure; chainsafe has none)')
}
if (PARTS.includes('net')) {
  for (const n of NODES) {
    const [o, t] = both('net', ['--nodes', String(n)])
    row(`${n} nodes: time to 50% table fill`, capped(o, 't50'), capped(t, 't50'), 's', 'chainsafe')
    row(`${n} nodes: time to 90% table fill`, capped(o, 't90'), capped(t, 't90'), 's', 'chainsafe')
    row(
      `${n} nodes: median table fill at the end`,
      (num(o, 'fill') ?? 0) * 100,
      (num(t, 'fill') ?? 0) * 100,
      '%',
      'chainsafe',
    )
    row(`${n} nodes: CPU per lookup, filled`, num(o, 'cpuPerLookup') ?? 0, num(t, 'cpuPerLookup'), 'ms', 'chainsafe')
    row(
      `${n} nodes: wall time per lookup, filled`,
      num(o, 'wallPerLookup') ?? 0,
      num(t, 'wallPerLookup'),
      'ms',
      'chainsafe',
    )
    row(`${n} nodes: RSS per node, filled`, num(o, 'rssPerNode') ?? 0, num(t, 'rssPerNode'), 'MB', 'chainsafe')
    row(
      `  settled (GCs + ${SETTLE_SECONDS} s running)`,
      num(o, 'settledRssPerNode') ?? 0,
      num(t, 'settledRssPerNode'),
      'MB',
      'chainsafe',
    )
    row('  V8 heap in use then', num(o, 'heapPerNode') ?? 0, num(t, 'heapPerNode'), 'MB', 'chainsafe')
    for (const [side, r] of [
      ['ours', o],
      ['chainsafe', t],
    ] as const)
      if (r)
        console.log(
          `  ${side}: filling took ${Number(r.fillCpuSeconds).toFixed(1)} s CPU in ${Number(r.fillSeconds).toFixed(1)} s, ${r.driverLookups} driver lookups; event-loop delay p50 ${Number(r.lagP50).toFixed(0)} ms p99 ${Number(r.lagP99).toFixed(0)} ms\n    median fill: ${r.trace}; fill deciles at the end (%): ${r.deciles}${r.byDistance ? `\n    members/could hold, mean, by distance: ${r.byDistance}` : ''}${r.requests ? `\n    failed requests: ${r.requests}` : ''}${side === 'ours' ? `\n    dropped: ${r.dropped}` : ''}`,
        )
  }
  console.log(`  (a side that never got there counts as ${SECONDS} s; ours: IP and rate limits at their defaults)`)
}
console.log(load())

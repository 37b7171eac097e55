// discv5 networks on 127.0.0.1, ours beside @chainsafe/discv5 11 in the same run (real UDP for
// both: chainsafe's transport takes its own packet objects, so it cannot share our in-memory
// network). Every node joins through node 0; each node then runs the same driver (a lookup for its
// own id, then a random lookup every second). Measured: time until the median routing table holds
// 50% and 90% of what it could hold, CPU per lookup once joined, RSS per node.
// Usage: node dist/bench/discv5.js [--nodes 100] [--seconds 60] [--lookups 10]
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { Discv5 } from '@chainsafe/discv5'
import { SignableENR } from '@chainsafe/enr'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { logDistance } from '../src/crypto/index.js'
import { Discv5Service } from '../src/discv5/index.js'
import { Enr, generatePrivateKey } from '../src/index.js'
import { UdpTransport } from '../src/transport/udp.js'
import { fromHex, toHex } from '../src/util/bytes.js'
import { row } from './_harness.js'

const { values } = parseArgs({
  options: { nodes: { type: 'string' }, seconds: { type: 'string' }, lookups: { type: 'string' } },
})
const N = Number(values.nodes ?? 100)
const SECONDS = Number(values.seconds ?? 60)
const LOOKUPS = Number(values.lookups ?? 10)

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const MA = join(ROOT, 'node_modules/@chainsafe/discv5/node_modules/@multiformats/multiaddr/dist/src/index.js')
const { multiaddr } = (await import(pathToFileURL(MA).href)) as { multiaddr: (s: string) => never }

/** One node of either kind, as the driver sees it. */
interface Node {
  id: Uint8Array
  tableSize(): number
  lookup(target: Uint8Array): Promise<unknown>
  stop(): Promise<void>
}

interface Network {
  nodes: Node[]
}

async function freePort(): Promise<number> {
  const s = createSocket('udp4')
  s.bind(0, '127.0.0.1')
  await once(s, 'listening')
  const port = s.address().port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

async function oursNetwork(n: number): Promise<Network> {
  const nodes: Node[] = []
  let boot: Enr | undefined
  for (let i = 0; i < n; i++) {
    const udp = await UdpTransport.bind('127.0.0.1', 0)
    const key = generatePrivateKey()
    const enr = Enr.create(key, { ip: '127.0.0.1', udp: udp.address.port })
    const svc = new Discv5Service({
      privateKey: key,
      enr,
      send: (d, to) => udp.send(d, to),
      refresh: false, // driven below, as chainsafe is
      ...(boot && { bootnodes: [boot] }),
    })
    udp.onDatagram((d, from) => svc.handle(d, from))
    svc.start()
    boot ??= enr
    nodes.push({
      id: enr.nodeId,
      tableSize: () => svc.table.size,
      lookup: (t) => svc.lookup(t),
      stop: async () => {
        await svc.close()
        await udp.close()
      },
    })
  }
  return { nodes }
}

async function theirNetwork(n: number): Promise<Network> {
  const nodes: Node[] = []
  let boot: ReturnType<Discv5['enr']['toENR']> | undefined
  for (let i = 0; i < n; i++) {
    const privateKey = await generateKeyPair('secp256k1')
    const port = await freePort()
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
    boot ??= d.enr.toENR()
    nodes.push({
      id: fromHex(d.enr.nodeId),
      tableSize: () => d.kadValues().length,
      lookup: (t) => d.findNode(toHex(t)),
      stop: () => d.stop(),
    })
  }
  return { nodes }
}

/** How many nodes `me` could hold: per bucket, min(16, others at that distance). */
function capacity(me: Uint8Array, all: Uint8Array[]): number {
  const per = new Map<number, number>()
  for (const id of all) {
    const d = logDistance(me, id)
    if (d > 0) per.set(d, (per.get(d) ?? 0) + 1)
  }
  let c = 0
  for (const x of per.values()) c += Math.min(16, x)
  return c
}

const randomId = () => crypto.getRandomValues(new Uint8Array(32))

interface Figures {
  t50: number
  t90: number
  cpuPerLookup: number
  rssPerNode: number
  medianFill: number
}

async function measure(name: string, make: (n: number) => Promise<Network>): Promise<Figures> {
  global.gc?.()
  const rss0 = process.memoryUsage().rss
  const net = await make(N)
  const rssPerNode = (process.memoryUsage().rss - rss0) / N / 1e6
  const caps = net.nodes.map((x) =>
    capacity(
      x.id,
      net.nodes.map((y) => y.id),
    ),
  )
  let running = true
  const drivers = net.nodes.map(async (x) => {
    await x.lookup(x.id).catch(() => {})
    while (running) {
      await new Promise((r) => setTimeout(r, 1000))
      if (running) await x.lookup(randomId()).catch(() => {})
    }
  })
  const start = performance.now()
  let t50 = Number.NaN
  let t90 = Number.NaN
  let medianFill = 0
  while (performance.now() - start < SECONDS * 1000) {
    await new Promise((r) => setTimeout(r, 250))
    const fills = net.nodes.map((x, i) => x.tableSize() / (caps[i] as number)).sort((a, b) => a - b)
    medianFill = fills[Math.floor(fills.length / 2)] as number
    const t = (performance.now() - start) / 1000
    if (medianFill >= 0.5 && Number.isNaN(t50)) t50 = t
    if (medianFill >= 0.9 && Number.isNaN(t90)) t90 = t
    if (!Number.isNaN(t90)) break
  }
  running = false
  await Promise.all(drivers)
  const cpu0 = process.cpuUsage()
  for (let i = 0; i < LOOKUPS; i++) await (net.nodes[1 + (i % (N - 1))] as Node).lookup(randomId()).catch(() => {})
  const cpu = process.cpuUsage(cpu0)
  const cpuPerLookup = (cpu.user + cpu.system) / 1000 / LOOKUPS
  for (const x of net.nodes) await x.stop()
  console.log(
    `${name}: median fill ${(medianFill * 100).toFixed(0)}% (50% at ${t50.toFixed(1)} s, 90% at ${t90.toFixed(1)} s), ${cpuPerLookup.toFixed(1)} ms CPU/lookup, ${rssPerNode.toFixed(2)} MB/node`,
  )
  return { t50, t90, cpuPerLookup, rssPerNode, medianFill }
}

const ours = await measure('eth-p2p', oursNetwork)
const theirs = await measure('@chainsafe/discv5', theirNetwork)
const orCap = (x: number) => (Number.isNaN(x) ? SECONDS : x)
row(`${N} nodes: time to 50% table fill (s)`, orCap(ours.t50), orCap(theirs.t50), 's', 'chainsafe')
row(`${N} nodes: time to 90% table fill (s)`, orCap(ours.t90), orCap(theirs.t90), 's', 'chainsafe')
row(`${N} nodes: median table fill at the end`, ours.medianFill * 100, theirs.medianFill * 100, '%', 'chainsafe')
row(`${N} nodes: CPU per lookup`, ours.cpuPerLookup, theirs.cpuPerLookup, 'ms', 'chainsafe')
row(`${N} nodes: RSS per node`, ours.rssPerNode, theirs.rssPerNode, 'MB', 'chainsafe')
if (Number.isNaN(ours.t90) || Number.isNaN(theirs.t90))
  console.log(`(a side that never got there counts as ${SECONDS} s)`)
process.exit(0)

// A discv4 network of N nodes (default 100) in one process over real UDP on 127.0.0.1, ours and
// @ethereumjs/devp2p's DPT built the same way: node 0 is the bootnode, the others join one by one
// over the first sixth of the run and bootstrap from it. After --seconds (default 60) we read
// every table and the process RSS. Each side runs in its own child process, one after the other,
// so that neither's CPU load or memory is charged to the other.
//
// With --virtual, ours also runs on the in-memory network and a virtual clock (CPU taken out).
//
// Usage: node dist/bench/discv4.js [--seconds 60] [--nodes 100] [--virtual]

import { spawnSync } from 'node:child_process'
import { createSocket, type Socket } from 'node:dgram'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { DPT } from '@ethereumjs/devp2p'
import { generatePrivateKey, publicKey64, recoverPublicKey, signRecoverable } from '../src/crypto/index.js'
import { logDistance } from '../src/crypto/nodeid.js'
import { Discv4Service, GLOBAL_BURST, GLOBAL_RATE, makeNode } from '../src/discv4/index.js'
import { BUCKET_SIZE, MAX_REPLACEMENTS, NUM_BUCKETS } from '../src/kademlia/index.js'
import { MemoryNetwork } from '../src/sim/network.js'
import { UdpTransport } from '../src/transport/udp.js'
import { equalBytes } from '../src/util/bytes.js'
import { VirtualClock } from '../src/util/clock.js'
import { row } from './_harness.js'

interface SideResult {
  side: 'ours' | 'dpt'
  /** Median bucket members per node. */
  median: number
  /** Median members + replacement-cache entries (ours only; DPT has no replacement cache). */
  medianKnown: number
  /** Median of the most members a k=16 table can hold given the other nodes' ids. */
  medianCeiling: number
  /** Median ceiling counting 10 replacements per bucket. */
  medianCeilingKnown: number
  rssPerNodeKiB: number
  /** V8 heap (plus external buffers) retained per node after a GC. */
  heapPerNodeKiB: number
  /** Datagrams our services dropped, by reason (ours only). */
  dropped?: Record<string, number>
  /** Process CPU seconds used during the run. */
  cpuSeconds: number
  /** Wall-clock seconds from the first join to the measurement (late when the process is saturated). */
  elapsed: number
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? 0 : (s[(s.length - 1) >> 1] as number)
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const gc = () => (globalThis as { gc?: () => void }).gc?.()

/** The most table members (and members + replacements) node `i` can hold, from the ids alone. */
function ceilings(ids: Uint8Array[], i: number): [number, number] {
  const per = new Array<number>(NUM_BUCKETS + 1).fill(0)
  ids.forEach((id, j) => {
    if (j !== i) {
      const d = logDistance(ids[i] as Uint8Array, id)
      per[d] = (per[d] ?? 0) + 1
    }
  })
  let members = 0
  let known = 0
  for (const c of per) {
    members += Math.min(BUCKET_SIZE, c)
    known += Math.min(BUCKET_SIZE + MAX_REPLACEMENTS, c)
  }
  return [members, known]
}

async function runOurs(n: number, seconds: number): Promise<SideResult> {
  gc()
  const m0 = process.memoryUsage()
  const cpu0 = process.cpuUsage()
  const nodes: { svc: Discv4Service; t: UdpTransport }[] = []
  const keys = Array.from({ length: n }, () => generatePrivateKey())
  const joinEvery = (seconds * 1000) / 6 / n
  const start = Date.now()
  for (let i = 0; i < n; i++) {
    const key = keys[i] as Uint8Array
    const t = await UdpTransport.bind('127.0.0.1', 0)
    const port = t.address.port
    const boot = nodes[0]
    const svc = new Discv4Service({
      privateKey: key,
      endpoint: { ip: '127.0.0.1', udp: port, tcp: port },
      send: (b, to) => t.send(b, to),
      // All N nodes share 127.0.0.1 here, which no real network does: give one IP the global budget.
      rateLimit: { perIpRate: GLOBAL_RATE, perIpBurst: GLOBAL_BURST },
      bootnodes: boot ? [makeNode(publicKey64(keys[0] as Uint8Array), '127.0.0.1', boot.t.address.port)] : [],
    })
    t.onDatagram((d, from) => svc.handle(d, from))
    svc.start()
    nodes.push({ svc, t })
    await sleep(Math.max(0, start + joinEvery * (i + 1) - Date.now()))
  }
  await sleep(Math.max(0, start + seconds * 1000 - Date.now()))
  const elapsed = (Date.now() - start) / 1000
  const ids = nodes.map((x) => x.svc.localId)
  const members = nodes.map((x) => x.svc.table.size)
  const known = nodes.map((x) => {
    let r = 0
    for (let d = 1; d <= NUM_BUCKETS; d++) r += x.svc.table.replacements(d).length
    return x.svc.table.size + r
  })
  const cpu = process.cpuUsage(cpu0)
  gc()
  const m1 = process.memoryUsage()
  const rss = m1.rss - m0.rss
  const heap = m1.heapUsed + m1.external - (m0.heapUsed + m0.external)
  const ceil = ids.map((_, i) => ceilings(ids, i))
  const dropped: Record<string, number> = {}
  for (const x of nodes) for (const [k, v] of x.svc.dropped) dropped[k] = (dropped[k] ?? 0) + v
  for (const x of nodes) {
    await x.svc.close()
    await x.t.close()
  }
  return {
    side: 'ours',
    dropped,
    median: median(members),
    medianKnown: median(known),
    medianCeiling: median(ceil.map((c) => c[0])),
    medianCeilingKnown: median(ceil.map((c) => c[1])),
    rssPerNodeKiB: rss / n / 1024,
    heapPerNodeKiB: heap / n / 1024,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    elapsed,
  }
}

async function runDpt(n: number, seconds: number): Promise<SideResult> {
  gc()
  const m0 = process.memoryUsage()
  const cpu0 = process.cpuUsage()
  const nodes: { dpt: DPT; socket: Socket; port: number }[] = []
  const joinEvery = (seconds * 1000) / 6 / n
  const start = Date.now()
  for (let i = 0; i < n; i++) {
    const socket = createSocket({ type: 'udp4' })
    socket.bind(0, '127.0.0.1')
    await once(socket, 'listening')
    const port = socket.address().port
    const info = { address: '127.0.0.1', udpPort: port, tcpPort: port }
    const dpt = new DPT(generatePrivateKey(), { endpoint: info, createSocket: () => socket })
    dpt.events.on('error', () => {})
    const boot = nodes[0]
    if (boot) void dpt.bootstrap({ address: '127.0.0.1', udpPort: boot.port, tcpPort: boot.port })
    nodes.push({ dpt, socket, port })
    await sleep(Math.max(0, start + joinEvery * (i + 1) - Date.now()))
  }
  await sleep(Math.max(0, start + seconds * 1000 - Date.now()))
  const elapsed = (Date.now() - start) / 1000
  // DPT's table can hold the node itself (it pings and adds whatever NEIGHBORS lists): not a peer.
  const sizes = nodes.map(
    (x) => x.dpt.getPeers().filter((p) => !(p.id && x.dpt.id && equalBytes(p.id, x.dpt.id))).length,
  )
  const cpu = process.cpuUsage(cpu0)
  gc()
  const m1 = process.memoryUsage()
  const rss = m1.rss - m0.rss
  const heap = m1.heapUsed + m1.external - (m0.heapUsed + m0.external)
  for (const x of nodes) x.dpt.destroy()
  return {
    side: 'dpt',
    median: median(sizes),
    medianKnown: median(sizes),
    medianCeiling: 0,
    medianCeilingKnown: 0,
    rssPerNodeKiB: rss / n / 1024,
    heapPerNodeKiB: heap / n / 1024,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    elapsed,
  }
}

/**
 * Ours on the in-memory network and a virtual clock: the protocol's behaviour with CPU taken out
 * (time only moves when the driver says, so a busy process cannot make replies late).
 */
async function runOursVirtual(n: number, seconds: number): Promise<SideResult> {
  const clock = new VirtualClock()
  const net = new MemoryNetwork({ clock, latencyMs: 1 })
  const unix0 = Math.floor(Date.now() / 1000)
  const cpu0 = process.cpuUsage()
  const keys = Array.from({ length: n }, () => generatePrivateKey())
  const nodes: Discv4Service[] = []
  const joinEvery = Math.floor((seconds * 1000) / 6 / n)
  const step = async (ms: number) => {
    for (let t = 0; t < ms; t += 10) {
      clock.advance(10)
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r))
    }
  }
  for (let i = 0; i < n; i++) {
    const ep = net.bind('127.0.0.1', 30000 + i)
    const svc = new Discv4Service({
      privateKey: keys[i] as Uint8Array,
      endpoint: { ip: '127.0.0.1', udp: ep.address.port, tcp: ep.address.port },
      send: (b, to) => ep.send(b, to),
      clock,
      unixTime: () => unix0 + clock.now() / 1000,
      rateLimit: { perIpRate: GLOBAL_RATE, perIpBurst: GLOBAL_BURST },
      bootnodes: i === 0 ? [] : [makeNode(publicKey64(keys[0] as Uint8Array), '127.0.0.1', 30000)],
    })
    ep.onDatagram((d, from) => svc.handle(d, from))
    svc.start()
    nodes.push(svc)
    await step(joinEvery)
  }
  await step(seconds * 1000 - joinEvery * n)
  const ids = nodes.map((x) => x.localId)
  const ceil = ids.map((_, i) => ceilings(ids, i))
  const known = nodes.map((x) => {
    let r = 0
    for (let d = 1; d <= NUM_BUCKETS; d++) r += x.table.replacements(d).length
    return x.table.size + r
  })
  const cpu = process.cpuUsage(cpu0)
  const res: SideResult = {
    side: 'ours',
    median: median(nodes.map((x) => x.table.size)),
    medianKnown: median(known),
    medianCeiling: median(ceil.map((c) => c[0])),
    medianCeilingKnown: median(ceil.map((c) => c[1])),
    rssPerNodeKiB: 0,
    heapPerNodeKiB: 0,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    elapsed: clock.now() / 1000,
  }
  for (const x of nodes) await x.close()
  return res
}

/** Signature recoveries and signatures per second on this machine now (the per-packet cost). */
function cryptoRates(): { recover: number; sign: number } {
  const key = generatePrivateKey()
  const hash = new Uint8Array(32).fill(7)
  const sig = signRecoverable(hash, key)
  const rate = (fn: () => void) => {
    for (let i = 0; i < 20; i++) fn()
    let k = 0
    const t = performance.now()
    while (performance.now() - t < 500) {
      fn()
      k++
    }
    return (k * 1000) / (performance.now() - t)
  }
  return { recover: rate(() => recoverPublicKey(hash, sig)), sign: rate(() => signRecoverable(hash, key)) }
}

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    nodes: { type: 'string' },
    side: { type: 'string' },
    virtual: { type: 'boolean' },
  },
})
const seconds = Number(values.seconds ?? 60)
const n = Number(values.nodes ?? 100)
if (!(seconds > 0) || !(n >= 2)) throw new Error('--seconds must be > 0 and --nodes >= 2')

if (values.side === 'ours' || values.side === 'dpt' || values.side === 'virtual') {
  const r =
    values.side === 'virtual'
      ? await runOursVirtual(n, seconds)
      : values.side === 'ours'
        ? await runOurs(n, seconds)
        : await runDpt(n, seconds)
  process.stdout.write(`${JSON.stringify(r)}\n`)
  process.exit(0) // DPT leaves its own timers (ban list, pending PINGs) behind
} else {
  const self = fileURLToPath(import.meta.url)
  const child = (side: string): SideResult | undefined => {
    const r = spawnSync(
      process.execPath,
      ['--expose-gc', self, '--side', side, '--seconds', String(seconds), '--nodes', String(n)],
      { encoding: 'utf8', timeout: (seconds * 3 + 120) * 1000 },
    )
    if (r.status !== 0) {
      console.log(
        `${side}: run did not finish (${r.signal ?? `exit ${r.status}`}) ${r.stderr.trim().split('\n')[0] ?? ''}`,
      )
      return undefined
    }
    const res = JSON.parse(r.stdout.trim().split('\n').pop() as string) as SideResult
    console.log(`${side}: ${JSON.stringify(res)}`)
    return res
  }
  const rates = cryptoRates()
  console.log(`discv4 network: ${n} nodes on 127.0.0.1 UDP, ${seconds} s, joins over the first ${seconds / 6} s`)
  const ours = child('ours')
  const theirs = child('dpt')
  const virtual = values.virtual ? child('virtual') : undefined
  const peers = n - 1
  if (ours) {
    row(`median table members (of ${peers} peers)`, ours.median, theirs?.median, 'nodes', 'DPT')
    row('  ours incl. replacement cache', ours.medianKnown, undefined, 'nodes')
    row('  most a k=16 table holds (ids alone)', ours.medianCeiling, undefined, 'nodes')
    row('  same, incl. 10 replacements/bucket', ours.medianCeilingKnown, undefined, 'nodes')
    row('RSS per node', ours.rssPerNodeKiB, theirs?.rssPerNodeKiB, 'KiB', 'DPT')
    row('V8 heap + buffers retained per node', ours.heapPerNodeKiB, theirs?.heapPerNodeKiB, 'KiB', 'DPT')
    row('CPU seconds for the run', ours.cpuSeconds, theirs?.cpuSeconds, 's', 'DPT')
    row('wall seconds to the measurement', ours.elapsed, theirs?.elapsed, 's', 'DPT')
    console.log(`ours: datagrams dropped by reason ${JSON.stringify(ours.dropped ?? {})}`)
  }
  if (virtual) {
    row(`ours on virtual time: median members`, virtual.median, undefined, 'nodes')
    row('  incl. replacement cache', virtual.medianKnown, undefined, 'nodes')
    row('  CPU seconds to simulate the run', virtual.cpuSeconds, undefined, 's')
  }
  row('secp256k1 recover (noble), now', rates.recover, undefined, 'ops/s')
  row('secp256k1 sign (noble), now', rates.sign, undefined, 'ops/s')
}

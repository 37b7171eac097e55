// A discv4 network of N nodes (default 100) in one process over real UDP on 127.0.0.1, ours and
// @ethereumjs/devp2p's DPT built the same way: node 0 is the bootnode, the others join one by one
// over the first sixth of the run and bootstrap from it. After --seconds (default 60) we read
// every node and the process RSS. Each side runs in its own child process, one after the other,
// so that neither's CPU load or memory is charged to the other; --runs K alternates them K times.
//
// The rows (medians over nodes, then over runs):
// - "peers known (verified, node database)": how many other nodes each node knows, in go-ethereum's
//   sense: its node database (p2p/enode/nodedb.go), every node that answered one of its PINGs with
//   the right reply token, at that endpoint, within 24 h. Ours: `Discv4Service.knownNodes`
//   (src/discv4/known.ts). DPT has no node database: the only place it keeps peers is its k-buckets
//   (every member got there by answering its PING; `getPeers()`), so its figure is its k-bucket
//   members. The issue's goal, >= 80 of 99, is read against this row.
// - "  fewest known of any node": the minimum over nodes of the same.
// - "  peers that ever answered a PING": ours, the same as known (the store keeps 1000 for
//   24 h, nothing is dropped in a run); DPT, distinct ids of its public `peer:new` event (emitted
//   when a peer answers the PING of `addPeer`), which it does not keep: shows how many peers it
//   verified at some point, against how many it still holds.
// - "table members": the routing table's bucket members (ours `table.size`; DPT its k-bucket
//   contents, itself excluded: DPT adds whatever NEIGHBORS lists, itself included).
// - "table fill, % of capacity": the median over nodes of members / the most its table can hold with these ids,
//   `tableCapacity` of src/kademlia (sum over log-distances of min(16, other nodes there); both sides
//   use 16 per bucket: ours kademlia BUCKET_SIZE, DPT's KBUCKET_SIZE in dist/esm/dpt/kbucket.js;
//   DPT's ids are 64-byte public keys, grouped by the first differing bit the same way). With
//   random ids about half of the other nodes sit at the farthest distance, a quarter at the next:
//   a table of 99 random peers holds only about 56-58, so table members can never reach 80.
// - "nodes whose table is at capacity", "fewest members of any node": spread of the same.
//
// Since every node shares 127.0.0.1: our table IP limits (2 per /24 per bucket, 10 per table)
// are turned off (loopback is exempt by default anyway), and the per-IP receive limit is set to
// the global one (all 99 peers are one IP here). DPT has neither.
//
// With --virtual, ours also runs on the in-memory network and a virtual clock (CPU taken out).
//
// Memory rows:
// - "RSS per node": the process RSS delta over the run (at the measurement, after one GC) divided
//   by the nodes. It includes per-process costs, chiefly V8's young generation, which grows to
//   2 x 16 MiB under sustained allocation (in either process; 320 KiB per node at 100 nodes) and
//   shrinks back when the process idles.
// - "peak RSS per node": the same with the process's peak RSS.
// - "V8 heap + buffers retained per node": heapUsed + external delta after a GC.
// - "V8 young generation (per process)": its committed size then; not per node.
// - "RSS per node settled": with the network still running, three forced GCs 1 s apart,
//   SETTLE_SECONDS more of the network, one more GC and 2 s, then the RSS (same steps for DPT).
//   Nearly all of the plain figure is V8 heap the process committed while the network was busy,
//   not heap it retains: while nodes join (3-4k datagrams/s here), objects that live across a
//   scavenge (pending requests, lookups: 0.5 to a few seconds) are promoted, the young generation
//   grows to 2 x 16 MiB, and old space grows to about 4 x its live size (V8's heap-growing factor)
//   before a full GC; those pages stay committed until V8's memory reducer runs, which it does
//   only once allocation slows. So the plain row swings from run to run with whether that
//   happened yet; the settled row takes it out. It is not a substitute for the plain row, which
//   is what a node costs during and right after a join storm. (100 idle UDP sockets add no
//   measurable RSS.) An earlier "RSS less young generation" row is gone: the young generation
//   can shrink over the run, and the row then exceeded the plain one.
// - "  same, marginal" (--marginal): each side also runs with half the nodes, and on the settled
//   figure, (delta(N) - delta(N/2)) / (N - N/2): what one more node costs, per-process constants
//   cancelled.
//
// Usage: node dist/bench/discv4.js [--seconds 60] [--nodes 100] [--runs 1] [--virtual] [--marginal]

import { spawnSync } from 'node:child_process'
import { createSocket, type Socket } from 'node:dgram'
import { once } from 'node:events'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { getHeapSpaceStatistics } from 'node:v8'
import { DPT } from '@ethereumjs/devp2p'
import {
  generatePrivateKey,
  publicKey64,
  recoverPublicKey,
  secp256k1Backend,
  signRecoverable,
} from '../src/crypto/index.js'
import { Discv4Service, GLOBAL_BURST, GLOBAL_RATE, makeNode } from '../src/discv4/index.js'
import { BUCKET_SIZE, tableCapacity } from '../src/kademlia/index.js'
import { MemoryNetwork } from '../src/sim/network.js'
import { UdpTransport } from '../src/transport/udp.js'
import { equalBytes, toHex } from '../src/util/bytes.js'
import { VirtualClock } from '../src/util/clock.js'
import { row, SETTLE_SECONDS, settle } from './_harness.js'

/** Entries per bucket in @ethereumjs/devp2p's DPT: `KBUCKET_SIZE` in dist/esm/dpt/kbucket.js (not exported). */
const DPT_KBUCKET_SIZE = 16

/** Receive limits of our nodes here: one IP carries every peer, so it gets the global budget. */
const RATE_LIMIT = { perIpRate: GLOBAL_RATE, perIpBurst: GLOBAL_BURST }

interface SideResult {
  side: 'ours' | 'dpt' | 'virtual'
  /** Bucket members per node (DPT: its k-bucket contents, itself excluded). */
  members: number[]
  /** Verified peers each node keeps: ours its known nodes (node database); DPT its k-bucket members (it has nothing else). */
  known: number[]
  /** Distinct peers that answered a PING of each node during the run (DPT: `peer:new` ids, not kept). */
  answered: number[]
  /** The most members each node's table can hold, given the ids: `tableCapacity`. */
  capacity: number[]
  /** (RSS at the measurement − RSS before the first node) / nodes. */
  rssPerNodeKiB: number
  /** (Peak RSS of the process − RSS before the first node) / nodes. */
  rssPeakPerNodeKiB: number
  /** V8 heap used (plus external buffers) retained per node after a GC. */
  heapPerNodeKiB: number
  /** V8 young generation committed at the measurement, per process (KiB): not per node, grows with allocation rate up to 2 × 16 MiB. */
  newSpaceKiB: number
  /** (RSS after settling − RSS before the first node) / nodes: see {@link settled}. */
  settledPerNodeKiB: number
  /** V8 young generation committed after settling, per process (KiB). */
  settledNewSpaceKiB: number
  /** Datagrams our services dropped, by reason (ours only). */
  dropped?: Record<string, number>
  /** Process CPU seconds used during the run. */
  cpuSeconds: number
  /** Wall-clock seconds from the first join to the measurement (late when the process is saturated). */
  elapsed: number
}

/** The median (the mean of the middle two for an even count). */
const median = (xs: number[]) => (quantile(xs, 0.5) + quantileUpper(xs, 0.5)) / 2
/** The upper `q` quantile (nearest rank). */
function quantileUpper(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? 0 : (s[Math.ceil((s.length - 1) * q)] as number)
}
/** The lower `q` quantile (nearest rank). */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? 0 : (s[Math.floor((s.length - 1) * q)] as number)
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const gc = () => (globalThis as { gc?: () => void }).gc?.()

/** Per node: the most members its table can hold with these ids and `k` per bucket (`tableCapacity`). */
function capacities(ids: Uint8Array[], k: number): number[] {
  return ids.map((self) => tableCapacity(self, ids, k))
}

const youngGeneration = () =>
  getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')?.physical_space_size ?? 0

/** What the process holds now, after a GC, against the baseline taken before the first node. */
function memory(m0: NodeJS.MemoryUsage, rss0: number, n: number) {
  gc()
  const m1 = process.memoryUsage()
  const newSpace = youngGeneration()
  return {
    rssPerNodeKiB: (m1.rss - m0.rss) / n / 1024,
    rssPeakPerNodeKiB: (process.resourceUsage().maxRSS * 1024 - rss0) / n / 1024,
    heapPerNodeKiB: (m1.heapUsed + m1.external - (m0.heapUsed + m0.external)) / n / 1024,
    newSpaceKiB: newSpace / 1024,
  }
}

/** RSS per node after {@link settle}. */
async function settled(m0: NodeJS.MemoryUsage, n: number) {
  await settle()
  return {
    settledPerNodeKiB: (process.memoryUsage().rss - m0.rss) / n / 1024,
    settledNewSpaceKiB: youngGeneration() / 1024,
  }
}

/** Baseline before the first node: after a GC, with the peak RSS counter as it stands. */
function baseline(): { m0: NodeJS.MemoryUsage; rss0: number } {
  gc()
  const m0 = process.memoryUsage()
  return { m0, rss0: m0.rss }
}

async function runOurs(n: number, seconds: number): Promise<SideResult> {
  const { m0, rss0 } = baseline()
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
      rateLimit: RATE_LIMIT,
      ipLimits: false,
      bootnodes: boot ? [makeNode(publicKey64(keys[0] as Uint8Array), '127.0.0.1', boot.t.address.port)] : [],
    })
    t.onDatagram((d, from) => svc.handle(d, from))
    svc.start()
    nodes.push({ svc, t })
    await sleep(Math.max(0, start + joinEvery * (i + 1) - Date.now()))
  }
  await sleep(Math.max(0, start + seconds * 1000 - Date.now()))
  const elapsed = (Date.now() - start) / 1000
  const tables = tablesOf(nodes.map((x) => x.svc))
  const cpu = process.cpuUsage(cpu0)
  const mem = memory(m0, rss0, n)
  const settle = await settled(m0, n)
  const dropped: Record<string, number> = {}
  for (const x of nodes) for (const [k, v] of x.svc.dropped) dropped[k] = (dropped[k] ?? 0) + v
  for (const x of nodes) {
    await x.svc.close()
    await x.t.close()
  }
  return { side: 'ours', ...tables, ...mem, ...settle, dropped, cpuSeconds: (cpu.user + cpu.system) / 1e6, elapsed }
}

/**
 * Table members, known nodes and table capacities of our services. Every peer that ever answered
 * a PING is still known (1000 entries, 24 h), so `answered` is `known`.
 */
function tablesOf(svcs: Discv4Service[]) {
  const members = svcs.map((x) => x.table.size)
  const known = svcs.map((x) => x.knownNodes)
  const capacity = capacities(
    svcs.map((x) => x.localId),
    BUCKET_SIZE,
  )
  return { members, known, answered: known, capacity }
}

async function runDpt(n: number, seconds: number): Promise<SideResult> {
  const { m0, rss0 } = baseline()
  const cpu0 = process.cpuUsage()
  const nodes: { dpt: DPT; socket: Socket; port: number; answered: Set<string> }[] = []
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
    const answered = new Set<string>()
    dpt.events.on('peer:new', (p: { id?: Uint8Array }) => {
      // It also pings itself when NEIGHBORS list it: not a peer.
      if (p.id && !(dpt.id && equalBytes(p.id, dpt.id))) answered.add(toHex(p.id))
    })
    const boot = nodes[0]
    if (boot) void dpt.bootstrap({ address: '127.0.0.1', udpPort: boot.port, tcpPort: boot.port })
    nodes.push({ dpt, socket, port, answered })
    await sleep(Math.max(0, start + joinEvery * (i + 1) - Date.now()))
  }
  await sleep(Math.max(0, start + seconds * 1000 - Date.now()))
  const elapsed = (Date.now() - start) / 1000
  // DPT's table can hold the node itself (it pings and adds whatever NEIGHBORS lists): not a peer.
  const members = nodes.map(
    (x) => x.dpt.getPeers().filter((p) => !(p.id && x.dpt.id && equalBytes(p.id, x.dpt.id))).length,
  )
  const capacity = capacities(
    nodes.map((x) => x.dpt.id as Uint8Array),
    DPT_KBUCKET_SIZE,
  )
  const answered = nodes.map((x) => x.answered.size)
  const cpu = process.cpuUsage(cpu0)
  const mem = memory(m0, rss0, n)
  const settle = await settled(m0, n)
  for (const x of nodes) x.dpt.destroy()
  return {
    side: 'dpt',
    members,
    known: members,
    answered,
    capacity,
    ...mem,
    ...settle,
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
      rateLimit: RATE_LIMIT,
      ipLimits: false,
      bootnodes: i === 0 ? [] : [makeNode(publicKey64(keys[0] as Uint8Array), '127.0.0.1', 30000)],
    })
    ep.onDatagram((d, from) => svc.handle(d, from))
    svc.start()
    nodes.push(svc)
    await step(joinEvery)
  }
  await step(seconds * 1000 - joinEvery * n)
  const cpu = process.cpuUsage(cpu0)
  const res: SideResult = {
    side: 'virtual',
    ...tablesOf(nodes),
    rssPerNodeKiB: 0,
    rssPeakPerNodeKiB: 0,
    heapPerNodeKiB: 0,
    newSpaceKiB: 0,
    settledPerNodeKiB: 0,
    settledNewSpaceKiB: 0,
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

/** One side's run, reduced to the reported numbers. */
function summarize(r: SideResult) {
  const ratio = r.members.map((m, i) => m / Math.max(1, r.capacity[i] as number))
  return {
    members: median(r.members),
    membersMin: Math.min(...r.members),
    membersP10: quantile(r.members, 0.1),
    known: median(r.known),
    knownMin: Math.min(...r.known),
    answered: median(r.answered),
    capacity: median(r.capacity),
    /** Median over nodes of members / capacity, in %. */
    ofCapacity: median(ratio) * 100,
    atCapacity: ratio.filter((x) => x >= 1).length,
    rss: r.rssPerNodeKiB,
    rssPeak: r.rssPeakPerNodeKiB,
    heap: r.heapPerNodeKiB,
    newSpaceMiB: r.newSpaceKiB / 1024,
    settled: r.settledPerNodeKiB,
    settledYoungMiB: r.settledNewSpaceKiB / 1024,
    cpu: r.cpuSeconds,
    elapsed: r.elapsed,
  }
}
type Summary = ReturnType<typeof summarize>

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    nodes: { type: 'string' },
    runs: { type: 'string' },
    side: { type: 'string' },
    virtual: { type: 'boolean' },
    marginal: { type: 'boolean' },
  },
})
const seconds = Number(values.seconds ?? 60)
const n = Number(values.nodes ?? 100)
const runs = Number(values.runs ?? 1)
if (!(seconds > 0) || !(n >= 2) || !(runs >= 1)) throw new Error('--seconds must be > 0, --nodes >= 2, --runs >= 1')

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
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')
  const child = (side: string, run: number, nodes = n): Summary | undefined => {
    const r = spawnSync(
      process.execPath,
      ['--expose-gc', self, '--side', side, '--seconds', String(seconds), '--nodes', String(nodes)],
      { encoding: 'utf8', timeout: (seconds * 3 + 120) * 1000 },
    )
    if (r.status !== 0) {
      console.log(
        `run ${run} ${side}: did not finish (${r.signal ?? `exit ${r.status}`}) ${r.stderr.trim().split('\n')[0] ?? ''}`,
      )
      return undefined
    }
    const res = JSON.parse(r.stdout.trim().split('\n').pop() as string) as SideResult
    const s = summarize(res)
    const dropped = res.dropped ? ` dropped ${JSON.stringify(res.dropped)}` : ''
    console.log(
      `run ${run} ${side}${nodes === n ? '' : ` with ${nodes} nodes`}: known median ${s.known} (min ${s.knownMin}), answered a PING ${s.answered}; ` +
        `members median ${s.members} (min ${s.membersMin}, p10 ${s.membersP10}) of capacity ${s.capacity}, ${s.atCapacity}/${nodes} nodes at capacity; ` +
        `RSS ${s.rss.toFixed(0)} KiB/node (peak ${s.rssPeak.toFixed(0)}), heap ${s.heap.toFixed(0)} KiB/node, ` +
        `young gen ${s.newSpaceMiB.toFixed(1)} MiB; settled: RSS ${s.settled.toFixed(0)} KiB/node, young gen ${s.settledYoungMiB.toFixed(1)} MiB; CPU ${s.cpu.toFixed(1)} s, wall ${s.elapsed.toFixed(1)} s; load ${load()}${dropped}`,
    )
    return s
  }
  const rates = cryptoRates()
  console.log(
    `discv4 network: ${n} nodes on 127.0.0.1 UDP, ${seconds} s, joins over the first ${(seconds / 6).toFixed(0)} s, ` +
      `${runs} run(s) per side; load average ${load()} at the start`,
  )
  console.log(
    `ours: table IP limits off, per-IP receive limit = the global one (${GLOBAL_RATE}/s, burst ${GLOBAL_BURST}): ` +
      'every peer is 127.0.0.1 here. DPT has neither.',
  )
  console.log(
    'peers known = nodes that answered our PING within 24 h, kept apart from the table (node database, ' +
      "as go-ethereum's p2p/enode/nodedb.go); DPT has none: its figure is its k-bucket members, the only peers it keeps. " +
      `Table members against capacity = sum over log-distances of min(k, other nodes there), from the actual ids; ` +
      `k = ${BUCKET_SIZE} (ours), ${DPT_KBUCKET_SIZE} (DPT). Medians over nodes.`,
  )
  const ours: Summary[] = []
  const dpt: Summary[] = []
  const virtual: Summary[] = []
  const half = Math.floor(n / 2)
  /** Settled RSS KiB one more node costs, from a run with `half` nodes beside one with `n`. */
  const marginal = (full: Summary, small: Summary) => (full.settled * n - small.settled * half) / (n - half)
  const oursMarginal: number[] = []
  const dptMarginal: number[] = []
  for (let run = 1; run <= runs; run++) {
    const o = child('ours', run)
    if (o) ours.push(o)
    const d = child('dpt', run)
    if (d) dpt.push(d)
    if (values.marginal) {
      const oh = child('ours', run, half)
      if (o && oh) oursMarginal.push(marginal(o, oh))
      const dh = child('dpt', run, half)
      if (d && dh) dptMarginal.push(marginal(d, dh))
    }
    if (values.virtual) {
      const v = child('virtual', run)
      if (v) virtual.push(v)
    }
  }
  const peers = n - 1
  /** Median over runs of one figure. */
  const m = (xs: Summary[], f: (s: Summary) => number) => (xs.length ? median(xs.map(f)) : undefined)
  const both = (what: string, f: (s: Summary) => number, unit: string) => {
    const o = m(ours, f)
    const d = m(dpt, f)
    // row() leaves out a 0 of theirs (no ratio to print), which would read as "not measured".
    if (o !== undefined && d === 0)
      console.log(`${what.padEnd(44)} ours ${o.toPrecision(3).padStart(9)} ${unit.padEnd(8)} DPT ${'0'.padStart(9)}`)
    else if (o !== undefined) row(what, o, d, unit, 'DPT')
  }
  const label = runs > 1 ? ` (median of ${runs} runs)` : ''
  console.log(`\nfigures${label}:`)
  both(`peers known (verified, node database), of ${peers}`, (s) => s.known, 'nodes')
  both('  fewest known of any node', (s) => s.knownMin, 'nodes')
  both('  peers that ever answered a PING', (s) => s.answered, 'nodes')
  both(`table members, of ${peers}`, (s) => s.members, 'nodes')
  both('  most a k=16 table holds with these ids', (s) => s.capacity, 'nodes')
  both('table fill, % of capacity', (s) => s.ofCapacity, '%')
  both('  nodes whose table is at capacity', (s) => s.atCapacity, 'nodes')
  both('  fewest members of any node', (s) => s.membersMin, 'nodes')
  both('RSS per node (process RSS delta / nodes)', (s) => s.rss, 'KiB')
  both('  peak RSS per node', (s) => s.rssPeak, 'KiB')
  both('  V8 heap + buffers retained per node', (s) => s.heap, 'KiB')
  both('  V8 young generation (per process)', (s) => s.newSpaceMiB, 'MiB')
  both(`RSS per node settled (GCs + ${SETTLE_SECONDS} s running)`, (s) => s.settled, 'KiB')
  both('  V8 young generation then (per process)', (s) => s.settledYoungMiB, 'MiB')
  if (oursMarginal.length) {
    const mo = median(oursMarginal)
    row(
      `  settled, marginal (${half} → ${n} nodes)`,
      mo,
      dptMarginal.length ? median(dptMarginal) : undefined,
      'KiB',
      'DPT',
    )
  }
  both('CPU seconds for the run', (s) => s.cpu, 's')
  both('wall seconds to the measurement', (s) => s.elapsed, 's')
  if (virtual.length) {
    row('ours on virtual time: peers known', m(virtual, (s) => s.known) as number, undefined, 'nodes')
    row('  table members', m(virtual, (s) => s.members) as number, undefined, 'nodes')
    row('  table fill, % of capacity', m(virtual, (s) => s.ofCapacity) as number, undefined, '%')
  }
  row(`secp256k1 recover (${secp256k1Backend})`, rates.recover, undefined, 'ops/s')
  row(`secp256k1 sign (${secp256k1Backend})`, rates.sign, undefined, 'ops/s')
  const known = m(ours, (s) => s.known)
  const goal = Math.ceil((80 / 99) * peers)
  if (known !== undefined) {
    console.log(
      `goal >= ${goal} of ${peers} peers known: ${known >= goal ? 'met' : 'not met'} (ours ${known}, DPT ${m(dpt, (s) => s.known) ?? '?'}); ` +
        `table members ${(m(ours, (s) => s.capacity) ?? 0) >= goal ? 'could reach it too' : 'cannot reach it'} with k=16 buckets: ` +
        `median capacity ${m(ours, (s) => s.capacity)} (DPT ${m(dpt, (s) => s.capacity) ?? '?'})`,
    )
  }
  console.log(`load average ${load()} at the end`)
}

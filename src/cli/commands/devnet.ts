/** `eth-p2p devnet`: a local network on 127.0.0.1 with live progress and a web dashboard. */

import { serveDashboard } from '../../dashboard/server.js'
import { Devnet, type DevnetStatus } from '../../devnet/devnet.js'
import type { DiscoveryProtocol } from '../../index.js'
import { CliError, type Command, parseFlags, portFlag, printJson } from '../args.js'
import { parseDuration } from '../duration.js'
import { stopWithin, untilSignal } from '../signals.js'

const usage = `Usage: eth-p2p devnet [--nodes N] [--transport rlpx|libp2p] [--discovery v4,v5] [--max-peers N] [--duration 30s] [--dashboard-port N]

Starts N nodes (default 16) on 127.0.0.1: one bootnode, the others join through it with
discovery v4 and v5 on one UDP port each, connect over RLPx and run eth Status on the devnet chain.
Shows live progress (a status table on a terminal, one JSON line per second otherwise) and serves
a dashboard (default port 8080, or a free one if taken). Ctrl-C (or --duration) prints a summary and exits.
With --transport libp2p the nodes are Eth2-style: discovery v5, js-libp2p (TCP, noise, yamux) and a
fork-status handshake; --discovery must then be v5.`

function line(s: DevnetStatus): string {
  const peers = s.nodes.map((n) => n.peers)
  const tables = s.nodes.map((n) => n.table)
  const dials = s.nodes.reduce((a, n) => a + n.dials, 0)
  const min = (xs: number[]) => Math.min(...xs)
  const avg = (xs: number[]) => (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1)
  return `${(s.uptimeMs / 1000).toFixed(0).padStart(4)} s  nodes with peers ${s.connected}/${s.nodes.length}  peers/node min ${min(peers)} avg ${avg(peers)} max ${Math.max(...peers)}  table min ${min(tables)} avg ${avg(tables)}  dials ${dials}  handshakes ${s.handshakes}`
}

function summary(s: DevnetStatus) {
  return {
    event: 'summary',
    uptimeS: Math.round(s.uptimeMs / 1000),
    nodes: s.nodes.length,
    connected: s.connected,
    connections: s.totalPeers / 2,
    handshakes: s.handshakes,
    peers: s.nodes.map((n) => n.peers),
    tables: s.nodes.map((n) => n.table),
  }
}

const devnet: Command = {
  name: 'devnet',
  summary: 'run a local network with a live dashboard',
  usage,
  async run(argv) {
    const { values: v } = parseFlags(argv, {
      nodes: { type: 'string' },
      discovery: { type: 'string' },
      transport: { type: 'string' },
      'max-peers': { type: 'string' },
      duration: { type: 'string' },
      'dashboard-port': { type: 'string' },
    })
    const nodes = v.nodes === undefined ? 16 : Number(v.nodes)
    if (!Number.isInteger(nodes) || nodes < 2 || nodes > 200) throw new CliError('--nodes must be 2..200')
    const maxPeers = v['max-peers'] === undefined ? 12 : Number(v['max-peers'])
    if (!Number.isInteger(maxPeers) || maxPeers < 1) throw new CliError('--max-peers must be a positive number')
    const transport = v.transport ?? 'rlpx'
    if (transport !== 'rlpx' && transport !== 'libp2p') throw new CliError('--transport must be rlpx or libp2p')
    if (transport === 'libp2p' && v.discovery !== undefined && v.discovery !== 'v5')
      throw new CliError('--transport libp2p runs discovery v5 only: --discovery must be v5')
    const discovery = (v.discovery ?? (transport === 'libp2p' ? 'v5' : 'v4,v5')).split(',') as DiscoveryProtocol[]
    if (discovery.some((d) => d !== 'v4' && d !== 'v5')) throw new CliError('--discovery must be v4, v5 or v4,v5')
    const durationMs = v.duration === undefined ? undefined : parseDuration(v.duration, 'duration')
    const dashPort = portFlag(v['dashboard-port'], 'dashboard-port', 8080)

    const net = await Devnet.start({ nodes, discovery, maxPeers, transport })
    let dash: Awaited<ReturnType<typeof serveDashboard>> | undefined
    try {
      dash = await serveDashboard(() => net.status(), '127.0.0.1', dashPort)
    } catch {
      dash = await serveDashboard(() => net.status(), '127.0.0.1', 0)
    }
    const tty = process.stdout.isTTY === true
    const boot = net.bootnode
    const signalled = untilSignal(durationMs) // listening before the ready line
    if (tty) {
      process.stdout.write(
        `eth-p2p devnet: ${nodes} nodes on 127.0.0.1\n  bootnode ${boot.enr.encodeText()}\n  dashboard ${dash.url}\n\n`,
      )
    } else {
      printJson({ event: 'ready', nodes, bootnode: boot.enr.encodeText(), enode: boot.enode, dashboard: dash.url })
    }
    const timer = setInterval(() => {
      const s = net.status()
      if (tty) process.stdout.write(`\r${line(s)}\x1b[K`)
      else printJson({ ...summary(s), event: 'status' })
    }, 1000)

    await signalled
    clearInterval(timer)
    const final = net.status()
    await stopWithin(() => Promise.all([net.stop(), dash.close()]))
    if (tty) process.stdout.write(`\n\nsummary: ${line(final)}\n`)
    printJson(summary(final))
    return 0
  },
}

export default devnet

/**
 * `eth-p2p node --transport libp2p`: an Eth2-style node (discv5 on UDP, js-libp2p on TCP, the
 * fork-status handshake) under the same process contract as the RLPx node: one JSON ready line
 * (with `multiaddr` added), one line per peer event, SIGINT/SIGTERM → exit within 5 s.
 */
import type { PeerId } from '@libp2p/interface'
import {
  createEth2Node,
  createLogger,
  Enr,
  EnrError,
  type Eth2Node,
  fromHex,
  generatePrivateKey,
  HexError,
  type LogLevel,
  libp2p,
  MetricsRegistry,
  parseIp,
  serveMetrics,
} from '../../index.js'
import { CliError, portFlag, printJson } from '../args.js'
import { keyFromFlags } from '../keys.js'
import { stopWithin, untilSignal } from '../signals.js'

/** RLPx-only flags, refused with this transport rather than silently ignored. */
const RLPX_ONLY = ['static', 'trusted', 'netrestrict', 'datadir', 'network', 'protocols'] as const

function bootnodes(list: string | undefined): Enr[] {
  const out: Enr[] = []
  for (const s of (list ?? '').split(',').filter(Boolean)) {
    if (!s.startsWith('enr:'))
      throw new CliError(`--transport libp2p takes enr: bootnodes (discv5 needs records), got '${s}'`)
    try {
      out.push(Enr.decodeText(s))
    } catch (e) {
      if (e instanceof EnrError) throw new CliError(`--bootnodes: ${e.message}`)
      throw e
    }
  }
  return out
}

function forkDigest(v: string | undefined): Uint8Array {
  if (v === undefined) return libp2p.DEVNET_FORK_DIGEST
  let b: Uint8Array
  try {
    b = fromHex(v)
  } catch (e) {
    if (e instanceof HexError) throw new CliError(`--fork-digest: ${e.message}`)
    throw e
  }
  if (b.length !== 4) throw new CliError(`--fork-digest must be 4 bytes (8 hex digits), got ${b.length}`)
  return b
}

/** Run the libp2p node with the flags `eth-p2p node` parsed. Resolves to the exit code. */
export async function runLibp2pNode(v: Readonly<Record<string, string | undefined>>): Promise<number> {
  for (const f of RLPX_ONLY)
    if (v[f] !== undefined) throw new CliError(`--${f} is not supported with --transport libp2p`)
  if (v.discovery !== undefined && v.discovery !== 'v5')
    throw new CliError(`--transport libp2p runs discovery v5 only: --discovery must be v5, got '${v.discovery}'`)
  const host = v.host ?? '127.0.0.1'
  if (!parseIp(host)) throw new CliError(`--host must be an IP address, got '${host}'`)
  let announceIp: string | undefined
  if (v.nat !== undefined) {
    const m = /^extip:(.+)$/.exec(v.nat)
    if (!m || !parseIp(m[1] as string)) throw new CliError(`--nat must be extip:IP, got '${v.nat}'`)
    announceIp = m[1]
  }
  const verbosity = (v.verbosity ?? 'warn') as LogLevel
  if (!['error', 'warn', 'info', 'debug', 'trace'].includes(verbosity))
    throw new CliError(`--verbosity must be error, warn, info, debug or trace, got '${v.verbosity}'`)
  const maxPeersText = v['max-peers'] ?? '50'
  if (!/^\d{1,6}$/.test(maxPeersText) || Number(maxPeersText) < 1)
    throw new CliError(`--max-peers must be a positive whole number, got '${maxPeersText}'`)
  const maxPeers = Number(maxPeersText)
  const privateKey = keyFromFlags(v) ?? generatePrivateKey()
  const tcpPort = portFlag(v.port, 'port', libp2p.ETH2_DEFAULT_PORT)
  const udpPort = v.discport === undefined ? undefined : portFlag(v.discport, 'discport')
  const metricsPort = v['metrics-port'] === undefined ? undefined : portFlag(v['metrics-port'], 'metrics-port')
  const digest = forkDigest(v['fork-digest'])
  const boot = bootnodes(v.bootnodes)
  const logger = createLogger({ level: verbosity })
  const metrics = new MetricsRegistry()

  let node: Eth2Node
  try {
    node = await createEth2Node({
      privateKey,
      host,
      tcpPort,
      ...(udpPort !== undefined ? { udpPort } : {}),
      ...(announceIp !== undefined ? { announceIp } : {}),
      bootnodes: boot,
      targetPeers: maxPeers,
      maxConnections: maxPeers,
      forkId: { forkDigest: digest, nextForkVersion: new Uint8Array(4), nextForkEpoch: libp2p.FAR_FUTURE_EPOCH },
      protocols: [{ host: libp2p.forkStatusHost(libp2p.genesisStatus(digest)), encoding: 'ssz_snappy' }],
      logger,
      metrics,
    })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const text = (e as Error).message ?? ''
    const taken = ['EADDRINUSE', 'EADDRNOTAVAIL', 'EACCES'].find((c) => code === c || text.includes(c))
    if (taken) throw new CliError(`cannot listen on ${host}: ${taken} (${text})`, 1)
    throw e
  }
  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined
  try {
    if (metricsPort !== undefined) metricsServer = await serveMetrics(metrics, host, metricsPort)
  } catch (e) {
    await node.stop()
    throw new CliError(`cannot serve metrics on ${host}:${metricsPort}: ${(e as Error).message}`, 1)
  }

  const events = node.libp2p.libp2p
  const peerLine = (event: string) => (evt: CustomEvent<PeerId>) =>
    printJson({ event, id: libp2p.historyKey(evt.detail), peerId: evt.detail.toString() })
  const onConnect = peerLine('peer:added')
  const onDisconnect = peerLine('peer:removed')
  events.addEventListener('peer:connect', onConnect)
  events.addEventListener('peer:disconnect', onDisconnect)
  const signalled = untilSignal() // listening before the ready line
  printJson({
    event: 'ready',
    enr: node.enr.encodeText(),
    enode: node.enode,
    multiaddr: node.multiaddrs[0]?.toString(),
    peerId: node.peerId.toString(),
    nodeId: node.enr.nodeIdHex,
    tcp: node.tcpPort,
    udp: node.udpPort,
    ...(metricsServer ? { metricsPort: metricsServer.port } : {}),
  })

  await signalled
  events.removeEventListener('peer:connect', onConnect)
  events.removeEventListener('peer:disconnect', onDisconnect)
  await stopWithin(
    async () => {
      await node.stop()
      await metricsServer?.close()
    },
    () => logger.warn('stop took too long; exiting'),
  )
  return 0
}

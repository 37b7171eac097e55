/** `eth-p2p node`: run a node (the process contract of DESIGN.md). */
import {
  BOOTNODES,
  chains,
  createLogger,
  createNode,
  type DiscoveryProtocol,
  EnrError,
  type LogLevel,
  NetlistError,
  NodeDbError,
  parseIp,
} from '../../index.js'
import { CliError, type Command, parseFlags, portFlag, printJson } from '../args.js'
import { keyFromFlags } from '../keys.js'
import { stopWithin, untilSignal } from '../signals.js'
import { runLibp2pNode } from './node-libp2p.js'

const usage = `Usage: eth-p2p node [options]

Runs a node: RLPx on --port, discovery on --discport, eth/68 and eth/69 on the chosen network.
When listening it prints one JSON line {"event":"ready","enr":...,"enode":...}; then one JSON line
per peer event. SIGINT/SIGTERM: ClientQuitting to every peer, exit within 5 s.

Options:
  --key HEX             private key (default: the datadir's, or a new one)
  --keyfile FILE        read the private key from FILE
  --host IP             listen address (default 127.0.0.1)
  --port N              RLPx TCP port (default 30303; 0 = any)
  --discport N          discovery UDP port (default: --port)
  --discovery LIST      v4,v5 | v5 | v4 | none (default v4,v5)
  --bootnodes LIST      comma-separated enr:... or enode://... (default: the network's published ones)
  --static LIST         nodes to keep connected
  --trusted LIST        nodes allowed past --max-peers
  --max-peers N         peer limit (default 50)
  --netrestrict CIDRS   only these networks may connect or be dialed
  --nat extip:IP        advertise IP instead of --host
  --network NAME        ${Object.keys(chains).join(' | ')} (default mainnet)
  --protocols LIST      eth | none (default eth)
  --datadir DIR         keep the key, ENR sequence and known nodes in DIR
  --metrics-port N      serve Prometheus metrics on http://HOST:N/metrics
  --verbosity LEVEL     error | warn | info | debug | trace (default warn)
  --transport NAME      rlpx (default) | libp2p: an Eth2-style node (discv5 + js-libp2p on --port,
                        default 9000; --discovery v5 only; ENR bootnodes); the ready line adds "multiaddr"
  --fork-digest HEX     with --transport libp2p: the eth2 fork digest (4 bytes; default the devnet's)`

const flags = {
  key: { type: 'string' },
  keyfile: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  discport: { type: 'string' },
  discovery: { type: 'string' },
  bootnodes: { type: 'string' },
  static: { type: 'string' },
  trusted: { type: 'string' },
  'max-peers': { type: 'string' },
  netrestrict: { type: 'string' },
  nat: { type: 'string' },
  network: { type: 'string' },
  protocols: { type: 'string' },
  datadir: { type: 'string' },
  'metrics-port': { type: 'string' },
  verbosity: { type: 'string' },
  transport: { type: 'string' },
  'fork-digest': { type: 'string' },
} as const

function discoveryFlag(v: string | undefined): DiscoveryProtocol[] {
  if (v === undefined) return ['v4', 'v5']
  if (v === 'none') return []
  const list = v.split(',').map((s) => s.trim())
  if (list.length === 0 || list.some((x) => x !== 'v4' && x !== 'v5'))
    throw new CliError(`--discovery must be v4,v5 | v5 | v4 | none, got '${v}'`)
  return [...new Set(list)] as DiscoveryProtocol[]
}

function countFlag(v: string | undefined, flag: string, fallback: number): number {
  if (v === undefined) return fallback
  if (!/^\d{1,6}$/.test(v)) throw new CliError(`--${flag} must be a whole number, got '${v}'`)
  return Number(v)
}

const node: Command = {
  name: 'node',
  summary: 'run a node (RLPx, discovery, eth)',
  usage,
  async run(argv) {
    const { values: v } = parseFlags(argv, flags)
    if (v.transport === 'libp2p') return runLibp2pNode(v)
    if (v.transport !== undefined && v.transport !== 'rlpx')
      throw new CliError(`--transport must be rlpx or libp2p, got '${v.transport}'`)
    if (v['fork-digest'] !== undefined) throw new CliError('--fork-digest needs --transport libp2p')
    const host = v.host ?? '127.0.0.1'
    if (!parseIp(host)) throw new CliError(`--host must be an IP address, got '${host}'`)
    let externalIp: string | undefined
    if (v.nat !== undefined) {
      const m = /^extip:(.+)$/.exec(v.nat)
      if (!m || !parseIp(m[1] as string)) throw new CliError(`--nat must be extip:IP, got '${v.nat}'`)
      externalIp = m[1]
    }
    const network = v.network ?? 'mainnet'
    const chain = chains[network]
    if (!chain) throw new CliError(`--network must be one of ${Object.keys(chains).join(', ')}, got '${network}'`)
    const protocols = v.protocols ?? 'eth'
    if (protocols !== 'eth' && protocols !== 'none')
      throw new CliError(`--protocols must be eth or none, got '${protocols}'`)
    const verbosity = (v.verbosity ?? 'warn') as LogLevel
    if (!['error', 'warn', 'info', 'debug', 'trace'].includes(verbosity))
      throw new CliError(`--verbosity must be error, warn, info, debug or trace, got '${v.verbosity}'`)
    const privateKey = keyFromFlags(v)
    const tcpPort = portFlag(v.port, 'port', 30303)
    const discPort = v.discport === undefined ? undefined : portFlag(v.discport, 'discport')
    const metricsPort = v['metrics-port'] === undefined ? undefined : portFlag(v['metrics-port'], 'metrics-port')
    const list = (s: string | undefined) => (s ? s.split(',').filter(Boolean) : [])
    const discovery = discoveryFlag(v.discovery)
    const logger = createLogger({ level: verbosity })

    let n: Awaited<ReturnType<typeof createNode>>
    try {
      n = await createNode({
        ...(privateKey ? { privateKey } : {}),
        ...(v.datadir ? { datadir: v.datadir } : {}),
        host,
        tcpPort,
        ...(discPort !== undefined ? { udpPort: discPort } : {}),
        ...(externalIp ? { externalIp } : {}),
        discovery,
        // The network's published bootnodes, unless given or discovery is off.
        bootnodes:
          v.bootnodes !== undefined ? list(v.bootnodes) : discovery.length > 0 ? [...(BOOTNODES[network] ?? [])] : [],
        staticNodes: list(v.static),
        trustedNodes: list(v.trusted),
        maxPeers: countFlag(v['max-peers'], 'max-peers', 50),
        ...(v.netrestrict ? { netRestrict: v.netrestrict } : {}),
        ...(protocols === 'eth' ? { chain } : { protocols: [] }),
        ...(metricsPort !== undefined ? { metricsPort } : {}),
        logger,
      })
    } catch (e) {
      if (e instanceof EnrError || e instanceof NetlistError) throw new CliError(e.message)
      if (e instanceof NodeDbError) throw new CliError(e.message, 1)
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES')
        throw new CliError(`cannot listen on ${host}: ${code} (${(e as Error).message})`, 1)
      throw e
    }

    // Listen for Ctrl-C before saying ready: a SIGTERM right after the ready line must be ours to handle.
    const signalled = untilSignal()
    n.on('peer:added', (p) => printJson({ event: 'peer:added', ...p.toJSON() }))
    n.on('peer:removed', (e) => printJson({ event: 'peer:removed', id: e.peer.idHex, reason: e.reason, by: e.by }))
    printJson({
      event: 'ready',
      enr: n.enr.encodeText(),
      enode: n.enode,
      nodeId: n.enr.nodeIdHex,
      tcp: n.tcpPort,
      ...(n.udpPort !== undefined ? { udp: n.udpPort } : {}),
      ...(n.metricsPort !== undefined ? { metricsPort: n.metricsPort } : {}),
    })

    await signalled
    await stopWithin(
      () => n.stop(),
      () => logger.warn('stop took too long; exiting'),
    )
    return 0
  },
}

export default node

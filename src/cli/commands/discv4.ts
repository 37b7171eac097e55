/** `eth-p2p discv4`: ping, request records from, resolve and crawl Node Discovery v4 nodes. */
import {
  Discv4Error,
  type Discv4Node,
  Discv4Service,
  discv4,
  Enr,
  EnrError,
  generatePrivateKey,
  isLoopback,
  parseEnode,
  parseIp,
  toHex,
} from '../../index.js'
import { CliError, type Command, group, parseFlags, printJson } from '../args.js'
import { CRAWL_CONCURRENCY, type CrawlProtocol, crawl } from '../crawl.js'
import { previousCrawl, saveCrawl } from '../crawlfile.js'
import { parseDuration } from '../duration.js'
import { keyFromFlags } from '../keys.js'
import { bindUdp, retrying, serveOn } from '../udp-service.js'
import { enrToJson } from './enr.js'

/** FINDNODE targets asked of each crawled node: its own key (its neighbours) and two random ones. */
export const CRAWL_TARGETS_PER_NODE = 3

const DEFAULT_TIMEOUT = '5s'

export { parseDuration }

/** A node given as `enode://...` or `enr:...`, with a literal IP and a UDP port. */
export function parseTarget(text: string): Discv4Node {
  if (text.startsWith('enr:')) {
    let enr: Enr
    try {
      enr = Enr.decodeText(text)
    } catch (e) {
      if (e instanceof EnrError) throw new CliError(`not a valid ENR: ${e.message}`)
      throw e
    }
    const ip = enr.ip ?? enr.ip6
    const udp = enr.ip !== undefined ? enr.udp : enr.udp6
    if (ip === undefined || udp === undefined) throw new CliError('the record has no IP address and UDP port')
    return discv4.makeNode(enr.publicKey, ip, udp, (enr.ip !== undefined ? enr.tcp : enr.tcp6) ?? udp)
  }
  let url: ReturnType<typeof parseEnode>
  try {
    url = parseEnode(text)
  } catch (e) {
    if (e instanceof EnrError) throw new CliError(`not a valid enode URL: ${e.message}`)
    throw e
  }
  if (url.ip === undefined) {
    if (url.hostname !== undefined) throw new CliError(`give the node's IP address, not a host name (${url.hostname})`)
    throw new CliError('the enode URL has no address')
  }
  if (url.udp === 0) throw new CliError('the enode URL has UDP port 0')
  return discv4.makeNode(url.publicKey, url.ip, url.udp, url.tcp)
}

interface Bind {
  ip: string
  port: number
}

/** `--bind IP:PORT` (IPv6 as `[addr]:port`), or the default for the targets. */
export function parseBind(text: string | undefined, targets: Discv4Node[]): Bind {
  if (text === undefined) {
    const local = targets.every((t) => isLoopback(parseIp(t.ip) ?? new Uint8Array(4)))
    return local ? { ip: '127.0.0.1', port: 0 } : { ip: '0.0.0.0', port: 0 }
  }
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text)
  const ip = m?.[1] ?? m?.[2]
  if (!m || ip === undefined || !parseIp(ip) || Number(m[3]) > 65535)
    throw new CliError(`--bind must be IP:PORT (IPv6 as [addr]:port), got '${text}'`)
  return { ip, port: Number(m[3]) }
}

const commonFlags = {
  bind: { type: 'string' },
  key: { type: 'string' },
  keyfile: { type: 'string' },
  timeout: { type: 'string' },
} as const

const commonHelp = [
  'Options:',
  '  --bind IP:PORT     local UDP address (default 127.0.0.1:0 for loopback targets, else 0.0.0.0:0)',
  '  --key HEX          our private key (default: a new random key); or --keyfile FILE',
  `  --timeout DURATION overall time limit, e.g. 500ms, 5s, 2m (default ${DEFAULT_TIMEOUT})`,
  '',
  'Bad input: one line on stderr, exit code 2. No answer in time: the reason, exit code 1.',
]

function isUnspecified(ip: string): boolean {
  return (parseIp(ip) ?? new Uint8Array(1)).every((b) => b === 0)
}

/** Bind a socket, run a service on it for `fn`, and close both whatever happens. */
async function withService<T>(
  values: { bind?: string; key?: string; keyfile?: string },
  targets: Discv4Node[],
  timeoutMs: number,
  fn: (svc: Discv4Service, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const key = keyFromFlags(values) ?? generatePrivateKey()
  const bind = parseBind(values.bind, targets)
  const signal = AbortSignal.timeout(timeoutMs)
  const transport = await bindUdp(bind.ip, bind.port, signal)
  const port = transport.address.port
  const ip = isUnspecified(bind.ip) ? undefined : bind.ip
  const v6 = ip?.includes(':') === true
  const record = ip === undefined ? undefined : Enr.create(key, v6 ? { ip6: ip, udp6: port } : { ip, udp: port })
  const svc = new Discv4Service({
    privateKey: key,
    send: (bytes, to) => transport.send(bytes, to),
    endpoint: { ip, udp: port, tcp: 0 },
    record: () => record?.encode(),
    enrSeq: () => record?.seq,
  })
  return serveOn(transport, svc, (s) => fn(s, signal))
}

const isTimeout = (e: unknown) => e instanceof Discv4Error && e.code === 'TIMEOUT'

function oneTarget(argv: string[]) {
  const { values, positionals } = parseFlags(argv, commonFlags, true)
  if (positionals.length !== 1)
    throw new CliError('expected exactly one argument: the enode://... (or enr:...) of the node')
  const target = parseTarget(positionals[0] as string)
  return { values, target, timeoutMs: parseDuration(values.timeout ?? DEFAULT_TIMEOUT) }
}

const ping: Command = {
  name: 'ping',
  summary: 'PING a node and print its PONG',
  usage: [
    'Usage: eth-p2p discv4 ping <enode://...|enr:...> [options]',
    '',
    'Sends a discv4 PING (retried while unanswered) and prints one JSON line: nodeId, enrSeq',
    "(the node's record sequence number from its PONG, null if it sent none), ip and port (our",
    'endpoint as the node saw it) and rttMs (round-trip time of the answered PING).',
    '',
    ...commonHelp,
  ].join('\n'),
  async run(argv) {
    const { values, target, timeoutMs } = oneTarget(argv)
    return withService(values, [target], timeoutMs, async (svc, signal) => {
      let start = 0
      const pong = await retrying(signal, `PING ${target.ip}:${target.udp}`, isTimeout, () => {
        start = performance.now()
        return svc.ping(target, { signal })
      })
      printJson({
        nodeId: toHex(target.id),
        enrSeq: pong.enrSeq === undefined ? null : Number(pong.enrSeq),
        ip: pong.to.ip ?? null,
        port: pong.to.udp,
        rttMs: Math.round((performance.now() - start) * 100) / 100,
      })
      return 0
    })
  },
}

const requestenr: Command = {
  name: 'requestenr',
  summary: "fetch a node's record (ENRREQUEST) and print it",
  usage: [
    'Usage: eth-p2p discv4 requestenr <enode://...|enr:...> [options]',
    '',
    'Bonds with the node (PING/PONG both ways), sends ENRREQUEST (EIP-868), checks that the',
    "record is signed by the node's key, and prints it as 'eth-p2p enr decode' does.",
    '',
    ...commonHelp,
  ].join('\n'),
  async run(argv) {
    const { values, target, timeoutMs } = oneTarget(argv)
    return withService(values, [target], timeoutMs, async (svc, signal) => {
      const enr = await retrying(signal, `ENRREQUEST ${target.ip}:${target.udp}`, isTimeout, () =>
        svc.requestEnr(target, { signal }),
      )
      printJson(enrToJson(enr))
      return 0
    })
  },
}

const resolve: Command = {
  name: 'resolve',
  summary: 'find a node through the DHT and print its newest record',
  usage: [
    'Usage: eth-p2p discv4 resolve <enode://...|enr:...> [--bootnodes <enode,...>] [options]',
    '',
    "Looks the node up (starting from --bootnodes, default: the node's own endpoint), then asks",
    'it for its record. Prints one JSON line: nodeId, enode (where it was found), enr (text,',
    'or null when it did not answer ENRREQUEST) and seq. Not found: exit code 1.',
    '',
    '  --bootnodes LIST   comma-separated enode:// or enr: nodes to start the lookup from',
    ...commonHelp,
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { ...commonFlags, bootnodes: { type: 'string' } }, true)
    if (positionals.length !== 1) throw new CliError('expected exactly one argument: the enode://... of the node')
    const target = parseTarget(positionals[0] as string)
    const boots = values.bootnodes === undefined ? [target] : parseList(values.bootnodes)
    const timeoutMs = parseDuration(values.timeout ?? DEFAULT_TIMEOUT)
    return withService(values, boots, timeoutMs, async (svc, signal) => {
      for (const b of boots) svc.table.addSeen(b, svc.clock.now())
      const r = await svc.resolve(target.publicKey, { signal })
      if (!r) throw new CliError(`node ${toHex(target.id)} not found${signal.aborted ? ' in time' : ''}`, 1)
      printJson({
        nodeId: toHex(r.node.id),
        enode: discv4.nodeToEnode(r.node),
        enr: r.enr?.encodeText() ?? null,
        seq: r.enr === undefined ? null : Number(r.enr.seq),
      })
      return 0
    })
  },
}

function parseList(text: string): Discv4Node[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (items.length === 0) throw new CliError('--bootnodes is empty')
  return items.map(parseTarget)
}

const crawlCommand: Command = {
  name: 'crawl',
  summary: 'walk the DHT breadth-first and write every node that answered to a file',
  usage: [
    'Usage: eth-p2p discv4 crawl --bootnodes <enode,...> --out nodes.json [--timeout DURATION] [options]',
    '',
    'Breadth-first from the bootnodes: each node is asked FINDNODE for its own key and two',
    `random targets, then ENRREQUEST; ${CRAWL_CONCURRENCY} nodes at a time. Stops when no node is left`,
    'to ask or at --timeout (default 30s), writes --out and prints a summary line. Nodes already',
    'in --out are kept (their firstSeen too). File: {"nodes":[{"id","enr","enode","firstSeen","lastSeen"}]},',
    'listing the nodes that answered at least one request.',
    '',
    '  --bootnodes LIST   comma-separated enode:// or enr: nodes to start from (required)',
    '  --out FILE         where to write the nodes (required)',
    ...commonHelp,
  ].join('\n'),
  async run(argv) {
    const { values } = parseFlags(argv, {
      ...commonFlags,
      bootnodes: { type: 'string' },
      out: { type: 'string' },
    })
    if (values.bootnodes === undefined) throw new CliError('missing required option --bootnodes')
    if (values.out === undefined || values.out === '') throw new CliError('missing required option --out')
    const out = values.out
    const boots = parseList(values.bootnodes)
    const timeoutMs = parseDuration(values.timeout ?? '30s')
    const previous = previousCrawl(out)
    return withService(values, boots, timeoutMs, async (svc, signal) =>
      saveCrawl(out, await crawl(discv4Crawl(svc), boots, previous, signal)),
    )
  },
}

/** The discv4 part of `crawl`: FINDNODE for the node's own key and random ones, then ENRREQUEST. */
function discv4Crawl(svc: Discv4Service): CrawlProtocol<Discv4Node> & { records: Map<string, string> } {
  /** BOUNDED: one per crawled node (MAX_CRAWL_NODES). */
  const records = new Map<string, string>()
  return {
    records,
    id: (n) => toHex(n.id),
    async visit(entry, learn, answered, signal) {
      const n = entry.node
      const targets = [n.publicKey, ...Array.from({ length: CRAWL_TARGETS_PER_NODE - 1 }, () => randomKey())]
      for (const t of targets) {
        if (signal.aborted) return
        try {
          for (const f of await svc.findNode(n, t, { signal })) learn(f)
          answered()
        } catch {
          if (entry.lastSeen === undefined) return // silent node: do not spend more time on it
        }
      }
      try {
        records.set(toHex(n.id), (await svc.requestEnr(n, { signal })).encodeText())
        answered()
      } catch {
        // no record: the node is still listed
      }
    },
    toCrawlNode: (id, entry, old) => ({
      id,
      enr: records.get(id) ?? old?.enr ?? null,
      enode: discv4.nodeToEnode(entry.node),
      firstSeen: entry.firstSeen,
      lastSeen: entry.lastSeen as string,
    }),
  }
}

function randomKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(64))
}

export default group('discv4', 'Node Discovery v4: ping, requestenr, resolve, crawl', [
  ping,
  requestenr,
  resolve,
  crawlCommand,
])

/** `eth-p2p discv5`: ping, resolve and crawl Node Discovery v5 nodes, or run a discovery-only node. */
import {
  discv5,
  Enr,
  EnrError,
  enrToEnode,
  fromHex,
  generatePrivateKey,
  isLoopback,
  parseIp,
  toHex,
} from '../../index.js'
import { CliError, type Command, group, parseFlags, portFlag, printJson } from '../args.js'
import { CRAWL_CONCURRENCY, type CrawlProtocol, crawl } from '../crawl.js'
import { previousCrawl, saveCrawl } from '../crawlfile.js'
import { parseDuration } from '../duration.js'
import { keyFromFlags } from '../keys.js'
import { untilSignal } from '../signals.js'
import { bindUdp, retrying, serveOn } from '../udp-service.js'
import { enrToJson } from './enr.js'

/**
 * FINDNODE distance groups asked of each crawled node, from 256 down, 3 distances each (as
 * lookups ask). 8 groups reach distance 233: a node farther down shares 23 leading bits with the
 * crawled node, which in a network of under millions of nodes is a node the crawl meets elsewhere.
 */
export const CRAWL_DISTANCE_GROUPS = 8
/** Time `listen` gives itself to close after SIGINT/SIGTERM, ms (the process contract allows 5 s). */
export const LISTEN_CLOSE_MS = 3_000

const DEFAULT_TIMEOUT = '5s'

type Service = InstanceType<typeof discv5.Discv5Service>

const commonFlags = {
  timeout: { type: 'string' },
  key: { type: 'string' },
  keyfile: { type: 'string' },
} as const

const commonHelp = [
  '  --timeout DURATION  give up after this long (500ms, 5s, 2m; default 5s)',
  '  --key HEX           our private key (default: a fresh random one)',
  '  --keyfile FILE      read our private key from a file',
  '',
  'Bad input: one line on stderr, exit code 2. No answer in time: the reason, exit code 1.',
]

/** A record given as `enr:...`, with a UDP endpoint. */
function parseEnr(text: string): Enr {
  let enr: Enr
  try {
    enr = Enr.decodeText(text)
  } catch (e) {
    if (e instanceof EnrError) throw new CliError(`not a valid ENR: ${e.message}`)
    throw e
  }
  if (!discv5.contactOf(enr)) throw new CliError('the record has no IP address and UDP port')
  return enr
}

function parseEnrList(text: string): Enr[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (items.length === 0) throw new CliError('--bootnodes is empty')
  for (const i of items) if (!i.startsWith('enr:')) throw new CliError(`--bootnodes takes enr: records, got '${i}'`)
  return items.map(parseEnr)
}

const loopback = (e: Enr) => isLoopback(parseIp(discv5.contactOf(e)?.addr.ip ?? '') ?? new Uint8Array(4))

/** Bind a socket, run a service on it for `fn`, and close both whatever happens. */
async function withService<T>(
  values: { key?: string; keyfile?: string },
  targets: Enr[],
  timeoutMs: number,
  fn: (svc: Service, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const key = keyFromFlags(values) ?? generatePrivateKey()
  const v6 = targets.length > 0 && targets.every((t) => discv5.contactOf(t)?.addr.ip.includes(':'))
  const host = targets.length > 0 && targets.every(loopback) ? (v6 ? '::1' : '127.0.0.1') : v6 ? '::' : '0.0.0.0'
  const signal = AbortSignal.timeout(timeoutMs)
  const udp = await bindUdp(host, 0, signal)
  const local =
    host === '0.0.0.0' || host === '::'
      ? {}
      : v6
        ? { ip6: host, udp6: udp.address.port }
        : { ip: host, udp: udp.address.port }
  const svc = new discv5.Discv5Service({
    privateKey: key,
    enr: Enr.create(key, local),
    send: (d, to) => udp.send(d, to),
    bootnodes: targets,
    refresh: false,
    enrAutoUpdate: false,
  })
  return serveOn(udp, svc, (s) => fn(s, signal))
}

const isTimeout = (e: unknown) => e instanceof discv5.Discv5Error && e.code === 'TIMEOUT'

const where = (e: Enr) => {
  const a = discv5.contactOf(e)?.addr
  return a ? `${a.ip.includes(':') ? `[${a.ip}]` : a.ip}:${a.port}` : '?'
}

const ping: Command = {
  name: 'ping',
  summary: 'PING a node (handshake included) and print its PONG',
  usage: [
    'Usage: eth-p2p discv5 ping <enr:...> [options]',
    '',
    'Opens a session with the node (WHOAREYOU handshake), sends PING (retried while unanswered)',
    "and prints one JSON line: enrSeq (the node's record sequence number), ip and port (our",
    'endpoint as the node saw it) and rttMs (from the PING to its PONG, handshake included).',
    '',
    ...commonHelp,
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseFlags(argv, commonFlags, true)
    if (positionals.length !== 1) throw new CliError('expected exactly one argument: the enr:... of the node')
    const target = parseEnr(positionals[0] as string)
    const timeoutMs = parseDuration(values.timeout ?? DEFAULT_TIMEOUT)
    return withService(values, [target], timeoutMs, async (svc, signal) => {
      const pong = await retrying(signal, `PING ${where(target)}`, isTimeout, () => svc.ping(target, { signal }))
      printJson({
        enrSeq: Number(pong.enrSeq) <= Number.MAX_SAFE_INTEGER ? Number(pong.enrSeq) : pong.enrSeq.toString(),
        ip: pong.ip,
        port: pong.port,
        rttMs: Math.round(pong.rttMs * 100) / 100,
      })
      return 0
    })
  },
}

const resolve: Command = {
  name: 'resolve',
  summary: "print a node's newest record (asked of the node, or found through --bootnodes)",
  usage: [
    'Usage: eth-p2p discv5 resolve <enr:...|NODE-ID> [--bootnodes <enr,...>] [options]',
    '',
    'Given a record, asks the node for its current one (FINDNODE distance 0); if it does not',
    'answer and --bootnodes are given, looks it up. Given a node id (64 hex digits), looks it up',
    "from --bootnodes (required) and asks it. Prints the newest record as 'eth-p2p enr decode' does.",
    'Not found or not reachable: exit code 1.',
    '',
    '  --bootnodes LIST    comma-separated enr: records to start a lookup from',
    ...commonHelp,
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { ...commonFlags, bootnodes: { type: 'string' } }, true)
    if (positionals.length !== 1) throw new CliError('expected exactly one argument: an enr:... or a node id')
    const arg = (positionals[0] as string).trim()
    let target: Enr | Uint8Array
    if (arg.startsWith('enr:')) target = parseEnr(arg)
    else if (/^(0x)?[0-9a-fA-F]{64}$/.test(arg)) target = fromHex(arg)
    else throw new CliError(`not an ENR or a 64-hex node id: '${arg}'`)
    const boots = values.bootnodes === undefined ? [] : parseEnrList(values.bootnodes)
    if (target instanceof Uint8Array && boots.length === 0) throw new CliError('resolving a node id needs --bootnodes')
    const timeoutMs = parseDuration(values.timeout ?? DEFAULT_TIMEOUT)
    const targets = target instanceof Uint8Array ? boots : [target, ...boots]
    return withService(values, targets, timeoutMs, async (svc, signal) => {
      let found: Enr | undefined
      if (target instanceof Enr) {
        const t = target
        found = await retrying(signal, `FINDNODE [0] ${where(t)}`, isTimeout, () =>
          svc.requestEnr(t, { signal }),
        ).catch((e: unknown) => {
          if (boots.length === 0) throw e
          return undefined
        })
      }
      if (!found) {
        const id = target instanceof Uint8Array ? target : target.nodeId
        const r = await svc.resolve(target, { signal }).catch(() => undefined)
        // A record we merely held does not count as resolved: it must have come from the network.
        if (r && (target instanceof Uint8Array || r.seq > target.seq || svc.table.info(id)?.live)) found = r
        if (!found) throw new CliError(`node ${toHex(id)} not found${signal.aborted ? ' in time' : ''}`, 1)
      }
      printJson(enrToJson(found))
      return 0
    })
  },
}

/** The discv5 part of `crawl`: FINDNODE by distance groups from 256 down, then the node's newest record. */
function discv5Crawl(svc: Service): CrawlProtocol<Enr> {
  return {
    id: (e) => e.nodeIdHex,
    skip: (id) => id === svc.enr.nodeIdHex,
    merge(entry, e) {
      if (e.seq > entry.node.seq) entry.node = e
    },
    async visit(entry, learn, answered, signal) {
      for (let g = 0; g < CRAWL_DISTANCE_GROUPS && !signal.aborted; g++) {
        const distances = [256 - 3 * g, 255 - 3 * g, 254 - 3 * g]
        try {
          const got = await svc.findNode(entry.node, distances, { signal })
          answered()
          for (const f of got) learn(f)
        } catch {
          return // silent node: do not spend more time on it
        }
      }
      try {
        learn(await svc.requestEnr(entry.node, { signal }))
      } catch {
        // keep the record we have
      }
    },
    toCrawlNode: (id, entry) => ({
      id,
      enr: entry.node.encodeText(),
      enode: enrToEnode(entry.node),
      firstSeen: entry.firstSeen,
      lastSeen: entry.lastSeen as string,
    }),
  }
}

const crawlCommand: Command = {
  name: 'crawl',
  summary: 'walk the DHT breadth-first and write every node that answered to a file',
  usage: [
    'Usage: eth-p2p discv5 crawl --bootnodes <enr,...> --out nodes.json [--timeout DURATION] [options]',
    '',
    'Breadth-first from the bootnodes: each node is asked FINDNODE for distances 256, 255, 254,',
    `then the next three down (${CRAWL_DISTANCE_GROUPS} groups, to distance ${256 - 3 * CRAWL_DISTANCE_GROUPS + 1}), then for its`,
    `own newest record; ${CRAWL_CONCURRENCY} nodes at a time. Every record is checked (signature, distance,`,
    'address). Stops when no node is left or at --timeout (default 30s), writes --out and prints',
    'a summary line. Nodes already in --out are kept (their firstSeen too). File:',
    '{"nodes":[{"id","enr","enode","firstSeen","lastSeen"}]}, listing the nodes that answered.',
    '',
    '  --bootnodes LIST    comma-separated enr: records to start from (required)',
    '  --out FILE          where to write the nodes (required)',
    ...commonHelp,
  ].join('\n'),
  async run(argv) {
    const { values } = parseFlags(argv, { ...commonFlags, bootnodes: { type: 'string' }, out: { type: 'string' } })
    if (values.bootnodes === undefined) throw new CliError('missing required option --bootnodes')
    if (values.out === undefined || values.out === '') throw new CliError('missing required option --out')
    const out = values.out
    const boots = parseEnrList(values.bootnodes)
    const timeoutMs = parseDuration(values.timeout ?? '30s')
    const previous = previousCrawl(out)
    return withService(values, boots, timeoutMs, async (svc, signal) =>
      saveCrawl(out, await crawl(discv5Crawl(svc), boots, previous, signal)),
    )
  },
}

const listen: Command = {
  name: 'listen',
  summary: 'run a discovery-only node and print its ENR',
  usage: [
    'Usage: eth-p2p discv5 listen [--key HEX] [--host IP] [--port N] [--bootnodes <enr,...>]',
    '',
    'Runs a discv5 node (routing table, revalidation, refresh, ENR auto-update from PONG votes)',
    'until SIGINT or SIGTERM. Prints one JSON line when ready: {"event":"ready","enr","nodeId",',
    '"ip","port"}, and {"event":"enr","enr"} whenever its record changes.',
    '',
    '  --host IP           address to listen on (default 0.0.0.0: the record gets its IP from votes)',
    '  --port N            UDP port (default 30303; 0 picks a free one)',
    '  --bootnodes LIST    comma-separated enr: records to join through',
    '  --key HEX           private key (default: a fresh random one)',
    '  --keyfile FILE      read the private key from a file',
    '',
    'Bad input: one line on stderr, exit code 2. Cannot bind: the reason, exit code 1.',
  ].join('\n'),
  async run(argv) {
    const { values } = parseFlags(argv, {
      key: { type: 'string' },
      keyfile: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      bootnodes: { type: 'string' },
    })
    const key = keyFromFlags(values) ?? generatePrivateKey()
    const host = values.host ?? '0.0.0.0'
    if (!parseIp(host)) throw new CliError(`--host must be an IP address, got '${host}'`)
    const port = portFlag(values.port, 'port', 30303)
    const boots = values.bootnodes === undefined ? [] : parseEnrList(values.bootnodes)
    const udp = await bindUdp(host, port, AbortSignal.timeout(5_000))
    const bound = udp.address
    const any = bound.ip === '0.0.0.0' || bound.ip === '::'
    const v6 = bound.ip.includes(':')
    const fields = any
      ? v6
        ? { udp6: bound.port }
        : { udp: bound.port }
      : v6
        ? { ip6: bound.ip, udp6: bound.port }
        : { ip: bound.ip, udp: bound.port }
    const svc = new discv5.Discv5Service({
      privateKey: key,
      enr: Enr.create(key, fields),
      send: (d, to) => udp.send(d, to),
      bootnodes: boots,
      onEnrChange: (e) => printJson({ event: 'enr', enr: e.encodeText() }),
    })
    udp.onDatagram((d, from) => {
      svc.handle(d, from)
    })
    svc.start()
    const signalled = untilSignal() // listening before the ready line
    printJson({ event: 'ready', enr: svc.enr.encodeText(), nodeId: svc.enr.nodeIdHex, ip: bound.ip, port: bound.port })
    await signalled
    const closing = Promise.all([svc.close(), udp.close()])
    await Promise.race([closing, new Promise((r) => setTimeout(r, LISTEN_CLOSE_MS).unref())])
    return 0
  },
}

const subs = [ping, resolve, crawlCommand, listen]
const grouped = group('discv5', 'Node Discovery v5: ping, resolve, crawl, listen', subs)

/** The `discv5` command; its `--help` holds every sub-command's full help. */
export default {
  ...grouped,
  usage: [grouped.usage, ...subs.map((s) => s.usage)].join('\n\n'),
} satisfies Command

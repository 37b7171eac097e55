/**
 * eth/68 interop with @ethereumjs/devp2p 10 (its RLPx and ETH classes) over loopback, both
 * directions: the Status handshake on mainnet, GetBlockHeaders from each side answered by the other
 * and matched by request id (answers deliberately out of order), a mismatched genesis refused by
 * each side, and where the two fork-id implementations differ on mainnet.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Common, Mainnet } from '@ethereumjs/common'
import {
  type Capabilities,
  DISCONNECT_REASON,
  type Peer as EjsPeer,
  ETH,
  EthMessageCodes,
  RLPx,
} from '@ethereumjs/devp2p'
import { keccak256 } from '../../src/crypto/keccak.js'
import { generatePrivateKey, publicKey64 } from '../../src/crypto/secp256k1.js'
import { formatEnode } from '../../src/enr/enode.js'
import { createNode, type EthP2pNode } from '../../src/node/node.js'
import type { ProtocolConnection } from '../../src/protocol/connection.js'
import type { AnyProtocol, PeerLimits } from '../../src/protocol/define.js'
import { HandshakeError } from '../../src/protocol/errors.js'
import { ProtocolHost } from '../../src/protocol/host.js'
import type { ProtocolPeer } from '../../src/protocol/peer.js'
import {
  type ChainConfig,
  computeForkId,
  type EthHead,
  EthStatusError,
  eth68,
  forkIdFilter,
  type HeadersQuery,
  mainnet,
} from '../../src/protocols/eth/index.js'
import { decode, encode, type RlpItem } from '../../src/rlp/index.js'
import { DisconnectReason } from '../../src/rlpx/disconnect.js'
import { RlpxError } from '../../src/rlpx/errors.js'
import { bigintToBytes, bytesToBigint, equalBytes, fromHex, toHex, utf8 } from '../../src/util/bytes.js'
import type { Logger } from '../../src/util/logger.js'

const WAIT_MS = 10_000
const GENESIS_DIFFICULTY = 17_179_869_184n
/** A chain that says it is mainnet (network id 1) but has another genesis. */
const WRONG: ChainConfig = { ...mainnet, name: 'not-mainnet', genesisHash: keccak256(utf8('not the mainnet genesis')) }

// ---------- a small header chain both sides serve ----------

const zeros = (n: number) => new Uint8Array(n)
const EMPTY_TRIE = fromHex('56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421')
/** Mainnet's genesis header fields (its hash is mainnet's genesis hash). */
function headerFields(parent: Uint8Array, n: bigint) {
  return [
    parent,
    fromHex('1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347'),
    zeros(20),
    fromHex('d7f8974fb5ac78d9ac099b9ad5018bedc2ce0a72dad1827a1709da30580f0544'),
    EMPTY_TRIE,
    EMPTY_TRIE,
    zeros(256),
    GENESIS_DIFFICULTY,
    n,
    5000n,
    0n,
    n * 12n,
    n === 0n ? fromHex('11bbe8db4e347b4e8c937c1c8370e4b5ed33adb3db69cbdb7a38e1e50b1b82fa') : utf8(`header ${n}`),
    zeros(32),
    fromHex('0000000000000042'),
  ]
}
/** The real mainnet genesis header, then 7 made-up children linked by parent hash. */
const HEADERS: Uint8Array[] = []
for (let n = 0n; n < 8n; n++)
  HEADERS.push(encode(headerFields(n === 0n ? zeros(32) : keccak256(HEADERS[Number(n) - 1] as Uint8Array), n)))
const HASHES = HEADERS.map((h) => keccak256(h))

/** The indexes a GetBlockHeaders query selects from HEADERS (devp2p caps/eth.md GetBlockHeaders). */
function select(q: HeadersQuery): number[] {
  let i =
    typeof q.origin === 'bigint' ? Number(q.origin) : HASHES.findIndex((h) => equalBytes(h, q.origin as Uint8Array))
  const out: number[] = []
  const step = (Number(q.skip) + 1) * (q.reverse ? -1 : 1)
  for (; i >= 0 && i < HEADERS.length && out.length < Number(q.limit); i += step) out.push(i)
  return out
}

// ---------- helpers ----------

function within<T>(p: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let t: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(t))
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Bytes of an RLP integer as ethereumjs expects to send it (canonical: 0 is empty). */
const num = (n: bigint) => bigintToBytes(n)

interface LogEntry {
  msg: string
  fields: Record<string, unknown> | undefined
}
function captureLogger(entries: LogEntry[]): Logger {
  const push = (msg: string, fields?: Record<string, unknown>) => void entries.push({ msg, fields })
  const l: Logger = { error: push, warn: push, info: push, debug: push, trace: push, child: () => l }
  return l
}

/** An eth/68 host that keeps every protocol peer it attaches, so the test can see how each ended. */
class RecordingHost extends ProtocolHost<typeof eth68> {
  readonly attached: ProtocolPeer<typeof eth68>[] = []
  override attach(conn: ProtocolConnection, limits?: Partial<PeerLimits>): ProtocolPeer<typeof eth68> {
    const p = super.attach(conn, limits)
    this.attached.push(p)
    return p
  }
}

interface Ours {
  node: EthP2pNode
  host: RecordingHost
  logs: LogEntry[]
  /** GetBlockHeaders queries our handler answered. */
  served: HeadersQuery[]
}

/** Our node, eth/68 only, on `chain` at its genesis, serving HEADERS (earlier queries answered later). */
async function startOurs(chain: ChainConfig): Promise<Ours> {
  const logs: LogEntry[] = []
  const logger = captureLogger(logs)
  const head: EthHead = { number: 0n, time: 0n, hash: chain.genesisHash, td: GENESIS_DIFFICULTY }
  const host = new RecordingHost(eth68, { init: { chain, head: () => head }, logger })
  const served: HeadersQuery[] = []
  host.handle(eth68.requests.getBlockHeaders, async (q) => {
    const order = served.push(q)
    await sleep(Math.max(0, 300 - 100 * order)) // the first query waits longest
    return select(q).map((i) => HEADERS[i] as Uint8Array)
  })
  const node = await createNode({
    host: '127.0.0.1',
    tcpPort: 0,
    discovery: [],
    protocols: [host as unknown as ProtocolHost<AnyProtocol>],
    logger,
  })
  return { node, host, logs, served }
}

/** How the ethereumjs side sends its Status once the RLPx session is up. */
type StatusMode = { genesis: Uint8Array; when: 'at-once' | 'after-ours' }

interface Theirs {
  rlpx: RLPx
  port: number
  id: Uint8Array
  enode: string
  /** The first peer, its ETH, and events seen. */
  peer: Promise<{ peer: EjsPeer; eth: ETH }>
  status: Promise<unknown>
  removed: Promise<{ reason: number; disconnectWe: boolean | null }>
  errors: Error[]
  /** Thrown by sendStatus (ethereumjs checks there when the remote Status came first). */
  statusThrew?: Error
  /** BLOCK_HEADERS responses by request id hex. */
  responses: Map<string, Uint8Array[]>
  /** Resolves when `n` responses arrived. */
  gotResponses(n: number): Promise<void>
  /** GET_BLOCK_HEADERS requests seen (answered in reverse order once `answerAfter` arrived). */
  requests: { id: Uint8Array; query: HeadersQuery }[]
}

/** An @ethereumjs/devp2p RLPx node with ETH 68 on mainnet, listening on 127.0.0.1. */
async function startTheirs(mode: StatusMode, answerAfter = 3): Promise<Theirs> {
  const key = generatePrivateKey()
  const rlpx = new RLPx(key, {
    capabilities: [ETH.eth68 as unknown as Capabilities],
    common: new Common({ chain: Mainnet }),
    maxPeers: 5,
    clientId: utf8('ejs-eth-interop'),
  })
  rlpx.listen(0, '127.0.0.1')
  await within(new Promise<void>((r) => rlpx.events.once('listening', () => r())), 'ethereumjs listen')
  const port = (rlpx as unknown as { _server: { address(): { port: number } } })._server.address().port
  const id = publicKey64(key)
  const t: Partial<Theirs> & Pick<Theirs, 'errors' | 'responses' | 'requests'> = {
    rlpx,
    port,
    id,
    enode: formatEnode({ publicKey: id, ip: '127.0.0.1', tcp: port, udp: 0 }),
    errors: [],
    responses: new Map(),
    requests: [],
  }
  const responseWaiters: (() => void)[] = []
  t.gotResponses = (n) =>
    new Promise<void>((resolve) => {
      const check = () => (t.responses.size >= n ? resolve() : responseWaiters.push(check))
      check()
    })
  rlpx.events.on('peer:error', (_p: EjsPeer, e: Error) => t.errors.push(e))
  t.removed = new Promise((resolve) =>
    rlpx.events.once('peer:removed', (_p: EjsPeer, reason: number, disconnectWe: boolean | null) =>
      resolve({ reason, disconnectWe }),
    ),
  )
  let statusResolve!: (s: unknown) => void
  t.status = new Promise((r) => {
    statusResolve = r
  })
  t.peer = new Promise((resolve) =>
    rlpx.events.once('peer:added', (peer: EjsPeer) => {
      const eth = peer.getProtocols()[0] as ETH
      eth.events.once('status', statusResolve)
      eth.events.on('message', (code: number, payload: unknown) => {
        const [rid, body] = payload as [Uint8Array, unknown]
        if (code === EthMessageCodes.GET_BLOCK_HEADERS) {
          const none = new Uint8Array(0)
          const [o = none, l = none, s = none, r = none] = body as Uint8Array[]
          const query: HeadersQuery = {
            origin: o.length === 32 ? o : bytesToBigint(o),
            limit: bytesToBigint(l),
            skip: bytesToBigint(s),
            reverse: r.length > 0,
          }
          t.requests.push({ id: rid, query })
          if (t.requests.length === answerAfter)
            for (const req of [...t.requests].reverse()) {
              const headers = select(req.query).map((i) => decode(HEADERS[i] as Uint8Array))
              eth.sendMessage(EthMessageCodes.BLOCK_HEADERS, [req.id, headers])
            }
        } else if (code === EthMessageCodes.BLOCK_HEADERS) {
          t.responses.set(
            toHex(rid),
            (body as RlpItem[]).map((h) => encode(h)),
          )
          for (const w of responseWaiters.splice(0)) w()
        }
      })
      const send = () => {
        try {
          eth.sendStatus({ td: num(GENESIS_DIFFICULTY), bestHash: mode.genesis, genesisHash: mode.genesis })
        } catch (e) {
          t.statusThrew = e as Error
        }
      }
      if (mode.when === 'at-once') send()
      else {
        // Wait until ethereumjs holds our Status, so our check runs before theirs.
        const poll = setInterval(() => {
          if ((eth as unknown as { _peerStatus: unknown })._peerStatus !== null) {
            clearInterval(poll)
            send()
          }
        }, 5)
        setTimeout(() => clearInterval(poll), WAIT_MS).unref()
      }
      resolve({ peer, eth })
    }),
  )
  return t as Theirs
}

function stopTheirs(t: Theirs): void {
  t.rlpx.destroy()
}

/** Request a GetBlockHeaders from the ethereumjs side (raw ETH message with our chosen id). */
function theirRequest(eth: ETH, id: bigint, q: HeadersQuery): void {
  const origin = typeof q.origin === 'bigint' ? num(q.origin) : q.origin
  const payload = [num(id), [origin, num(q.limit), num(q.skip), q.reverse ? Uint8Array.of(1) : new Uint8Array(0)]]
  eth.sendMessage(EthMessageCodes.GET_BLOCK_HEADERS, payload)
}

type Direction = 'they dial us' | 'we dial them'

async function connect(direction: Direction, ours: Ours, theirs: Theirs): Promise<void> {
  if (direction === 'they dial us')
    await theirs.rlpx.connect({
      id: publicKey64(ours.node.privateKey),
      address: '127.0.0.1',
      tcpPort: ours.node.tcpPort,
    })
  else {
    const peer = await within(ours.node.connect(theirs.enode), 'our dial')
    assert.equal(peer.direction, 'outbound')
  }
}

function waitOurPeer(node: EthP2pNode): Promise<void> {
  if (node.peers.length > 0) return Promise.resolve()
  return within(new Promise<void>((r) => node.once('peer:added', () => r())), 'our peer:added')
}

// ---------- tests ----------

describe('eth/68 interop with @ethereumjs/devp2p', () => {
  for (const direction of ['they dial us', 'we dial them'] as const) {
    test(`${direction}: Status on mainnet; GetBlockHeaders each way, answered out of order, matched by request id`, async () => {
      const ours = await startOurs(mainnet)
      const theirs = await startTheirs({ genesis: mainnet.genesisHash, when: 'at-once' })
      try {
        const [, { eth }] = await Promise.all([
          connect(direction, ours, theirs),
          within(theirs.peer, 'their peer:added'),
        ])
        await waitOurPeer(ours.node)
        const theirStatus = (await within(theirs.status, 'their status event')) as { genesisHash: Uint8Array }
        assert.ok(equalBytes(theirStatus.genesisHash, mainnet.genesisHash))
        const peer = ours.node.peers[0]
        assert.equal(peer?.direction, direction === 'they dial us' ? 'inbound' : 'outbound')
        const ethPeer = peer?.protocol(eth68)
        assert.ok(ethPeer?.ready)
        // Their Status as we decoded it: mainnet at its current fork (Prague in @ethereumjs/common 10).
        assert.equal(ethPeer.handshake.version, 68)
        assert.equal(ethPeer.handshake.networkId, 1n)
        assert.equal(ethPeer.handshake.td, GENESIS_DIFFICULTY)
        assert.ok(equalBytes(ethPeer.handshake.genesis, mainnet.genesisHash))
        assert.deepEqual(ethPeer.handshake.forkId, { hash: 0xc376cf8b, next: 1764798551n })

        // We ask; they answer our three requests in reverse order.
        const queries: HeadersQuery[] = [
          { origin: 0n, limit: 1n, skip: 0n, reverse: false },
          { origin: HASHES[3] as Uint8Array, limit: 2n, skip: 0n, reverse: false },
          { origin: 7n, limit: 3n, skip: 1n, reverse: true },
        ]
        const got = await within(
          Promise.all(queries.map((q) => ethPeer.request(eth68.requests.getBlockHeaders, q))),
          'our requests',
        )
        assert.equal(theirs.requests.length, 3)
        const ourIds = theirs.requests.map((r) => toHex(r.id))
        assert.equal(new Set(ourIds).size, 3, 'each request has its own id')
        assert.deepEqual(
          got.map((hs) => hs.map((h) => HEADERS.findIndex((x) => equalBytes(x, h)))),
          [[0], [3, 4], [7, 5, 3]],
        )
        assert.ok(equalBytes(keccak256(got[0]?.[0] as Uint8Array), mainnet.genesisHash))

        // They ask (ids 0, 7 and a full 8-byte id); our handler answers the first one last.
        const theirQueries: [bigint, HeadersQuery, number[]][] = [
          [0n, { origin: mainnet.genesisHash, limit: 1n, skip: 0n, reverse: false }, [0]],
          [7n, { origin: 2n, limit: 3n, skip: 1n, reverse: false }, [2, 4, 6]],
          [0xfedcba9876543210n, { origin: 6n, limit: 10n, skip: 0n, reverse: true }, [6, 5, 4, 3, 2, 1, 0]],
        ]
        for (const [id, q] of theirQueries) theirRequest(eth, id, q)
        await within(theirs.gotResponses(3), 'their responses')
        assert.equal(ours.served.length, 3)
        assert.equal([...theirs.responses.keys()].at(-1), toHex(num(0n)), 'the first request was answered last')
        for (const [id, , want] of theirQueries) {
          const hs = theirs.responses.get(toHex(num(id)))
          assert.ok(hs, `response to id ${id}`)
          assert.deepEqual(
            hs.map((h) => HEADERS.findIndex((x) => equalBytes(x, h))),
            want,
          )
        }
        assert.deepEqual(theirs.errors, [])
      } finally {
        await ours.node.stop()
        stopTheirs(theirs)
      }
      // stop() said ClientQuitting to them
      const removed = await within(theirs.removed, 'their peer:removed')
      assert.equal(removed.reason, DISCONNECT_REASON.CLIENT_QUITTING)
      assert.equal(removed.disconnectWe, false)
    })

    test(`${direction}: a mismatched genesis; our refusal (SubprotocolError) reaches them`, async () => {
      // ethereumjs sends its Status only once it holds ours, so our check runs first and its
      // own check throws from sendStatus instead of disconnecting.
      const ours = await startOurs(direction === 'they dial us' ? WRONG : mainnet)
      const theirGenesis = direction === 'they dial us' ? mainnet.genesisHash : WRONG.genesisHash
      const theirs = await startTheirs({ genesis: theirGenesis, when: 'after-ours' })
      try {
        const dialing = connect(direction, ours, theirs).then(
          () => undefined,
          (e: unknown) => e,
        )
        const removed = await within(theirs.removed, 'their peer:removed')
        assert.deepEqual(removed, { reason: DISCONNECT_REASON.SUBPROTOCOL_ERROR, disconnectWe: false })
        assert.match(String(theirs.statusThrew), /Genesis block mismatch/)
        const ourPeer = ours.host.attached[0]
        assert.ok(ourPeer)
        assert.deepEqual(await within(ourPeer.closed, 'our close'), {
          reason: DisconnectReason.SubprotocolError,
          remote: false,
        })
        const failed = ours.logs.find((l) => l.msg === 'protocol handshake failed')
        const error = failed?.fields?.error
        assert.ok(error instanceof HandshakeError, `logged ${String(error)}`)
        assert.ok(error.cause instanceof EthStatusError)
        assert.equal(error.cause.code, 'GENESIS')
        const dialError = await dialing
        if (direction === 'we dial them') {
          assert.ok(dialError instanceof RlpxError)
          assert.equal(dialError.reason, DisconnectReason.SubprotocolError)
          assert.equal(dialError.by, 'local')
        } else assert.equal(dialError, undefined)
        assert.equal(ours.node.peers.length, 0)
      } finally {
        await ours.node.stop()
        stopTheirs(theirs)
      }
    })

    test(`${direction}: a mismatched genesis; ethereumjs refuses by itself ("Genesis block mismatch")`, async () => {
      const ours = await startOurs(direction === 'they dial us' ? WRONG : mainnet)
      const theirGenesis = direction === 'they dial us' ? mainnet.genesisHash : WRONG.genesisHash
      const theirs = await startTheirs({ genesis: theirGenesis, when: 'at-once' })
      try {
        const dialing = connect(direction, ours, theirs).then(
          () => undefined,
          (e: unknown) => e,
        )
        const removed = await within(theirs.removed, 'their peer:removed')
        assert.equal(removed.reason, DISCONNECT_REASON.SUBPROTOCOL_ERROR)
        assert.equal(theirs.statusThrew, undefined)
        assert.ok(
          theirs.errors.some((e) => /Genesis block mismatch/.test(e.message)),
          `their errors: ${theirs.errors.map(String).join('; ')}`,
        )
        // Both sides refused at once; whichever Disconnect arrived first, it said SubprotocolError.
        const ourPeer = ours.host.attached[0]
        assert.ok(ourPeer)
        assert.equal((await within(ourPeer.closed, 'our close')).reason, DisconnectReason.SubprotocolError)
        const dialError = await dialing
        if (direction === 'we dial them') assert.ok(dialError instanceof RlpxError)
        assert.equal(ours.node.peers.length, 0)
      } finally {
        await ours.node.stop()
        stopTheirs(theirs)
      }
    })
  }

  test('fork ids on mainnet: hashes agree at every fork; ethereumjs names the Paris block as next after Gray Glacier', () => {
    const common = new Common({ chain: Mainnet })
    const differ: string[] = []
    for (const hf of common.hardforks()) {
      const at = hf.timestamp ?? hf.block
      if (at === null || at === undefined) continue // forks without a date (TTD merge marker, future forks)
      const head =
        hf.timestamp !== undefined && hf.timestamp !== null
          ? { number: 20_000_000n, time: BigInt(hf.timestamp) }
          : { number: BigInt(hf.block as number), time: 0n }
      const ours = computeForkId(mainnet, head)
      const theirHash = Number.parseInt(common.forkHash(hf.name).slice(2), 16)
      assert.equal(ours.hash, theirHash, `${hf.name}: fork hash`)
      const theirNext = common.nextHardforkBlockOrTimestamp(hf.name) ?? 0n
      if (ours.next !== theirNext) differ.push(`${hf.name}:${theirNext}/${ours.next}`)
    }
    // go-ethereum core/forkid (and EIP-2124's rule that FORK_NEXT is a fork that changes FORK_HASH):
    // after Gray Glacier comes Shanghai (1681338455). The Merge was a difficulty transition with no
    // fork block on mainnet, and ethereumjs leaves it out of the hash too, but announces it as next.
    assert.deepEqual(differ, ['grayGlacier:15537394/1681338455', 'paris:15537394/1681338455'])
    // The effect: past block 15537394 (before Shanghai) we, like go-ethereum, refuse that id (rule 1a).
    const check = forkIdFilter(mainnet)
    const head = { number: 15_600_000n, time: 1_670_000_000n }
    assert.deepEqual(check(head, { hash: 0xf0afd0e3, next: 15537394n }), {
      ok: false,
      error: 'LOCAL_INCOMPATIBLE_OR_STALE',
    })
    assert.equal(check(head, { hash: 0xf0afd0e3, next: 1681338455n }).ok, true)
  })
})

/**
 * RLPx and eth against a real go-ethereum `geth` (v1.17.10, built by `npm run peers`), started by
 * this file on 127.0.0.1 with the mainnet chain config, no discovery and a temporary datadir:
 * `eth-p2p rlpx ping`, both dial directions, the eth/69 Status on mainnet genesis, Ping/Pong,
 * GetBlockHeaders for the genesis matched by request id, and Disconnect reasons either way.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { keccak256 } from '../../src/crypto/keccak.js'
import { generatePrivateKey } from '../../src/crypto/secp256k1.js'
import { parseEnode } from '../../src/enr/enode.js'
import { Enr } from '../../src/enr/record.js'
import { createNode, type EthP2pNode } from '../../src/node/node.js'
import { envelopeIds, MAX_REQUEST_ID } from '../../src/protocol/ids.js'
import {
  type ChainConfig,
  computeForkId,
  eth69,
  headersQueryCodec,
  mainnet,
  rawListsCodec,
  status69Codec,
} from '../../src/protocols/eth/index.js'
import { dial as rlpxDial } from '../../src/rlpx/dial.js'
import { DisconnectReason } from '../../src/rlpx/disconnect.js'
import { RlpxError } from '../../src/rlpx/errors.js'
import type { Peer } from '../../src/server/peer.js'
import type { PeerRemovedEvent } from '../../src/server/server.js'
import { equalBytes, toHex, utf8 } from '../../src/util/bytes.js'
import { BIN } from '../helpers/cli.js'
import { type Geth, type GethPeerInfo, inetSockets, isLoopbackAddress, startGeth, until } from '../helpers/geth.js'
import { peerBinary, runBinary } from '../helpers/peers.js'
import { runProcess } from '../helpers/process.js'

const gethBin = peerBinary('geth')
const WAIT_MS = 10_000

/** Skip without geth, but under CI a missing geth is a failure (issue 10). */
function requireGeth(t: import('node:test').TestContext, g: Geth | undefined): g is Geth {
  if (g) return true
  if (process.env.CI === 'true') assert.fail(gethBin.missing ?? 'geth did not start')
  t.skip(gethBin.missing)
  return false
}

/** geth's view of its peers, by node id hex. */
async function gethPeers(g: Geth): Promise<Map<string, GethPeerInfo>> {
  const list = await g.rpc<GethPeerInfo[]>('admin_peers')
  return new Map(list.map((p) => [p.id, p]))
}

/** A node of ours on mainnet, RLPx only (no discovery), on 127.0.0.1. */
function ourNode(): Promise<EthP2pNode> {
  return createNode({ host: '127.0.0.1', tcpPort: 0, discovery: [], chain: mainnet })
}

function nextEvent<T>(emitter: EthP2pNode, name: 'peer:added' | 'peer:removed', pred: (v: T) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      emitter.off(name, on as never)
      reject(new Error(`no ${name} within ${WAIT_MS} ms`))
    }, WAIT_MS)
    const on = (v: T) => {
      if (!pred(v)) return
      clearTimeout(t)
      emitter.off(name, on as never)
      resolve(v)
    }
    emitter.on(name, on as never)
  })
}

function raceTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no message within ${ms} ms`)), ms)
  })
  return Promise.race([p, t]).finally(() => clearTimeout(timer))
}

/** The log lines geth (p2p at debug level) wrote about removing `idHex`. */
function removals(g: Geth, idHex: string): string[] {
  return g
    .log()
    .split('\n')
    .filter((l) => l.includes('Removing p2p peer') && l.includes(idHex.slice(0, 16)))
}

describe('RLPx and eth/69 against go-ethereum geth', { timeout: 85_000 }, () => {
  let geth: Geth | undefined
  before(
    async () => {
      if (gethBin.path) geth = await startGeth(gethBin.path, { vmodule: 'p2p=4' })
      if (geth) console.log(`# geth started in ${geth.startupMs} ms: ${geth.enode}`)
    },
    { timeout: 40_000 },
  )
  after(() => geth?.stop())

  test('geth listens on 127.0.0.1 only: p2p TCP and authrpc, no UDP', (t) => {
    if (!requireGeth(t, geth)) return
    assert.match(geth.enode, /@127\.0\.0\.1:\d+$/)
    const sockets = inetSockets(geth.pid)
    if (!sockets) return t.diagnostic('no /proc: sockets not inspected')
    const port = Number(/:(\d+)$/.exec(geth.enode)?.[1])
    const listening = sockets.filter((s) => s.state === '0A' || s.proto.startsWith('udp'))
    assert.ok(
      listening.some((s) => s.local === `127.0.0.1:${port}`),
      JSON.stringify(sockets),
    )
    assert.equal(listening.length, 2, `expected the p2p and authrpc listeners: ${JSON.stringify(listening)}`)
    for (const s of listening) assert.ok(s.proto === 'tcp' && isLoopbackAddress(s.local), JSON.stringify(s))
  })

  test("geth's ENR decodes and verifies with ours; its eth fork id is ours at genesis", async (t) => {
    if (!requireGeth(t, geth)) return
    const enr = Enr.decodeText(geth.enr)
    assert.equal(toHex(enr.nodeId), geth.nodeIdHex)
    assert.equal(enr.ip, '127.0.0.1')
    assert.equal(enr.tcp, Number(/:(\d+)$/.exec(geth.enode)?.[1]))
    assert.equal(enr.udp, undefined)
    const node = await ourNode()
    try {
      const ours = node.enr.get('eth')
      assert.ok(
        ours && equalBytes(enr.get('eth') ?? new Uint8Array(), ours),
        `geth eth entry ${toHex(enr.get('eth') ?? new Uint8Array())}`,
      )
    } finally {
      await node.stop()
    }
  })

  test('eth-p2p rlpx ping prints geth Hello', async (t) => {
    if (!requireGeth(t, geth)) return
    const { code, out } = await runBinary(
      process.execPath,
      [BIN, 'rlpx', 'ping', geth.enode, '--timeout', '5s'],
      15_000,
    )
    assert.equal(code, 0, out)
    const line = out.split('\n').find((l) => l.startsWith('{'))
    assert.ok(line, out)
    const hello = JSON.parse(line) as {
      version: number
      clientId: string
      capabilities: { name: string; version: number }[]
      id: string
    }
    assert.equal(hello.version, 5)
    assert.match(hello.clientId, /^Geth\//)
    assert.ok(
      hello.capabilities.some((c) => c.name === 'eth' && c.version === 69),
      JSON.stringify(hello.capabilities),
    )
    assert.equal(hello.id.replace(/^0x/, ''), geth.publicKeyHex)
  })

  test('we dial geth: Status on mainnet genesis, Ping/Pong, genesis header by request id, we disconnect', async (t) => {
    if (!requireGeth(t, geth)) return
    const g = geth
    const node = await ourNode()
    try {
      const peer = await node.connect(g.enode, { signal: AbortSignal.timeout(WAIT_MS) })
      assert.equal(peer.direction, 'outbound')
      assert.match(peer.conn.remoteHello.clientId, /^Geth\//)
      const eth = peer.protocol(eth69)
      assert.ok(eth?.ready, `no eth/69 peer: ${JSON.stringify(peer.toJSON())}`)
      assert.ok(equalBytes(eth.handshake.genesis, mainnet.genesisHash))
      assert.equal(eth.handshake.networkId, 1n)
      const ourId = toHex(node.nodeId).replace(/^0x/, '')

      // geth sees us as an inbound eth/69 peer
      // geth lists a peer while its own side of the eth handshake still runs ("handshake"): wait for it
      const info = await until('geth to list us with eth done', WAIT_MS, async () => {
        const p = (await gethPeers(g)).get(ourId)
        return p && typeof p.protocols.eth === 'object' ? p : undefined
      })
      assert.equal(info.network.inbound, true)
      assert.equal(typeof info.protocols.eth, 'object', JSON.stringify(info.protocols))
      assert.equal((info.protocols.eth as { version: number }).version, 69)

      // Ping/Pong
      const rtt = await peer.conn.ping({ signal: AbortSignal.timeout(WAIT_MS) })
      assert.ok(rtt >= 0 && rtt < WAIT_MS)

      // GetBlockHeaders for block 0: the genesis header
      const headers = await eth.request(eth69.requests.getBlockHeaders, {
        origin: 0n,
        limit: 1n,
        skip: 0n,
        reverse: false,
      })
      assert.equal(headers.length, 1)
      assert.ok(equalBytes(keccak256(headers[0] as Uint8Array), mainnet.genesisHash))

      // An abandoned request's answer is not taken for the next one: the first request is aborted
      // after it is sent, so its answer (the genesis) arrives late; the next (block 1, which geth
      // does not have) gets its own empty answer, and the late one is counted as late, not
      // unsolicited (its id was remembered). The wire test below checks the ids geth echoes.
      const lateBefore = eth.dropped.late
      const abandon = new AbortController()
      const first = eth.request(
        eth69.requests.getBlockHeaders,
        { origin: 0n, limit: 1n, skip: 0n, reverse: false },
        { signal: abandon.signal },
      )
      abandon.abort()
      await assert.rejects(first)
      const [byNumber, byHash] = await Promise.all([
        eth.request(eth69.requests.getBlockHeaders, { origin: 1n, limit: 1n, skip: 0n, reverse: false }),
        eth.request(eth69.requests.getBlockHeaders, {
          origin: mainnet.genesisHash,
          limit: 1n,
          skip: 0n,
          reverse: false,
        }),
      ])
      assert.deepEqual(byNumber, [])
      assert.equal(byHash.length, 1)
      assert.ok(equalBytes(keccak256(byHash[0] as Uint8Array), mainnet.genesisHash))
      await until('the abandoned answer', WAIT_MS, async () => (eth.dropped.late > lateBefore ? true : undefined))
      assert.equal(eth.dropped.unsolicited + eth.dropped.mismatched + eth.dropped.duplicate, 0)

      // We disconnect: geth drops us and logs the reason it received.
      const closed = await peer.disconnect(DisconnectReason.DisconnectRequested)
      assert.equal(closed.by, 'local')
      assert.equal(closed.reason, DisconnectReason.DisconnectRequested)
      await until('geth to drop us', WAIT_MS, async () => ((await gethPeers(g)).has(ourId) ? undefined : true))
      const logged = await until('geth to log the removal', WAIT_MS, async () => removals(g, ourId)[0])
      assert.match(logged, /err="disconnect requested"/, logged)
    } finally {
      await node.stop()
    }
  })

  test('on the wire: geth echoes our request ids, up to 2^64-1', async (t) => {
    if (!requireGeth(t, geth)) return
    const conn = await rlpxDial(parseEnode(geth.enode), {
      privateKey: generatePrivateKey(),
      protocols: [{ name: 'eth', version: 69, length: eth69.length }],
      timeouts: { handshakeMs: WAIT_MS, dialMs: WAIT_MS },
    })
    try {
      const offset = conn.capability('eth')?.offset as number
      const inbox = conn.messages()
      const next = async () => {
        const r = await raceTimeout(inbox.next(), WAIT_MS)
        assert.ok(!r.done, 'connection closed')
        return r.value
      }
      const status = await next()
      assert.equal(status.id, 0x00)
      const theirs = status69Codec.decode(status.payload)
      assert.ok(equalBytes(theirs.genesis, mainnet.genesisHash))
      const head = { number: 0n, time: mainnet.genesisTime }
      await conn.send(
        offset,
        status69Codec.encode({
          version: 69,
          networkId: 1n,
          genesis: mainnet.genesisHash,
          forkId: computeForkId(mainnet, head),
          earliest: 0n,
          latest: 0n,
          latestHash: mainnet.genesisHash,
        }),
      )
      const ids = [MAX_REQUEST_ID, 7n, 0n]
      const origins = [0n, 1n, mainnet.genesisHash]
      for (const [i, id] of ids.entries()) {
        const query = headersQueryCodec.encode({ origin: origins[i] as bigint, limit: 1n, skip: 0n, reverse: false })
        await conn.send(offset + 0x03, envelopeIds.wrap(id, query))
      }
      const answers = new Map<bigint, Uint8Array[]>()
      while (answers.size < ids.length) {
        const m = await next()
        if (m.id !== 0x04) continue // BlockRangeUpdate and the like
        const { id, payload } = envelopeIds.unwrap(m.payload)
        answers.set(id, rawListsCodec('header').decode(payload))
      }
      assert.deepEqual([...answers.keys()].sort(), [...ids].sort())
      assert.equal(answers.get(MAX_REQUEST_ID)?.length, 1)
      assert.ok(equalBytes(keccak256(answers.get(MAX_REQUEST_ID)?.[0] as Uint8Array), mainnet.genesisHash))
      assert.deepEqual(answers.get(7n), [])
      assert.ok(equalBytes(keccak256(answers.get(0n)?.[0] as Uint8Array), mainnet.genesisHash))
    } finally {
      await conn.disconnect(DisconnectReason.DisconnectRequested)
    }
  })

  test('geth dials us (admin_addPeer): inbound, Status done; admin_removePeer arrives as a Disconnect with its reason', async (t) => {
    if (!requireGeth(t, geth)) return
    const g = geth
    const node = await ourNode()
    try {
      const added = nextEvent<Peer>(node, 'peer:added', () => true)
      assert.equal(await g.rpc<boolean>('admin_addPeer', [node.enode]), true)
      const peer = await added
      assert.equal(peer.direction, 'inbound')
      assert.equal(peer.idHex.replace(/^0x/, ''), g.nodeIdHex)
      assert.match(peer.conn.remoteHello.clientId, /^Geth\//)
      const eth = peer.protocol(eth69)
      assert.ok(eth?.ready, `no eth/69 peer: ${JSON.stringify(peer.toJSON())}`)
      assert.ok(equalBytes(eth.handshake.genesis, mainnet.genesisHash))
      const ourId = toHex(node.nodeId).replace(/^0x/, '')
      // geth lists a peer while its own side of the eth handshake still runs ("handshake"): wait for it
      const info = await until('geth to list us with eth done', WAIT_MS, async () => {
        const p = (await gethPeers(g)).get(ourId)
        return p && typeof p.protocols.eth === 'object' ? p : undefined
      })
      assert.equal(info.network.inbound, false)
      assert.equal(info.network.static, true)

      // both directions of a request work on the inbound connection too
      assert.ok((await peer.conn.ping({ signal: AbortSignal.timeout(WAIT_MS) })) >= 0)
      const headers = await eth.request(eth69.requests.getBlockHeaders, {
        origin: 0n,
        limit: 1n,
        skip: 0n,
        reverse: false,
      })
      assert.ok(equalBytes(keccak256(headers[0] as Uint8Array), mainnet.genesisHash))

      const removed = nextEvent<PeerRemovedEvent>(node, 'peer:removed', (e) => e.peer === peer)
      assert.equal(await g.rpc<boolean>('admin_removePeer', [node.enode]), true)
      const ev = await removed
      assert.equal(ev.by, 'remote')
      assert.equal(ev.reason, DisconnectReason.DisconnectRequested)
      await until('geth to drop us', WAIT_MS, async () => ((await gethPeers(g)).has(ourId) ? undefined : true))
      assert.equal(node.peers.length, 0)
    } finally {
      await node.stop()
    }
  })

  test('another genesis on network 1 is refused by both sides, either direction', async (t) => {
    if (!requireGeth(t, geth)) return
    const g = geth
    const other: ChainConfig = {
      ...mainnet,
      name: 'not-mainnet',
      genesisHash: keccak256(utf8('not the mainnet genesis')),
    }
    const node = await createNode({ host: '127.0.0.1', tcpPort: 0, discovery: [], chain: other })
    try {
      const ourId = toHex(node.nodeId)
      await assert.rejects(node.connect(g.enode, { signal: AbortSignal.timeout(WAIT_MS) }), RlpxError)
      // geth dials us: the connection is dropped after the Status exchange, never becomes a peer
      const removedBefore = removals(g, ourId).length
      assert.equal(await g.rpc<boolean>('admin_addPeer', [node.enode]), true)
      const logged = await until('geth to give up on us', WAIT_MS, async () => removals(g, ourId)[removedBefore])
      assert.match(logged, /genesis|subprotocol error/, logged)
      assert.equal(await g.rpc<boolean>('admin_removePeer', [node.enode]), true)
      assert.equal(node.peers.length, 0)
      assert.equal((await gethPeers(g)).has(ourId), false)
    } finally {
      await node.stop()
    }
  })

  test('eth-p2p node process and geth: static dial, then SIGTERM says ClientQuitting', async (t) => {
    if (!requireGeth(t, geth)) return
    const g = geth
    const proc = runProcess(['node', '--port', '0', '--discovery', 'none', '--network', 'mainnet', '--static', g.enode])
    try {
      const ready = await proc.waitFor((o) => o.event === 'ready', 15_000)
      const added = await proc.waitFor((o) => o.event === 'peer:added', 15_000)
      assert.equal(added.direction, 'outbound')
      assert.match(added.clientId as string, /^Geth\//)
      assert.ok((added.caps as string[]).includes('eth/69'), JSON.stringify(added.caps))
      const ourId = (ready.nodeId as string).replace(/^0x/, '')
      await until('geth to list the node', WAIT_MS, async () => (await gethPeers(g)).get(ourId))
      const { code } = await proc.stop()
      assert.equal(code, 0)
      await until('geth to drop the node', WAIT_MS, async () => ((await gethPeers(g)).has(ourId) ? undefined : true))
      const logged = await until('geth to log the removal', WAIT_MS, async () => removals(g, ourId)[0])
      assert.match(logged, /err="client quitting"/, logged)
    } finally {
      await proc.stop()
    }
  })

  test('geth never left 127.0.0.0/8', (t) => {
    if (!requireGeth(t, geth)) return
    const sockets = inetSockets(geth.pid)
    if (!sockets) return t.diagnostic('no /proc: sockets not inspected')
    for (const s of sockets) {
      assert.ok(isLoopbackAddress(s.local), JSON.stringify(s))
      if (s.state !== '0A') assert.ok(isLoopbackAddress(s.remote), JSON.stringify(s))
    }
    const added = [...geth.log().matchAll(/Adding p2p peer.*addr=(\S+)/g)].map((m) => m[1] as string)
    assert.ok(added.length >= 4, `geth peers: ${added.join(', ')}`)
    for (const a of added) assert.match(a, /^127\./)
  })
})

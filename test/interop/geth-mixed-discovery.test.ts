// A mixed discovery network on 127.0.0.1: 5 eth-p2p nodes and 5 go-ethereum discovery nodes
// (`devp2p discovery listen`: v4 and v5 on one port) around one eth-p2p bootnode. Lookups from
// every node of each kind find nodes of both kinds, over discv5 and over discv4.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'

import { createServer } from 'node:net'
import { test } from 'node:test'
import {
  createNode,
  Enr,
  type EthP2pNode,
  enrToEnode,
  generatePrivateKey,
  keccak256,
  publicKey64,
  toHex,
} from '../../src/index.js'
import { devnet } from '../../src/protocols/eth/index.js'
import { BIN } from '../helpers/cli.js'
import { peerBinary, runBinary } from '../helpers/peers.js'

const devp2p = peerBinary('devp2p')

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      const port = typeof a === 'object' && a ? a.port : 0
      s.close(() => resolve(port))
    })
  })
}

async function rpc(port: number, method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(15_000),
  })
  const body = (await res.json()) as { result?: unknown; error?: { message: string } }
  if (body.error) throw new Error(`${method}: ${body.error.message}`)
  return body.result
}

async function until<T>(what: string, ms: number, f: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    try {
      const v = await f()
      if (v !== undefined) return v
    } catch {
      // not ready yet
    }
    if (Date.now() > end) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 300))
  }
}

/** Node ids (hex) in go-ethereum's JSON for a list of nodes (ENR text or enode URL). */
function idsOf(nodes: unknown): string[] {
  return (nodes as string[]).map((n) =>
    n.startsWith('enr:') ? Enr.decodeText(n).nodeIdHex : toHex(keccak256(Buffer.from(n.slice(8, 136), 'hex'))),
  )
}

test('mixed network of eth-p2p and go-ethereum discovery nodes: lookups find both kinds', async (t) => {
  if (!devp2p.path) {
    if (process.env.CI === 'true') assert.fail(devp2p.missing)
    return t.skip(devp2p.missing)
  }
  const base = { host: '127.0.0.1', tcpPort: 0, udpPort: 0, chain: devnet, protocols: [] }
  const ours: EthP2pNode[] = []
  const geths: { proc: ChildProcess; rpc: number; id: string }[] = []
  try {
    const boot = await createNode({ ...base, discovery: ['v4', 'v5'] })
    ours.push(boot)
    const bootnodes = [boot.enr.encodeText()]
    for (let i = 0; i < 5; i++) ours.push(await createNode({ ...base, discovery: ['v4', 'v5'], bootnodes }))
    for (let i = 0; i < 5; i++) {
      const key = generatePrivateKey()
      const [udp, rpcPort] = [await freePort(), await freePort()]
      const args = [
        'discovery',
        'listen',
        '--addr',
        `127.0.0.1:${udp}`,
        '--nodekey',
        toHex(key),
        '--bootnodes',
        bootnodes[0] as string,
        '--rpc',
        `127.0.0.1:${rpcPort}`,
      ]
      const proc = spawn(devp2p.path as string, args, { stdio: 'ignore' })
      geths.push({ proc, rpc: rpcPort, id: toHex(keccak256(publicKey64(key))) })
    }
    const gethIds = new Set(geths.map((g) => g.id))
    const ourIds = new Set(ours.map((n) => n.enr.nodeIdHex))
    const bothKinds = (ids: string[]) => ids.some((x) => gethIds.has(x)) && ids.some((x) => ourIds.has(x))

    // every eth-p2p node, over discv5 and over discv4
    for (const n of ours.slice(1)) {
      await until('eth-p2p discv5 lookup finds both kinds', 40_000, async () => {
        const found = (await n.discv5!.lookup(undefined, { signal: AbortSignal.timeout(10_000) })).map(
          (e) => e.nodeIdHex,
        )
        return bothKinds([...found, ...n.discv5!.table.nodes().map((x) => toHex(x.id))]) ? true : undefined
      })
      await until('eth-p2p discv4 lookup finds both kinds', 40_000, async () => {
        const found = (await n.discv4!.lookup(undefined, { signal: AbortSignal.timeout(10_000) })).map((x) =>
          toHex(x.id),
        )
        return bothKinds([...found, ...n.discv4!.table.nodes().map((x) => toHex(x.id))]) ? true : undefined
      })
    }
    // the CLIs against each other: ours against a geth node, geth's against ours
    const g0 = geths[0] as (typeof geths)[number]
    const gethEnr = Enr.decodeText((await rpc(g0.rpc, 'discv5_self', [])) as string)
    assert.equal(gethEnr.nodeIdHex, g0.id, "geth's record decodes and verifies with ours")
    const cli = async (args: string[]) => {
      const r = await runBinary(process.execPath, [BIN, ...args], 20_000)
      assert.equal(r.code, 0, `eth-p2p ${args.join(' ')}: ${r.out}`)
      return r.out
    }
    assert.match(await cli(['discv5', 'ping', gethEnr.encodeText(), '--timeout', '5s']), /"rttMs"/)
    assert.match(await cli(['discv5', 'resolve', gethEnr.encodeText(), '--timeout', '5s']), new RegExp(g0.id))
    const gethEnode = enrToEnode(gethEnr)
    assert.match(await cli(['discv4', 'ping', gethEnode, '--timeout', '5s']), /"rttMs"/)
    assert.match(await cli(['discv4', 'requestenr', gethEnode, '--timeout', '5s']), new RegExp(g0.id))
    const target = ours[1] as EthP2pNode
    const v5 = await runBinary(
      devp2p.path,
      ['discv5', 'ping', '--addr', '127.0.0.1:0', target.enr.encodeText()],
      20_000,
    )
    assert.equal(v5.code, 0, `devp2p discv5 ping: ${v5.out}`)
    const v4 = await runBinary(devp2p.path, ['discv4', 'ping', '--addr', '127.0.0.1:0', target.enode], 20_000)
    assert.equal(v4.code, 0, `devp2p discv4 ping: ${v4.out}`)

    // every go-ethereum node, over discv5 and over discv4
    for (const g of geths) {
      for (const proto of ['discv5', 'discv4']) {
        await until(`geth ${proto} lookup finds both kinds`, 40_000, async () =>
          bothKinds(idsOf(await rpc(g.rpc, `${proto}_lookupRandom`, [32]))) ? true : undefined,
        )
      }
    }
  } finally {
    for (const g of geths) g.proc.kill('SIGKILL')
    await Promise.all(ours.map((n) => n.stop()))
  }
})

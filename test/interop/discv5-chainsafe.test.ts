// discv5 interop with @chainsafe/discv5 11.0.0 (an implementation we did not write), over real UDP
// on 127.0.0.1: both handshake directions, FINDNODE and TALKREQ both ways, request ids, and a mixed
// network of 10 + 10 nodes whose lookups find nodes of both kinds.
import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { type EventEmitter, once } from 'node:events'
import { dirname, join } from 'node:path'
import { after, describe, test } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Discv5 } from '@chainsafe/discv5'
import { ENR, SignableENR } from '@chainsafe/enr'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { logDistance } from '../../src/crypto/index.js'
import { Discv5Service } from '../../src/discv5/index.js'
import { Enr, generatePrivateKey } from '../../src/index.js'
import { UdpTransport } from '../../src/transport/udp.js'
import { utf8 } from '../../src/util/bytes.js'

// @chainsafe/discv5 11 takes multiaddrs of its own @multiformats/multiaddr (v12; the root one is v13).
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const MA = join(ROOT, 'node_modules/@chainsafe/discv5/node_modules/@multiformats/multiaddr/dist/src/index.js')
const { multiaddr } = (await import(pathToFileURL(MA).href)) as { multiaddr: (s: string) => never }

const stops: (() => Promise<void>)[] = []
after(async () => {
  for (const s of stops.splice(0)) await s().catch(() => {})
})

async function freePort(): Promise<number> {
  const s = createSocket('udp4')
  s.bind(0, '127.0.0.1')
  await once(s, 'listening')
  const port = s.address().port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

interface Ours {
  svc: Discv5Service
  enr: Enr
  cs: ENR
}

async function ours(opts: Partial<ConstructorParameters<typeof Discv5Service>[0]> = {}): Promise<Ours> {
  const udp = await UdpTransport.bind('127.0.0.1', 0)
  const key = generatePrivateKey()
  const enr = Enr.create(key, { ip: '127.0.0.1', udp: udp.address.port })
  const svc = new Discv5Service({ privateKey: key, enr, send: (d, to) => udp.send(d, to), refresh: false, ...opts })
  udp.onDatagram((d, from) => svc.handle(d, from))
  stops.push(async () => {
    await svc.close()
    await udp.close()
  })
  return { svc, enr, cs: ENR.decodeTxt(enr.encodeText()) }
}

interface Theirs {
  node: Discv5
  cs: ENR
  enr: Enr
}

async function theirs(): Promise<Theirs> {
  const privateKey = await generateKeyPair('secp256k1')
  const port = await freePort()
  // Its @libp2p/interface is v2, ours v3: the key objects are the same at run time.
  const enr = SignableENR.createFromPrivateKey(privateKey as never)
  enr.ip = '127.0.0.1'
  enr.udp = port
  const node = Discv5.create({
    enr,
    privateKey: privateKey as never,
    bindAddrs: { ip4: multiaddr(`/ip4/127.0.0.1/udp/${port}`) },
    config: { requestTimeout: 1000, lookupTimeout: 10_000 },
  })
  await node.start()
  stops.push(() => node.stop())
  const text = node.enr.encodeTxt()
  return { node, cs: ENR.decodeTxt(text), enr: Enr.decodeText(text) }
}

describe('discv5 interop with @chainsafe/discv5 11', () => {
  test('we contact them first: PING, FINDNODE (distance 0 and a table bucket), TALKREQ', async () => {
    const a = await ours()
    const t = await theirs()
    const x = await theirs()
    const pong = await a.svc.ping(t.enr)
    assert.equal(pong.port, a.svc.enr.udp)
    assert.equal(pong.ip, '127.0.0.1')
    const self = await a.svc.findNode(t.enr, [0])
    assert.equal(self[0]?.nodeIdHex, t.enr.nodeIdHex)
    t.node.addEnr(x.cs)
    const d = logDistance(t.enr.nodeId, x.enr.nodeId)
    const found = await a.svc.findNode(t.enr, [d])
    assert.ok(
      found.some((e) => e.nodeIdHex === x.enr.nodeIdHex),
      'their table member comes back verified',
    )
    const events = t.node as unknown as EventEmitter
    events.on('talkReqReceived', (addr: unknown, _enr: unknown, m: unknown) => {
      const msg = m as { id: bigint; request: Uint8Array }
      void t.node.sendTalkResp(addr as never, msg.id, new Uint8Array([...msg.request, 0xaa]))
    })
    assert.deepEqual(await a.svc.talkReq(t.enr, 'cs-echo', utf8('hi')), new Uint8Array([0x68, 0x69, 0xaa]))
    // Our request ids start with a non-zero byte, so their integer ids mirror back whole: many
    // requests in a row all succeed.
    for (let i = 0; i < 30; i++) await a.svc.ping(t.enr)
  })

  test('they contact us first: PING, FINDNODE, TALKREQ; their ids are mirrored exactly', async () => {
    const a = await ours()
    const c = await ours()
    const t = await theirs()
    const pong = await t.node.sendPing(a.cs)
    assert.equal(pong.addr.port, t.enr.udp)
    await a.svc.ping(c.enr) // c is live in a
    const d = logDistance(a.enr.nodeId, c.enr.nodeId)
    const found = await t.node.sendFindNode(a.cs, [d])
    assert.ok(found.some((e) => e.nodeId === c.enr.nodeIdHex))
    const zero = await t.node.sendFindNode(a.cs, [0])
    assert.equal(zero[0]?.nodeId, a.enr.nodeIdHex)
    a.svc.registerTalkProtocol('echo', (req) => new Uint8Array([...req, 1]))
    const resp = await t.node.sendTalkReq(a.cs, utf8('yo'), 'echo')
    assert.deepEqual(new Uint8Array(resp), new Uint8Array([0x79, 0x6f, 1]))
    const unknown = await t.node.sendTalkReq(a.cs, utf8('yo'), 'nope')
    assert.equal(unknown.length, 0)
    // chainsafe ids are integers written without leading zero bytes; a mismatch would fail these.
    for (let i = 0; i < 30; i++) await t.node.sendPing(a.cs)
  })

  test('a mixed network of 10 eth-p2p and 10 chainsafe nodes: lookups from either kind find both kinds', async () => {
    const boot = await ours({ refresh: true })
    boot.svc.start()
    const us = [boot]
    for (let i = 1; i < 10; i++) us.push(await ours({ refresh: true, bootnodes: [boot.enr] }))
    const them: Theirs[] = []
    for (let i = 0; i < 10; i++) {
      const t = await theirs()
      t.node.addEnr(boot.cs)
      them.push(t)
    }
    for (const u of us.slice(1)) u.svc.start()
    // chainsafe has no refresh loop of its own: warm it up with a self and a random lookup.
    await Promise.all(them.map((t) => t.node.findNode(t.node.enr.nodeId)))
    await Promise.all(them.map((t) => t.node.findRandomNode()))
    await Promise.all(us.map((u) => u.svc.refresh()))
    const ourIds = new Set(us.map((u) => u.enr.nodeIdHex))
    const theirIds = new Set(them.map((t) => t.enr.nodeIdHex))
    const kinds = (ids: string[]) => ({
      ours: ids.filter((i) => ourIds.has(i)).length,
      theirs: ids.filter((i) => theirIds.has(i)).length,
    })
    for (const u of us.slice(0, 3)) {
      const got = kinds((await u.svc.lookup()).map((e) => e.nodeIdHex))
      assert.ok(got.ours > 0 && got.theirs > 0, `our lookup found ${JSON.stringify(got)}`)
    }
    for (const t of them.slice(0, 3)) {
      const got = kinds((await t.node.findRandomNode()).map((e) => e.nodeId))
      assert.ok(got.ours > 0 && got.theirs > 0, `their lookup found ${JSON.stringify(got)}`)
    }
    assert.equal(us[1]?.svc.dropped.get('record-bad-record') ?? 0, 0)
  })
})

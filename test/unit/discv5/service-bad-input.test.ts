// The bad-input list of issue 6, against a Discv5Service on the in-memory network: each input is
// dropped or refused without a crash, counted, and the node still answers a fresh PING.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { logDistance } from '../../../src/crypto/index.js'
import {
  type Discv5Service,
  decodePacket,
  encodePacket,
  type HandshakePacket,
  type SessionInput,
  type SessionOutput,
  Sessions,
} from '../../../src/discv5/index.js'
import { Enr } from '../../../src/enr/index.js'
import { V5Net } from './service-net.js'
import { keyFromSeed } from './session-harness.js'

/** A hand-driven discv5 peer (a bare session machine) on the in-memory network. */
function attacker(net: V5Net, ip: string, port: number, seed = 'mallory') {
  const key = keyFromSeed(seed)
  const enr = Enr.create(key, { ip, udp: port })
  const s = new Sessions({ privateKey: key, enr })
  const ep = net.net.bind(ip, port)
  const log: SessionOutput[] = []
  const feed = (outs: SessionOutput[]) => {
    for (const o of outs) {
      if (o.kind === 'transmit') ep.send(o.data, o.to)
      else log.push(o)
    }
  }
  ep.onDatagram((data, from) => feed(s.handle({ kind: 'datagram', from, data }, net.clock.now())))
  const input = (i: SessionInput) => feed(s.handle(i, net.clock.now()))
  const contact = (svc: Discv5Service) => ({
    nodeId: svc.enr.nodeId,
    publicKey: svc.enr.publicKey,
    addr: { ip: svc.enr.ip as string, port: svc.enr.udp as number },
  })
  return { key, enr, s, ep, log, input, contact }
}

/** A record signed by a fresh key, at log-distance `want` (or anything else when `not`) from `from`. */
function recordAt(from: Uint8Array, want: number, not: boolean, ip: string, seed: string): Enr {
  for (let i = 0; ; i++) {
    const k = keyFromSeed(`${seed}/${i}`)
    const e = Enr.create(k, { ip, udp: 40000 + (i % 1000) })
    if ((logDistance(from, e.nodeId) === want) !== not) return e
  }
}

async function freshPingAnswered(net: V5Net, target: Discv5Service): Promise<void> {
  const c = net.add(90 + net.nodes.length)
  const pong = await net.within(c.svc.ping(target.enr))
  assert.equal(pong.port, c.addr.port)
}

describe('discv5 service: bad input', () => {
  test('random bytes and truncated packets: handed back as not discv5 or dropped, counted', async () => {
    const net = new V5Net()
    const a = net.add(1)
    const b = net.add(2)
    const first: Uint8Array[] = []
    net.tap = (s) => {
      if (s.to.port === 30002) first.push(s.data)
      return true
    }
    await net.within(a.svc.ping(b.enr))
    const pkt = first[0] as Uint8Array
    assert.equal(b.svc.handle(new Uint8Array(300).fill(0xab), a.addr), false, 'random bytes are not discv5')
    assert.equal(b.svc.handle(pkt.subarray(0, 40), a.addr), false, 'under 63 bytes')
    assert.equal(b.svc.handle(new Uint8Array(2000), a.addr), false, 'over 1280 bytes')
    // A real header whose authdata runs past the end of the datagram.
    assert.equal(b.svc.handle(pkt.subarray(0, 70), a.addr), true)
    assert.equal(b.svc.dropped.get('bad-packet'), 1)
    await freshPingAnswered(net, b.svc)
    await net.closeAll()
  })

  test('a bad GCM tag on a session message: dropped and counted; the sender re-handshakes and is answered', async () => {
    const net = new V5Net()
    const a = net.add(1)
    const b = net.add(2)
    await net.within(a.svc.ping(b.enr))
    let tampered = 0
    net.tap = (s) => {
      if (s.to.port !== 30002 || tampered > 0) return true
      tampered++
      const bad = s.data.slice()
      bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1
      net.net.deliver(bad, s.from, s.to)
      return false
    }
    const pong = await net.within(a.svc.ping(b.enr))
    assert.equal(pong.port, 30001)
    assert.equal(b.svc.dropped.get('decrypt-failed'), 1)
    await freshPingAnswered(net, b.svc)
    await net.closeAll()
  })

  test('a handshake with a bad id-signature, and a replayed handshake: dropped and counted', async () => {
    const net = new V5Net()
    const a = net.add(1)
    const b = net.add(2)
    let handshake: Uint8Array | undefined
    net.tap = (s) => {
      if (s.to.port !== 30002 || handshake) return true
      const d = decodePacket(b.enr.nodeId, s.data)
      if (!d.ok || d.value.kind !== 'handshake') return true
      handshake = s.data
      const h = d.value as HandshakePacket
      const sig = h.idSignature.slice()
      sig[5] = (sig[5] as number) ^ 0xff
      const forged = encodePacket(
        b.enr.nodeId,
        {
          kind: 'handshake',
          srcId: h.srcId,
          nonce: h.nonce,
          idSignature: sig,
          ephemeralPublicKey: h.ephemeralPublicKey,
          ...(h.record && { record: h.record }),
          body: { raw: h.message },
        },
        h.maskingIv,
      )
      net.net.deliver(forged, s.from, s.to)
      return false
    }
    await net.within(a.svc.ping(b.enr).catch(() => undefined))
    assert.equal(b.svc.dropped.get('bad-id-signature'), 1)
    // The genuine handshake, twice: the first opens the session, the replay is refused.
    net.tap = () => true
    b.svc.handle(handshake as Uint8Array, a.addr)
    b.svc.handle(handshake as Uint8Array, a.addr)
    assert.ok((b.svc.dropped.get('unexpected-handshake') ?? 0) >= 1)
    await freshPingAnswered(net, b.svc)
    await net.closeAll()
  })

  test('unsolicited PONG and NODES: dropped and counted; request ids are mirrored exactly', async () => {
    const net = new V5Net()
    const b = net.add(2)
    const m = attacker(net, '10.0.0.66', 31000)
    const reqId = new Uint8Array([0, 0, 5])
    m.input({ kind: 'send-request', request: { contact: m.contact(b.svc), msg: { type: 'PING', reqId, enrSeq: 1n } } })
    await net.run(50)
    const res = m.log.find((o) => o.kind === 'response')
    assert.ok(res?.kind === 'response' && res.msg.type === 'PONG')
    assert.deepEqual(res.msg.reqId, reqId, 'the request id comes back byte for byte, leading zeros included')
    assert.equal(res.msg.ip, '10.0.0.66')
    const to = { nodeId: b.enr.nodeId, addr: b.addr }
    m.input({
      kind: 'send-response',
      to,
      msg: { type: 'PONG', reqId: new Uint8Array([9]), enrSeq: 1n, ip: '1.2.3.4', port: 5 },
    })
    m.input({ kind: 'send-response', to, msg: { type: 'NODES', reqId: new Uint8Array([9]), total: 1, enrs: [] } })
    await net.run(20)
    assert.equal(b.svc.dropped.get('unsolicited-response'), 2)
    assert.equal(b.svc.table.size, 1, 'only the attacker itself, through its handshake')
    await freshPingAnswered(net, b.svc)
    await net.closeAll()
  })

  test('NODES with wrong-distance, badly signed, loopback-relayed and low-port records: only valid records pass', async () => {
    const net = new V5Net()
    const b = net.add(2)
    const m = attacker(net, '10.0.0.66', 31000)
    const p = b.svc.findNode(m.enr, [256])
    await net.run(20)
    const req = m.log.find((o) => o.kind === 'request')
    assert.ok(req?.kind === 'request' && req.msg.type === 'FINDNODE')
    const good = recordAt(m.enr.nodeId, 256, false, '10.0.0.77', 'good')
    const wrong = recordAt(m.enr.nodeId, 256, true, '10.0.0.78', 'wrong')
    const forged = recordAt(m.enr.nodeId, 256, false, '10.0.0.79', 'forged').encode().slice()
    forged[5] = (forged[5] as number) ^ 1 // inside the signature
    const loop = recordAt(m.enr.nodeId, 256, false, '127.0.0.1', 'loop')
    const lowPort = Enr.create(keyFromSeed('low'), { ip: '10.0.0.80', udp: 80 })
    const enrs = [good.encode(), wrong.encode(), forged, loop.encode(), good.encode()]
    if (logDistance(m.enr.nodeId, lowPort.nodeId) === 256) enrs.push(lowPort.encode())
    m.input({ kind: 'send-response', to: req.from, msg: { type: 'NODES', reqId: req.msg.reqId, total: 1, enrs } })
    const found = await net.within(p)
    assert.deepEqual(
      found.map((e) => e.nodeIdHex),
      [good.nodeIdHex],
    )
    assert.equal(b.svc.dropped.get('record-wrong-distance'), 1)
    assert.equal(b.svc.dropped.get('record-bad-record'), 1)
    assert.equal(b.svc.dropped.get('record-bad-relay-address'), 1)
    assert.equal(b.svc.dropped.get('record-duplicate'), 1)
    await freshPingAnswered(net, b.svc)
    await net.closeAll()
  })

  test('more than 5 NODES packets, and more than 16 records, for one FINDNODE are not accepted', async () => {
    const net = new V5Net()
    const b = net.add(2)
    const m = attacker(net, '10.0.0.66', 31000)
    const p = b.svc.findNode(m.enr, [256])
    await net.run(20)
    const req = m.log.find((o) => o.kind === 'request')
    assert.ok(req?.kind === 'request')
    for (let i = 0; i < 7; i++) {
      const enrs = [0, 1, 2, 3].map((j) => recordAt(m.enr.nodeId, 256, false, '10.0.1.1', `r${i}-${j}`).encode())
      m.input({ kind: 'send-response', to: req.from, msg: { type: 'NODES', reqId: req.msg.reqId, total: 7, enrs } })
    }
    const found = await net.within(p)
    assert.equal(found.length, 16, '5 packets × 4 records, capped at 16')
    assert.equal(b.svc.dropped.get('record-too-many'), 4)
    assert.equal(b.svc.dropped.get('unsolicited-response'), 2, 'packets 6 and 7')
    await freshPingAnswered(net, b.svc)
    await net.closeAll()
  })

  test('FINDNODE with 100 distances: refused with an empty answer and counted', async () => {
    const net = new V5Net()
    const a = net.add(1)
    const b = net.add(2)
    await net.within(b.svc.ping(a.enr)) // b has a live member to give away
    const m = attacker(net, '127.0.0.1', 31000)
    const distances = Array.from({ length: 100 }, (_, i) => 256 - i)
    const reqId = new Uint8Array([1, 2])
    m.input({
      kind: 'send-request',
      request: { contact: m.contact(b.svc), msg: { type: 'FINDNODE', reqId, distances } },
    })
    await net.run(50)
    const res = m.log.find((o) => o.kind === 'response')
    assert.ok(res?.kind === 'response' && res.msg.type === 'NODES')
    assert.deepEqual(res.msg.enrs, [])
    assert.equal(b.svc.dropped.get('too-many-distances'), 1)
    await freshPingAnswered(net, b.svc)
    await net.closeAll()
  })

  test('a flood from one IP: the per-IP limit refuses most of it, counted; other IPs are still answered', async () => {
    const net = new V5Net()
    const b = net.add(2)
    const flood = net.raw('10.0.0.99', 31000)
    let sentByB = 0
    net.tap = (s) => {
      if (s.to.ip === '10.0.0.99') sentByB++
      return true
    }
    for (let i = 0; i < 1000; i++) {
      const start = encodePacket(
        b.enr.nodeId,
        {
          kind: 'message',
          srcId: keyFromSeed(`flood${i % 50}`),
          nonce: new Uint8Array(12).fill(i & 0xff),
          body: { raw: new Uint8Array(20) },
        },
        new Uint8Array(16).fill(i & 0xff),
      )
      b.svc.handle(start, flood.ep.address)
    }
    assert.ok((b.svc.dropped.get('ip-limit') ?? 0) >= 750, `ip-limit drops: ${b.svc.dropped.get('ip-limit')}`)
    assert.ok(sentByB <= 250, `WHOAREYOUs sent: ${sentByB}`)
    await freshPingAnswered(net, b.svc)
    await net.closeAll()
  })
})

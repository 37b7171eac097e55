import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { logDistance } from '../../../src/crypto/index.js'
import { AddrVotes, Discv5Error } from '../../../src/discv5/index.js'
import type { Enr } from '../../../src/enr/index.js'
import { MetricsRegistry } from '../../../src/metrics/registry.js'
import { utf8 } from '../../../src/util/bytes.js'
import { V5Net } from './service-net.js'

describe('discv5 service: requests', () => {
  test('PING with a handshake started by either side; PONG reports the observed endpoint', async () => {
    const net = new V5Net()
    const a = net.add(1)
    const b = net.add(2)
    const pong = await net.within(a.svc.ping(b.enr))
    assert.deepEqual([pong.ip, pong.port, pong.enrSeq], ['127.0.0.1', 30001, 1n])
    assert.ok(pong.rttMs >= 4, 'random packet, WHOAREYOU, handshake, PONG: 4 one-way trips of 1 ms')
    assert.equal(a.svc.table.info(b.enr.nodeId)?.live, true, 'b answered a: live in a')
    assert.equal(b.svc.table.has(a.enr.nodeId), true, 'a contacted b: in b (not yet live)')
    // Now the other direction, fresh nodes: c starts, d answers.
    const c = net.add(3)
    const d = net.add(4)
    await net.within(d.svc.ping(c.enr))
    await net.within(c.svc.ping(d.enr))
    assert.equal(c.svc.table.info(d.enr.nodeId)?.live, true)
    assert.equal(d.svc.table.info(c.enr.nodeId)?.live, true)
    await net.closeAll()
  })

  test('FINDNODE: distance 0 is the record itself, live members by distance, > 256 empty', async () => {
    const net = new V5Net()
    const a = net.add(1)
    const b = net.add(2, { opts: { pingIntervalMs: 1e9 } }) // no revalidation PINGs during the test
    const c = net.add(3)
    await net.within(b.svc.ping(c.enr)) // c is live in b
    const d = logDistance(b.enr.nodeId, c.enr.nodeId)
    const found = await net.within(a.svc.findNode(b.enr, [d]))
    const atD = [a, c].filter((x) => logDistance(b.enr.nodeId, x.enr.nodeId) === d) // a is live in b too
    assert.deepEqual(found.map((e) => e.nodeIdHex).sort(), atD.map((x) => x.enr.nodeIdHex).sort())
    const self = await net.within(c.svc.findNode(b.enr, [0]))
    assert.deepEqual(
      self.map((e) => e.nodeIdHex),
      [b.enr.nodeIdHex],
    )
    assert.deepEqual(await net.within(c.svc.findNode(b.enr, [257])), [])
    await net.closeAll()
  })

  test('identical FINDNODEs in flight share one exchange; one caller aborting leaves the other its answer', async () => {
    const net = new V5Net()
    const a = net.add(1)
    const b = net.add(2)
    const c = net.add(3)
    await net.within(b.svc.ping(c.enr))
    await net.within(a.svc.ping(b.enr))
    const d = logDistance(b.enr.nodeId, c.enr.nodeId)
    const findnodes = () => net.sent.filter((x) => x.from.port === a.addr.port && x.to.port === b.addr.port).length
    const sent0 = findnodes()
    const gone = new AbortController()
    const first = a.svc.findNode(b.enr, [d], { signal: gone.signal })
    const second = a.svc.findNode(b.enr, [d])
    const other = a.svc.findNode(b.enr, [d, d - 1]) // other distances: its own exchange
    gone.abort(new Error('caller gone'))
    await assert.rejects(first, /caller gone/)
    const [two, three] = await net.within(Promise.all([second, other]))
    assert.ok(two.some((e) => e.nodeIdHex === c.enr.nodeIdHex))
    assert.ok(three.some((e) => e.nodeIdHex === c.enr.nodeIdHex))
    assert.equal(findnodes() - sent0, 2, 'two FINDNODE packets for three calls')
    const n = two.length
    two.length = 0 // callers get their own arrays
    assert.equal((await net.within(a.svc.findNode(b.enr, [d]))).length, n)
    await net.closeAll()
  })

  test('a node whose handshake answered our challenge is live at once and served: no PING needed', async () => {
    const net = new V5Net()
    const a = net.add(1)
    const b = net.add(2, { opts: { pingIntervalMs: 1e9 } }) // no revalidation PINGs during the test
    const c = net.add(3)
    await net.within(a.svc.findNode(b.enr, [0]))
    assert.equal(b.svc.table.info(a.enr.nodeId)?.live, true)
    await net.run(20)
    const bToA = net.sent.filter((x) => x.from.port === b.addr.port && x.to.port === a.addr.port).length
    assert.equal(bToA, 2, 'WHOAREYOU and NODES only')
    const da = logDistance(b.enr.nodeId, a.enr.nodeId)
    const atA = await net.within(c.svc.findNode(b.enr, [da]))
    assert.ok(atA.some((e) => e.nodeIdHex === a.enr.nodeIdHex))
    await net.closeAll()
  })

  test('TALKREQ: registered protocols answer (sync and async), unknown ones get an empty TALKRESP', async () => {
    const net = new V5Net()
    const a = net.add(1)
    const b = net.add(2)
    b.svc.registerTalkProtocol('echo', (req) => req)
    b.svc.registerTalkProtocol('slow', async (req, from) => {
      assert.deepEqual(from.nodeId, a.enr.nodeId)
      return new Uint8Array([...req, 1])
    })
    b.svc.registerTalkProtocol('boom', () => {
      throw new Error('handler bug')
    })
    assert.deepEqual(await net.within(a.svc.talkReq(b.enr, 'echo', utf8('hi'))), utf8('hi'))
    assert.deepEqual(await net.within(a.svc.talkReq(b.enr, 'slow', utf8('x'))), new Uint8Array([0x78, 1]))
    assert.deepEqual(await net.within(a.svc.talkReq(b.enr, 'nope', utf8('x'))), new Uint8Array(0))
    assert.deepEqual(await net.within(a.svc.talkReq(b.enr, 'boom', utf8('x'))), new Uint8Array(0))
    assert.equal(b.svc.dropped.get('talk-unknown-protocol'), 1)
    await net.closeAll()
  })

  test('a silent node: the request is sent twice (one retry), then fails with TIMEOUT', async () => {
    const net = new V5Net()
    const a = net.add(1)
    const ghost = net.add(2)
    await ghost.svc.close()
    await ghost.ep.close()
    const start = net.clock.now()
    const err = await net.within(a.svc.ping(ghost.enr)).catch((e: unknown) => e)
    assert.ok(err instanceof Discv5Error && err.code === 'TIMEOUT', String(err))
    assert.equal(net.sent.filter((s) => s.to.port === 30002).length, 2)
    assert.ok(net.clock.now() - start >= 1000)
    await net.closeAll()
  })

  test('abort: a request rejects with the signal reason; close() rejects the rest with CLOSED and leaves no timers', async () => {
    const net = new V5Net()
    const a = net.add(1)
    const b = net.add(2)
    await net.within(a.svc.ping(b.enr))
    a.svc.start()
    const ctl = new AbortController()
    const p = a.svc.ping(b.enr, { signal: ctl.signal })
    ctl.abort(new Error('stop'))
    await assert.rejects(p, /stop/)
    const pending = a.svc.findNode(b.enr, [256])
    const it = a.svc.randomNodes()
    const next = it.next()
    await a.svc.close()
    await assert.rejects(pending, (e: unknown) => e instanceof Discv5Error && e.code === 'CLOSED')
    assert.deepEqual(await next, { value: undefined, done: true })
    await b.svc.close()
    await net.run(100)
    assert.equal(net.clock.pending, 0, 'no timers left')
    await assert.rejects(a.svc.ping(b.enr), /CLOSED/)
  })

  test('request ids: ours are 8 bytes starting with a non-zero byte; we mirror a peer id exactly', async () => {
    const net = new V5Net()
    const a = net.add(1)
    for (let i = 0; i < 200; i++) {
      const id = a.svc.sessions.newRequestId()
      assert.equal(id.length, 8)
      assert.notEqual(id[0], 0)
    }
    await net.closeAll()
  })
})

describe('discv5 service: a slow node in a lookup', () => {
  test('the lookup stops waiting after two request timeouts; the late answer still fills the table', async () => {
    const net = new V5Net()
    const a = net.add(1)
    const b = net.add(2, { opts: { pingIntervalMs: 1e9 } })
    const c = net.add(3)
    await net.within(b.svc.ping(c.enr)) // c is live in b
    await net.within(a.svc.ping(b.enr)) // a holds b: b is all it knows
    assert.equal(a.svc.table.has(c.enr.nodeId), false)
    // From now on b's datagrams to a arrive 1.2 s late: after the lookup's patience (2 × 500 ms),
    // within the exchange's own life (500 ms, then a retry waiting 1 s).
    net.tap = (x) => {
      if (x.from.port !== b.addr.port || x.to.port !== a.addr.port) return true
      net.clock.setTimer(1200, () => b.ep.send(x.data, x.to))
      return false
    }
    const started = net.clock.now()
    const found = await net.within(a.svc.lookup(c.enr.nodeId))
    const took = net.clock.now() - started
    assert.ok(took >= 1000 && took < 1200, `the lookup gave up on b after ${took} ms`)
    assert.ok(!found.some((e) => e.nodeIdHex === c.enr.nodeIdHex))
    await net.run(1000, 50)
    assert.equal(a.svc.table.has(c.enr.nodeId), true, "b's late answer brought c into the table")
    assert.equal(a.svc.table.has(b.enr.nodeId), true, 'b answered: no failure counted against it')
    await net.closeAll()
  })
})

describe('discv5 service: records', () => {
  test('resolve: a newer record is fetched from the node itself; by id through a lookup', async () => {
    const net = new V5Net()
    const a = net.add(1)
    const b = net.add(2)
    const c = net.add(3)
    await net.within(b.svc.ping(c.enr)) // b knows c, live
    await net.within(c.svc.ping(b.enr))
    const newer = c.enr.update(c.key, { tcp: 30303 })
    c.svc.setEnr(newer)
    const got = await net.within(a.svc.resolve(c.enr))
    assert.equal(got?.seq, 2n)
    assert.equal(got?.tcp, 30303)
    // By id: a knows only b, and finds c through it.
    const d = net.add(4, { opts: { bootnodes: [b.enr] } })
    d.svc.start()
    const byId = await net.within(d.svc.resolve(c.enr.nodeId))
    assert.equal(byId?.seq, 2n)
    await net.closeAll()
  })

  test('a PING with a higher enr-seq makes the other side fetch the new record', async () => {
    const net = new V5Net()
    const a = net.add(1)
    const b = net.add(2)
    await net.within(a.svc.ping(b.enr))
    await net.within(b.svc.ping(a.enr))
    a.svc.setEnr(a.enr.update(a.key, { tcp: 1234 }))
    await net.within(a.svc.ping(b.enr))
    await net.run(100)
    assert.equal(b.svc.table.get(a.enr.nodeId)?.seq, 2n)
    await net.closeAll()
  })

  test('ENR auto-update: PONG votes from enough distinct IPs move our ip/udp; callback fires', async () => {
    const net = new V5Net()
    const changes: Enr[] = []
    const a = net.add(1, {
      ip: '10.0.0.1',
      enrIp: '10.9.9.9',
      opts: { addrVotes: { threshold: 3 }, onEnrChange: (e) => changes.push(e) },
    })
    const peers = [2, 3, 4].map((i) => net.add(i, { ip: `10.0.${i}.1` }))
    await net.within(a.svc.ping(peers[0]!.enr))
    await net.within(a.svc.ping(peers[1]!.enr))
    assert.equal(a.svc.enr.ip, '10.9.9.9', 'two votes are not enough')
    await net.within(a.svc.ping(peers[2]!.enr))
    assert.equal(a.svc.enr.ip, '10.0.0.1')
    assert.equal(a.svc.enr.udp, 30001)
    assert.equal(a.svc.enr.seq, 2n)
    assert.equal(changes.length, 1)
    // Peers that ask for our record now get the new one.
    const rec = await net.within(peers[0]!.svc.requestEnr(a.svc.enr))
    assert.equal(rec.ip, '10.0.0.1')
    await net.closeAll()
  })

  test('address votes: per family, one per voter, IPv4-mapped IPv6 counts as IPv4, votes expire', () => {
    const v = new AddrVotes({ threshold: 2, windowMs: 1000 })
    assert.equal(v.add('1.1.1.1', { ip: '::ffff:5.6.7.8', port: 9 }, 0), undefined)
    assert.equal(v.add('1.1.1.1', { ip: '5.6.7.8', port: 9 }, 0), undefined, 'the same voter counts once')
    assert.deepEqual(v.add('2.2.2.2', { ip: '5.6.7.8', port: 9 }, 0), { family: 'ip4', ip: '5.6.7.8', port: 9 })
    assert.equal(v.winner('ip6', 0), undefined)
    v.add('3.3.3.3', { ip: '2001:db8::1', port: 9 }, 0)
    assert.equal(v.add('4.4.4.4', { ip: '2001:db8::1', port: 9 }, 0)?.family, 'ip6')
    assert.equal(v.winner('ip4', 2000), undefined, 'expired')
    // No majority: 2 of 5 is not more than half.
    const w = new AddrVotes({ threshold: 2 })
    for (const [voter, ip] of [
      ['a', '1.0.0.1'],
      ['b', '1.0.0.1'],
      ['c', '2.0.0.2'],
      ['d', '2.0.0.2'],
      ['e', '3.0.0.3'],
    ] as const)
      w.add(voter, { ip, port: 1 }, 0)
    assert.equal(w.winner('ip4', 0), undefined)
  })

  test('metrics: packets by kind and outcome, drops by reason, table size', async () => {
    const net = new V5Net()
    const metrics = new MetricsRegistry()
    const a = net.add(1)
    const b = net.add(2, { opts: { metrics } })
    await net.within(a.svc.ping(b.enr))
    await net.within(b.svc.ping(a.enr))
    assert.equal(metrics.value('discv5_received_total', { kind: 'PING' }), 1)
    assert.equal(metrics.value('discv5_received_total', { kind: 'PONG' }), 1)
    assert.equal(metrics.value('discv5_requests_total', { kind: 'PING', outcome: 'ok' }), 1)
    assert.equal(metrics.value('discv5_table_nodes'), 1)
    b.svc.handle(new Uint8Array(100).fill(7), a.addr)
    assert.equal(metrics.value('discv5_foreign_total'), 1)
    await net.closeAll()
  })
})

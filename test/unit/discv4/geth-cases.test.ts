/**
 * Conformance cases modelled on go-ethereum's cmd/devp2p/internal/v4test (the `devp2p discv4 test`
 * suite), run against our discv4 endpoint over real UDP on 127.0.0.1. Each case uses a fresh
 * tester key and fresh sockets, crafts packets with our wire codec, and reads replies with a 300 ms
 * deadline (v4test `waitTime`). The endpoint under test keeps running across cases, as in v4test.
 *
 * v4test binds its second tester socket on 127.0.0.2 for the wrong-IP case. Tests here bind
 * 127.0.0.1 only, so the endpoint's socket sits behind a tiny address translation that presents
 * datagrams from the second tester socket as coming from 127.0.0.2 (and maps replies back).
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createSocket, type Socket } from 'node:dgram'
import { once } from 'node:events'
import { after, before, describe, test } from 'node:test'
import { generatePrivateKey, publicKey64 } from '../../../src/crypto/index.js'
import { Discv4Service, makeNode } from '../../../src/discv4/index.js'
import {
  type DecodedPacket,
  decodePacket,
  type Endpoint,
  EXPIRATION_SECONDS,
  encodePacket,
  type Packet,
  signPacket,
} from '../../../src/discv4/wire/index.js'
import { Enr } from '../../../src/enr/index.js'
import { encode } from '../../../src/rlp/index.js'
import { UdpTransport } from '../../../src/transport/udp.js'
import { equalBytes, toHex } from '../../../src/util/bytes.js'

/** v4test `waitTime`: how long a read waits for a reply. */
const WAIT_MS = 300
/** The second tester socket's address as the endpoint under test sees it. */
const OTHER_IP = '127.0.0.2'
const futureExpiration = () => Math.floor(Date.now() / 1000) + EXPIRATION_SECONDS

/** The endpoint under test: our service on a real UDP socket. */
interface Remote {
  service: Discv4Service
  transport: UdpTransport
  key: Uint8Array
  port: number
  /** Ports whose datagrams appear to come from {@link OTHER_IP}. */
  translated: Set<number>
}

async function startRemote(): Promise<Remote> {
  const key = generatePrivateKey()
  const transport = await UdpTransport.bind('127.0.0.1', 0)
  const port = transport.address.port
  const record = Enr.create(key, { seq: 5n, ip: '127.0.0.1', udp: port, tcp: port })
  const translated = new Set<number>()
  const service = new Discv4Service({
    privateKey: key,
    endpoint: { ip: '127.0.0.1', udp: port, tcp: port },
    record: () => record.encode(),
    enrSeq: () => record.seq,
    send: (bytes, to) => transport.send(bytes, to.ip === OTHER_IP ? { ip: '127.0.0.1', port: to.port } : to),
  })
  transport.onDatagram((data, from) => {
    service.handle(data, translated.has(from.port) ? { ip: OTHER_IP, port: from.port } : from)
  })
  service.start()
  return { service, transport, key, port, translated }
}

/** One tester socket: sends crafted packets, reads replies in arrival order. */
class Conn {
  private readonly inbox: Uint8Array[] = []
  private waiter: (() => void) | undefined

  private constructor(
    readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (msg) => {
      this.inbox.push(new Uint8Array(msg))
      this.waiter?.()
    })
  }

  static async open(): Promise<Conn> {
    const s = createSocket('udp4')
    s.bind(0, '127.0.0.1')
    await once(s, 'listening')
    return new Conn(s, s.address().port)
  }

  sendRaw(bytes: Uint8Array, remote: Remote): void {
    this.socket.send(bytes, remote.port, '127.0.0.1')
  }

  /** The next packet, or undefined after WAIT_MS of silence. Undecodable datagrams fail the test. */
  async read(): Promise<DecodedPacket | undefined> {
    if (this.inbox.length === 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, WAIT_MS)
        this.waiter = () => {
          clearTimeout(t)
          resolve()
        }
      })
      this.waiter = undefined
    }
    const bytes = this.inbox.shift()
    if (!bytes) return undefined
    const d = decodePacket(bytes, Date.now() / 1000)
    assert.ok(d.ok, `undecodable reply: ${d.ok ? '' : d.error.message}`)
    return d.value
  }

  /**
   * The next packet that is not one of `ignored` (the remote may revalidate a bonded tester with
   * a PING at any time; v4test tolerates such side traffic where it can occur).
   */
  async readExcept(ignored: Packet['kind'][]): Promise<DecodedPacket | undefined> {
    for (;;) {
      const d = await this.read()
      if (!d || !ignored.includes(d.packet.kind)) return d
    }
  }

  close(): void {
    this.socket.close()
  }
}

/** A v4test `testenv`: a fresh key and two sockets (l2 appears to the remote as another IP). */
class TestEnv {
  readonly key = generatePrivateKey()

  private constructor(
    readonly remote: Remote,
    readonly l1: Conn,
    readonly l2: Conn,
  ) {}

  static async create(remote: Remote): Promise<TestEnv> {
    const l1 = await Conn.open()
    const l2 = await Conn.open()
    remote.translated.add(l2.port)
    return new TestEnv(remote, l1, l2)
  }

  send(c: Conn, p: Packet): Uint8Array {
    const { bytes, hash } = encodePacket(this.key, p)
    c.sendRaw(bytes, this.remote)
    return hash
  }

  localEndpoint(c: Conn): Endpoint {
    return { ip: '127.0.0.1', udp: c.port, tcp: 0 }
  }

  remoteEndpoint(): Endpoint {
    return { ip: '127.0.0.1', udp: this.remote.port, tcp: 0 }
  }

  ping(from: Endpoint = this.localEndpoint(this.l1), extra: Partial<Packet> = {}): Packet {
    return {
      kind: 'ping',
      version: 4,
      from,
      to: this.remoteEndpoint(),
      expiration: futureExpiration(),
      ...extra,
    } as Packet
  }

  /** v4test `checkPong`: a PONG echoing `pingHash`, addressed to l1, not expired. */
  checkPong(d: DecodedPacket | undefined, pingHash: Uint8Array): void {
    assert.ok(d, 'expected PONG, got nothing')
    const p = d.packet
    assert.equal(p.kind, 'pong')
    if (p.kind !== 'pong') return
    assert.equal(toHex(p.replyToken), toHex(pingHash), 'PONG reply token mismatch')
    assert.equal(p.to.ip, '127.0.0.1', "PONG 'to' IP")
    assert.equal(p.to.udp, this.l1.port, "PONG 'to' port")
    assert.ok(p.expiration >= Date.now() / 1000, 'PONG is expired')
  }

  /** v4test `checkPingPong`: exactly one PONG (checked) and one PING, in any order. */
  async checkPingPong(pingHash: Uint8Array): Promise<void> {
    let pings = 0
    let pongs = 0
    for (let i = 0; i < 2; i++) {
      const d = await this.l1.read()
      assert.ok(d, `expected PING and PONG, got ${pings} PING and ${pongs} PONG`)
      if (d.packet.kind === 'pong') {
        this.checkPong(d, pingHash)
        pongs++
      } else if (d.packet.kind === 'ping') pings++
      else assert.fail(`expected PING or PONG, got ${d.packet.kind}`)
    }
    assert.deepEqual([pings, pongs], [1, 1])
  }

  /** v4test `bond`: PING, then answer the remote's PING and check its PONG. */
  async bond(): Promise<void> {
    const pingHash = this.send(this.l1, this.ping())
    let gotPing = false
    let gotPong = false
    while (!gotPing || !gotPong) {
      const d = await this.l1.read()
      assert.ok(d, `bond: gotPing=${gotPing} gotPong=${gotPong}, then silence`)
      if (d.packet.kind === 'ping') {
        this.send(this.l1, {
          kind: 'pong',
          to: this.remoteEndpoint(),
          replyToken: d.hash,
          expiration: futureExpiration(),
        })
        gotPing = true
      } else if (d.packet.kind === 'pong') {
        this.checkPong(d, pingHash)
        gotPong = true
      }
    }
  }

  randomFindnode(expiration = futureExpiration()): Packet {
    return { kind: 'findnode', target: new Uint8Array(randomBytes(64)), expiration }
  }

  close(): void {
    this.remote.translated.delete(this.l2.port)
    this.l1.close()
    this.l2.close()
  }
}

/** The RLP of an endpoint, for hand-built bodies. */
const endpointRlp = (e: Endpoint) => [new Uint8Array([127, 0, 0, 1]), e.udp, e.tcp]
/** go-ethereum's `-futureExpiration()` as a uint64: 2^64 - t, which geth reads as a negative (past) time. */
const pastExpiration = () => 2n ** 64n - BigInt(futureExpiration())

describe('go-ethereum v4test cases against our endpoint over UDP', () => {
  let remote: Remote
  let te: TestEnv
  before(async () => {
    remote = await startRemote()
  })
  after(async () => {
    await remote.service.close()
    await remote.transport.close()
  })
  const withEnv = (fn: () => Promise<void>) => async () => {
    te = await TestEnv.create(remote)
    try {
      await fn()
    } finally {
      te.close()
    }
  }

  test(
    'Ping/Basic: PONG with the right hash and our endpoint, plus a PING back',
    withEnv(async () => {
      await te.checkPingPong(te.send(te.l1, te.ping()))
    }),
  )

  test(
    "Ping/WrongTo: a wrong 'to' is informational; still PONG and PING",
    withEnv(async () => {
      const hash = te.send(te.l1, te.ping(undefined, { to: { ip: '192.0.2.0', udp: 0, tcp: 0 } }))
      await te.checkPingPong(hash)
    }),
  )

  test(
    "Ping/WrongFrom: a wrong 'from' is ignored; the PONG goes to the packet's source",
    withEnv(async () => {
      await te.checkPingPong(te.send(te.l1, te.ping({ ip: '192.0.2.0', udp: 0, tcp: 0 })))
    }),
  )

  test(
    'Ping/ExtraData: extra list elements are ignored (EIP-8)',
    withEnv(async () => {
      const junk = { rest: [new Uint8Array([42]), new Uint8Array([9, 8, 7, 6, 5, 4, 3, 2, 1])] }
      await te.checkPingPong(te.send(te.l1, te.ping(undefined, junk)))
    }),
  )

  test(
    "Ping/ExtraDataWrongFrom: extra elements and a wrong 'from' together",
    withEnv(async () => {
      const junk = { rest: [new Uint8Array([42]), new Uint8Array([9, 8, 7, 6, 5, 4, 3, 2, 1])] }
      await te.checkPingPong(te.send(te.l1, te.ping({ ip: '192.0.2.0', udp: 0, tcp: 0 }, junk)))
    }),
  )

  test(
    'Ping/PastExpiration: no reply (expiration 2^64 - t, read as negative as go-ethereum does)',
    withEnv(async () => {
      const body = encode([4, endpointRlp(te.localEndpoint(te.l1)), endpointRlp(te.remoteEndpoint()), pastExpiration()])
      te.l1.sendRaw(signPacket(te.key, 0x01, body).bytes, remote)
      assert.equal(await te.l1.read(), undefined)
      // A plain one-second-old expiration is refused the same way.
      te.send(te.l1, te.ping(undefined, { expiration: Math.floor(Date.now() / 1000) - 1 }))
      assert.equal(await te.l1.read(), undefined)
    }),
  )

  test(
    'Ping/WrongPacketType: a PING body under packet type 66 gets no reply',
    withEnv(async () => {
      const body = encode([
        4,
        endpointRlp(te.localEndpoint(te.l1)),
        endpointRlp(te.remoteEndpoint()),
        futureExpiration(),
      ])
      te.l1.sendRaw(signPacket(te.key, 66, body).bytes, remote)
      assert.equal(await te.l1.read(), undefined)
    }),
  )

  test(
    'UnknownPacket: random bytes and a truncated packet get no reply, and a fresh PING still does',
    withEnv(async () => {
      te.l1.sendRaw(new Uint8Array(randomBytes(300)), remote)
      te.l1.sendRaw(encodePacket(te.key, te.ping()).bytes.subarray(0, 120), remote)
      assert.equal(await te.l1.read(), undefined)
      await te.checkPingPong(te.send(te.l1, te.ping()))
    }),
  )

  test(
    "Ping/BondThenPingWithWrongFrom: after bonding, a PING with a wrong 'from' is answered by PONG",
    withEnv(async () => {
      await te.bond()
      const hash = te.send(te.l1, te.ping({ ip: '192.0.2.0', udp: 0, tcp: 0 }))
      te.checkPong(await te.l1.readExcept(['findnode', 'ping']), hash)
    }),
  )

  test(
    'ENRRequest: after bonding, ENRRESPONSE echoes the request hash and carries the remote record',
    withEnv(async () => {
      await te.bond()
      const hash = te.send(te.l1, { kind: 'enrrequest', expiration: futureExpiration() })
      const d = await te.l1.readExcept(['ping'])
      assert.equal(d?.packet.kind, 'enrresponse')
      if (d?.packet.kind !== 'enrresponse') return
      assert.equal(toHex(d.packet.replyToken), toHex(hash))
      const enr = Enr.decode(d.packet.record)
      assert.equal(toHex(enr.nodeId), toHex(remote.service.localId))
      assert.equal(enr.udp, remote.port)
    }),
  )

  test(
    'ENRRequest without endpoint proof: no reply',
    withEnv(async () => {
      te.send(te.l1, { kind: 'enrrequest', expiration: futureExpiration() })
      assert.equal(await te.l1.read(), undefined)
    }),
  )

  test(
    'Findnode/WithoutEndpointProof: no reply',
    withEnv(async () => {
      te.send(te.l1, te.randomFindnode())
      assert.equal(await te.l1.read(), undefined)
    }),
  )

  test(
    'Findnode/BasicFindnode: after bonding, NEIGHBORS',
    withEnv(async () => {
      await te.bond()
      te.send(te.l1, te.randomFindnode())
      assert.equal((await te.l1.readExcept(['ping']))?.packet.kind, 'neighbors')
    }),
  )

  test(
    'Findnode/UnsolicitedNeighbors: a node from unsolicited NEIGHBORS is never served',
    withEnv(async () => {
      await te.bond()
      const fake = publicKey64(generatePrivateKey())
      te.send(te.l1, {
        kind: 'neighbors',
        nodes: [{ ip: '1.2.3.4', udp: 30303, tcp: 30303, publicKey: fake }],
        expiration: futureExpiration(),
      })
      te.send(te.l1, { kind: 'findnode', target: fake, expiration: futureExpiration() })
      const d = await te.l1.readExcept(['ping'])
      assert.equal(d?.packet.kind, 'neighbors')
      if (d?.packet.kind !== 'neighbors') return
      assert.ok(!d.packet.nodes.some((n) => equalBytes(n.publicKey, fake)), 'unsolicited node served')
      assert.equal(remote.service.table.get(makeNode(fake, '1.2.3.4', 30303).id), undefined)
    }),
  )

  test(
    'Findnode/PastExpiration: after bonding, an expired FINDNODE gets no NEIGHBORS',
    withEnv(async () => {
      await te.bond()
      const body = encode([new Uint8Array(randomBytes(64)), pastExpiration()])
      te.l1.sendRaw(signPacket(te.key, 0x03, body).bytes, remote)
      for (let d = await te.l1.read(); d; d = await te.l1.read()) assert.notEqual(d.packet.kind, 'neighbors')
    }),
  )

  test(
    'Amplification/InvalidPongHash: a PONG with a wrong reply token proves nothing',
    withEnv(async () => {
      te.send(te.l1, te.ping())
      let gotPing = false
      let gotPong = false
      while (!gotPing || !gotPong) {
        const d = await te.l1.read()
        assert.ok(d, 'expected the remote PING and PONG')
        if (d.packet.kind === 'ping') {
          te.send(te.l1, {
            kind: 'pong',
            to: te.remoteEndpoint(),
            replyToken: new Uint8Array(32),
            expiration: futureExpiration(),
          })
          gotPing = true
        } else if (d.packet.kind === 'pong') gotPong = true
      }
      te.send(te.l1, te.randomFindnode())
      for (let d = await te.l1.read(); d; d = await te.l1.read()) assert.notEqual(d.packet.kind, 'neighbors')
    }),
  )

  test(
    'Amplification/WrongIP: after bonding from one IP, FINDNODE from another gets nothing',
    withEnv(async () => {
      await te.bond()
      te.send(te.l2, te.randomFindnode())
      assert.equal(await te.l2.read(), undefined)
      // The same request from the bonded address is answered.
      te.send(te.l1, te.randomFindnode())
      assert.equal((await te.l1.readExcept(['ping']))?.packet.kind, 'neighbors')
    }),
  )
})

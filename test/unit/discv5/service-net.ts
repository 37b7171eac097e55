/** Test harness: discv5 services on the in-memory network and one virtual clock, with a tap on every datagram. */
import { type Discv5Options, Discv5Service, type SocketAddr } from '../../../src/discv5/index.js'
import { Enr } from '../../../src/enr/index.js'
import { seededRandom } from '../../../src/kademlia/index.js'
import type { MemoryEndpoint } from '../../../src/sim/network.js'
import { MemoryNetwork } from '../../../src/sim/network.js'
import { VirtualClock } from '../../../src/util/clock.js'
import { keyFromSeed } from './session-harness.js'

export interface TestNode {
  svc: Discv5Service
  key: Uint8Array
  enr: Enr
  ep: MemoryEndpoint
  addr: SocketAddr
  /** Datagrams handed back by `handle` as not discv5. */
  foreign: Uint8Array[]
}

export interface Sent {
  from: SocketAddr
  to: SocketAddr
  data: Uint8Array
}

export class V5Net {
  readonly clock: VirtualClock
  readonly net: MemoryNetwork
  readonly nodes: TestNode[] = []
  /** Every datagram sent by a service, in order (unless constructed with `record: false`). */
  readonly sent: Sent[] = []
  /** Datagrams sent by the services. */
  datagrams = 0
  private readonly record: boolean

  /** `record: false` keeps no log of datagrams (large networks). */
  constructor(o: { record?: boolean } = {}) {
    this.record = o.record ?? true
    this.clock = new VirtualClock()
    this.net = new MemoryNetwork({ clock: this.clock, latencyMs: 1 })
  }
  /** Return false to drop a datagram a service sends. */
  tap: (s: Sent) => boolean = () => true

  add(i: number, o: { ip?: string; enrIp?: string; opts?: Partial<Discv5Options> } = {}): TestNode {
    const ip = o.ip ?? '127.0.0.1'
    const port = 30000 + i
    const key = keyFromSeed(`svc-${i}`)
    const enr = Enr.create(key, { seq: 1n, ip: o.enrIp ?? ip, udp: port })
    const ep = this.net.bind(ip, port)
    const svc = new Discv5Service({
      privateKey: key,
      enr,
      send: (data, to) => {
        const s = { from: ep.address, to, data }
        this.datagrams++
        if (this.record) this.sent.push(s)
        if (this.tap(s)) ep.send(data, to)
      },
      clock: this.clock,
      random: seededRandom(i),
      refresh: false,
      ...o.opts,
    })
    const node: TestNode = { svc, key, enr, ep, addr: ep.address, foreign: [] }
    ep.onDatagram((d, from) => {
      if (!svc.handle(d, from)) node.foreign.push(d)
    })
    this.nodes.push(node)
    return node
  }

  /** A raw endpoint for hand-made packets; returns what it receives. */
  raw(ip: string, port: number): { ep: MemoryEndpoint; inbox: Sent[] } {
    const ep = this.net.bind(ip, port)
    const inbox: Sent[] = []
    ep.onDatagram((data, from) => inbox.push({ from, to: ep.address, data }))
    return { ep, inbox }
  }

  async flush(): Promise<void> {
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r))
  }

  /** Advance virtual time in steps, letting promise continuations run between them. */
  async run(ms: number, step = 5): Promise<void> {
    for (let t = 0; t < ms; t += step) {
      this.clock.advance(step)
      await this.flush()
    }
  }

  /** Await `p` while driving the clock (at most `limitMs` virtual ms), so a hang fails fast. */
  async within<T>(p: Promise<T>, limitMs = 20_000): Promise<T> {
    let done = false
    const mark = () => {
      done = true
    }
    p.then(mark, mark)
    await this.flush()
    for (let t = 0; t < limitMs && !done; t += 50) await this.run(50)
    return p
  }

  async closeAll(): Promise<void> {
    for (const n of this.nodes) await n.svc.close()
    for (const n of this.nodes) await n.ep.close()
  }
}

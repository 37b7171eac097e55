/** Test harness: Sessions machines wired back to back over an in-memory, inspectable network on virtual time. */
import { createHash } from 'node:crypto'
import { isValidPrivateKey } from '../../../src/crypto/index.js'
import {
  contactFromEnr,
  type NodeContact,
  type SessionInput,
  type SessionOutput,
  type SessionRandom,
  Sessions,
  type SessionsConfig,
  type SocketAddr,
} from '../../../src/discv5/session/index.js'
import type { RequestMessage } from '../../../src/discv5/wire/index.js'
import { Enr } from '../../../src/enr/index.js'

/** Deterministic randomness: sha256(seed || counter) stream. */
export function seededRandom(seed: string): SessionRandom {
  let counter = 0
  return {
    bytes(n: number): Uint8Array {
      const out = new Uint8Array(n)
      for (let o = 0; o < n; o += 32) {
        const h = createHash('sha256').update(`${seed}/${counter++}`).digest()
        out.set(h.subarray(0, Math.min(32, n - o)), o)
      }
      return out
    },
  }
}

export function keyFromSeed(seed: string): Uint8Array {
  for (let i = 0; ; i++) {
    const k = new Uint8Array(createHash('sha256').update(`key/${seed}/${i}`).digest())
    if (isValidPrivateKey(k)) return k
  }
}

export interface Datagram {
  from: SocketAddr
  to: SocketAddr
  data: Uint8Array
}

export interface Peer {
  name: string
  key: Uint8Array
  enr: Enr
  addr: SocketAddr
  s: Sessions
  /** Every non-transmit output, in order. */
  log: SessionOutput[]
  /** Records this peer's findEnr hook returns. */
  known: Map<string, Enr>
}

const addrKey = (a: SocketAddr) => `${a.ip}:${a.port}`

/** Peers on 127.0.0.1 exchanging datagrams through a queue the test can inspect, drop or replay. */
export class Net {
  now = 0
  readonly peers = new Map<string, Peer>()
  /** Datagrams sent and not yet delivered. */
  inflight: Datagram[] = []
  /** Every datagram ever sent. */
  readonly sent: Datagram[] = []
  /** Return true to drop a datagram instead of delivering it. */
  drop: (d: Datagram) => boolean = () => false
  /** Answer PING, TALKREQ and FINDNODE automatically. */
  autoRespond = true

  add(name: string, port: number, cfg: Partial<SessionsConfig> = {}): Peer {
    const key = keyFromSeed(name)
    const enr = Enr.create(key, { ip: '127.0.0.1', udp: port })
    const known = new Map<string, Enr>()
    const s = new Sessions({
      privateKey: key,
      enr,
      random: seededRandom(name),
      findEnr: (id) => known.get(Buffer.from(id).toString('hex')),
      ...cfg,
    })
    const p: Peer = { name, key, enr, addr: { ip: '127.0.0.1', port }, s, log: [], known }
    this.peers.set(addrKey(p.addr), p)
    return p
  }

  /** `p` learns `q`'s record (WHOAREYOU then carries its seq). */
  know(p: Peer, q: Peer): void {
    p.known.set(Buffer.from(q.enr.nodeId).toString('hex'), q.enr)
  }

  contact(p: Peer): NodeContact {
    const c = contactFromEnr(p.enr)
    if (!c) throw new Error('no contact')
    return c
  }

  input(p: Peer, input: SessionInput): SessionOutput[] {
    const outs = p.s.handle(input, this.now)
    for (const o of outs) {
      if (o.kind === 'transmit') {
        const d = { from: p.addr, to: o.to, data: o.data }
        this.sent.push(d)
        this.inflight.push(d)
        continue
      }
      p.log.push(o)
      if (o.kind === 'request' && this.autoRespond) {
        const m = o.msg
        const msg =
          m.type === 'PING'
            ? { type: 'PONG' as const, reqId: m.reqId, enrSeq: p.enr.seq, ip: o.from.addr.ip, port: o.from.addr.port }
            : m.type === 'TALKREQ'
              ? { type: 'TALKRESP' as const, reqId: m.reqId, response: m.request }
              : { type: 'NODES' as const, reqId: m.reqId, total: 1, enrs: [] }
        this.input(p, { kind: 'send-response', to: o.from, msg })
      }
    }
    return outs
  }

  request(p: Peer, to: Peer, msg: RequestMessage) {
    const request = { contact: this.contact(to), msg }
    this.input(p, { kind: 'send-request', request })
    return request
  }

  ping(p: Peer, to: Peer, reqId = p.s.newRequestId()) {
    return this.request(p, to, { type: 'PING', reqId, enrSeq: p.enr.seq })
  }

  /** Deliver one datagram (as if from `from`, default its sender). */
  deliver(d: Datagram, from: SocketAddr = d.from): SessionOutput[] {
    const to = this.peers.get(addrKey(d.to))
    if (!to) return []
    return this.input(to, { kind: 'datagram', from, data: d.data })
  }

  /** Deliver everything in flight (and what that causes) until quiet. */
  run(maxSteps = 1000): void {
    for (let i = 0; i < maxSteps && this.inflight.length > 0; i++) {
      const d = this.inflight.shift() as Datagram
      if (!this.drop(d)) this.deliver(d)
    }
    if (this.inflight.length > 0) throw new Error('network did not quiesce')
  }

  /** Advance virtual time and tick every peer. */
  advance(ms: number): void {
    this.now += ms
    for (const p of this.peers.values()) this.input(p, { kind: 'tick' })
  }

  /** Take (and clear) the outputs of `kind` logged at `p`. */
  take<K extends SessionOutput['kind']>(p: Peer, kind: K): Extract<SessionOutput, { kind: K }>[] {
    const got = p.log.filter((o) => o.kind === kind) as Extract<SessionOutput, { kind: K }>[]
    p.log = p.log.filter((o) => o.kind !== kind)
    return got
  }
}

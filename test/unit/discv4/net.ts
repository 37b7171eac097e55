/** An in-memory discv4 test network on a virtual clock, shared by the service tests. */
import { publicKey64 } from '../../../src/crypto/index.js'
import { Discv4Service, makeNode, type SocketAddr } from '../../../src/discv4/index.js'
import { Enr } from '../../../src/enr/index.js'
import { seededRandom } from '../../../src/kademlia/index.js'
import { intToBytes, padStart } from '../../../src/util/bytes.js'
import { VirtualClock } from '../../../src/util/clock.js'

export const UNIX0 = 1_700_000_000
export const keyOf = (i: number) => padStart(intToBytes(i + 1000), 32)

/** An in-memory UDP network on one virtual clock: datagrams are delivered on the microtask queue. */
export class Net {
  readonly clock = new VirtualClock()
  readonly handlers = new Map<number, (b: Uint8Array, from: SocketAddr) => boolean>()
  /** Datagrams sent to ports nobody listens on (raw test peers), in order. */
  readonly outbox = new Map<number, Uint8Array[]>()
  unixTime = () => UNIX0 + this.clock.now() / 1000

  send(fromPort: number) {
    return (bytes: Uint8Array, to: SocketAddr) => {
      queueMicrotask(() => {
        const h = this.handlers.get(to.port)
        if (h) h(bytes, { ip: '127.0.0.1', port: fromPort })
        else this.outbox.set(to.port, [...(this.outbox.get(to.port) ?? []), bytes])
      })
    }
  }

  service(i: number, extra: Partial<ConstructorParameters<typeof Discv4Service>[0]> = {}): Discv4Service {
    const port = 30000 + i
    const privateKey = keyOf(i)
    const record = Enr.create(privateKey, { seq: 3n, ip: '127.0.0.1', udp: port, tcp: port })
    const s = new Discv4Service({
      privateKey,
      send: this.send(port),
      endpoint: { ip: '127.0.0.1', udp: port, tcp: port },
      record: () => record.encode(),
      enrSeq: () => record.seq,
      clock: this.clock,
      unixTime: this.unixTime,
      random: seededRandom(i),
      ...extra,
    })
    this.handlers.set(port, (b, from) => s.handle(b, from))
    return s
  }

  /** Let delivered datagrams and promise continuations run. */
  async flush(): Promise<void> {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
  }

  /** Advance virtual time in steps, flushing between them. */
  async run(ms: number, step = 100): Promise<void> {
    for (let t = 0; t < ms; t += step) {
      this.clock.advance(step)
      await this.flush()
    }
  }
}

/** Await `p` while driving the virtual clock (at most 10 virtual seconds), so a hang fails fast. */
export async function within<T>(net: Net, p: Promise<T>): Promise<T> {
  let done = false
  p.then(
    () => {
      done = true
    },
    () => {
      done = true
    },
  )
  await net.flush()
  for (let i = 0; i < 100 && !done; i++) await net.run(100)
  return p
}

export const nodeOf = (i: number) => makeNode(publicKey64(keyOf(i)), '127.0.0.1', 30000 + i)

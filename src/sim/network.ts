/**
 * An in-memory datagram network on an injected clock, for deterministic tests and large simulated
 * discovery networks. Each endpoint is a {@link DatagramTransport}, like a real UDP socket.
 */
import type { DatagramHandler, DatagramTransport, UdpAddress } from '../transport/udp.js'
import type { Clock } from '../util/clock.js'

export interface MemoryNetworkOptions {
  clock: Clock
  /** One-way delivery delay in ms (default 1). */
  latencyMs?: number
  /** Fraction of datagrams dropped, 0..1 (default 0), decided by `random`. */
  loss?: number
  random?: () => number
}

const key = (a: UdpAddress) => `${a.ip}:${a.port}`

/** A switch connecting in-memory endpoints by address. */
export class MemoryNetwork {
  private readonly endpoints = new Map<string, MemoryEndpoint>()
  private nextPort = 1
  /** Datagrams delivered and dropped, for tests. */
  readonly stats = { sent: 0, delivered: 0, dropped: 0 }

  constructor(private readonly opts: MemoryNetworkOptions) {}

  /** A new endpoint at `ip:port` (port 0 or omitted: a fresh one). */
  bind(ip = '127.0.0.1', port = 0): MemoryEndpoint {
    let p = port
    if (p === 0) {
      while (this.endpoints.has(`${ip}:${this.nextPort}`)) this.nextPort++
      p = this.nextPort++
    }
    const addr = { ip, port: p }
    if (this.endpoints.has(key(addr))) throw new Error(`address in use: ${key(addr)}`)
    const ep = new MemoryEndpoint(this, addr)
    this.endpoints.set(key(addr), ep)
    return ep
  }

  /** @internal */
  deliver(data: Uint8Array, from: UdpAddress, to: UdpAddress): void {
    this.stats.sent++
    const { loss = 0, random = Math.random, latencyMs = 1, clock } = this.opts
    if (loss > 0 && random() < loss) {
      this.stats.dropped++
      return
    }
    const copy = data.slice()
    clock.setTimer(latencyMs, () => {
      const ep = this.endpoints.get(key(to))
      if (!ep) {
        this.stats.dropped++
        return
      }
      this.stats.delivered++
      ep.receive(copy, from)
    })
  }

  /** @internal */
  remove(addr: UdpAddress): void {
    this.endpoints.delete(key(addr))
  }
}

/** One bound in-memory address. */
export class MemoryEndpoint implements DatagramTransport {
  private handler: DatagramHandler = () => {}
  private closed = false

  constructor(
    private readonly net: MemoryNetwork,
    readonly address: UdpAddress,
  ) {}

  send(data: Uint8Array, to: UdpAddress): void {
    if (!this.closed) this.net.deliver(data, this.address, to)
  }

  onDatagram(handler: DatagramHandler): void {
    this.handler = handler
  }

  /** @internal */
  receive(data: Uint8Array, from: UdpAddress): void {
    if (!this.closed) this.handler(data, from)
  }

  async close(): Promise<void> {
    this.closed = true
    this.net.remove(this.address)
  }
}

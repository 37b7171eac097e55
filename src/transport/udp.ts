/**
 * Datagram transports for discovery: a real UDP socket (node:dgram), and the demultiplexer that lets
 * discv4 and discv5 share one port, as go-ethereum and reth do.
 */
import { createSocket, type Socket } from 'node:dgram'
import { isDiscv4Shaped } from '../discv4/wire/index.js'
import { normalizeIp } from '../util/ip.js'

/** An IP address and UDP port. IPv4-mapped IPv6 addresses are normalised to IPv4. */
export interface UdpAddress {
  ip: string
  port: number
}

/** Receives datagrams. Must not throw: a bad datagram is the sender's problem. */
export type DatagramHandler = (data: Uint8Array, from: UdpAddress) => void

/** What discovery services send and receive through. Implemented by {@link UdpTransport} and the in-memory network. */
export interface DatagramTransport {
  /** Send one datagram; failures (e.g. unreachable) are dropped, as UDP does. */
  send(data: Uint8Array, to: UdpAddress): void
  /** Set the receiver (one per transport; the demux fans out). */
  onDatagram(handler: DatagramHandler): void
  /** The bound address. */
  readonly address: UdpAddress
  close(): Promise<void>
}

/** Largest datagram any discovery protocol accepts. discv4 and discv5 specs: 1280 bytes. */
export const MAX_DATAGRAM_SIZE = 1280

/** A bound UDP socket. Oversized datagrams are dropped before any handler sees them. */
export class UdpTransport implements DatagramTransport {
  private handler: DatagramHandler = () => {}
  private closed = false

  private constructor(
    private readonly socket: Socket,
    readonly address: UdpAddress,
  ) {
    socket.on('message', (msg, rinfo) => {
      if (msg.length > MAX_DATAGRAM_SIZE) return
      // libuv writes IPv4 sources canonically already; IPv6 ones may be IPv4-mapped.
      const ip = rinfo.family === 'IPv4' ? rinfo.address : (normalizeIp(rinfo.address) ?? rinfo.address)
      this.handler(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), { ip, port: rinfo.port })
    })
    // Send errors (ICMP unreachable and the like) are per-datagram and not fatal.
    socket.on('error', () => {})
  }

  /** Bind a socket on `ip:port` (port 0 picks a free one). */
  static async bind(ip: string, port: number, signal?: AbortSignal): Promise<UdpTransport> {
    const socket = createSocket({ type: ip.includes(':') ? 'udp6' : 'udp4', reuseAddr: false })
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        socket.close()
        reject(signal?.reason)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      socket.once('error', (e) => {
        signal?.removeEventListener('abort', onAbort)
        reject(e)
      })
      socket.bind(port, ip, () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      })
    })
    const a = socket.address()
    return new UdpTransport(socket, { ip: normalizeIp(a.address) ?? a.address, port: a.port })
  }

  send(data: Uint8Array, to: UdpAddress): void {
    if (this.closed) return
    this.socket.send(data, to.port, to.ip, () => {})
  }

  onDatagram(handler: DatagramHandler): void {
    this.handler = handler
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve()
    this.closed = true
    return new Promise((resolve) => this.socket.close(() => resolve()))
  }
}

/**
 * One socket, two protocols: datagrams shaped like discv4 (a keccak hash of the rest in the first
 * 32 bytes) go to `v4`, everything else to `v5`. A discv5 packet passes that check only by
 * finding a keccak pre-image, so the split is exact for honest traffic.
 */
export function demultiplex(
  transport: DatagramTransport,
  handlers: { v4?: DatagramHandler; v5?: DatagramHandler },
): void {
  transport.onDatagram((data, from) => {
    if (handlers.v4 && (!handlers.v5 || isDiscv4Shaped(data))) handlers.v4(data, from)
    else handlers.v5?.(data, from)
  })
}

/**
 * A TCP listener that runs the RLPx handshake on every accepted socket and hands authenticated
 * connections to a callback. Failed handshakes are counted and closed; the accept loop goes on.
 * @module
 */
import { createServer, type Server, type Socket } from 'node:net'
import { normalizeIp } from '../util/ip.js'
import { type ResolvedOptions, type RlpxOptions, resolveOptions } from './config.js'
import type { RlpxConnection } from './connection.js'
import { establish } from './establish.js'

/** Concurrent inbound handshakes; more are closed at once. go-ethereum p2p/server.go defaultMaxPendingPeers. */
export const MAX_PENDING_INBOUND = 50

/** Options of {@link RlpxListener.listen}. */
export interface ListenOptions extends RlpxOptions {
  /** Address to bind (default 127.0.0.1... pass 0.0.0.0 to listen everywhere). */
  host?: string
  /** TCP port (default 0: chosen by the OS). */
  port?: number
  /** Default {@link MAX_PENDING_INBOUND}. */
  maxPendingHandshakes?: number
  /** Called with every connection that completed auth, ack and Hello. Owns it from then on. */
  onConnection: (conn: RlpxConnection) => void
  /**
   * Called with the remote IP of each new TCP connection before any handshake work; false closes
   * it at once (net restrictions, per-IP throttles).
   */
  accept?: (remoteIp: string) => boolean
}

/** A pending inbound socket that has sent nothing for this long may lose its slot to a newcomer. Ours. */
export const IDLE_PREEMPT_MS = 1_000

/** A listening RLPx endpoint. */
export class RlpxListener {
  private readonly o: ResolvedOptions
  /** BOUNDED: maxPendingHandshakes sockets; value: when accepted (clock ms). */
  private readonly pending = new Map<Socket, number>()
  private readonly abort = new AbortController()

  private constructor(
    private readonly server: Server,
    private readonly opts: ListenOptions,
  ) {
    this.o = resolveOptions(opts)
  }

  /** Bind and start accepting. */
  static async listen(opts: ListenOptions): Promise<RlpxListener> {
    const server = createServer({ noDelay: true })
    const l = new RlpxListener(server, opts)
    server.on('connection', (s) => l.onSocket(s))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
    server.on('error', (e) => l.o.logger.warn('rlpx listener error', { error: e }))
    return l
  }

  /** The bound address and port. */
  get address(): { address: string; port: number } {
    const a = this.server.address()
    if (a === null || typeof a === 'string') throw new Error('listener is not bound to a TCP port')
    return { address: a.address, port: a.port }
  }

  /** Handshakes in progress (and failed ones still closing). */
  get pendingHandshakes(): number {
    return this.pending.size
  }

  /**
   * All pending slots are taken: free the oldest one whose peer has sent nothing for
   * {@link IDLE_PREEMPT_MS}. An initiator sends its auth right after connecting, so only silent
   * sockets lose their slot, and a flood of them cannot keep a real peer out for the whole 5 s
   * handshake deadline (go-ethereum would leave the newcomer waiting in the accept backlog).
   */
  private preemptIdle(): boolean {
    const now = this.o.clock.now()
    for (const [s, since] of this.pending) {
      if (now - since < IDLE_PREEMPT_MS) break
      if (s.bytesRead === 0) {
        this.pending.delete(s)
        s.destroy()
        return true
      }
    }
    return false
  }

  private onSocket(socket: Socket): void {
    socket.on('error', () => {})
    if (this.opts.accept && !this.opts.accept(normalizeIp(socket.remoteAddress ?? '') ?? '')) {
      socket.destroy()
      return
    }
    if (this.abort.signal.aborted) {
      socket.destroy()
      return
    }
    if (this.pending.size >= (this.opts.maxPendingHandshakes ?? MAX_PENDING_INBOUND) && !this.preemptIdle()) {
      this.o.logger.debug('rlpx listener: too many pending handshakes, closing', { peer: socket.remoteAddress })
      socket.destroy()
      return
    }
    this.pending.set(socket, this.o.clock.now())
    // A failed handshake may still be sending its Disconnect: the socket counts until it is gone.
    socket.once('close', () => this.pending.delete(socket))
    establish({ direction: 'inbound', socket, signal: this.abort.signal }, this.o).then(
      (conn) => {
        this.pending.delete(socket)
        try {
          this.opts.onConnection(conn)
        } catch (e) {
          this.o.logger.warn('rlpx onConnection threw', { error: e })
          void conn.disconnect()
        }
      },
      // Counted and logged by establish; the socket is closed or closing.
      () => {},
    )
  }

  /**
   * Stop accepting, abort pending handshakes, and resolve when the server is closed. Established
   * connections belong to whoever received them and stay open.
   */
  async close(): Promise<void> {
    this.abort.abort()
    // server.close() stops accepting now; its callback would also wait for handed-off connections.
    this.server.close()
    // Every socket still in `pending` has not emitted 'close' yet (its handler removes it).
    await Promise.all([...this.pending.keys()].map((s) => new Promise((r) => s.once('close', r))))
  }
}

/**
 * Dial a node, or take over an accepted socket: the two ways to get an {@link RlpxConnection}.
 * @module
 */
import { connect, type Socket } from 'node:net'
import { decompressPublicKey, KeyError } from '../crypto/secp256k1.js'
import type { Clock } from '../util/clock.js'
import { type RlpxOptions, resolveOptions } from './config.js'
import type { RlpxConnection } from './connection.js'
import { RlpxError } from './errors.js'
import { establish } from './establish.js'

/**
 * Where to dial: an enode (`parseEnode` output fits) or anything with a public key and an
 * address. `host` (or `ip`, or `hostname`) and `tcp` are required.
 */
export interface DialTarget {
  /** The node's public key (33, 64 or 65 bytes); the handshake proves the peer holds it. */
  publicKey: Uint8Array
  tcp: number
  ip?: string
  hostname?: string
  host?: string
}

/** Options of {@link dial}. */
export interface DialOptions extends RlpxOptions {
  signal?: AbortSignal
}

function connectTcp(
  host: string,
  port: number,
  clock: Clock,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port })
    const done = (e?: RlpxError) => {
      timer.cancel()
      signal?.removeEventListener('abort', onAbort)
      socket.off('error', onError)
      socket.off('connect', onConnect)
      if (e) {
        socket.on('error', () => {})
        socket.destroy()
        reject(e)
      } else resolve(socket)
    }
    const onError = (e: NodeJS.ErrnoException) =>
      done(
        e.code === 'ECONNREFUSED'
          ? new RlpxError('REFUSED', `${host}:${port} refused the connection`)
          : new RlpxError('CONNECT_FAILED', `${host}:${port}: ${e.message}`),
      )
    const onConnect = () => done()
    const onAbort = () => done(new RlpxError('ABORTED', 'dial aborted'))
    const timer = clock.setTimer(timeoutMs, () =>
      done(new RlpxError('TIMEOUT', `TCP connect to ${host}:${port} took over ${timeoutMs} ms`)),
    )
    socket.once('error', onError)
    socket.once('connect', onConnect)
    if (signal?.aborted) return onAbort()
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Dial `target`: TCP connect (dial timeout, 15 s), then auth, ack and Hello (handshake timeout,
 * 5 s). The peer must prove `target.publicKey` and announce it in Hello, else
 * UnexpectedIdentity. Rejects with {@link RlpxError}.
 */
export async function dial(target: DialTarget, opts: DialOptions): Promise<RlpxConnection> {
  const o = resolveOptions(opts)
  const host = target.host ?? target.ip ?? target.hostname
  if (!host) throw new RlpxError('CONNECT_FAILED', 'target has no host or ip')
  let remotePublicKey: Uint8Array
  try {
    remotePublicKey = decompressPublicKey(target.publicKey)
  } catch (e) {
    if (e instanceof KeyError) throw new RlpxError('CONNECT_FAILED', `target public key: ${e.message}`)
    throw e
  }
  const socket = await connectTcp(host, target.tcp, o.clock, o.timeouts.dialMs, opts.signal)
  socket.setNoDelay(true)
  return establish({ direction: 'outbound', socket, remotePublicKey, signal: opts.signal }, o)
}

/**
 * Run the recipient side of the handshake on an accepted socket (the listener does this for each
 * connection; use it to serve RLPx on a socket obtained elsewhere).
 */
export function acceptSocket(socket: Socket, opts: DialOptions): Promise<RlpxConnection> {
  socket.setNoDelay(true)
  return establish({ direction: 'inbound', socket, signal: opts.signal }, resolveOptions(opts))
}

/**
 * From a connected TCP socket to an {@link RlpxConnection}: auth/ack, then the Hello exchange,
 * all under one deadline (5 s by default). Every failure is counted, logged at debug level,
 * answered with a Disconnect where a session exists, and leaves no socket or timer behind.
 * Spec: devp2p rlpx.md#initial-handshake and #hello-0x00.
 * @module
 */
import type { Socket } from 'node:net'
import { concatBytes, equalBytes } from '../util/bytes.js'
import { matchCapabilities } from './caps.js'
import type { ResolvedOptions } from './config.js'
import { RlpxConnection } from './connection.js'
import { type DisconnectReason, DisconnectReason as Reason } from './disconnect.js'
import { type ClosedBy, RlpxError, type RlpxErrorCode } from './errors.js'
import { FrameReader, FrameWriter } from './frame/frame.js'
import { InitiatorHandshake, RecipientHandshake } from './handshake/handshake.js'
import type { Secrets } from './handshake/secrets.js'
import { encodeMessageId, readDisconnect, splitFrame } from './message.js'
import { type HandshakeOutcome, RlpxMetrics } from './metrics.js'
import {
  BASE_PROTOCOL_VERSION,
  decodeHello,
  encodeDisconnect,
  encodeHello,
  type Hello,
  MAX_BASE_MESSAGE_SIZE,
  P2pMessage,
  SNAPPY_PROTOCOL_VERSION,
} from './p2p.js'

/** Which side of a fresh socket we are. */
export type EstablishParams =
  | { direction: 'inbound'; socket: Socket; signal?: AbortSignal }
  | { direction: 'outbound'; socket: Socket; remotePublicKey: Uint8Array; signal?: AbortSignal }

interface Failure {
  outcome: HandshakeOutcome
  code: RlpxErrorCode
  detail: string
  /** Disconnect reason to send (by local) or that was received (by remote). */
  reason?: DisconnectReason
  by?: ClosedBy
}

/** Our Hello for these options. */
export function localHello(o: ResolvedOptions): Hello {
  return {
    version: BASE_PROTOCOL_VERSION,
    clientId: o.clientId,
    capabilities: o.protocols.map((p) => ({ name: p.name, version: p.version })),
    listenPort: o.listenPort,
    id: o.staticKey.publicKey,
  }
}

/**
 * Run the handshake on a connected socket. Rejects with {@link RlpxError}: TIMEOUT,
 * HANDSHAKE_FAILED, DISCONNECTED (with the reason and who sent it) or ABORTED.
 */
export function establish(p: EstablishParams, o: ResolvedOptions): Promise<RlpxConnection> {
  const { socket, direction } = p
  const metrics = RlpxMetrics.for(o.metrics)
  const log = o.logger.child({ peer: `${socket.remoteAddress}:${socket.remotePort}`, direction })
  const hello = localHello(o)
  return new Promise<RlpxConnection>((resolve, reject) => {
    let side: InitiatorHandshake | RecipientHandshake
    try {
      side =
        p.direction === 'outbound'
          ? new InitiatorHandshake({
              privateKey: o.privateKey,
              staticKey: o.staticKey,
              remotePublicKey: p.remotePublicKey,
            })
          : new RecipientHandshake({ privateKey: o.privateKey, staticKey: o.staticKey })
    } catch (e) {
      socket.destroy()
      reject(e)
      return
    }
    /** BOUNDED: the size prefix is checked (≤ 2 KiB) before waiting; at most that plus one chunk. */
    let pending: Uint8Array = new Uint8Array(0)
    let secrets: Secrets | undefined
    let writer: FrameWriter | undefined
    let reader: FrameReader | undefined
    let settled = false
    let bytesIn = 0
    let bytesOut = 0

    const write = (b: Uint8Array) => {
      bytesOut += b.length
      socket.write(b)
    }
    const cleanup = () => {
      settled = true
      timer.cancel()
      socket.off('data', onData)
      socket.off('error', onError)
      socket.off('close', onClose)
      p.signal?.removeEventListener('abort', onAbort)
      metrics.traffic('in', bytesIn, 0)
      metrics.traffic('out', bytesOut, 0)
    }
    const fail = (f: Failure) => {
      if (settled) return
      cleanup()
      metrics.handshake(direction, f.outcome)
      if (f.reason !== undefined) metrics.disconnect(f.reason, f.by ?? 'local')
      log.debug('rlpx handshake failed', { outcome: f.outcome, detail: f.detail, reason: f.reason })
      // A late socket error must not become an uncaught 'error' event.
      socket.on('error', () => {})
      if (f.reason !== undefined && f.by === 'local' && writer && socket.writable) {
        // During the Hello exchange the Disconnect goes uncompressed (go-ethereum does the same).
        socket.write(writer.write(encodeMessageId(P2pMessage.Disconnect), encodeDisconnect(f.reason)))
        socket.end()
        socket.resume()
        const t = o.clock.setTimer(o.timeouts.disconnectWaitMs, () => socket.destroy())
        socket.once('close', () => t.cancel())
      } else {
        socket.destroy()
      }
      reject(new RlpxError(f.code, f.detail, f.reason, f.reason === undefined ? undefined : (f.by ?? 'local')))
    }

    const onAuthData = (): boolean => {
      const r = side.onData(pending)
      if (!r.ok) {
        fail({
          outcome: 'bad_auth',
          code: 'HANDSHAKE_FAILED',
          detail: `${direction === 'inbound' ? 'auth' : 'ack'}: ${r.error.message}`,
        })
        return false
      }
      if (r.value.kind === 'need') return false
      secrets = r.value.secrets
      if (side instanceof RecipientHandshake && side.done) write(side.done.ack)
      writer = new FrameWriter(secrets)
      reader = new FrameReader(secrets, { maxFrameSize: o.maxMessageSize })
      reader.push(pending.subarray(r.value.consumed))
      pending = new Uint8Array(0)
      write(writer.write(encodeMessageId(P2pMessage.Hello), encodeHello(hello)))
      return true
    }

    const onHelloFrames = () => {
      if (!reader || !secrets || !writer) return
      const f = reader.next()
      if (!f.ok)
        return fail({
          outcome: 'bad_frame',
          code: 'HANDSHAKE_FAILED',
          detail: f.error.message,
          reason: Reason.BreachOfProtocol,
          by: 'local',
        })
      if (f.value === undefined) return
      const s = splitFrame(f.value)
      if (!s.ok)
        return fail({
          outcome: 'bad_hello',
          code: 'HANDSHAKE_FAILED',
          detail: s.error.message,
          reason: Reason.BreachOfProtocol,
          by: 'local',
        })
      const { code, payload } = s.value
      if (code === P2pMessage.Disconnect) {
        const reason = readDisconnect(payload, false)
        return fail({
          outcome: 'disconnected',
          code: 'DISCONNECTED',
          detail: 'during the Hello exchange',
          reason,
          by: 'remote',
        })
      }
      const breach = (detail: string) =>
        fail({ outcome: 'bad_hello', code: 'HANDSHAKE_FAILED', detail, reason: Reason.BreachOfProtocol, by: 'local' })
      if (code !== P2pMessage.Hello) return breach(`expected Hello, got message 0x${code.toString(16)}`)
      if (payload.length > MAX_BASE_MESSAGE_SIZE) return breach(`Hello of ${payload.length} bytes`)
      const h = decodeHello(payload)
      if (!h.ok) {
        if (h.error.code !== 'BAD_ID') return breach(h.error.message)
        return fail({
          outcome: 'identity',
          code: 'HANDSHAKE_FAILED',
          detail: h.error.message,
          reason: Reason.InvalidIdentity,
          by: 'local',
        })
      }
      const remote = h.value
      const identity = (reason: DisconnectReason, detail: string) =>
        fail({ outcome: 'identity', code: 'HANDSHAKE_FAILED', detail, reason, by: 'local' })
      if (!equalBytes(remote.id, secrets.remotePublicKey))
        return identity(Reason.UnexpectedIdentity, 'Hello id differs from the handshake key')
      if (equalBytes(remote.id, hello.id)) return identity(Reason.SelfIdentity, 'connected to ourselves')
      const capabilities = matchCapabilities(o.protocols, remote.capabilities)
      if (capabilities.length === 0 && o.requireSharedCapability)
        return fail({
          outcome: 'useless',
          code: 'HANDSHAKE_FAILED',
          detail: 'no shared capability',
          reason: Reason.UselessPeer,
          by: 'local',
        })
      cleanup()
      metrics.handshake(direction, 'ok')
      log.debug('rlpx handshake done', { clientId: remote.clientId, version: remote.version })
      const conn = new RlpxConnection({
        socket,
        direction,
        remotePublicKey: secrets.remotePublicKey,
        localHello: hello,
        remoteHello: remote,
        capabilities,
        snappy: remote.version >= SNAPPY_PROTOCOL_VERSION && hello.version >= SNAPPY_PROTOCOL_VERSION,
        writer,
        reader,
        options: o,
        metrics,
        logger: log,
      })
      conn.start()
      resolve(conn)
    }

    const onData = (chunk: Buffer) => {
      bytesIn += chunk.length
      if (settled) return
      if (!reader) {
        pending = pending.length === 0 ? chunk : concatBytes(pending, chunk)
        if (!onAuthData()) return
      } else {
        reader.push(chunk)
      }
      onHelloFrames()
    }
    const onError = (e: Error) => {
      fail({ outcome: 'network', code: 'HANDSHAKE_FAILED', detail: `socket error: ${e.message}` })
    }
    const onClose = () => {
      fail({ outcome: 'network', code: 'HANDSHAKE_FAILED', detail: 'peer closed the connection during the handshake' })
    }
    const onAbort = () => fail({ outcome: 'aborted', code: 'ABORTED', detail: 'handshake aborted' })
    const timer = o.clock.setTimer(o.timeouts.handshakeMs, () =>
      fail({
        outcome: 'timeout',
        code: 'TIMEOUT',
        detail: `handshake not done in ${o.timeouts.handshakeMs} ms`,
        // With a session, tell the peer; before it, there is no way to.
        ...(writer ? { reason: Reason.Timeout, by: 'local' as const } : {}),
      }),
    )

    socket.on('data', onData)
    socket.on('error', onError)
    socket.on('close', onClose)
    if (p.signal?.aborted) return onAbort()
    p.signal?.addEventListener('abort', onAbort, { once: true })
    if (side instanceof InitiatorHandshake) write(side.auth)
  })
}

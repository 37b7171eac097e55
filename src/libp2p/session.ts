/**
 * The protocol framework's {@link ProtocolConnection} over libp2p streams, for one protocol and
 * one remote peer. The definition runs unchanged; this adapter maps its message codes to streams:
 *
 * - a one-way message (handshake messages included) opens a stream on its id, writes one
 *   length-prefixed, snappy-framed payload and closes;
 * - a request opens a stream on its id, writes the request, reads one response chunk
 *   (result byte, then the payload) and closes: one stream per request;
 * - an inbound request stream is read, handed to the framework under a local request id, and
 *   answered on the same stream when the framework sends the response with that id.
 *
 * Request ids never go on the wire: the stream pairs a request with its answer. They only pair
 * streams with the framework's matching, which is why request/response protocols must declare a
 * `requestIds` scheme here (FIFO matching cannot survive a stream that fails independently).
 *
 * Bad input has a bounded cost: malformed framing, an oversized length prefix or a snappy bomb is
 * a breach (the stream is reset and the peer disconnected); a stream that stays silent is reset at
 * its deadline; streams per peer are capped.
 * @module
 */
import type { Stream } from '@libp2p/interface'
import type {
  AnyProtocol,
  CloseInfo,
  ConnectionReceiver,
  ProtocolConnection,
  RequestIdScheme,
  TableEntry,
} from '../protocol/index.js'
import { DisconnectReason } from '../protocol/index.js'
import { anySignal, linkedSignal } from '../util/abort.js'
import type { Clock, Timer } from '../util/clock.js'
import type { Logger } from '../util/logger.js'
import {
  MAX_EARLY_DELIVERIES,
  MAX_INBOUND_STREAMS_PER_PEER,
  MAX_OUTBOUND_STREAMS_PER_PEER,
  MAX_PAYLOAD_SIZE,
  MAX_QUEUED_SENDS,
  RESP_TIMEOUT_MS,
  STREAM_OPEN_TIMEOUT_MS,
  TTFB_TIMEOUT_MS,
} from './constants.js'
import { Libp2pNodeError, StreamWireError } from './errors.js'
import type { ProtocolIdTable } from './ids.js'
import { ByteReader, type ByteSource } from './reader.js'
import { encodeRequest, encodeResponse, ResultCode, type ResultCodeValue, readRequest, readResponse } from './wire.js'

/** What a session needs from the node. */
export interface SessionEnv {
  /** Open a stream on `protocolId` over the existing connection to the peer. */
  openStream(protocolId: string, signal: AbortSignal): Promise<Stream>
  /** The session ended locally with `reason`: close the libp2p connection to the peer. */
  hangUp(reason: number): void
  clock: Clock
  logger: Logger
  /** Count a stream event (see {@link StreamEvent}). */
  count(event: StreamEvent): void
  /** Time to first byte of a request or response; default {@link TTFB_TIMEOUT_MS}. */
  ttfbMs?: number
  /** Time for a whole request, and for our handler to answer one; default {@link RESP_TIMEOUT_MS}. */
  respMs?: number
}

/** Stream events a session counts. Bounded set, used as a metric label. */
export type StreamEvent =
  | 'request_ok'
  | 'request_error_response'
  | 'request_failed'
  | 'message_sent'
  | 'message_failed'
  | 'served'
  | 'served_late'
  | 'serve_timeout'
  | 'inbound_overflow'
  | 'outbound_overflow'
  | 'inbound_timeout'
  | 'inbound_failed'
  | 'breach'
  | 'unsupported'

/** The reason given to streams aborted because their session ended. */
class SessionClosed extends Error {
  override name = 'SessionClosed'
}

interface Serving {
  readonly stream: Stream
  readonly timer: Timer
}

/** Size limit of what arrives with `code` (request or message) or answers it (response). */
function limitOf(protocol: AnyProtocol, entry: TableEntry, response: boolean): number {
  const own = response && entry.kind !== 'message' ? entry.spec.response.maxSize : entry.spec.maxSize
  return Math.min(own ?? protocol.maxMessageSize, MAX_PAYLOAD_SIZE)
}

/**
 * Throws Libp2pNodeError BAD_CONFIG for a protocol this adapter cannot run: one with requests but
 * no `requestIds` scheme (FIFO matching breaks when one request's stream fails on its own).
 */
export function checkServable(protocol: AnyProtocol): void {
  const hasRequests = protocol.table.some((e) => e?.kind === 'request')
  if (hasRequests && !protocol.requestIds)
    throw new Libp2pNodeError(
      'BAD_CONFIG',
      `${protocol.id}: request/response over libp2p needs a requestIds scheme (e.g. envelopeIds); ids stay off the wire`,
    )
}

/** A {@link ProtocolConnection} over libp2p streams. Created and driven by the node. */
export class StreamConnection implements ProtocolConnection {
  private receiver: ConnectionReceiver | undefined
  /** BOUNDED: MAX_EARLY_DELIVERIES, then the peer is disconnected. */
  private early: [number, Uint8Array][] = []
  private earlyClose: CloseInfo | undefined
  private isClosed = false
  private readonly closing = new AbortController()
  /** Open streams of this session. BOUNDED: MAX_INBOUND_STREAMS_PER_PEER + MAX_OUTBOUND_STREAMS_PER_PEER. */
  private readonly streams = new Set<Stream>()
  private inbound = 0
  private outbound = 0
  /** Sends waiting for an outbound stream slot. BOUNDED: MAX_QUEUED_SENDS, then dropped and counted. */
  private queued: (() => void)[] = []
  /** Inbound requests handed to the framework, by local id. BOUNDED: MAX_INBOUND_STREAMS_PER_PEER. */
  private readonly serving = new Map<bigint, Serving>()
  private nextServeId = 0n
  private readonly scheme: RequestIdScheme | undefined
  private readonly log: Logger
  private readonly ttfbMs: number
  private readonly respMs: number

  constructor(
    readonly protocol: AnyProtocol,
    private readonly ids: ProtocolIdTable,
    private readonly env: SessionEnv,
  ) {
    checkServable(protocol)
    this.scheme = protocol.requestIds
    this.log = env.logger.child({ protocol: protocol.id })
    this.ttfbMs = env.ttfbMs ?? TTFB_TIMEOUT_MS
    this.respMs = env.respMs ?? RESP_TIMEOUT_MS
  }

  get closed(): boolean {
    return this.isClosed
  }

  /** Streams currently open (for tests and metrics). */
  get openStreams(): number {
    return this.streams.size
  }

  attach(receiver: ConnectionReceiver): void {
    if (this.receiver) throw new Error('BUG: receiver already attached')
    this.receiver = receiver
    const early = this.early
    this.early = []
    for (const [code, payload] of early) receiver.onMessage(code, payload)
    if (this.earlyClose) receiver.onClose(this.earlyClose)
  }

  send(code: number, payload: Uint8Array): void {
    if (this.isClosed) return
    const entry = this.protocol.table[code]
    if (!entry) throw new Error(`BUG: ${this.protocol.id} has no code ${code}`)
    if (entry.kind === 'response') {
      const { id, payload: body } = (this.scheme as RequestIdScheme).unwrap(payload)
      this.respond(id, ResultCode.Success, body)
      return
    }
    const pid = this.ids.idOf(code) as string
    let job: () => void
    if (entry.kind === 'message') job = () => void this.sendMessage(pid, payload)
    else {
      const { id, payload: body } = (this.scheme as RequestIdScheme).unwrap(payload)
      const timeoutMs = entry.spec.timeoutMs ?? this.protocol.requestTimeoutMs
      job = () => void this.sendRequest(pid, entry, id, body, timeoutMs)
    }
    if (this.outbound < MAX_OUTBOUND_STREAMS_PER_PEER) job()
    else if (this.queued.length < MAX_QUEUED_SENDS) this.queued.push(job)
    else this.env.count('outbound_overflow')
  }

  disconnect(reason: number): void {
    if (this.isClosed) return
    this.shutdown({ reason, remote: false })
    this.env.hangUp(reason)
  }

  /** The libp2p connection went away (or the node hung up for another session). */
  closeFromNode(info: CloseInfo): void {
    this.shutdown(info)
  }

  /** An inbound stream on one of this protocol's ids. */
  accept(stream: Stream, code: number): void {
    if (this.isClosed) {
      stream.abort(new SessionClosed('session closed'))
      return
    }
    if (this.inbound >= MAX_INBOUND_STREAMS_PER_PEER) {
      this.env.count('inbound_overflow')
      stream.abort(new Error('too many inbound streams'))
      return
    }
    const entry = this.protocol.table[code]
    if (!entry || entry.kind === 'response') throw new Error(`BUG: no inbound id for code ${code}`)
    this.inbound++
    this.streams.add(stream)
    void this.serveInbound(stream, code, entry)
  }

  // ---------- outbound ----------

  /**
   * A signal that aborts when the session closes or after `ms`; dispose of it when the exchange
   * is over (the session's `closing` lives as long as the connection: see `linkedSignal`).
   */
  private deadline(ms: number): { signal: AbortSignal; dispose(): void } {
    return linkedSignal(this.closing.signal, this.env.clock.timeoutSignal(ms))
  }

  private async open(pid: string, signal: AbortSignal): Promise<Stream> {
    const stream = await this.env.openStream(
      pid,
      anySignal(signal, this.env.clock.timeoutSignal(STREAM_OPEN_TIMEOUT_MS)),
    )
    if (this.isClosed) {
      stream.abort(new SessionClosed('session closed'))
      throw new SessionClosed('session closed')
    }
    this.streams.add(stream)
    return stream
  }

  private async write(stream: Stream, bytes: Uint8Array, signal: AbortSignal): Promise<void> {
    if (!stream.send(bytes)) await stream.onDrain({ signal })
    await stream.close({ signal })
  }

  private async sendMessage(pid: string, payload: Uint8Array): Promise<void> {
    this.outbound++
    const linked = this.deadline(this.respMs)
    const signal = linked.signal
    let stream: Stream | undefined
    try {
      stream = await this.open(pid, signal)
      await this.write(stream, encodeRequest(payload), signal)
      this.env.count('message_sent')
    } catch (e) {
      this.outboundFailed(stream, e, 'message_failed')
    } finally {
      linked.dispose()
      this.done(stream, 'out')
    }
  }

  private async sendRequest(
    pid: string,
    entry: TableEntry,
    id: bigint,
    body: Uint8Array,
    timeoutMs: number,
  ): Promise<void> {
    this.outbound++
    const linked = this.deadline(timeoutMs)
    const signal = linked.signal
    let stream: Stream | undefined
    try {
      stream = await this.open(pid, signal)
      await this.write(stream, encodeRequest(body), signal)
      const ttfb = anySignal(signal, this.env.clock.timeoutSignal(Math.min(this.ttfbMs, timeoutMs)))
      const chunk = await readResponse(new ByteReader(stream), limitOf(this.protocol, entry, true), signal, ttfb)
      if (chunk.result !== ResultCode.Success) {
        this.env.count('request_error_response')
        this.log.debug('error response', { result: chunk.result, message: Buffer.from(chunk.payload).toString() })
        return
      }
      this.env.count('request_ok')
      if (entry.kind !== 'request') throw new Error('BUG: not a request')
      this.deliver(entry.spec.response.code, (this.scheme as RequestIdScheme).wrap(id, chunk.payload))
    } catch (e) {
      this.outboundFailed(stream, e, 'request_failed')
    } finally {
      linked.dispose()
      this.done(stream, 'out')
    }
  }

  private outboundFailed(stream: Stream | undefined, e: unknown, event: StreamEvent): void {
    if (this.isClosed) return
    if (e instanceof StreamWireError && e.code !== 'EOF') {
      this.breach(stream, e)
      return
    }
    const unsupported = e instanceof Error && e.name === 'UnsupportedProtocolError'
    this.env.count(unsupported ? 'unsupported' : event)
    this.log.debug('outbound stream failed', { error: e })
    stream?.abort(e instanceof Error ? e : new Error(String(e)))
    // A peer in session for this protocol that refuses one of its message ids cannot run it.
    if (unsupported && event === 'message_failed') this.disconnect(DisconnectReason.UselessPeer)
  }

  // ---------- inbound ----------

  private async serveInbound(stream: Stream, code: number, entry: TableEntry): Promise<void> {
    let handedOver = false
    const linked = this.deadline(this.respMs)
    const signal = linked.signal
    try {
      const reader = new ByteReader(stream)
      const first = anySignal(signal, this.env.clock.timeoutSignal(this.ttfbMs))
      const payload = await readRequest(
        new FirstByteSource(reader, first, signal),
        limitOf(this.protocol, entry, false),
      )
      if (this.isClosed) return
      if (entry.kind === 'message') {
        this.deliver(code, payload)
        await stream.close({ signal })
        return
      }
      const id = this.nextServeId++
      const timer = this.env.clock.setTimer(this.respMs, () => {
        this.env.count('serve_timeout')
        this.respond(id, ResultCode.ServerError, new TextEncoder().encode('no response in time'))
      })
      this.serving.set(id, { stream, timer })
      handedOver = true
      this.deliver(code, (this.scheme as RequestIdScheme).wrap(id, payload))
    } catch (e) {
      if (this.isClosed) return
      if (e instanceof StreamWireError && e.code !== 'EOF') {
        this.breach(stream, e)
        return
      }
      this.env.count(signal.aborted ? 'inbound_timeout' : 'inbound_failed')
      stream.abort(e instanceof Error ? e : new Error(String(e)))
    } finally {
      linked.dispose()
      if (!handedOver) this.done(stream, 'in')
    }
  }

  private respond(id: bigint, result: ResultCodeValue, body: Uint8Array): void {
    const s = this.serving.get(id)
    if (!s) {
      this.env.count('served_late')
      return
    }
    this.serving.delete(id)
    s.timer.cancel()
    const linked = this.deadline(this.respMs)
    this.write(s.stream, encodeResponse(result, body), linked.signal)
      .then(() => {
        if (result === ResultCode.Success) this.env.count('served')
      })
      .catch((e: unknown) => {
        this.env.count('inbound_failed')
        s.stream.abort(e instanceof Error ? e : new Error(String(e)))
      })
      .finally(() => {
        linked.dispose()
        this.done(s.stream, 'in')
      })
  }

  // ---------- delivery, faults, close ----------

  private deliver(code: number, payload: Uint8Array): void {
    if (this.isClosed) return
    if (this.receiver) this.receiver.onMessage(code, payload)
    else if (this.early.length >= MAX_EARLY_DELIVERIES) this.disconnect(DisconnectReason.BreachOfProtocol)
    else this.early.push([code, payload])
  }

  private breach(stream: Stream | undefined, e: StreamWireError): void {
    this.env.count('breach')
    this.log.debug('peer broke the stream protocol', { error: e.message })
    stream?.abort(e)
    this.disconnect(DisconnectReason.BreachOfProtocol)
  }

  private done(stream: Stream | undefined, dir: 'in' | 'out'): void {
    if (stream) this.streams.delete(stream)
    if (dir === 'in') this.inbound--
    else {
      this.outbound--
      const next = this.queued.shift()
      if (next && !this.isClosed) next()
    }
  }

  private shutdown(info: CloseInfo): void {
    if (this.isClosed) return
    this.isClosed = true
    this.closing.abort(new SessionClosed('session closed'))
    for (const s of this.serving.values()) s.timer.cancel()
    this.serving.clear()
    for (const s of this.streams) s.abort(new SessionClosed('session closed'))
    this.streams.clear()
    this.early = []
    this.queued = []
    const receiver = this.receiver
    if (receiver) queueMicrotask(() => receiver.onClose(info))
    else this.earlyClose = info
  }
}

/** Reads through `reader`, the first byte under `first` (TTFB), the rest under `rest`. */
class FirstByteSource implements ByteSource {
  private started = false
  constructor(
    private readonly reader: ByteReader,
    private readonly first: AbortSignal,
    private readonly rest: AbortSignal,
  ) {}

  read(n: number): Promise<Uint8Array> {
    const signal = this.started ? this.rest : this.first
    this.started = true
    return this.reader.read(n, signal)
  }
}

/**
 * An authenticated RLPx connection after the Hello exchange (layer 4: owns the TCP socket).
 *
 * It turns socket bytes into messages (frame MACs, decryption, snappy with a size cap), answers
 * Pings, pings the peer, enforces the read/write deadlines, and hands sub-protocol messages to
 * one consumer: an async iterator ({@link RlpxConnection.messages}) or a handler
 * ({@link RlpxConnection.onMessage}). Reading pauses while the consumer is behind; `send` waits
 * while the socket is draining. Created by `dial`, `acceptSocket` and `RlpxListener`.
 * Spec: devp2p rlpx.md (framing, p2p capability).
 * @module
 */
import type { Socket } from 'node:net'
import { nodeIdFromPublicKey } from '../crypto/nodeid.js'
import type { Timer } from '../util/clock.js'
import type { Logger } from '../util/logger.js'
import { capabilityForCode, type SharedCapability } from './caps.js'
import { MAX_PENDING_PINGS, MAX_WAITING_SENDS, type ResolvedOptions } from './config.js'
import { type DisconnectReason, disconnectReasonName, DisconnectReason as Reason } from './disconnect.js'
import { type ClosedBy, RlpxError } from './errors.js'
import type { FrameReader, FrameWriter } from './frame/frame.js'
import { decodePayload, encodeMessageId, readDisconnect, splitFrame } from './message.js'
import type { RlpxMetrics } from './metrics.js'
import {
  BASE_PROTOCOL_LENGTH,
  EMPTY_LIST,
  encodeDisconnect,
  type Hello,
  MAX_BASE_MESSAGE_SIZE,
  P2pMessage,
} from './p2p.js'
import { snappyCompress } from './snappy.js'

/** How a connection ended. */
export interface CloseInfo {
  /** The reason sent (by `local`), received (by `remote`), or NetworkError/Timeout for the transport. */
  reason: DisconnectReason
  /** Who ended it: we (and we sent Disconnect when we could), the peer by Disconnect, or the socket. */
  by: ClosedBy
  /** What went wrong, for local protocol breaches and socket errors. */
  error?: Error
}

/** A sub-protocol message received. */
export interface RlpxMessage {
  /** Message id on the wire (≥ 0x10). */
  code: number
  /** The capability owning the id. */
  capability: SharedCapability
  /** Id relative to the capability (`code - capability.offset`). */
  id: number
  /** Decompressed payload (RLP of the message body). */
  payload: Uint8Array
}

/** What the handshake hands over to a connection. @internal */
export interface ConnectionInit {
  socket: Socket
  direction: 'inbound' | 'outbound'
  remotePublicKey: Uint8Array
  localHello: Hello
  remoteHello: Hello
  capabilities: SharedCapability[]
  snappy: boolean
  writer: FrameWriter
  reader: FrameReader
  options: ResolvedOptions
  metrics: RlpxMetrics
  logger: Logger
}

interface PendingPing {
  sentAt: number
  resolve: (rttMs: number) => void
  reject: (e: Error) => void
}

/** An established RLPx connection. See the module comment. */
export class RlpxConnection {
  /** Who dialled: `outbound` when we did. */
  readonly direction: 'inbound' | 'outbound'
  /** The peer's 64-byte public key, proven by the handshake and equal to its Hello id. */
  readonly remotePublicKey: Uint8Array
  /** keccak256 of the public key (the node id of discovery and ENR). */
  readonly remoteNodeId: Uint8Array
  readonly remoteHello: Hello
  readonly localHello: Hello
  /** Capabilities both sides run, with their message-id offsets. */
  readonly capabilities: readonly SharedCapability[]
  /** Whether payloads are snappy-compressed (both Hellos announce version ≥ 5). */
  readonly snappy: boolean
  readonly remoteAddress: string
  readonly remotePort: number
  /** Resolves once the socket is gone and every timer is cancelled. Never rejects. */
  readonly closed: Promise<CloseInfo>

  private readonly socket: Socket
  private readonly writer: FrameWriter
  private readonly reader: FrameReader
  private readonly o: ResolvedOptions
  private readonly metrics: RlpxMetrics
  private readonly log: Logger
  private state: 'open' | 'closing' | 'closed' = 'open'
  private info?: CloseInfo
  private resolveClosed!: (i: CloseInfo) => void
  private socketError?: Error

  /** BOUNDED: the socket pauses at options.inbox (default INBOX_MAX_MESSAGES / INBOX_MAX_BYTES); frames of one chunk may overshoot. */
  private inbox: (RlpxMessage | undefined)[] = []
  private inboxHead = 0
  private inboxBytes = 0
  private paused = false
  private waiter?: (r: IteratorResult<RlpxMessage>) => void
  private handler?: (m: RlpxMessage) => void

  private needDrain = false
  private drain?: { promise: Promise<void>; resolve: () => void }
  /** Sends waiting for their turn. BOUNDED: MAX_WAITING_SENDS. */
  private queued = 0
  private sendChain: Promise<void> = Promise.resolve()
  private corked = false
  /** BOUNDED: MAX_PENDING_PINGS. */
  private pings: PendingPing[] = []

  private lastReadAt: number
  private idleTimer?: Timer
  private pingTimer?: Timer
  private pongTimer?: Timer
  private writeTimer?: Timer
  private closeTimer?: Timer
  private inBytes = 0
  private inMsgs = 0
  private outBytes = 0
  private outMsgs = 0

  /** @internal Use dial, acceptSocket or RlpxListener. */
  constructor(init: ConnectionInit) {
    this.direction = init.direction
    this.remotePublicKey = init.remotePublicKey
    this.remoteNodeId = nodeIdFromPublicKey(init.remotePublicKey)
    this.remoteHello = init.remoteHello
    this.localHello = init.localHello
    this.capabilities = init.capabilities
    this.snappy = init.snappy
    this.socket = init.socket
    this.remoteAddress = init.socket.remoteAddress ?? ''
    this.remotePort = init.socket.remotePort ?? 0
    this.writer = init.writer
    this.reader = init.reader
    this.o = init.options
    this.metrics = init.metrics
    this.log = init.logger
    this.lastReadAt = this.o.clock.now()
    this.closed = new Promise((r) => {
      this.resolveClosed = r
    })
  }

  /** @internal Attach to the socket and start the timers (called once by the handshake). */
  start(): void {
    const s = this.socket
    s.on('data', (c: Buffer) => this.onData(c))
    s.on('drain', () => this.onDrain())
    s.on('error', (e: Error) => {
      this.socketError ??= e
    })
    s.on('end', () => this.shutdown({ reason: Reason.NetworkError, by: 'transport', error: this.eof() }, false))
    s.on('close', () => this.onClose())
    const t = this.o.timeouts
    this.idleTimer = this.o.clock.setTimer(t.readIdleMs, () => this.onIdleTimer())
    this.pingTimer = this.o.clock.setTimer(t.pingIntervalMs, () => this.onPingTimer())
    this.pump()
    this.flushIn()
  }

  /** Whether the connection still accepts sends. */
  get isOpen(): boolean {
    return this.state === 'open'
  }

  /** The close information once the connection is closing or closed. */
  get closeInfo(): CloseInfo | undefined {
    return this.info
  }

  /** The shared capability called `name`, if negotiated. */
  capability(name: string): SharedCapability | undefined {
    return this.capabilities.find((c) => c.name === name)
  }

  /**
   * Send a sub-protocol message. `code` is the id on the wire (`capability.offset + id`). Resolves
   * once the socket accepted the frame; waits first while the socket is draining (backpressure).
   * Throws {@link RlpxError} CLOSED, BAD_CODE, TOO_LARGE, SEND_QUEUE_FULL or ABORTED.
   */
  async send(code: number, payload: Uint8Array, opts: { signal?: AbortSignal } = {}): Promise<void> {
    if (!Number.isInteger(code) || !capabilityForCode(this.capabilities, code))
      throw new RlpxError('BAD_CODE', `message id ${code} is not in a negotiated capability`)
    if (payload.length > this.o.maxMessageSize)
      throw new RlpxError('TOO_LARGE', `${payload.length} bytes, cap ${this.o.maxMessageSize}`)
    if (this.queued === 0 && !this.needDrain) {
      if (this.state !== 'open') throw this.closedError()
      this.writeMessage(code, payload)
      return
    }
    // Behind a full socket or earlier sends: queue in call order (bounded).
    if (this.queued >= MAX_WAITING_SENDS) throw new RlpxError('SEND_QUEUE_FULL')
    const turn = this.sendChain.then(async () => {
      while (this.needDrain && this.state === 'open') await this.waitDrain(opts.signal)
      if (this.state !== 'open') throw this.closedError()
      this.writeMessage(code, payload)
    })
    this.sendChain = turn.catch(() => {})
    this.queued++
    try {
      await turn
    } finally {
      this.queued--
    }
  }

  /** Send a Ping and resolve with the round-trip time in ms when a Pong arrives. */
  ping(opts: { signal?: AbortSignal } = {}): Promise<number> {
    if (this.state !== 'open') return Promise.reject(this.closedError())
    if (this.pings.length >= MAX_PENDING_PINGS)
      return Promise.reject(new RlpxError('SEND_QUEUE_FULL', 'too many pings'))
    return new Promise((resolve, reject) => {
      const p: PendingPing = { sentAt: this.o.clock.now(), resolve, reject }
      this.pings.push(p)
      const signal = opts.signal
      if (signal) {
        const onAbort = () => {
          this.pings = this.pings.filter((x) => x !== p)
          reject(new RlpxError('ABORTED', 'ping aborted'))
        }
        if (signal.aborted) return onAbort()
        signal.addEventListener('abort', onAbort, { once: true })
        const done = () => signal.removeEventListener('abort', onAbort)
        p.resolve = (v) => {
          done()
          resolve(v)
        }
        p.reject = (e) => {
          done()
          reject(e)
        }
      }
      this.sendBase(P2pMessage.Ping)
      this.armPongTimer()
    })
  }

  /**
   * Send Disconnect with `reason`, then close: the socket is destroyed once the peer closes or
   * after the disconnect wait (~1 s). Resolves with the close information.
   */
  disconnect(reason: DisconnectReason = Reason.DisconnectRequested): Promise<CloseInfo> {
    this.shutdown({ reason, by: 'local' }, true)
    return this.closed
  }

  /**
   * The received sub-protocol messages, in order, for one consumer. The socket is paused while
   * `options.inbox` messages or bytes wait (default 256 messages, 32 MiB). Ends after the connection closes
   * and the queued messages are read.
   */
  messages(): AsyncIterableIterator<RlpxMessage> {
    const it: AsyncIterableIterator<RlpxMessage> = {
      next: () => this.nextMessage(),
      return: async () => ({ done: true, value: undefined }),
      [Symbol.asyncIterator]: () => it,
    }
    return it
  }

  /**
   * Deliver messages to `handler` synchronously instead of queueing them (queued ones first).
   * A handler that throws ends the connection with SubprotocolError.
   */
  onMessage(handler: (m: RlpxMessage) => void): void {
    this.handler = handler
    while (this.inboxHead < this.inbox.length) this.deliver(this.shiftInbox() as RlpxMessage)
    this.maybeResume()
  }

  // ---------- inbound ----------

  private onData(chunk: Buffer): void {
    this.lastReadAt = this.o.clock.now()
    this.inBytes += chunk.length
    if (this.state === 'open') {
      this.reader.push(chunk)
      this.pump()
    }
    this.flushIn()
  }

  private pump() {
    while (this.state === 'open' && !this.paused) {
      const r = this.reader.next()
      if (!r.ok) return this.breach(r.error)
      if (r.value === undefined) return
      this.onFrame(r.value)
    }
  }

  private onFrame(data: Uint8Array) {
    const s = splitFrame(data)
    if (!s.ok) return this.breach(s.error)
    const { code, payload } = s.value
    this.inMsgs++
    if (code === P2pMessage.Disconnect) {
      const reason = readDisconnect(payload, this.snappy)
      return this.shutdown({ reason, by: 'remote' }, false)
    }
    if (code < BASE_PROTOCOL_LENGTH) {
      const p = decodePayload(payload, this.snappy, MAX_BASE_MESSAGE_SIZE)
      if (!p.ok) return this.breach(p.error)
      if (code === P2pMessage.Hello) return this.breach(new Error('second Hello'))
      if (code === P2pMessage.Ping) this.sendBase(P2pMessage.Pong)
      else if (code === P2pMessage.Pong) this.onPong()
      // Other ids below 0x10 are reserved: ignored, as go-ethereum does.
      return
    }
    const cap = capabilityForCode(this.capabilities, code)
    if (!cap) return this.breach(new Error(`unknown message id 0x${code.toString(16)}`))
    const p = decodePayload(payload, this.snappy, this.o.maxMessageSize)
    if (!p.ok) return this.breach(p.error)
    this.deliver({ code, capability: cap, id: code - cap.offset, payload: p.value })
  }

  private deliver(m: RlpxMessage): void {
    if (this.handler) {
      try {
        this.handler(m)
      } catch (e) {
        this.log.debug('rlpx message handler threw', { error: e })
        this.shutdown({ reason: Reason.SubprotocolError, by: 'local', error: e as Error }, true)
      }
      return
    }
    if (this.waiter) {
      const w = this.waiter
      this.waiter = undefined
      w({ value: m, done: false })
      return
    }
    this.inbox.push(m)
    this.inboxBytes += m.payload.length
    const max = this.o.inbox
    if (this.inbox.length - this.inboxHead >= max.maxMessages || this.inboxBytes >= max.maxBytes) {
      this.paused = true
      this.socket.pause()
    }
  }

  private shiftInbox(): RlpxMessage | undefined {
    if (this.inboxHead >= this.inbox.length) return undefined
    const m = this.inbox[this.inboxHead] as RlpxMessage
    this.inbox[this.inboxHead++] = undefined
    if (this.inboxHead === this.inbox.length) {
      this.inbox = []
      this.inboxHead = 0
    }
    this.inboxBytes -= m.payload.length
    return m
  }

  private nextMessage(): Promise<IteratorResult<RlpxMessage>> {
    const m = this.shiftInbox()
    if (m) {
      this.maybeResume()
      return Promise.resolve({ value: m, done: false })
    }
    if (this.state !== 'open') return Promise.resolve({ value: undefined, done: true })
    if (this.waiter) return Promise.reject(new Error('RlpxConnection.messages() has one consumer at a time'))
    return new Promise((resolve) => {
      this.waiter = resolve
    })
  }

  private maybeResume(): void {
    const queued = this.inbox.length - this.inboxHead
    const max = this.o.inbox
    if (!this.paused || queued > max.maxMessages / 2 || this.inboxBytes > max.maxBytes / 2) return
    this.paused = false
    if (this.state === 'open') {
      this.socket.resume()
      this.pump()
    }
  }

  // ---------- outbound ----------

  private writeMessage(code: number, payload: Uint8Array): void {
    const body = this.snappy ? snappyCompress(payload) : payload
    this.writeRaw(this.writer.writePieces(encodeMessageId(code), body))
  }

  private sendBase(code: number): void {
    this.writeMessage(code, EMPTY_LIST)
  }

  /** Write one frame (given in pieces); a full socket starts the write deadline. */
  private writeRaw(frame: Uint8Array[]): void {
    if (!this.corked) {
      // Frames written in one tick go out in one writev.
      this.corked = true
      this.socket.cork()
      process.nextTick(() => {
        this.corked = false
        this.socket.uncork()
        this.flushOut()
      })
    }
    this.outMsgs++
    let full = false
    for (const piece of frame) {
      this.outBytes += piece.length
      if (!this.socket.write(piece)) full = true
    }
    if (full && !this.needDrain) {
      this.needDrain = true
      this.writeTimer = this.o.clock.setTimer(this.o.timeouts.writeMs, () => {
        this.shutdown({ reason: Reason.NetworkError, by: 'local', error: new Error('write deadline exceeded') }, false)
      })
    }
  }

  private waitDrain(signal?: AbortSignal): Promise<void> {
    if (!this.drain) {
      let resolve!: () => void
      const promise = new Promise<void>((r) => {
        resolve = r
      })
      this.drain = { promise, resolve }
    }
    const p = this.drain.promise
    if (!signal) return p
    if (signal.aborted) return Promise.reject(new RlpxError('ABORTED', 'send aborted'))
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new RlpxError('ABORTED', 'send aborted'))
      signal.addEventListener('abort', onAbort, { once: true })
      p.then(() => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      })
    })
  }

  private onDrain(): void {
    this.needDrain = false
    this.writeTimer?.cancel()
    this.writeTimer = undefined
    const d = this.drain
    this.drain = undefined
    d?.resolve()
  }

  // ---------- timers ----------

  private onIdleTimer(): void {
    if (this.state !== 'open') return
    const limit = this.o.timeouts.readIdleMs
    const idle = this.o.clock.now() - this.lastReadAt
    if (!this.paused && idle >= limit) {
      this.shutdown({ reason: Reason.Timeout, by: 'local', error: new Error(`no data for ${idle} ms`) }, true)
      return
    }
    this.idleTimer = this.o.clock.setTimer(this.paused ? limit : limit - idle, () => this.onIdleTimer())
  }

  private onPingTimer(): void {
    if (this.state !== 'open') return
    this.sendBase(P2pMessage.Ping)
    this.armPongTimer()
    this.pingTimer = this.o.clock.setTimer(this.o.timeouts.pingIntervalMs, () => this.onPingTimer())
  }

  private armPongTimer(): void {
    if (this.pongTimer) return
    this.pongTimer = this.o.clock.setTimer(this.o.timeouts.pongTimeoutMs, () => {
      this.pongTimer = undefined
      if (this.state !== 'open') return
      // While we are not reading (consumer behind) the Pong may be waiting in the socket.
      if (this.paused) return this.armPongTimer()
      this.shutdown({ reason: Reason.Timeout, by: 'local', error: new Error('no Pong') }, true)
    })
  }

  private onPong(): void {
    this.pongTimer?.cancel()
    this.pongTimer = undefined
    const now = this.o.clock.now()
    const pings = this.pings
    this.pings = []
    for (const p of pings) p.resolve(now - p.sentAt)
  }

  // ---------- closing ----------

  private breach(e: Error): void {
    this.log.debug('rlpx breach of protocol', { peer: this.remoteAddress, error: e.message })
    this.shutdown({ reason: Reason.BreachOfProtocol, by: 'local', error: e }, true)
  }

  private eof(): Error {
    return this.socketError ?? new Error('connection closed by peer')
  }

  private closedError(): RlpxError {
    const i = this.info
    return new RlpxError('CLOSED', 'connection is closed', i?.reason, i?.by)
  }

  /** Move to `closing` once: count, log, stop timers, fail waiters, send Disconnect if asked. */
  private shutdown(info: CloseInfo, sendDisconnect: boolean): void {
    if (this.state !== 'open') return
    this.state = 'closing'
    this.info = info
    this.metrics.disconnect(info.reason, info.by)
    this.log.debug('rlpx connection closing', {
      peer: this.remoteAddress,
      reason: disconnectReasonName(info.reason),
      by: info.by,
      error: info.error?.message,
    })
    for (const t of [this.idleTimer, this.pingTimer, this.pongTimer, this.writeTimer]) t?.cancel()
    const err = this.closedError()
    for (const p of this.pings) p.reject(err)
    this.pings = []
    this.drain?.resolve()
    if (this.waiter && this.inboxHead >= this.inbox.length) {
      const w = this.waiter
      this.waiter = undefined
      w({ value: undefined, done: true })
    }
    if (sendDisconnect && !this.socket.destroyed && this.socket.writable) {
      this.writeMessage(P2pMessage.Disconnect, encodeDisconnect(info.reason))
      this.socket.end()
      this.socket.resume()
      this.closeTimer = this.o.clock.setTimer(this.o.timeouts.disconnectWaitMs, () => this.socket.destroy())
    } else {
      this.socket.destroy()
    }
  }

  private onClose(): void {
    this.shutdown({ reason: Reason.NetworkError, by: 'transport', error: this.eof() }, false)
    this.state = 'closed'
    this.closeTimer?.cancel()
    this.flushIn()
    this.flushOut()
    this.resolveClosed(this.info as CloseInfo)
  }

  private flushIn(): void {
    this.metrics.traffic('in', this.inBytes, this.inMsgs)
    this.inBytes = 0
    this.inMsgs = 0
  }

  private flushOut(): void {
    this.metrics.traffic('out', this.outBytes, this.outMsgs)
    this.outBytes = 0
    this.outMsgs = 0
  }
}

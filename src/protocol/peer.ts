/**
 * The Peer API: one protocol spoken with one remote peer over a {@link ProtocolConnection}.
 *
 * send / request / handle / next, a handshake that runs before any handler sees the peer,
 * request-id or FIFO response matching, timeouts on the injected clock (one deadline queue, one
 * timer), bounded in-flight and serving queues, and a defined outcome for every bad input:
 *
 * | input                                   | outcome                                  |
 * | --------------------------------------- | ---------------------------------------- |
 * | code not in the table / over `length`   | disconnect BreachOfProtocol              |
 * | message over the size limit             | disconnect BreachOfProtocol (not decoded)|
 * | payload its codec refuses               | disconnect BreachOfProtocol              |
 * | handshake-only message after handshake  | disconnect BreachOfProtocol              |
 * | late / duplicate / unsolicited response | drop and count                           |
 * | message or request nobody handles       | drop and count                           |
 * | request while the serve queue is full   | drop and count                           |
 * | handshake failure / deadline            | disconnect SubprotocolError or chosen    |
 * @module
 */

import type { Clock } from '../util/clock.js'
import type { Logger } from '../util/logger.js'
import { silentLogger } from '../util/logger.js'
import { CodecError } from './codec.js'
import type { CloseInfo, ProtocolConnection } from './connection.js'
import {
  type AnyProtocol,
  type HandshakeOf,
  MAX_PEER_LIMIT,
  type MessageSpec,
  type NodeStateOf,
  type PeerLimits,
  type PeerStateOf,
  type RequestSpec,
  type TableEntry,
} from './define.js'
import {
  AbortedError,
  DisconnectError,
  DisconnectedError,
  DisconnectReason,
  InFlightLimitError,
  PeerError,
} from './errors.js'
import { HandshakeRun } from './handshake.js'
import { type DropReason, type FaultReason, noopCounters, type ProtocolCounters } from './metrics.js'
import { OutboundRequests } from './outbound.js'
import { DeadlineTimer, type Expirable } from './scheduler.js'

/** Messages kept while the handshake runs (or before `start()`); more is a breach of protocol. */
export const MAX_EARLY_MESSAGES = 64
/** Pending `next()` calls per peer. */
export const MAX_WAITERS = 64

/** Options for one peer (usually filled in by ProtocolHost). */
export interface PeerOptions<NS> {
  clock: Clock
  nodeState: NS
  counters?: ProtocolCounters
  logger?: Logger
  limits?: Partial<PeerLimits>
  /** Called once after the peer closed (the host uses it to forget the peer). */
  onClosed?: (info: CloseInfo) => void
}

/** Options of {@link ProtocolPeer.request}. */
export interface RequestOptions {
  /** Overrides the request's default timeout. */
  timeoutMs?: number
  signal?: AbortSignal
}

/** Options of {@link ProtocolPeer.next}. */
export interface NextOptions {
  signal?: AbortSignal
  timeoutMs?: number
}

interface Waiter extends Expirable {
  readonly code: number
  settle(ok: boolean, value: unknown): void
}

type Handler = (value: unknown, peer: never) => unknown
type Phase = 'new' | 'handshake' | 'ready' | 'closed'

function clampLimit(v: number): number {
  return Math.max(1, Math.min(MAX_PEER_LIMIT, Math.floor(v)))
}

/** One protocol with one peer. Create with `ProtocolHost.attach` (or directly), then `start()`. */
export class ProtocolPeer<P extends AnyProtocol> {
  /** Per-peer state from the protocol's `peerState` factory. */
  readonly state: PeerStateOf<P>
  readonly nodeState: NodeStateOf<P>
  /** Resolves when the connection has closed. */
  readonly closed: Promise<CloseInfo>
  /** Inbound messages dropped (not disconnected for), by reason. */
  readonly dropped: Record<DropReason, number> = {
    late: 0,
    duplicate: 0,
    unsolicited: 0,
    mismatched: 0,
    unhandled: 0,
    serve_overflow: 0,
  }

  private phase: Phase = 'new'
  private closeInfo: CloseInfo | undefined
  private resolveClosed!: (info: CloseInfo) => void
  private hsResult: HandshakeOf<P> | undefined
  private readonly clock: Clock
  private readonly counters: ProtocolCounters
  private readonly log: Logger
  private readonly limits: PeerLimits
  private readonly fifo: boolean
  private readonly exclusive: ReadonlySet<number>
  private readonly onClosed: ((info: CloseInfo) => void) | undefined

  /** BOUNDED: MAX_EARLY_MESSAGES, then disconnect. */
  private early: [number, Uint8Array][] = []
  private hsRun: HandshakeRun<unknown, unknown, unknown> | undefined
  /** BOUNDED: one per message/request spec of the protocol. */
  private readonly handlers = new Map<number, Handler>()
  /** BOUNDED: MAX_WAITERS in total. */
  private readonly waiters = new Set<Waiter>()
  private readonly outbound: OutboundRequests
  private readonly timer: DeadlineTimer
  private serving = 0
  /** BOUNDED: limits.maxServeQueue, then dropped. */
  private serveQueue: (() => void)[] = []

  constructor(
    readonly protocol: P,
    private readonly conn: ProtocolConnection,
    opts: PeerOptions<NodeStateOf<P>>,
  ) {
    this.clock = opts.clock
    this.counters = opts.counters ?? noopCounters
    this.log = (opts.logger ?? silentLogger).child({ protocol: protocol.id })
    this.onClosed = opts.onClosed
    const merged = { ...protocol.limits, ...opts.limits } as PeerLimits
    this.fifo = protocol.requestIds === undefined
    this.limits = {
      maxInFlight: clampLimit(merged.maxInFlight),
      maxServing: this.fifo ? 1 : clampLimit(merged.maxServing),
      maxServeQueue: clampLimit(merged.maxServeQueue),
    }
    this.timer = new DeadlineTimer(this.clock)
    this.outbound = new OutboundRequests(this.fifo, this.timer, (outcome) =>
      this.counters.requests.inc({ protocol: protocol.id, outcome }),
    )
    this.exclusive = new Set((protocol.handshake?.exclusive ?? []).map((s) => s.code))
    this.nodeState = opts.nodeState
    this.state = protocol.createPeerState(opts.nodeState) as PeerStateOf<P>
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve
    })
    conn.attach({ onMessage: (code, payload) => this.onMessage(code, payload), onClose: (i) => this.handleClose(i) })
  }

  /** The handshake result. Throws PeerError NOT_READY before the handshake completed. */
  get handshake(): HandshakeOf<P> {
    if (this.phase !== 'ready' && !(this.phase === 'closed' && this.hsResult !== undefined))
      throw new PeerError('NOT_READY', `${this.protocol.id}: handshake not complete`)
    return this.hsResult as HandshakeOf<P>
  }

  /** True between a successful handshake and the close. */
  get ready(): boolean {
    return this.phase === 'ready'
  }

  /** How the connection closed, once it has. */
  get closeReason(): CloseInfo | undefined {
    return this.closeInfo
  }

  /** Own requests currently in flight (FIFO: including slots owed to expired requests). */
  get inFlight(): number {
    return this.outbound.size
  }

  /**
   * Run the handshake (if the protocol has one), then deliver every message that arrived
   * meanwhile. Register handlers before calling this. Rejects with HandshakeError (the peer has
   * been disconnected with its reason), DisconnectedError or AbortedError.
   */
  async start(opts: { signal?: AbortSignal } = {}): Promise<HandshakeOf<P>> {
    if (this.closeInfo) throw new DisconnectedError(this.closeInfo.reason, this.closeInfo.remote)
    if (this.phase !== 'new') throw new Error(`BUG: ${this.protocol.id} peer started twice`)
    const hs = this.protocol.handshake
    if (!hs) {
      this.becomeReady(undefined as HandshakeOf<P>)
      return this.hsResult as HandshakeOf<P>
    }
    this.phase = 'handshake'
    const run = new HandshakeRun<unknown, unknown, unknown>(hs, {
      timer: this.timer,
      state: this.state,
      nodeState: this.nodeState,
      send: (spec, value) => this.sendMessage(spec, value, true),
      takeEarly: () => this.early.shift(),
      closeInfo: () => this.closeInfo,
      fault: (kind, reason, detail) => this.fault(kind, reason, detail),
      disconnect: (reason) => this.disconnect(reason),
    })
    this.hsRun = run
    try {
      const result = (await run.run(opts.signal)) as HandshakeOf<P>
      this.becomeReady(result)
      return result
    } finally {
      this.hsRun = undefined
    }
  }

  /** Register the handler for a message (replacing any earlier one). */
  handle<T>(spec: MessageSpec<T>, fn: (value: T, peer: this) => void | Promise<void>): this
  /** Register the handler for a request; its return value is sent as the response. */
  handle<Q, S>(spec: RequestSpec<Q, S>, fn: (value: Q, peer: this) => S | Promise<S>): this
  handle(spec: MessageSpec<unknown> | RequestSpec<unknown, unknown>, fn: Handler): this {
    this.entryFor(spec)
    this.handlers.set(spec.code, fn)
    return this
  }

  /** Send a one-way message. Throws DisconnectedError once closed, PeerError NOT_READY before the handshake. */
  send<T>(spec: MessageSpec<T>, value: T): void {
    this.sendMessage(spec, value, false)
  }

  /**
   * Send a request and resolve with its typed response. Rejects with TimeoutError,
   * DisconnectedError, AbortedError, InFlightLimitError, or PeerError NOT_READY.
   */
  request<Q, S>(spec: RequestSpec<Q, S>, value: Q, opts: RequestOptions = {}): Promise<S> {
    try {
      return this.startRequest(spec, value, opts)
    } catch (e) {
      return Promise.reject(e)
    }
  }

  /** Resolve with the next `spec` message to arrive (handlers still see it too). */
  next<T>(spec: MessageSpec<T>, opts: NextOptions = {}): Promise<T> {
    this.entryFor(spec)
    if (this.closeInfo) return Promise.reject(new DisconnectedError(this.closeInfo.reason, this.closeInfo.remote))
    if (opts.signal?.aborted) return Promise.reject(new AbortedError(opts.signal.reason))
    if (this.waiters.size >= MAX_WAITERS) return Promise.reject(new InFlightLimitError(MAX_WAITERS))
    return new Promise<T>((resolve, reject) => {
      const signal = opts.signal
      const onAbort = () => w.settle(false, new AbortedError(signal?.reason))
      const w: Waiter = {
        code: spec.code,
        settle: (ok, v) => {
          if (!this.waiters.delete(w)) return
          this.timer.cancel(w)
          signal?.removeEventListener('abort', onAbort)
          if (ok) resolve(v as T)
          else reject(v)
        },
        expire: () =>
          w.settle(false, new PeerError('TIMEOUT', `${spec.name}: not received within ${opts.timeoutMs} ms`)),
      }
      this.waiters.add(w)
      signal?.addEventListener('abort', onAbort, { once: true })
      if (opts.timeoutMs !== undefined) this.timer.schedule(w, opts.timeoutMs)
    })
  }

  /** Disconnect with `reason` (default: requested). Pending requests reject with DisconnectedError. */
  disconnect(reason: number = DisconnectReason.Requested): void {
    if (this.closeInfo) return
    this.conn.disconnect(reason)
    this.handleClose({ reason, remote: false })
  }

  // ---------- outbound ----------

  private entryFor(spec: MessageSpec<unknown> | RequestSpec<unknown, unknown>): TableEntry {
    const e = this.protocol.table[spec.code]
    // Same code, kind and codec object: the spec itself or the pre-define value it was made from.
    if (!e || e.kind !== spec.kind || e.spec.code !== spec.code || e.spec.codec !== spec.codec)
      throw new TypeError(`BUG: ${spec.name || spec.code} is not a ${spec.kind} of ${this.protocol.id}`)
    return e
  }

  private checkOpen(handshake: boolean): void {
    if (this.closeInfo) throw new DisconnectedError(this.closeInfo.reason, this.closeInfo.remote)
    if (this.phase !== 'ready' && !(handshake && this.phase === 'handshake'))
      throw new PeerError('NOT_READY', `${this.protocol.id}: handshake not complete`)
  }

  private encodeChecked(what: string, encode: () => Uint8Array): Uint8Array {
    const bytes = encode()
    if (bytes.length > this.protocol.maxMessageSize)
      throw new RangeError(`${what}: ${bytes.length} bytes over the ${this.protocol.id} limit`)
    return bytes
  }

  private sendMessage<T>(spec: MessageSpec<T>, value: T, handshake: boolean): void {
    this.entryFor(spec as MessageSpec<unknown>)
    this.checkOpen(handshake)
    this.conn.send(
      spec.code,
      this.encodeChecked(spec.name, () => spec.codec.encode(value)),
    )
  }

  private startRequest<Q, S>(spec: RequestSpec<Q, S>, value: Q, opts: RequestOptions): Promise<S> {
    this.entryFor(spec as RequestSpec<unknown, unknown>)
    this.checkOpen(false)
    if (this.outbound.size >= this.limits.maxInFlight) {
      this.counters.requests.inc({ protocol: this.protocol.id, outcome: 'limit' })
      throw new InFlightLimitError(this.limits.maxInFlight)
    }
    if (opts.signal?.aborted) throw new AbortedError(opts.signal.reason)
    const body = spec.codec.encode(value)
    const scheme = this.protocol.requestIds
    const id = scheme ? this.outbound.allocateId() : -1n
    const bytes = this.encodeChecked(spec.name, () => (scheme ? scheme.wrap(id, body) : body))
    const timeoutMs = opts.timeoutMs ?? spec.timeoutMs ?? this.protocol.requestTimeoutMs
    const answer = this.outbound.add(spec, id, timeoutMs, opts.signal)
    this.conn.send(spec.code, bytes)
    return answer
  }

  // ---------- inbound ----------

  private onMessage(code: number, payload: Uint8Array): void {
    if (this.closeInfo) return
    const entry = this.protocol.table[code]
    if (!entry) {
      this.fault('unknown_message', DisconnectReason.BreachOfProtocol, `unknown code ${code}`)
      return
    }
    const limit =
      (entry.kind === 'response' ? entry.spec.response.maxSize : entry.spec.maxSize) ?? this.protocol.maxMessageSize
    if (payload.length > limit) {
      this.fault('oversized', DisconnectReason.BreachOfProtocol, `code ${code}: ${payload.length} > ${limit}`)
      return
    }
    if (this.phase === 'ready') {
      this.dispatch(entry, payload)
      return
    }
    if (this.hsRun?.offer(code, payload)) return
    if (this.early.length >= MAX_EARLY_MESSAGES)
      this.fault('early_overflow', DisconnectReason.BreachOfProtocol, 'too many messages before the handshake')
    else this.early.push([code, payload])
  }

  private becomeReady(result: HandshakeOf<P>): void {
    this.hsResult = result
    this.phase = 'ready'
    const early = this.early
    this.early = []
    for (const [code, payload] of early) {
      if (this.closeInfo) return
      this.onMessage(code, payload)
    }
  }

  /** Decode with `decode`; on CodecError disconnect and return undefined. */
  private decodeOr<T>(what: string, decode: () => T): { value: T } | undefined {
    try {
      return { value: decode() }
    } catch (e) {
      if (!(e instanceof CodecError)) throw e
      this.fault('bad_message', DisconnectReason.BreachOfProtocol, `${what}: ${e.message}`)
      return undefined
    }
  }

  private dispatch(entry: TableEntry, payload: Uint8Array): void {
    const spec = entry.spec
    if (entry.kind === 'message') {
      if (this.exclusive.has(spec.code)) {
        this.fault('handshake_message', DisconnectReason.BreachOfProtocol, `${spec.name} after the handshake`)
        return
      }
      const d = this.decodeOr(spec.name, () => entry.spec.codec.decode(payload))
      if (!d) return
      let seen = false
      for (const w of this.waiters)
        if (w.code === spec.code) {
          seen = true
          w.settle(true, d.value)
        }
      const h = this.handlers.get(spec.code)
      if (h) this.invoke(() => h(d.value, this as never))
      else if (!seen) this.drop('unhandled')
      return
    }
    const scheme = this.protocol.requestIds
    const framed = scheme ? this.decodeOr(spec.name, () => scheme.unwrap(payload)) : { value: { id: -1n, payload } }
    if (!framed) return
    const { id, payload: body } = framed.value
    if (entry.kind === 'request') this.onRequest(entry.spec, id, body)
    else this.onResponse(entry.spec, id, body)
  }

  private onResponse(spec: RequestSpec<unknown, unknown>, id: bigint, body: Uint8Array): void {
    const code = spec.response.code
    const found = this.outbound.match(code, id, false)
    if (typeof found === 'string') {
      this.drop(found)
      return
    }
    const d = this.decodeOr(`${spec.name} response`, () => spec.response.codec.decode(body))
    if (!d) return
    this.outbound.match(code, id, true)
    found.resolve(d.value)
  }

  private onRequest(spec: RequestSpec<unknown, unknown>, id: bigint, body: Uint8Array): void {
    const d = this.decodeOr(spec.name, () => spec.codec.decode(body))
    if (!d) return
    const h = this.handlers.get(spec.code)
    if (!h) {
      this.drop('unhandled')
      return
    }
    const serve = () => {
      this.serving++
      this.invoke(
        () => h(d.value, this as never),
        (res) => {
          if (this.closeInfo) return
          const scheme = this.protocol.requestIds
          const bytes = spec.response.codec.encode(res)
          this.conn.send(spec.response.code, scheme ? scheme.wrap(id, bytes) : bytes)
        },
        () => {
          this.serving--
          const nextJob = this.serveQueue.shift()
          if (nextJob && !this.closeInfo) nextJob()
        },
      )
    }
    if (this.serving < this.limits.maxServing) serve()
    else if (this.serveQueue.length < this.limits.maxServeQueue) this.serveQueue.push(serve)
    else this.drop('serve_overflow')
  }

  /** Run a handler; route a DisconnectError to a disconnect and count anything else. */
  private invoke(run: () => unknown, onValue?: (v: unknown) => void, onDone?: () => void): void {
    const failed = (e: unknown) => {
      if (e instanceof DisconnectError) this.fault('handler', e.reason, e.message)
      else this.log.warn('protocol handler failed', { error: e })
    }
    Promise.resolve()
      .then(run)
      .then((v) => onValue?.(v))
      .catch(failed)
      .finally(onDone)
  }

  // ---------- faults and close ----------

  private drop(reason: DropReason): void {
    this.dropped[reason]++
    this.counters.dropped.inc({ protocol: this.protocol.id, reason })
  }

  private fault(kind: FaultReason, reason: number, detail: string): void {
    if (this.closeInfo) return
    this.counters.faults.inc({ protocol: this.protocol.id, reason: kind })
    this.log.debug('disconnecting peer', { fault: kind, detail })
    this.disconnect(reason)
  }

  private handleClose(info: CloseInfo): void {
    if (this.closeInfo) return
    this.closeInfo = info
    this.phase = 'closed'
    const err = new DisconnectedError(info.reason, info.remote)
    this.timer.close()
    this.early = []
    this.serveQueue = []
    this.outbound.rejectAll(err)
    for (const w of [...this.waiters]) w.settle(false, err)
    this.hsRun?.abort(err)
    try {
      this.protocol.onDisconnect?.({
        reason: info.reason,
        remote: info.remote,
        handshake: this.hsResult,
        state: this.state,
        nodeState: this.nodeState,
      })
    } catch (e) {
      this.log.warn('onDisconnect hook failed', { error: e })
    }
    this.onClosed?.(info)
    this.resolveClosed(info)
  }
}

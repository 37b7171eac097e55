/**
 * The dial scheduler: keeps static nodes connected, and fills the outbound slots with candidates
 * pulled fairly from every source (discovery iterators, bootnodes). Bounded concurrent dials; every
 * failure is classified and backed off through the shared {@link DialHistory}.
 */
import { DisconnectReason } from '../rlpx/disconnect.js'
import { RlpxError } from '../rlpx/errors.js'
import { toHex } from '../util/bytes.js'
import { type Clock, systemClock, type Timer } from '../util/clock.js'
import { type Logger, silentLogger } from '../util/logger.js'
import { DialHistory, type FailureClass } from './backoff.js'
import { fairMix } from './fairmix.js'
import type { DialCandidate, Server } from './server.js'

/** Concurrent dials. go-ethereum p2p/server.go defaultMaxPendingPeers-style bound; the issue asks 16. */
export const DEFAULT_MAX_CONCURRENT_DIALS = 16
/** How often static nodes are checked for redial. */
export const STATIC_CHECK_MS = 1_000

export interface DialerOptions {
  maxConcurrentDials?: number
  history?: DialHistory
  /** Extra filter for discovered candidates (e.g. the eth fork id in the ENR). */
  filter?: (c: DialCandidate) => boolean
  clock?: Clock
  logger?: Logger
}

/** Map a failed dial or a closed session to a backoff class. */
export function classifyFailure(e: unknown): FailureClass {
  if (e instanceof RlpxError) {
    if (e.reason !== undefined) return classifyReason(e.reason)
    if (e.code === 'HANDSHAKE_FAILED') return 'breach'
    return 'unreachable'
  }
  return 'breach'
}

/** Backoff class of a disconnect reason. */
export function classifyReason(reason: number): FailureClass {
  switch (reason) {
    case DisconnectReason.TooManyPeers:
      return 'too-many-peers'
    case DisconnectReason.UselessPeer:
    case DisconnectReason.SubprotocolError:
    case DisconnectReason.IncompatibleVersion:
      return 'useless'
    case DisconnectReason.BreachOfProtocol:
    case DisconnectReason.UnexpectedIdentity:
    case DisconnectReason.InvalidIdentity:
      return 'breach'
    case DisconnectReason.Timeout:
    case DisconnectReason.NetworkError:
      return 'unreachable'
    default:
      return 'disconnected'
  }
}

export class Dialer {
  readonly history: DialHistory
  /** BOUNDED: by the caller's static list. */
  private readonly statics = new Map<string, DialCandidate>()
  private readonly sources: { name: string; iter: AsyncIterator<DialCandidate> }[] = []
  private dialing = 0
  private readonly abort = new AbortController()
  private readonly clock: Clock
  private readonly log: Logger
  private readonly max: number
  private staticTimer?: Timer
  private wake?: () => void
  private loop?: Promise<void>
  /** Dials by source, for the dashboard and tests. */
  readonly stats = { attempts: 0, failures: 0, connected: 0 }

  constructor(
    private readonly server: Server,
    private readonly opts: DialerOptions = {},
  ) {
    this.history = opts.history ?? new DialHistory()
    this.clock = opts.clock ?? systemClock
    this.log = opts.logger ?? silentLogger
    this.max = opts.maxConcurrentDials ?? DEFAULT_MAX_CONCURRENT_DIALS
    server.on('peer:removed', ({ peer, reason }) => {
      if (this.statics.has(peer.idHex)) this.history.fail(peer.idHex, classifyReason(reason), this.clock.now())
      this.notify()
    })
  }

  /** Keep `c` connected: dialed now, and again (after backoff) whenever it drops. */
  addStatic(c: DialCandidate): void {
    const k = toHex(c.nodeId)
    this.statics.set(k, c)
    this.server.staticIds.add(k)
    this.notify()
  }

  removeStatic(nodeId: Uint8Array): void {
    const k = toHex(nodeId)
    this.statics.delete(k)
    this.server.staticIds.delete(k)
  }

  /** A source of candidates, pulled only while outbound slots are free. Add before {@link start}. */
  addSource(name: string, source: AsyncIterable<DialCandidate>): void {
    this.sources.push({ name, iter: source[Symbol.asyncIterator]() })
  }

  start(): void {
    this.checkStatics()
    if (this.sources.length > 0) this.loop = this.run()
  }

  private notify(): void {
    const w = this.wake
    this.wake = undefined
    w?.()
  }

  /** Resolve on the next notify, or after `ms` at the latest. */
  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = this.clock.setTimer(ms, () => resolve())
      this.wake = () => {
        t.cancel()
        resolve()
      }
    })
  }

  private checkStatics(): void {
    if (this.abort.signal.aborted) return
    const now = this.clock.now()
    for (const [k, c] of this.statics) {
      if (this.dialing >= this.max) break
      if (this.server.isBusy(c.nodeId) || !this.history.canDial(k, now)) continue
      this.dialOne(c, 'static')
    }
    this.staticTimer = this.clock.setTimer(STATIC_CHECK_MS, () => this.checkStatics())
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal
    const mix = fairMix(this.sources, { signal, timeoutMs: 1000 })
    while (!signal.aborted) {
      if (this.dialing >= this.max || this.server.freeOutboundSlots <= this.dialing) {
        await this.idle(1000)
        continue
      }
      const next = await mix.next()
      if (next.done) break
      const c = next.value.value
      const k = toHex(c.nodeId)
      if (k === toHex(this.server.localId) || this.server.isBusy(c.nodeId)) continue
      if (!this.history.canDial(k, this.clock.now())) continue
      if (!(c.tcp > 0) || (this.opts.filter && !this.opts.filter(c))) continue
      this.dialOne(c, next.value.source)
    }
    await mix.return(undefined)
  }

  private dialOne(c: DialCandidate, source: string): void {
    const k = toHex(c.nodeId)
    this.dialing++
    this.stats.attempts++
    this.server
      .dial(c, { signal: this.abort.signal })
      .then(
        () => {
          this.stats.connected++
          this.history.succeed(k)
        },
        (e: unknown) => {
          this.stats.failures++
          const wait = this.history.fail(k, classifyFailure(e), this.clock.now())
          this.log.debug('dial failed', { id: k.slice(0, 16), source, error: e, retryInMs: wait })
        },
      )
      .finally(() => {
        this.dialing--
        this.notify()
      })
  }

  /** Stop dialing; pending dials are aborted. */
  async stop(): Promise<void> {
    this.abort.abort()
    this.staticTimer?.cancel()
    this.notify()
    await this.loop
  }
}

/**
 * The discovery loop of an Eth2-style node (the Nimbus `connectToNetwork` / `runDiscoveryLoop`
 * flow, improved): bootnode records go to discovery and, when dialable, to the dialer; random
 * lookups run only while the node wants peers (the record iterator is pulled, never pushed, so
 * stopping the pull stops the lookups); each record passes a filter (fork digest, TCP port), the
 * shared dial backoff and a bounded set of concurrent dials. If no bootnode was reached within
 * 30 s a warning is logged. `stop()` cancels lookups, dials and timers and resolves when they
 * are gone.
 * @module
 */
import type { Enr } from '../enr/index.js'
import { DialHistory } from '../server/backoff.js'
import { linkedSignal } from '../util/abort.js'
import { toHex } from '../util/bytes.js'
import { type Clock, systemClock, type Timer } from '../util/clock.js'
import { type Logger, silentLogger } from '../util/logger.js'
import { type EnrFilter, hasTcp } from './enr.js'

/** What the loop needs from discovery (discv5 provides it; tests use a fake). */
export interface DiscoverySource {
  /** Add a record to the routing table (bootnodes). */
  addEnr(enr: Enr): void
  /**
   * Records found by random lookups, as they are pulled. Lookups run only while the consumer
   * pulls; the iterable ends when `signal` aborts (or discovery closes).
   */
  randomNodes(signal: AbortSignal): AsyncIterable<Enr>
}

/** What the loop needs from the node. */
export interface DialTarget {
  /** Peers connected now. */
  peerCount(): number
  /** True if the node with this hex node id is connected. */
  isConnected(nodeIdHex: string): boolean
  /** Dial the record's TCP addresses; rejects on failure. */
  dial(enr: Enr, signal: AbortSignal): Promise<void>
}

/** Time to wait for a first bootnode before warning. nimbus-eth2 eth2_network.nim connectToNetwork (30 s). */
export const BOOTNODE_CHECK_MS = 30_000
/** Dials in flight at once. Our choice, below go-ethereum's defaultMaxPendingPeers (50): each is a noise handshake. */
export const DEFAULT_MAX_CONCURRENT_DIALS = 16
/** Deadline of one dial. go-ethereum p2p/server.go defaultDialTimeout (15 s). */
export const DIAL_TIMEOUT_MS = 15_000
/** Pause before new lookups when enough peers are connected or the record stream ended. */
export const DISCOVERY_IDLE_MS = 1_000

/** Options of {@link DiscoveryLoop}. */
export interface DiscoveryLoopOptions {
  /** Peers wanted; lookups stop at this count. */
  targetPeers: number
  /** Which records to dial; default {@link hasTcp}. */
  filter?: EnrFilter
  maxConcurrentDials?: number
  /** Shared backoff (RLPx uses the same model); a fresh one by default. */
  history?: DialHistory
  clock?: Clock
  logger?: Logger
  bootnodeCheckMs?: number
  idleMs?: number
  dialTimeoutMs?: number
  /** Called once if no bootnode was reached in time (after the warning is logged). */
  onNoBootnode?: () => void
}

/** Counters of the loop, for tests and metrics. */
export interface DiscoveryStats {
  /** Records the iterator yielded. */
  found: number
  /** Records refused by the filter. */
  filtered: number
  /** Records skipped: connected, already being dialed, or backing off. */
  skipped: number
  dials: number
  dialFailures: number
}

/** Runs discovery-driven dialing until stopped. */
export class DiscoveryLoop {
  readonly stats: DiscoveryStats = { found: 0, filtered: 0, skipped: 0, dials: 0, dialFailures: 0 }
  readonly history: DialHistory
  private readonly ctl = new AbortController()
  private readonly clock: Clock
  private readonly log: Logger
  private readonly filter: EnrFilter
  private readonly maxDials: number
  /** Node ids being dialed. BOUNDED: maxConcurrentDials. */
  private readonly dialing = new Set<string>()
  /** Dials in flight, awaited by stop(). BOUNDED: maxConcurrentDials. */
  private readonly inFlight = new Set<Promise<void>>()
  /** Bootnode node ids. BOUNDED: the configured list. */
  private bootnodes = new Set<string>()
  private reached = false
  private checkTimer: Timer | undefined
  private wakeUp: (() => void) | undefined
  private running: Promise<void> | undefined

  constructor(
    private readonly discovery: DiscoverySource,
    private readonly target: DialTarget,
    private readonly opts: DiscoveryLoopOptions,
  ) {
    this.clock = opts.clock ?? systemClock
    this.log = (opts.logger ?? silentLogger).child({ component: 'discovery-loop' })
    this.filter = opts.filter ?? hasTcp
    this.maxDials = Math.max(1, opts.maxConcurrentDials ?? DEFAULT_MAX_CONCURRENT_DIALS)
    this.history = opts.history ?? new DialHistory()
  }

  /** True once a bootnode was connected, or discovery returned records (so bootnodes answered). */
  get bootnodeReached(): boolean {
    return this.reached
  }

  /** Dials in flight now. */
  get activeDials(): number {
    return this.dialing.size
  }

  /** Seed discovery with `bootnodes`, dial those that pass the filter, and start the loop. */
  start(bootnodes: readonly Enr[]): void {
    if (this.running) throw new Error('BUG: discovery loop started twice')
    this.bootnodes = new Set(bootnodes.map((e) => toHex(e.nodeId)))
    for (const enr of bootnodes) this.discovery.addEnr(enr)
    if (bootnodes.length > 0)
      this.checkTimer = this.clock.setTimer(this.opts.bootnodeCheckMs ?? BOOTNODE_CHECK_MS, () => this.checkBootnodes())
    for (const enr of bootnodes) if (this.dialing.size < this.maxDials) this.consider(enr)
    this.running = this.run()
  }

  /** Re-check the peer count now (the node calls this when a peer leaves). */
  wake(): void {
    this.wakeUp?.()
  }

  /** Cancel lookups, dials and timers; resolves when all have ended. */
  async stop(): Promise<void> {
    this.ctl.abort(new Error('discovery loop stopped'))
    this.checkTimer?.cancel()
    this.wakeUp?.()
    await this.running
    await Promise.allSettled([...this.inFlight])
  }

  /** Connected peers plus dials that have not connected yet (a dial that just connected counts once). */
  private wantMore(): boolean {
    let pending = 0
    for (const id of this.dialing) if (!this.target.isConnected(id)) pending++
    return this.target.peerCount() + pending < this.opts.targetPeers
  }

  private async run(): Promise<void> {
    const signal = this.ctl.signal
    while (!signal.aborted) {
      if (this.wantMore()) {
        try {
          for await (const enr of this.discovery.randomNodes(signal)) {
            this.stats.found++
            this.reached = true
            this.consider(enr)
            if (!this.wantMore() || signal.aborted) break
            while (this.dialing.size >= this.maxDials && !signal.aborted) await this.idle(0)
          }
        } catch (e) {
          if (!signal.aborted) this.log.debug('random lookup failed', { error: e })
        }
      }
      if (!signal.aborted) await this.idle(this.opts.idleMs ?? DISCOVERY_IDLE_MS)
    }
  }

  /** Wait until woken (a dial ended, a peer left, stop) or `ms` passed (0: only until woken). Only run() waits. */
  private idle(ms: number): Promise<void> {
    if (this.ctl.signal.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = ms > 0 ? this.clock.setTimer(ms, () => done()) : undefined
      const done = () => {
        timer?.cancel()
        if (this.wakeUp === done) this.wakeUp = undefined
        resolve()
      }
      this.wakeUp = done
    })
  }

  private consider(enr: Enr): void {
    if (!this.filter(enr)) {
      this.stats.filtered++
      return
    }
    const id = toHex(enr.nodeId)
    const now = this.clock.now()
    if (this.dialing.has(id) || this.target.isConnected(id) || !this.history.canDial(id, now)) {
      this.stats.skipped++
      return
    }
    if (this.dialing.size >= this.maxDials) {
      this.stats.skipped++
      return
    }
    this.dialing.add(id)
    this.stats.dials++
    const linked = linkedSignal(this.ctl.signal, this.clock.timeoutSignal(this.opts.dialTimeoutMs ?? DIAL_TIMEOUT_MS))
    const p: Promise<void> = this.target
      .dial(enr, linked.signal)
      .then(
        () => {
          this.history.succeed(id)
          if (this.bootnodes.has(id)) this.reached = true
        },
        (e: unknown) => {
          this.stats.dialFailures++
          if (!this.ctl.signal.aborted) this.history.fail(id, 'unreachable', this.clock.now())
          this.log.debug('dial failed', { node: id, error: e })
        },
      )
      .finally(() => {
        linked.dispose()
        this.dialing.delete(id)
        this.inFlight.delete(p)
        this.wakeUp?.()
      })
    this.inFlight.add(p)
  }

  private checkBootnodes(): void {
    this.checkTimer = undefined
    if (this.reached || this.ctl.signal.aborted) return
    for (const id of this.bootnodes)
      if (this.target.isConnected(id)) {
        this.reached = true
        return
      }
    this.log.warn('no bootnode reached', { withinMs: this.opts.bootnodeCheckMs ?? BOOTNODE_CHECK_MS })
    this.opts.onNoBootnode?.()
  }
}

/**
 * One protocol run by one node: the node state, shared handlers, limits and counters, and the
 * peers attached to it. A node holds one host per protocol it was configured with (no registry).
 * @module
 */
import type { Metrics } from '../metrics/registry.js'
import type { Clock } from '../util/clock.js'
import { systemClock } from '../util/clock.js'
import type { Logger } from '../util/logger.js'
import type { ProtocolConnection } from './connection.js'
import type { AnyProtocol, InitOf, MessageSpec, NodeStateOf, PeerLimits, RequestSpec } from './define.js'
import { type ProtocolCounters, protocolCounters } from './metrics.js'
import { ProtocolPeer } from './peer.js'

/** Options common to every host. */
export interface BaseHostOptions {
  clock?: Clock
  metrics?: Metrics
  /** Share one set of counters between hosts (else created from `metrics`). */
  counters?: ProtocolCounters
  logger?: Logger
  limits?: Partial<PeerLimits>
}

/** Host options; `init` is required when the protocol's node-state factory needs it. */
export type HostOptions<I> = BaseHostOptions & (undefined extends I ? { init?: I } : { init: I })

type Installer<P extends AnyProtocol> = (peer: ProtocolPeer<P>) => void

/** Runs one protocol for one node. */
export class ProtocolHost<P extends AnyProtocol> {
  readonly nodeState: NodeStateOf<P>
  /** Attached peers that have not closed. BOUNDED: by the node's connection limit (removed on close). */
  readonly peers = new Set<ProtocolPeer<P>>()
  private readonly clock: Clock
  private readonly counters: ProtocolCounters
  /** BOUNDED: one per message/request code of the protocol. */
  private readonly installers = new Map<number, Installer<P>>()

  private readonly opts: HostOptions<InitOf<P>>

  /** `opts` may be left out when the protocol's node state needs no `init`. */
  constructor(
    readonly protocol: P,
    ...args: undefined extends InitOf<P> ? [opts?: HostOptions<InitOf<P>>] : [opts: HostOptions<InitOf<P>>]
  ) {
    const opts = (args[0] ?? {}) as HostOptions<InitOf<P>>
    this.opts = opts
    this.clock = opts.clock ?? systemClock
    this.counters = opts.counters ?? protocolCounters(opts.metrics)
    this.nodeState = protocol.createNodeState(opts.init as InitOf<P>) as NodeStateOf<P>
  }

  /** Handler for a message on every peer attached from now on. */
  handle<T>(spec: MessageSpec<T>, fn: (value: T, peer: ProtocolPeer<P>) => void | Promise<void>): this
  /** Handler for a request on every peer attached from now on. */
  handle<Q, S>(spec: RequestSpec<Q, S>, fn: (value: Q, peer: ProtocolPeer<P>) => S | Promise<S>): this
  handle(
    spec: MessageSpec<unknown> | RequestSpec<unknown, unknown>,
    fn: (value: unknown, peer: ProtocolPeer<P>) => unknown,
  ): this {
    this.installers.set(spec.code, (peer) => {
      if (spec.kind === 'message') peer.handle(spec, fn as (v: unknown, p: ProtocolPeer<P>) => void)
      else peer.handle(spec, fn)
    })
    return this
  }

  /** Wrap a connection in a peer with the host's handlers installed. Call `start()` on it next. */
  attach(conn: ProtocolConnection, limits?: Partial<PeerLimits>): ProtocolPeer<P> {
    const peer: ProtocolPeer<P> = new ProtocolPeer(this.protocol, conn, {
      clock: this.clock,
      nodeState: this.nodeState,
      counters: this.counters,
      ...(this.opts.logger ? { logger: this.opts.logger } : {}),
      limits: { ...this.opts.limits, ...limits },
      onClosed: () => this.peers.delete(peer),
    })
    for (const install of this.installers.values()) install(peer)
    if (!conn.closed) this.peers.add(peer)
    return peer
  }

  /** Attach and start in one step; resolves with the ready peer (see ProtocolPeer.start). */
  async connect(conn: ProtocolConnection, opts: { signal?: AbortSignal } = {}): Promise<ProtocolPeer<P>> {
    const peer = this.attach(conn)
    await peer.start(opts)
    return peer
  }
}

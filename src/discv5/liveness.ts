/**
 * Liveness checks of routing-table members: revalidation (go-ethereum table_reval.go, scheduled
 * by the table's `Revalidation`). A member that does not answer loses its credit (and at zero its
 * slot). A node that contacted us needs no check of its own: its handshake answered the challenge
 * we sent to its endpoint, so it enters the table live (see the service's `onEstablished`).
 * Spec: devp2p discv5/discv5-theory.md "Table Maintenance In Practice".
 * @module
 */
import type { Enr } from '../enr/index.js'
import type { RoutingTable } from '../kademlia/index.js'
import type { Clock } from '../util/clock.js'
import type { Discv5Node } from './node.js'

/** What the checks need from the service. @internal */
export interface LivenessHost {
  readonly table: RoutingTable<Discv5Node>
  readonly clock: Clock
  closed(): boolean
  ping(enr: Enr): Promise<unknown>
  tableChanged(): void
}

/** The liveness checks of one service. @internal */
export class Liveness {
  constructor(private readonly h: LivenessHost) {}

  /** Send the revalidation PINGs due at `now`. */
  revalidate(now: number): void {
    const r = this.h.table.revalidation
    for (let s = r.next(now); s.kind === 'ping'; s = r.next(now)) void this.check(s.node)
  }

  /** PING `n`; a PONG counts through the service's response path, a failure here. */
  private async check(n: Discv5Node): Promise<void> {
    try {
      await this.h.ping(n.enr)
    } catch {
      if (this.h.closed()) return
      this.h.table.revalidation.onTimeout(n.id, this.h.clock.now())
      this.h.tableChanged()
    }
  }
}

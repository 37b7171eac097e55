/**
 * Liveness checks of routing-table members: revalidation (go-ethereum table_reval.go, scheduled
 * by the table's `Revalidation`) and the check of a node that just entered the table after
 * contacting us. A member that does not answer loses its credit (and at zero its slot).
 * Spec: devp2p discv5/discv5-theory.md "Table Maintenance In Practice".
 * @module
 */
import type { Enr } from '../enr/index.js'
import type { RoutingTable } from '../kademlia/index.js'
import type { Clock } from '../util/clock.js'
import type { Discv5Node } from './node.js'

/**
 * Liveness checks (one PING over the new session) of nodes that entered the table after their
 * handshake, in flight at once; more wait for revalidation. Ours: discv5-theory.md asks for
 * liveness checks asynchronous with bucket addition, and a node only answers FINDNODE with nodes
 * that answered it, so a bootnode that checks its joiners at once introduces them at once.
 */
export const MAX_WELCOME_PINGS = 16

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
  /** Welcome PINGs in flight. BOUNDED: MAX_WELCOME_PINGS. */
  private welcomes = 0

  constructor(private readonly h: LivenessHost) {}

  /** Check a node that just entered the table, at once (see {@link MAX_WELCOME_PINGS}). */
  welcome(n: Discv5Node): void {
    if (this.welcomes >= MAX_WELCOME_PINGS || this.h.closed()) return
    this.welcomes++
    void this.check(n).finally(() => {
      this.welcomes--
    })
  }

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

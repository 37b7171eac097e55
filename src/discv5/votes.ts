/**
 * Votes on our external UDP endpoint, from the `recipient-ip`/`recipient-port` of PONGs that
 * answer our PINGs, kept per address family (discv5-wire.md "PONG Response"; go-ethereum
 * p2p/netutil `IPTracker`, @chainsafe/discv5 `AddrVotes`). Pure: time is passed in.
 *
 * One vote per voter (the source IP of the PONG, so many node ids behind one address count
 * once), votes expire after {@link ADDR_VOTE_WINDOW_MS}, and an endpoint wins once it has at
 * least the threshold of votes and more than half of the current ones.
 * @module
 */

import type { Enr, EnrChanges } from '../enr/index.js'
import { normalizeIp } from '../util/ip.js'
import { Lru } from '../util/lru.js'
import type { SocketAddr } from './session/index.js'

/** Votes needed before the record is updated. go-ethereum `iptrackMinStatements` (10), @chainsafe/discv5 `addrVotesToUpdateEnr` (10). */
export const ADDR_VOTES_TO_UPDATE = 10
/** How long a vote counts, ms. go-ethereum `iptrackWindow` (5 min). */
export const ADDR_VOTE_WINDOW_MS = 5 * 60_000
/** Voters remembered per family, LRU. Ours: far above the threshold, small in memory. */
export const MAX_ADDR_VOTERS = 256

/** Address family of an endpoint. */
export type AddrFamily = 'ip4' | 'ip6'

interface Vote {
  addr: string
  at: number
}

/** Options of {@link AddrVotes}. */
export interface AddrVotesOptions {
  /** Default {@link ADDR_VOTES_TO_UPDATE}. */
  threshold?: number
  /** Default {@link ADDR_VOTE_WINDOW_MS}. */
  windowMs?: number
}

/** A winning endpoint. */
export interface AddrPrediction {
  family: AddrFamily
  ip: string
  port: number
}

/** Endpoint votes for IPv4 and IPv6, kept apart. IPv4-mapped IPv6 addresses count as IPv4. */
export class AddrVotes {
  private readonly threshold: number
  private readonly windowMs: number
  /** BOUNDED: MAX_ADDR_VOTERS voters per family, LRU eviction. */
  private readonly families = {
    ip4: new Lru<string, Vote>(MAX_ADDR_VOTERS),
    ip6: new Lru<string, Vote>(MAX_ADDR_VOTERS),
  }

  constructor(o: AddrVotesOptions = {}) {
    this.threshold = Math.max(1, o.threshold ?? ADDR_VOTES_TO_UPDATE)
    this.windowMs = o.windowMs ?? ADDR_VOTE_WINDOW_MS
  }

  /**
   * `voter` (the PONG's source IP) says we are at `seen`. Returns the family's winning
   * endpoint after this vote, if one has enough votes.
   */
  add(voter: string, seen: SocketAddr, now: number): AddrPrediction | undefined {
    const ip = normalizeIp(seen.ip)
    if (!ip || !Number.isInteger(seen.port) || seen.port < 1 || seen.port > 0xffff) return undefined
    const family: AddrFamily = ip.includes(':') ? 'ip6' : 'ip4'
    this.families[family].set(voter, { addr: `${ip}|${seen.port}`, at: now })
    return this.winner(family, now)
  }

  /** The winning endpoint of a family, if any. */
  winner(family: AddrFamily, now: number): AddrPrediction | undefined {
    const counts = new Map<string, number>()
    let total = 0
    const votes = this.families[family]
    for (const [voter, v] of [...votes.entries()]) {
      if (now - v.at > this.windowMs) {
        votes.delete(voter)
        continue
      }
      total++
      counts.set(v.addr, (counts.get(v.addr) ?? 0) + 1)
    }
    for (const [addr, n] of counts) {
      if (n >= this.threshold && n * 2 > total) {
        const [ip, port] = addr.split('|') as [string, string]
        return { family, ip, port: Number(port) }
      }
    }
    return undefined
  }
}

/** The record changes a prediction asks for, or undefined when the record already says so. */
export function enrChanges(enr: Enr, p: AddrPrediction): EnrChanges | undefined {
  if (p.family === 'ip4') return enr.ip === p.ip && enr.udp === p.port ? undefined : { ip: p.ip, udp: p.port }
  return enr.ip6 === p.ip && (enr.udp6 ?? enr.udp) === p.port ? undefined : { ip6: p.ip, udp6: p.port }
}

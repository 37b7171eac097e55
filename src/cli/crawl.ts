/**
 * The breadth-first walk behind `eth-p2p discv4 crawl` and `eth-p2p discv5 crawl`: a queue of
 * nodes heard of, a bounded number asked at once, and the crawl file's bookkeeping (first seen,
 * last answered, nodes kept from an earlier crawl). What "asking a node" means is the protocol's.
 */
import type { CrawlNode } from './crawlfile.js'

/** Queries a crawl runs at once. Ours: enough to hide 500 ms reply timeouts, gentle on any one network. */
export const CRAWL_CONCURRENCY = 16
/** Most nodes one crawl keeps. Ours: bounds memory (≈ 1 KiB each with records). */
export const MAX_CRAWL_NODES = 100_000

/** What the walk knows of one node. */
export interface CrawlEntry<T> {
  node: T
  /** When the crawl first heard of it (ISO 8601), kept from an earlier crawl. */
  firstSeen: string
  /** When it last answered (ISO 8601); unset while it has not. */
  lastSeen?: string
}

/** One protocol's part of a crawl. */
export interface CrawlProtocol<T> {
  /** Node id, 64 hex digits. */
  id(node: T): string
  /** Whether to leave a node out (e.g. ourselves). */
  skip?(id: string): boolean
  /** A node heard of again: e.g. keep its newer record. */
  merge?(entry: CrawlEntry<T>, node: T): void
  /**
   * Ask one node for others: `learn` each, `answered` whenever it replies. Ends at `signal` or
   * on its own request timeouts; its errors are the node's, never the crawl's.
   */
  visit(entry: CrawlEntry<T>, learn: (n: T) => void, answered: () => void, signal: AbortSignal): Promise<void>
  /** The file entry of a node that answered (`old`: its entry in the earlier crawl). */
  toCrawlNode(id: string, entry: CrawlEntry<T>, old: CrawlNode | undefined): CrawlNode
}

/** The result of a crawl: every node that ever answered (earlier crawls included), and counts for this one. */
export interface CrawlResult {
  nodes: CrawlNode[]
  answered: number
  asked: number
}

/** Walk from `boots` until no node is left or `signal` aborts. */
export async function crawl<T>(
  p: CrawlProtocol<T>,
  boots: T[],
  previous: CrawlNode[],
  signal: AbortSignal,
): Promise<CrawlResult> {
  const prev = new Map(previous.map((n) => [n.id, n]))
  /** BOUNDED: MAX_CRAWL_NODES entries; further nodes are not recorded. */
  const seen = new Map<string, CrawlEntry<T>>()
  /** BOUNDED: at most the entries of `seen`, each queued once. */
  const queue: CrawlEntry<T>[] = []
  const learn = (n: T) => {
    const id = p.id(n)
    const known = seen.get(id)
    if (known) return p.merge?.(known, n)
    if (seen.size >= MAX_CRAWL_NODES || p.skip?.(id)) return
    const entry: CrawlEntry<T> = { node: n, firstSeen: prev.get(id)?.firstSeen ?? new Date().toISOString() }
    seen.set(id, entry)
    queue.push(entry)
  }
  for (const b of boots) learn(b)
  let asked = 0
  const workers = new Set<Promise<void>>()
  while (!signal.aborted && (queue.length > 0 || workers.size > 0)) {
    const entry = workers.size < CRAWL_CONCURRENCY ? queue.shift() : undefined
    if (entry) {
      asked++
      const answered = () => {
        entry.lastSeen = new Date().toISOString()
      }
      const w: Promise<void> = p
        .visit(entry, learn, answered, signal)
        .catch(() => undefined)
        .finally(() => workers.delete(w))
      workers.add(w)
      continue
    }
    await Promise.race(workers)
  }
  await Promise.allSettled(workers) // each ends at the signal or its own request timeouts
  const nodes = new Map<string, CrawlNode>(prev)
  let answered = 0
  for (const [id, entry] of seen) {
    if (entry.lastSeen === undefined) continue
    answered++
    nodes.set(id, p.toCrawlNode(id, entry, prev.get(id)))
  }
  return { nodes: [...nodes.values()], answered, asked }
}

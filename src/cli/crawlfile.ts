/**
 * The crawl output file shared by `eth-p2p discv4 crawl` and `eth-p2p discv5 crawl`:
 * `{"nodes":[{"id":"<64 hex>","enr":"enr:..."|null,"enode":"enode://...","firstSeen":"ISO time","lastSeen":"ISO time"}]}`,
 * nodes sorted by id, one node per line so that diffs of two crawls stay readable.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { CliError, printJson } from './args.js'

/** One crawled node. */
export interface CrawlNode {
  /** Node id (keccak256 of the public key), 64 lowercase hex digits. */
  id: string
  /** The node's record in text form, when it gave us one. */
  enr: string | null
  /** `enode://<key>@<ip>:<tcp>[?discport=<udp>]`. */
  enode: string
  /** When the crawl first heard of the node (ISO 8601). */
  firstSeen: string
  /** When the node last answered us (ISO 8601). */
  lastSeen: string
}

/** Largest crawl file read back, bytes. Ours: about 1 M nodes. */
export const MAX_CRAWL_FILE_BYTES = 512 * 1024 * 1024

const HEX64 = /^[0-9a-f]{64}$/

/** Check one entry's shape; undefined when it is not a {@link CrawlNode}. */
function asNode(x: unknown): CrawlNode | undefined {
  if (typeof x !== 'object' || x === null) return undefined
  const o = x as Record<string, unknown>
  if (typeof o.id !== 'string' || !HEX64.test(o.id)) return undefined
  if (o.enr !== null && (typeof o.enr !== 'string' || !o.enr.startsWith('enr:'))) return undefined
  if (typeof o.enode !== 'string' || !o.enode.startsWith('enode://')) return undefined
  if (typeof o.firstSeen !== 'string' || typeof o.lastSeen !== 'string') return undefined
  return { id: o.id, enr: o.enr, enode: o.enode, firstSeen: o.firstSeen, lastSeen: o.lastSeen }
}

/** The text of a crawl file for `nodes`, sorted by id. */
export function formatCrawlFile(nodes: Iterable<CrawlNode>): string {
  const sorted = [...nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const lines = sorted.map((n) =>
    JSON.stringify({ id: n.id, enr: n.enr, enode: n.enode, firstSeen: n.firstSeen, lastSeen: n.lastSeen }),
  )
  return lines.length === 0 ? '{"nodes":[]}\n' : `{"nodes":[\n${lines.join(',\n')}\n]}\n`
}

/** Write `nodes` to `path` atomically (a temporary file renamed over it). Throws the fs error. */
export function writeCrawlFile(path: string, nodes: Iterable<CrawlNode>): void {
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, formatCrawlFile(nodes))
  renameSync(tmp, path)
}

/**
 * Parse crawl-file text. Throws a SyntaxError or TypeError on malformed content; entries of the
 * wrong shape make it throw too, so a file is either taken whole or refused.
 */
export function parseCrawlFile(text: string): CrawlNode[] {
  if (text.length > MAX_CRAWL_FILE_BYTES) throw new RangeError('crawl file too large')
  const doc: unknown = JSON.parse(text)
  const list = typeof doc === 'object' && doc !== null ? (doc as { nodes?: unknown }).nodes : undefined
  if (!Array.isArray(list)) throw new TypeError('not a crawl file: no "nodes" list')
  return list.map((x, i) => {
    const n = asNode(x)
    if (!n) throw new TypeError(`not a crawl file: bad entry ${i}`)
    return n
  })
}

/** Read a crawl file; undefined when it does not exist. */
export function readCrawlFile(path: string): CrawlNode[] | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
  return parseCrawlFile(text)
}

/** The nodes of an earlier crawl in `out` (their `firstSeen` is kept), or none; a clear CliError if `out` is something else. */
export function previousCrawl(out: string): CrawlNode[] {
  try {
    return readCrawlFile(out) ?? []
  } catch (e) {
    throw new CliError(`--out ${out} exists but is not a crawl file: ${(e as Error).message}`)
  }
}

/** Write a finished crawl to `out` and print its summary line; exit code 1 when no node answered. */
export function saveCrawl(out: string, result: { nodes: CrawlNode[]; answered: number; asked: number }): number {
  try {
    writeCrawlFile(out, result.nodes)
  } catch (e) {
    throw new CliError(`cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 1)
  }
  printJson({ nodes: result.nodes.length, answered: result.answered, asked: result.asked, out })
  if (result.answered === 0) throw new CliError('no node answered (are the bootnodes reachable?)', 1)
  return 0
}

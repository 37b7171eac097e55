/**
 * EIP-2124 fork identifiers: `FORK_HASH` (IEEE CRC32 of the genesis hash and each passed fork
 * block or time, as uint64 big endian) and `FORK_NEXT`, with the EIP's validation rules extended to
 * timestamp forks as go-ethereum core/forkid does.
 * Spec: /work/shared/specs/eips/eip-2124.md.
 * @module
 */

import { rlpCodec } from '../../protocol/codec.js'
import { asBigint, asFixed, asList, RlpError, type RlpItem } from '../../rlp/index.js'
import { err, ok, type Result } from '../../util/result.js'
import type { ChainConfig } from './chains.js'

/** A fork identifier. `hash` is the CRC32 as an unsigned 32-bit number. */
export interface ForkId {
  readonly hash: number
  /** Block number or timestamp of the next fork; 0 when none is known. */
  readonly next: bigint
}

/** Where the local chain is: head block number and head block timestamp (seconds). */
export interface ChainHead {
  readonly number: bigint
  readonly time: bigint
}

/** Why a remote fork id was refused (the EIP's rule 4 cases, named as in go-ethereum). */
export type ForkIdErrorCode = 'REMOTE_STALE' | 'LOCAL_INCOMPATIBLE_OR_STALE'

/**
 * `FORK_NEXT` values above this are timestamps, not block numbers (go-ethereum
 * core/forkid timestampThreshold: the mainnet genesis time, Jul 30 2015).
 */
export const TIMESTAMP_THRESHOLD = 1438269973n

const MAX_U64 = (1n << 64n) - 1n

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

/** IEEE CRC32 of `data`, continuing from `crc` (0 to start), as Go's crc32.Update. */
export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0
  for (const b of data) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8)
  return ~c >>> 0
}

function u64be(n: bigint): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, n)
  return out
}

/** Fold one more fork into a fork hash. */
export function forkHashUpdate(hash: number, fork: bigint): number {
  return crc32(u64be(fork), hash)
}

/**
 * The fork list of a chain as the fork id sees it: block forks and time forks, each sorted and
 * deduplicated; block 0 (the genesis ruleset) and time forks at or before genesis are left out.
 */
export function gatherForks(chain: ChainConfig): { blocks: bigint[]; times: bigint[] } {
  const uniq = (xs: bigint[]) => [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const blocks = uniq(chain.forks.flatMap((f) => ('block' in f ? [f.block] : []))).filter((b) => b !== 0n)
  const times = uniq(chain.forks.flatMap((f) => ('time' in f ? [f.time] : []))).filter((t) => t > chain.genesisTime)
  return { blocks, times }
}

/** The fork id a node at `head` on `chain` announces. */
export function computeForkId(chain: ChainConfig, head: ChainHead): ForkId {
  let hash = crc32(chain.genesisHash)
  const { blocks, times } = gatherForks(chain)
  for (const fork of blocks) {
    if (fork > head.number) return { hash, next: fork }
    hash = forkHashUpdate(hash, fork)
  }
  for (const fork of times) {
    if (fork > head.time) return { hash, next: fork }
    hash = forkHashUpdate(hash, fork)
  }
  return { hash, next: 0n }
}

/**
 * A validator for remote fork ids against the local chain (EIP-2124 "Validation rules"). The
 * checksums are computed once; `head` is read at each call.
 */
export function forkIdFilter(chain: ChainConfig): (head: ChainHead, remote: ForkId) => Result<void, ForkIdErrorCode> {
  const { blocks, times } = gatherForks(chain)
  const forks = [...blocks, ...times]
  const sums = [crc32(chain.genesisHash)]
  for (const fork of forks) sums.push(forkHashUpdate(sums[sums.length - 1] as number, fork))
  forks.push(MAX_U64) // a sentinel fork that never passes
  // With only block forks the sentinel is a block fork too, so it is compared with the head block.
  const blockCount = times.length === 0 ? blocks.length + 1 : blocks.length
  return (head, remote) => {
    for (let i = 0; i < forks.length; i++) {
      const local = i < blockCount ? head.number : head.time
      if (local >= (forks[i] as bigint)) continue
      // Rule 1: same fork state; 1a if the remote's announced next fork already passed locally.
      if (sums[i] === remote.hash) {
        const next = remote.next
        if (next > 0n && (local >= next || (next > TIMESTAMP_THRESHOLD && head.time >= next)))
          return err('LOCAL_INCOMPATIBLE_OR_STALE')
        return ok(undefined)
      }
      // Rule 2: remote is a subset of our past forks and announces our next fork after it.
      for (let j = 0; j < i; j++)
        if (sums[j] === remote.hash) return forks[j] === remote.next ? ok(undefined) : err('REMOTE_STALE')
      // Rule 3: remote is a superset that our known future forks complete (we are syncing).
      for (let j = i + 1; j < sums.length; j++) if (sums[j] === remote.hash) return ok(undefined)
      return err('LOCAL_INCOMPATIBLE_OR_STALE')
    }
    return ok(undefined) // unreachable: the sentinel fork never passes
  }
}

/** RLP `[FORK_HASH: B_4, FORK_NEXT: P]` (EIP-2124 "fork identifier"). */
export const forkIdCodec = rlpCodec<ForkId>(forkIdToRlp, forkIdFromRlp)

/** The RLP input for a fork id (for embedding in a bigger message). */
export function forkIdToRlp(id: ForkId): [Uint8Array, bigint] {
  const hash = new Uint8Array(4)
  new DataView(hash.buffer).setUint32(0, id.hash)
  return [hash, id.next]
}

/** Read a fork id from a decoded RLP item (throws RlpError on a bad shape). */
export function forkIdFromRlp(item: RlpItem | undefined): ForkId {
  const list = asList(item, 'fork id', 2)
  if (list.length !== 2) throw new RlpError('BAD_VALUE', 'fork id must have exactly 2 elements')
  const [h, n] = list
  const hash = asFixed(h, 4, 'fork hash')
  return { hash: new DataView(hash.buffer, hash.byteOffset, 4).getUint32(0), next: asBigint(n, 'fork next', 8) }
}

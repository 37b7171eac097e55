/**
 * eth/68 and eth/69 message codecs (devp2p caps/eth.md "Protocol Messages", EIP-5793, EIP-7642).
 * Request and response codecs describe the payload inside the eth/66 `[request-id, payload]`
 * envelope, which the framework adds. Headers, bodies, blocks, transactions and eth/68 receipts
 * stay opaque RLP: validated as canonical RLP of the right outline, otherwise untouched.
 * @module
 */
import { type Codec, CodecError } from '../../protocol/codec.js'
import { asBigint, asBytes, asInt, asList, encode, type RlpItem } from '../../rlp/index.js'
import {
  consensusFromWire,
  exactList,
  expectListEncoding,
  hash32,
  rawList,
  rlpCodec,
  splitList,
  u64,
  wireFromConsensus,
} from '../raw.js'
import { type ForkId, forkIdFromRlp, forkIdToRlp } from './forkid.js'

/** A 32-byte hash. */
export type Hash = Uint8Array

/** eth/68 Status: `[version, networkid, td, blockhash, genesis, forkid]`. */
export interface Status68 {
  version: number
  networkId: bigint
  td: bigint
  head: Hash
  genesis: Hash
  forkId: ForkId
}

/** eth/69 Status: `[version, networkid, genesis, forkid, earliest, latest, latestHash]`. */
export interface Status69 {
  version: number
  networkId: bigint
  genesis: Hash
  forkId: ForkId
  earliest: bigint
  latest: bigint
  latestHash: Hash
}

/** The full blocks a peer serves (eth/69 Status tail and BlockRangeUpdate). */
export interface BlockRange {
  earliest: bigint
  latest: bigint
  latestHash: Hash
}

/** GetBlockHeaders query: origin by number or hash. */
export interface HeadersQuery {
  origin: bigint | Hash
  limit: bigint
  skip: bigint
  reverse: boolean
}

/** NewPooledTransactionHashes (eth/68+ typed form): types, sizes and hashes, equally many. */
export interface TxAnnouncement {
  types: Uint8Array
  sizes: number[]
  hashes: Hash[]
}

/** An eth/69 receipt `[tx-type, post-state-or-status, cumulative-gas, logs]`; logs kept as raw RLP. */
export interface Receipt69 {
  txType: number
  postStateOrStatus: Uint8Array
  cumulativeGas: bigint
  logs: Uint8Array
}

/** NewBlock (eth/68): the raw block RLP and the total difficulty. */
export interface NewBlock {
  block: Uint8Array
  td: bigint
}

/** A list of 32-byte hashes (GetBlockBodies, GetPooledTransactions, GetReceipts). */
export const hashListCodec: Codec<Hash[]> = rlpCodec(
  (v) => encode(v),
  (_, item) => asList(item, 'hashes').map((h) => hash32(h)),
)

/** Status for eth/68. */
export const status68Codec: Codec<Status68> = rlpCodec(
  (s) => encode([s.version, s.networkId, s.td, s.head, s.genesis, forkIdToRlp(s.forkId)]),
  (_, item) => {
    const [v, n, td, head, genesis, fid] = exactList(item, 6, 'status')
    return {
      version: asInt(v, 'version', 4),
      networkId: u64(n, 'network id'),
      td: asBigint(td, 'total difficulty', 32),
      head: hash32(head, 'head hash'),
      genesis: hash32(genesis, 'genesis hash'),
      forkId: forkIdFromRlp(fid),
    }
  },
)

/** Status for eth/69. */
export const status69Codec: Codec<Status69> = rlpCodec(
  (s) => encode([s.version, s.networkId, s.genesis, forkIdToRlp(s.forkId), s.earliest, s.latest, s.latestHash]),
  (_, item) => {
    const [v, n, genesis, fid, earliest, latest, latestHash] = exactList(item, 7, 'status')
    return {
      version: asInt(v, 'version', 4),
      networkId: u64(n, 'network id'),
      genesis: hash32(genesis, 'genesis hash'),
      forkId: forkIdFromRlp(fid),
      earliest: u64(earliest, 'earliest block'),
      latest: u64(latest, 'latest block'),
      latestHash: hash32(latestHash, 'latest hash'),
    }
  },
)

/** NewBlockHashes: `[[hash, number], ...]`. */
export const newBlockHashesCodec: Codec<{ hash: Hash; number: bigint }[]> = rlpCodec(
  (v) => encode(v.map((e) => [e.hash, e.number])),
  (_, item) =>
    asList(item, 'announcements').map((e) => {
      const [h, n] = exactList(e, 2, 'announcement')
      return { hash: hash32(h), number: u64(n, 'block number') }
    }),
)

/** A list of transactions, each as its consensus encoding (Transactions, PooledTransactions). */
export const transactionsCodec: Codec<Uint8Array[]> = rlpCodec(
  (txs) => rawList(txs.map((t) => wireFromConsensus(t, 'transaction'))),
  (bytes, item) => {
    const items = asList(item, 'transactions')
    return splitList(bytes).map((raw, i) => consensusFromWire(raw, items[i] as RlpItem, 'transaction'))
  },
)

/** GetBlockHeaders query `[origin, limit, skip, reverse]`; origin is a number or a 32-byte hash. */
export const headersQueryCodec: Codec<HeadersQuery> = rlpCodec(
  (q) => encode([q.origin, q.limit, q.skip, q.reverse ? 1 : 0]),
  (_, item) => {
    const [o, limit, skip, rev] = exactList(item, 4, 'header query')
    const ob = asBytes(o, 'origin')
    const reverse = asInt(rev, 'reverse', 1)
    if (reverse > 1) throw new CodecError('BAD_VALUE', 'reverse must be 0 or 1')
    return {
      origin: ob.length === 32 ? ob : u64(o, 'origin number'),
      limit: u64(limit, 'limit'),
      skip: u64(skip, 'skip'),
      reverse: reverse === 1,
    }
  },
)

/** A list of opaque RLP lists (BlockHeaders: headers; BlockBodies: bodies). */
export function rawListsCodec(what: string): Codec<Uint8Array[]> {
  return rlpCodec(
    (parts) => rawList(parts.map((p) => expectListEncoding(p, what))),
    (bytes, item) => {
      asList(item, `${what} list`)
      return splitList(bytes).map((raw) => expectListEncoding(raw, what))
    },
  )
}

/** NewBlock (eth/68): `[block, td]`. */
export const newBlockCodec: Codec<NewBlock> = rlpCodec(
  (b) => rawList([expectListEncoding(b.block, 'block'), encode(b.td)]),
  (bytes, item) => {
    const [, td] = exactList(item, 2, 'new block')
    const [block] = splitList(bytes)
    return { block: expectListEncoding(block as Uint8Array, 'block'), td: asBigint(td, 'total difficulty', 32) }
  },
)

/** NewPooledTransactionHashes (eth/68, eth/69): `[types, [sizes...], [hashes...]]`. */
export const txAnnouncementCodec: Codec<TxAnnouncement> = rlpCodec(
  (a) => {
    if (a.types.length !== a.sizes.length || a.sizes.length !== a.hashes.length)
      throw new RangeError('announcement: types, sizes and hashes must be equally many')
    return encode([a.types, a.sizes, a.hashes])
  },
  (_, item) => {
    const [t, s, h] = exactList(item, 3, 'announcement')
    const types = asBytes(t, 'types')
    const sizes = asList(s, 'sizes').map((x) => asInt(x, 'size', 4))
    const hashes = asList(h, 'hashes').map((x) => hash32(x))
    if (types.length !== sizes.length || sizes.length !== hashes.length)
      throw new CodecError('BAD_VALUE', `announcement counts differ: ${types.length}/${sizes.length}/${hashes.length}`)
    return { types, sizes, hashes }
  },
)

/** Receipts (eth/68): per block, the receipts' consensus encodings (legacy list or typed bytes). */
export const receipts68Codec: Codec<Uint8Array[][]> = rlpCodec(
  (blocks) => rawList(blocks.map((rs) => rawList(rs.map((r) => wireFromConsensus(r, 'receipt'))))),
  (bytes, item) => {
    const blocks = asList(item, 'receipts')
    return splitList(bytes).map((rawBlock, i) => {
      const rs = asList(blocks[i], 'block receipts')
      return splitList(rawBlock).map((raw, j) => consensusFromWire(raw, rs[j] as RlpItem, 'receipt'))
    })
  },
)

function receipt69ToWire(r: Receipt69): Uint8Array {
  const fields = [encode(r.txType), encode(r.postStateOrStatus), encode(r.cumulativeGas)]
  return rawList([...fields, expectListEncoding(r.logs, 'logs')])
}

/** Receipts (eth/69): per block, `[tx-type, post-state-or-status, cumulative-gas, logs]` each. */
export const receipts69Codec: Codec<Receipt69[][]> = rlpCodec(
  (blocks) => rawList(blocks.map((rs) => rawList(rs.map(receipt69ToWire)))),
  (bytes, item) => {
    const blocks = asList(item, 'receipts')
    return splitList(bytes).map((rawBlock, i) => {
      const rs = asList(blocks[i], 'block receipts')
      return splitList(rawBlock).map((raw, j) => {
        const [t, st, gas, logs] = exactList(rs[j], 4, 'receipt')
        asList(logs, 'logs')
        return {
          txType: asInt(t, 'tx type', 1),
          postStateOrStatus: asBytes(st, 'post-state or status'),
          cumulativeGas: u64(gas, 'cumulative gas'),
          logs: splitList(raw)[3] as Uint8Array,
        }
      })
    })
  },
)

/** BlockRangeUpdate (eth/69): `[earliest, latest, latestHash]`; earliest > latest is refused. */
export const blockRangeCodec: Codec<BlockRange> = rlpCodec(
  (r) => encode([r.earliest, r.latest, r.latestHash]),
  (_, item) => {
    const [e, l, h] = exactList(item, 3, 'block range')
    const range = { earliest: u64(e, 'earliest'), latest: u64(l, 'latest'), latestHash: hash32(h, 'latest hash') }
    if (range.earliest > range.latest) throw new CodecError('BAD_VALUE', 'block range: earliest > latest')
    return range
  },
)

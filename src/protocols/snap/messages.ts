/**
 * snap/1 message codecs (devp2p caps/snap.md "Protocol Messages"; GetTrieNodes and TrieNodes as
 * defined for snap/1 before snap/2 removed them, go-ethereum eth/protocols/snap/protocol.go).
 * The request id is framed by the protocol (`[reqID, ...fields]`, flatIds); these codecs see
 * the list of the remaining fields. Account bodies and proofs stay opaque.
 * @module
 */
import type { Codec } from '../../protocol/codec.js'
import { asBytes, asList, encode, RlpError, type RlpItem } from '../../rlp/index.js'
import { exactList, hash32, rawList, rlpCodec, splitList, u64 } from '../raw.js'

/** A 32-byte hash. */
export type Hash = Uint8Array

/** GetAccountRange `[rootHash, startingHash, limitHash, responseBytes]`. */
export interface AccountRangeQuery {
  root: Hash
  origin: Hash
  limit: Hash
  bytes: bigint
}

/** AccountRange `[[[accHash, accBody], ...], [proofNode, ...]]`; `body` is the raw slim-account RLP. */
export interface AccountRange {
  accounts: { hash: Hash; body: Uint8Array }[]
  proof: Uint8Array[]
}

/** GetStorageRanges `[rootHash, [accountHash...], startingHash, limitHash, responseBytes]`. */
export interface StorageRangesQuery {
  root: Hash
  accounts: Hash[]
  /** Empty or up to 32 bytes. */
  origin: Uint8Array
  /** Empty or up to 32 bytes. */
  limit: Uint8Array
  bytes: bigint
}

/** StorageRanges `[[[[slotHash, slotData], ...], ...], [proofNode, ...]]`. */
export interface StorageRanges {
  slots: { hash: Hash; data: Uint8Array }[][]
  proof: Uint8Array[]
}

/** GetByteCodes `[[codeHash...], responseBytes]`. */
export interface ByteCodesQuery {
  hashes: Hash[]
  bytes: bigint
}

/** GetTrieNodes `[rootHash, [[accountPath, slotPath...], ...], responseBytes]`. */
export interface TrieNodesQuery {
  root: Hash
  paths: Uint8Array[][]
  bytes: bigint
}

const bytesList = (item: RlpItem | undefined, what: string) => asList(item, what).map((b) => asBytes(b, what))

function shortHash(item: RlpItem | undefined, what: string): Uint8Array {
  const b = asBytes(item, what)
  if (b.length > 32) throw new RlpError('BAD_VALUE', `${what} over 32 bytes`)
  return b
}

/** GetAccountRange. */
export const accountRangeQueryCodec: Codec<AccountRangeQuery> = rlpCodec(
  (q) => encode([q.root, q.origin, q.limit, q.bytes]),
  (_, item) => {
    const [r, o, l, b] = exactList(item, 4, 'account range query')
    return { root: hash32(r, 'root'), origin: hash32(o, 'origin'), limit: hash32(l, 'limit'), bytes: u64(b, 'bytes') }
  },
)

/** AccountRange. */
export const accountRangeCodec: Codec<AccountRange> = rlpCodec(
  (v) => rawList([rawList(v.accounts.map((a) => rawList([encode(a.hash), a.body]))), encode(v.proof)]),
  (bytes, item) => {
    const [accounts, proof] = exactList(item, 2, 'account range')
    const rawAccounts = splitList(splitList(bytes)[0] as Uint8Array)
    return {
      accounts: asList(accounts, 'accounts').map((a, i) => {
        const [h] = exactList(a, 2, 'account')
        return { hash: hash32(h, 'account hash'), body: splitList(rawAccounts[i] as Uint8Array)[1] as Uint8Array }
      }),
      proof: bytesList(proof, 'proof node'),
    }
  },
)

/** GetStorageRanges. */
export const storageRangesQueryCodec: Codec<StorageRangesQuery> = rlpCodec(
  (q) => encode([q.root, q.accounts, q.origin, q.limit, q.bytes]),
  (_, item) => {
    const [r, accs, o, l, b] = exactList(item, 5, 'storage ranges query')
    return {
      root: hash32(r, 'root'),
      accounts: asList(accs, 'account hashes').map((a) => hash32(a, 'account hash')),
      origin: shortHash(o, 'origin'),
      limit: shortHash(l, 'limit'),
      bytes: u64(b, 'bytes'),
    }
  },
)

/** StorageRanges. */
export const storageRangesCodec: Codec<StorageRanges> = rlpCodec(
  (v) => encode([v.slots.map((slots) => slots.map((s) => [s.hash, s.data])), v.proof]),
  (_, item) => {
    const [slots, proof] = exactList(item, 2, 'storage ranges')
    return {
      slots: asList(slots, 'slot lists').map((list) =>
        asList(list, 'slots').map((s) => {
          const [h, d] = exactList(s, 2, 'slot')
          return { hash: hash32(h, 'slot hash'), data: asBytes(d, 'slot data') }
        }),
      ),
      proof: bytesList(proof, 'proof node'),
    }
  },
)

/** GetByteCodes. */
export const byteCodesQueryCodec: Codec<ByteCodesQuery> = rlpCodec(
  (q) => encode([q.hashes, q.bytes]),
  (_, item) => {
    const [hs, b] = exactList(item, 2, 'bytecodes query')
    return { hashes: asList(hs, 'code hashes').map((h) => hash32(h, 'code hash')), bytes: u64(b, 'bytes') }
  },
)

/** A single list of byte strings as the whole payload: ByteCodes `[[code...]]`, TrieNodes `[[node...]]`. */
export function blobsCodec(what: string): Codec<Uint8Array[]> {
  return rlpCodec(
    (v) => encode([v]),
    (_, item) => bytesList(exactList(item, 1, `${what} response`)[0], what),
  )
}

/** GetTrieNodes. */
export const trieNodesQueryCodec: Codec<TrieNodesQuery> = rlpCodec(
  (q) => encode([q.root, q.paths, q.bytes]),
  (_, item) => {
    const [r, paths, b] = exactList(item, 3, 'trie nodes query')
    return {
      root: hash32(r, 'root'),
      paths: asList(paths, 'path sets').map((set) => bytesList(set, 'path')),
      bytes: u64(b, 'bytes'),
    }
  },
)

/**
 * The `snap/1` state-sync protocol on the protocol framework: typed request/response codecs.
 * @module
 */
export {
  type AccountRange,
  type AccountRangeQuery,
  accountRangeCodec,
  accountRangeQueryCodec,
  type ByteCodesQuery,
  blobsCodec,
  byteCodesQueryCodec,
  type Hash,
  type StorageRanges,
  type StorageRangesQuery,
  storageRangesCodec,
  storageRangesQueryCodec,
  type TrieNodesQuery,
  trieNodesQueryCodec,
} from './messages.js'
export { SNAP_MAX_MESSAGE_SIZE, SNAP_REQUEST_TIMEOUT_MS, SNAP_SOFT_RESPONSE_LIMIT, snap1 } from './protocol.js'

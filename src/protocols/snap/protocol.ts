/**
 * snap/1 as a protocol definition (devp2p caps/snap.md). It runs beside eth on the same
 * connection and has no handshake of its own. Request ids are the first field of the message
 * (`[reqID, ...]`), framed by {@link flatIds}.
 * @module
 */
import { defineProtocol, request } from '../../protocol/define.js'
import { flatIds } from '../../protocol/ids.js'
import {
  accountRangeCodec,
  accountRangeQueryCodec,
  blobsCodec,
  byteCodesQueryCodec,
  storageRangesCodec,
  storageRangesQueryCodec,
  trieNodesQueryCodec,
} from './messages.js'

/** Largest snap message accepted. go-ethereum eth/protocols/snap/protocol.go maxMessageSize. */
export const SNAP_MAX_MESSAGE_SIZE = 10 * 1024 * 1024
/** Default timeout of snap requests (go-ethereum's snap syncer starts from a similar TTL). */
export const SNAP_REQUEST_TIMEOUT_MS = 10_000
/** Soft response limit servers apply. go-ethereum eth/protocols/snap/handler.go softResponseLimit. */
export const SNAP_SOFT_RESPONSE_LIMIT = 2 * 1024 * 1024

/** snap/1: 8 message codes, four request/response pairs. */
export const snap1 = defineProtocol({
  name: 'snap',
  version: 1,
  length: 8,
  requestIds: flatIds,
  maxMessageSize: SNAP_MAX_MESSAGE_SIZE,
  requestTimeoutMs: SNAP_REQUEST_TIMEOUT_MS,
  requests: {
    getAccountRange: request(0x00, accountRangeQueryCodec, { response: 0x01, codec: accountRangeCodec }),
    getStorageRanges: request(0x02, storageRangesQueryCodec, { response: 0x03, codec: storageRangesCodec }),
    getByteCodes: request(0x04, byteCodesQueryCodec, { response: 0x05, codec: blobsCodec('bytecode') }),
    getTrieNodes: request(0x06, trieNodesQueryCodec, { response: 0x07, codec: blobsCodec('trie node') }),
  },
})

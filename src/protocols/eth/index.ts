/**
 * The `eth` wire protocol, versions 68 and 69, on the protocol framework: typed codecs, the
 * Status handshake with EIP-2124 fork ids, and chain configurations as data.
 *
 * @example
 * ```ts
 * const host = new ProtocolHost(eth69, { init: { chain: mainnet, head: () => myHead } })
 * host.handle(eth69.requests.getBlockHeaders, (query) => lookupHeaders(query))
 * const peer = await host.connect(connection) // Status exchanged and checked
 * const headers = await peer.request(eth69.requests.getBlockHeaders, { origin: 1n, limit: 10n, skip: 0n, reverse: false })
 * ```
 * @module
 */
export { type ChainConfig, chains, devnet, type Fork, holesky, hoodi, mainnet, sepolia } from './chains.js'
export {
  type ChainHead,
  computeForkId,
  crc32,
  type ForkId,
  type ForkIdErrorCode,
  forkHashUpdate,
  forkIdCodec,
  forkIdFilter,
  forkIdFromRlp,
  forkIdToRlp,
  gatherForks,
  TIMESTAMP_THRESHOLD,
} from './forkid.js'
export {
  type BlockRange,
  blockRangeCodec,
  type Hash,
  type HeadersQuery,
  hashListCodec,
  headersQueryCodec,
  type NewBlock,
  newBlockCodec,
  newBlockHashesCodec,
  type Receipt69,
  rawListsCodec,
  receipts68Codec,
  receipts69Codec,
  type Status68,
  type Status69,
  status68Codec,
  status69Codec,
  type TxAnnouncement,
  transactionsCodec,
  txAnnouncementCodec,
} from './messages.js'
export {
  checkStatus,
  ETH_HANDSHAKE_TIMEOUT_MS,
  ETH_MAX_MESSAGE_SIZE,
  ETH_REQUEST_TIMEOUT_MS,
  type EthConfig,
  type EthHead,
  type EthNodeState,
  EthStatusError,
  type EthStatusErrorCode,
  eth68,
  eth69,
} from './protocol.js'

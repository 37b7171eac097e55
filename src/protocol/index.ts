/**
 * The protocol framework (DESIGN.md layer 5): protocol definitions as typed values, the Peer API
 * and the connection interface backends implement. Pure: time comes from an injected Clock and
 * bytes from a {@link ProtocolConnection}.
 *
 * @example
 * ```ts
 * const ping = defineProtocol({
 *   name: 'ping', version: 1, length: 2, requestIds: envelopeIds,
 *   requests: { ping: request(0x00, uint64Codec, { response: 0x01, codec: uint64Codec }) },
 * })
 * const host = new ProtocolHost(ping, {}).handle(ping.requests.ping, (n) => n + 1n)
 * const peer = await host.connect(conn)
 * const answer: bigint = await peer.request(ping.requests.ping, 41n)
 * ```
 * @module
 */
export {
  bytesCodec,
  type Codec,
  CodecError,
  type CodecErrorCode,
  type CodecValue,
  emptyCodec,
  rlpCodec,
  textCodec,
  toCodecError,
  uint64Codec,
} from './codec.js'
export type { CloseInfo, ConnectionReceiver, ProtocolConnection } from './connection.js'
export {
  type AnyProtocol,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_PEER_LIMITS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type DisconnectInfo,
  defineProtocol,
  type HandshakeContext,
  type HandshakeOf,
  type HandshakeSpec,
  type InitOf,
  MAX_PEER_LIMIT,
  type MessageMap,
  type MessageSpec,
  message,
  type NodeStateOf,
  type PeerLimits,
  type PeerStateOf,
  type Protocol,
  type ProtocolInput,
  type RequestMap,
  type RequestSpec,
  type ResponseSpec,
  request,
  type TableEntry,
} from './define.js'
export {
  AbortedError,
  DisconnectError,
  DisconnectedError,
  DisconnectReason,
  type DisconnectReasonCode,
  HandshakeError,
  InFlightLimitError,
  PeerError,
  type PeerErrorCode,
  reasonText,
  TimeoutError,
} from './errors.js'
export { type BaseHostOptions, type HostOptions, ProtocolHost } from './host.js'
export { envelopeIds, flatIds, listBounds, listHeader, MAX_REQUEST_ID, type RequestIdScheme } from './ids.js'
export { MEMORY_PREATTACH_BUFFER, MemoryConnection, memoryPair } from './memory.js'
export {
  type DropReason,
  type FaultReason,
  noopCounters,
  type ProtocolCounters,
  protocolCounters,
  type RequestOutcome,
} from './metrics.js'
export { OutboundRequests, RECENT_REQUEST_IDS } from './outbound.js'
export {
  MAX_EARLY_MESSAGES,
  MAX_WAITERS,
  type NextOptions,
  type PeerOptions,
  ProtocolPeer,
  type RequestOptions,
} from './peer.js'
export { DeadlineTimer, type Expirable } from './scheduler.js'

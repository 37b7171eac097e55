/**
 * RLPx: the encrypted TCP transport of Ethereum execution clients, and the devp2p base protocol.
 *
 * Layers: `ecies` and `handshake/` (auth/ack, secrets), `frame/` (frames and MACs), `p2p`
 * (Hello, Disconnect, Ping, Pong), `caps` (capability negotiation) are pure codecs;
 * `connection`, `establish`, `dial` and `listener` own sockets and timers.
 * Spec: devp2p rlpx.md, EIP-8, EIP-706.
 *
 * @example
 * ```ts
 * const listener = await RlpxListener.listen({ privateKey, protocols: [{ name: 'eth', version: 68, length: 17 }],
 *   onConnection: (conn) => { for await (const m of conn.messages()) console.log(m.capability.name, m.id) } })
 * const conn = await dial({ publicKey, ip: '127.0.0.1', tcp: listener.address.port }, { privateKey: other, protocols })
 * await conn.send(conn.capability('eth')!.offset + 0, statusPayload)
 * await conn.disconnect(DisconnectReason.ClientQuitting)
 * ```
 * @module
 */
export {
  type Capability,
  capabilityForCode,
  matchCapabilities,
  type ProtocolSpec,
  type SharedCapability,
} from './caps.js'
export {
  DEFAULT_CLIENT_ID,
  DEFAULT_TIMEOUTS,
  DIAL_TIMEOUT_MS,
  DISCONNECT_WAIT_MS,
  HANDSHAKE_TIMEOUT_MS,
  INBOX_MAX_BYTES,
  INBOX_MAX_MESSAGES,
  MAX_PENDING_PINGS,
  MAX_WAITING_SENDS,
  PING_INTERVAL_MS,
  PONG_TIMEOUT_MS,
  READ_IDLE_TIMEOUT_MS,
  type RlpxOptions,
  type RlpxTimeouts,
  WRITE_TIMEOUT_MS,
} from './config.js'
export { type CloseInfo, RlpxConnection, type RlpxMessage } from './connection.js'
export { acceptSocket, type DialOptions, type DialTarget, dial } from './dial.js'
export { DisconnectReason, disconnectReasonName, disconnectReasonText } from './disconnect.js'
export { concatKdf, ECIES_OVERHEAD, EciesError, type EciesErrorCode, eciesDecrypt, eciesEncrypt } from './ecies.js'
export { type ClosedBy, RlpxError, type RlpxErrorCode } from './errors.js'
export { localHello } from './establish.js'
export * as frame from './frame/index.js'
export { MAX_FRAME_SIZE } from './frame/index.js'
export * as handshake from './handshake/index.js'
export { HANDSHAKE_MAX_SIZE } from './handshake/index.js'
export { type ListenOptions, MAX_PENDING_INBOUND, RlpxListener } from './listener.js'
export { encodeMessageId, MessageError, splitFrame } from './message.js'
export { type HandshakeOutcome, RlpxMetrics } from './metrics.js'
export {
  BASE_PROTOCOL_LENGTH,
  BASE_PROTOCOL_VERSION,
  decodeDisconnect,
  decodeHello,
  encodeDisconnect,
  encodeHello,
  type Hello,
  MAX_BASE_MESSAGE_SIZE,
  P2pError,
  P2pMessage,
} from './p2p.js'
export { MAX_MESSAGE_SIZE, SnappyError, snappyCompress, snappyDecodedLength, snappyDecompress } from './snappy.js'

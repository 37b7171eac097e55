/**
 * The Eth2-style transport (DESIGN.md layer 4): js-libp2p (TCP, noise, yamux, identify, ping,
 * gossipsub) keyed by the node's secp256k1 key, ENR ↔ peer id and multiaddrs, our protocol
 * definitions over req/resp streams (snappy framing, length prefixes, limits), gossip, and a
 * discovery loop that feeds the dialer from discv5.
 *
 * @example
 * ```ts
 * const host = new ProtocolHost(pingProtocol).handle(pingProtocol.requests.ping, (n) => n + 1n)
 * const node = await Libp2pNode.create({ privateKey, listen: { ip: '127.0.0.1' }, protocols: [{ host }] })
 * await node.start()
 * await node.dial(otherEnr)
 * node.connectToNetwork(bootnodes, discv5, { targetPeers: 50, filter: eth2Filter(forkDigest) })
 * await node.stop()
 * ```
 * @module
 */
// js-libp2p 3 needs Promise.withResolvers (Node 22+): install it before any libp2p module runs.
import './polyfill.js'

export {
  MAX_EARLY_DELIVERIES,
  MAX_ERROR_MESSAGE_SIZE,
  MAX_FRAME_CHUNK_DATA,
  MAX_INBOUND_STREAMS_PER_PEER,
  MAX_OUTBOUND_STREAMS_PER_PEER,
  MAX_PAYLOAD_SIZE,
  MAX_QUEUED_SENDS,
  MAX_VARINT_BYTES,
  maxCompressedLength,
  maxFramedLength,
  RESP_TIMEOUT_MS,
  STREAM_OPEN_TIMEOUT_MS,
  TTFB_TIMEOUT_MS,
} from './constants.js'
export { crc32c, maskedCrc32c } from './crc32c.js'
export {
  BOOTNODE_CHECK_MS,
  DEFAULT_MAX_CONCURRENT_DIALS,
  DIAL_TIMEOUT_MS,
  DISCOVERY_IDLE_MS,
  type DialTarget,
  DiscoveryLoop,
  type DiscoveryLoopOptions,
  type DiscoverySource,
  type DiscoveryStats,
} from './discovery.js'
export {
  ATTNETS_ENR_KEY,
  ATTNETS_SIZE,
  allOf,
  createLocalEnr,
  ENR_FORK_ID_SIZE,
  type EnrAddressOptions,
  type EnrDialError,
  type EnrFilter,
  type EnrForkId,
  type EnrPeerInfo,
  ETH2_ENR_KEY,
  encodeEnrForkId,
  enrForkId,
  enrPeerId,
  enrToPeerInfo,
  eth2Filter,
  hasTcp,
  isUndialableIp,
  type LocalEnrOptions,
  SYNCNETS_ENR_KEY,
  SYNCNETS_SIZE,
  sameForkDigest,
} from './enr.js'
export { Libp2pNodeError, type Libp2pNodeErrorCode, StreamWireError, type StreamWireErrorCode } from './errors.js'
export {
  createEth2Node,
  DEFAULT_TARGET_PEERS,
  discv5Source,
  ETH2_DEFAULT_PORT,
  type Eth2Connection,
  Eth2Node,
  type Eth2NodeOptions,
} from './eth2.js'
export { ChunkType, encodeFramed, MAX_CHUNK_BODY, readFramed, STREAM_IDENTIFIER } from './framing.js'
export {
  eth2MessageId,
  GOSSIP_MAX_SIZE,
  Gossip,
  type GossipHandler,
  type GossipOptions,
  gossipsubOptions,
  MAX_GOSSIP_TOPICS,
  MESSAGE_DOMAIN_VALID_SNAPPY,
  MESSAGE_ID_SIZE,
  type MessageIdFn,
} from './gossip.js'
export {
  DEFAULT_ENCODING,
  type ProtocolIdOptions,
  type ProtocolIdTable,
  protocolIds,
  type StreamEncoding,
} from './ids.js'
export { historyKey, libp2pPrivateKey, nodeIdFromPeerId, peerIdFromSecp256k1, peerIdFromSecret } from './keys.js'
export {
  DEFAULT_MAX_CONNECTIONS,
  type HostLike,
  Libp2pNode,
  type Libp2pNodeOptions,
  type PeerHandle,
  type PeerReadyEvent,
  type ProtocolBinding,
} from './node.js'
export { ByteReader, type ByteSource, type StreamChunk } from './reader.js'
export { checkServable, type SessionEnv, StreamConnection, type StreamEvent } from './session.js'
export {
  DEVNET_FORK_DIGEST,
  FAR_FUTURE_EPOCH,
  FORK_STATUS_SIZE,
  type ForkStatus,
  type ForkStatusInit,
  forkStatus,
  forkStatusCodec,
  forkStatusHost,
  genesisStatus,
} from './status.js'
export {
  encodeRequest,
  encodeResponse,
  encodeVarint,
  type ResponseChunk,
  ResultCode,
  type ResultCodeValue,
  readRequest,
  readResponse,
  readVarint,
} from './wire.js'

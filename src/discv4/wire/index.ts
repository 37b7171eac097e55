/**
 * Node Discovery v4 wire codec (layer 2, pure). Spec: devp2p discv4.md, EIP-8, EIP-868.
 * @module
 */
export {
  type DecodedPacket,
  type DecodeOptions,
  decodePacket,
  encodeNeighbors,
  encodePacket,
  isDiscv4Shaped,
  signPacket,
  WireError,
  type WireErrorCode,
} from './codec.js'
export {
  DISCV4_VERSION,
  type Endpoint,
  type EnrRequest,
  type EnrResponse,
  EXPIRATION_SECONDS,
  expirationFrom,
  type FindNode,
  HASH_SIZE,
  HEADER_SIZE,
  isExpired,
  kindOfType,
  MAX_ENR_SIZE,
  MAX_NEIGHBORS,
  MAX_PACKET_SIZE,
  MIN_PACKET_SIZE,
  type NeighborNode,
  type Neighbors,
  PACKET_TYPE,
  type Packet,
  type PacketKind,
  type Ping,
  type Pong,
  PUBLIC_KEY_SIZE,
  SIGNATURE_SIZE,
} from './packets.js'

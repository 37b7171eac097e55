/**
 * Discovery v5 wire codec (layer 2, pure): packets, header masking, message encodings and the
 * handshake cryptography. Spec: devp2p discv5/discv5-wire.md.
 * @module
 */
export * from './constants.js'
export * from './crypto.js'
export { isForeignPacket, WireError, type WireErrorCode } from './errors.js'
export * from './messages.js'
export * from './nodes.js'
export * from './packet.js'

/**
 * Sizes and limits of the discv5 wire format.
 * Spec: devp2p discv5/discv5-wire.md.
 * @module
 */

/** Smallest valid packet (a WHOAREYOU). discv5-wire.md "UDP Communication": 63 bytes. */
export const MIN_PACKET_SIZE = 63
/** Largest packet sent or accepted. discv5-wire.md "UDP Communication": 1280 bytes. */
export const MAX_PACKET_SIZE = 1280
/** masking-iv size (uint128). discv5-wire.md "Protocol Header". */
export const MASKING_IV_SIZE = 16
/** static-header = protocol-id(6) || version(2) || flag(1) || nonce(12) || authdata-size(2). */
export const STATIC_HEADER_SIZE = 23
/** AES-GCM nonce size (uint96). discv5-wire.md "Protocol Header". */
export const NONCE_SIZE = 12
/** AES-128-GCM authentication tag size; every message packet carries at least this. */
export const GCM_TAG_SIZE = 16
/** AES-128 key size for session keys and the masking key. */
export const KEY_SIZE = 16
/** Node id size. */
export const NODE_ID_SIZE = 32
/** Message packet authdata = src-id. discv5-wire.md "Ordinary Message Packet". */
export const MESSAGE_AUTHDATA_SIZE = 32
/** WHOAREYOU authdata = id-nonce(16) || enr-seq(8). discv5-wire.md "WHOAREYOU Packet". */
export const WHOAREYOU_AUTHDATA_SIZE = 24
/** id-nonce size in WHOAREYOU. */
export const ID_NONCE_SIZE = 16
/** Handshake authdata-head = src-id(32) || sig-size(1) || eph-key-size(1). */
export const HANDSHAKE_AUTHDATA_HEAD_SIZE = 34
/** id-signature size for identity scheme "v4" (r || s). discv5-theory.md "Identity-Specific Cryptography". */
export const V4_SIGNATURE_SIZE = 64
/** Ephemeral public key size for identity scheme "v4" (compressed secp256k1). */
export const V4_EPH_KEY_SIZE = 33
/** Maximum request-id length. discv5-wire.md "Protocol Messages": "RLP byte array of length <= 8". */
export const MAX_REQUEST_ID_SIZE = 8
/** "discv5", the protocol-id of the static header. */
export const PROTOCOL_ID = new Uint8Array([0x64, 0x69, 0x73, 0x63, 0x76, 0x35])
/** Protocol version 0x0001 (v5.1). */
export const PROTOCOL_VERSION = 1

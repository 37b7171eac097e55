/**
 * Limits and timeouts of the libp2p backend, each with its source. Consensus-layer values are from
 * ethereum/consensus-specs `specs/phase0/p2p-interface.md` (sections "Configuration",
 * "The Req/Resp domain", "Encoding strategies") and later forks' changes to it.
 * @module
 */

/**
 * Largest uncompressed payload of one request, response or gossip message: 10 MiB.
 * consensus-specs MAX_PAYLOAD_SIZE (Fulu; GOSSIP_MAX_SIZE and MAX_CHUNK_SIZE since Bellatrix).
 */
export const MAX_PAYLOAD_SIZE = 10 * 1024 * 1024

/**
 * Time for the first byte of a response after the request was sent, in ms. consensus-specs
 * phase0 TTFB_TIMEOUT (5 s).
 */
export const TTFB_TIMEOUT_MS = 5_000

/**
 * Time for a whole request or response to arrive once started, in ms. consensus-specs phase0
 * RESP_TIMEOUT (10 s).
 */
export const RESP_TIMEOUT_MS = 10_000

/** Time allowed to open a stream (multistream-select included), in ms. Same bound as TTFB_TIMEOUT. */
export const STREAM_OPEN_TIMEOUT_MS = 5_000

/**
 * Largest uncompressed size of one snappy framing chunk: 65536 bytes. google/snappy
 * framing_format.txt sections 4.2 and 4.3.
 */
export const MAX_FRAME_CHUNK_DATA = 65_536

/**
 * Longest length prefix we read: 5 bytes of unsigned protobuf varint (2^35 - 1). Any payload we
 * accept (≤ MAX_PAYLOAD_SIZE < 2^28) fits in 4, so a fifth byte already exceeds the cap; the
 * consensus spec allows at most 10 ("length-prefix ... MUST NOT exceed 10 bytes").
 */
export const MAX_VARINT_BYTES = 5

/**
 * Largest compressed size of `n` bytes under snappy: 32 + n + n/6. consensus-specs
 * `max_compressed_len`, from snappy's MaxEncodedLen.
 */
export function maxCompressedLength(n: number): number {
  return 32 + n + Math.floor(n / 6)
}

/**
 * Largest framed size we read for an `n`-byte payload: the stream identifier (10 bytes), per
 * chunk an 8-byte header and snappy's worst case, plus 1024 bytes of slack for padding chunks
 * (consensus-specs `max_message_size` adds the same 1024).
 */
export function maxFramedLength(n: number): number {
  const chunks = Math.max(1, Math.ceil(n / MAX_FRAME_CHUNK_DATA))
  return 10 + chunks * (8 + 32) + n + Math.ceil(n / 6) + 1024
}

/**
 * Error messages in a non-success response are at most 256 bytes. consensus-specs ErrorMessage
 * (`List[byte, 256]`).
 */
export const MAX_ERROR_MESSAGE_SIZE = 256

/**
 * Requests served at once for one peer and one protocol; more inbound streams are reset.
 * js-libp2p's default `maxInboundStreams` per protocol (32).
 */
export const MAX_INBOUND_STREAMS_PER_PEER = 32

/**
 * Outbound streams open at once for one peer and one protocol; further sends wait in a queue.
 * Equal to js-libp2p's default `maxInboundStreams` (32), so a js-libp2p peer never resets one of
 * ours for exceeding its per-protocol limit.
 */
export const MAX_OUTBOUND_STREAMS_PER_PEER = 32

/**
 * Sends waiting for a free outbound stream, per peer and protocol; beyond this a send is dropped
 * and counted (a request then times out in the framework). The framework's hard per-peer bound
 * (MAX_PEER_LIMIT, 4096) on requests in flight.
 */
export const MAX_QUEUED_SENDS = 4096

/** Messages kept for a session whose receiver is not attached yet; more is a breach of protocol. */
export const MAX_EARLY_DELIVERIES = 64

/**
 * Typed errors of the libp2p backend.
 * @module
 */

/** Why bytes read from a stream were refused. */
export type StreamWireErrorCode =
  /** Length prefix malformed: over MAX_VARINT_BYTES, or not minimally encoded. */
  | 'BAD_VARINT'
  /** Announced or decoded size over the limit (length prefix, chunk, snappy block, total). */
  | 'TOO_LARGE'
  /** Snappy framing violated: missing stream identifier, reserved chunk type, bad chunk length. */
  | 'BAD_FRAME'
  /** A chunk's masked CRC-32C does not match its data. */
  | 'BAD_CRC'
  /** A snappy block does not decode, or decodes to another length than it announced. */
  | 'CORRUPT'
  /** The stream ended before the payload was complete. */
  | 'EOF'
  /** The response result byte is not one we know. */
  | 'BAD_RESULT'

/** Bytes on a stream that we refuse: the peer's fault. */
export class StreamWireError extends Error {
  override name = 'StreamWireError'
  constructor(
    readonly code: StreamWireErrorCode,
    detail = '',
  ) {
    super(detail ? `${code}: ${detail}` : code)
  }
}

/** What went wrong in the node itself (configuration, lifecycle), as opposed to a peer's fault. */
export type Libp2pNodeErrorCode = 'BAD_KEY' | 'BAD_CONFIG' | 'NOT_STARTED' | 'STOPPED' | 'NO_ADDRESS'

/** A misuse of the node by its owner, with a message saying what to change. */
export class Libp2pNodeError extends Error {
  override name = 'Libp2pNodeError'
  constructor(
    readonly code: Libp2pNodeErrorCode,
    detail: string,
  ) {
    super(`${code}: ${detail}`)
  }
}

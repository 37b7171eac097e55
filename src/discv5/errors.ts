/** Errors of our own discv5 requests. @module */

/** Error codes of our own requests. */
export type Discv5ErrorCode =
  /** No answer within the request timeout, after one retry. */
  | 'TIMEOUT'
  /** The handshake with the node failed (bad key, or it never answered our handshake). */
  | 'HANDSHAKE_FAILED'
  /** The service was closed. */
  | 'CLOSED'
  /** Too many requests pending (in all, or queued behind one handshake). */
  | 'BUSY'
  /** The request would not fit in one packet. */
  | 'TOO_LARGE'
  /** The node's record has no UDP endpoint we can reach. */
  | 'NO_ENDPOINT'
  /** A response was refused (e.g. a record that does not verify). */
  | 'BAD_RESPONSE'

/** Why a discv5 request of ours failed. */
export class Discv5Error extends Error {
  override name = 'Discv5Error'
  constructor(
    readonly code: Discv5ErrorCode,
    detail = '',
  ) {
    super(detail ? `${code}: ${detail}` : code)
  }
}

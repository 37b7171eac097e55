/** Errors of our own discv4 requests. @module */

/** Error codes of our own requests. */
export type Discv4ErrorCode =
  /** No reply within the reply timeout. */
  | 'TIMEOUT'
  /** The service was closed. */
  | 'CLOSED'
  /** Too many requests pending (in all, or to this node). */
  | 'BUSY'
  /** An ENRRESPONSE carried a record that does not verify or belongs to another key. */
  | 'BAD_RECORD'

/** Why a discv4 request of ours failed. */
export class Discv4Error extends Error {
  override name = 'Discv4Error'
  constructor(
    readonly code: Discv4ErrorCode,
    detail = '',
  ) {
    super(detail ? `${code}: ${detail}` : code)
  }
}

/** What can be wrong with a node record or an enode URL. */
export type EnrErrorCode =
  | 'TOO_LARGE'
  | 'BAD_RLP'
  | 'BAD_SHAPE'
  | 'KEYS_NOT_SORTED'
  | 'DUPLICATE_KEY'
  | 'NO_IDENTITY_SCHEME'
  | 'UNKNOWN_IDENTITY_SCHEME'
  | 'BAD_ENTRY'
  | 'BAD_SIGNATURE'
  | 'BAD_TEXT'
  | 'BAD_ENODE'

/** Raised (or returned) for a malformed, unverifiable or oversized record or enode URL. */
export class EnrError extends Error {
  override name = 'EnrError'
  constructor(
    readonly code: EnrErrorCode,
    detail = '',
  ) {
    super(detail ? `${code}: ${detail}` : code)
  }
}

/** A value or a typed error: what decoders of untrusted input return. */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E }

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value })
export const err = <E>(error: E): { ok: false; error: E } => ({ ok: false, error })

/** Unwrap or throw the error (for callers that treat failure as exceptional). */
export function unwrap<T, E>(r: Result<T, E>): T {
  if (r.ok) return r.value
  throw r.error
}

/**
 * Message codecs: bytes in, typed value out (or a typed {@link CodecError}), and back.
 *
 * The framework only sees {@link Codec}; RLP is one implementation ({@link rlpCodec}), so an SSZ
 * codec (Eth2 req/resp over libp2p) fits the same slot later.
 * @module
 */
import { asBigint, asBytes, asText, decode, encode, type RlpInput, type RlpItem } from '../rlp/index.js'
import { RlpError } from '../rlp/rlp.js'

/** Why a payload was refused by a codec. */
export type CodecErrorCode = 'BAD_RLP' | 'BAD_SHAPE' | 'BAD_VALUE' | 'TOO_LARGE'

/** Thrown by {@link Codec.decode} for input the codec does not accept. */
export class CodecError extends Error {
  override name = 'CodecError'
  constructor(
    readonly code: CodecErrorCode,
    detail = '',
  ) {
    super(detail ? `${code}: ${detail}` : code)
  }
}

/** A message codec. `decode` must throw {@link CodecError} (never anything else) on bad input. */
export interface Codec<T> {
  encode(value: T): Uint8Array
  decode(bytes: Uint8Array): T
}

/** The value type a codec produces. */
export type CodecValue<C> = C extends Codec<infer T> ? T : never

/** Map an RLP decoding failure to a {@link CodecError}; anything else is our own bug and rethrown. */
export function toCodecError(e: unknown): CodecError {
  if (e instanceof CodecError) return e
  if (e instanceof RlpError) {
    const shape = e.code === 'EXPECTED_LIST' || e.code === 'EXPECTED_BYTES'
    return new CodecError(shape ? 'BAD_SHAPE' : e.code === 'BAD_VALUE' ? 'BAD_VALUE' : 'BAD_RLP', e.message)
  }
  throw e
}

/**
 * Build a codec from an RLP mapping: `toRlp` turns a value into RLP input, `fromRlp` validates a
 * decoded item (use the `as*` accessors from `src/rlp`, which throw RlpError on a wrong shape).
 */
export function rlpCodec<T>(toRlp: (value: T) => RlpInput, fromRlp: (item: RlpItem) => T): Codec<T> {
  return {
    encode: (value) => encode(toRlp(value)),
    decode(bytes) {
      try {
        return fromRlp(decode(bytes))
      } catch (e) {
        throw toCodecError(e)
      }
    },
  }
}

/** The empty RLP list, for messages without a body (value `null`). */
export const emptyCodec: Codec<null> = rlpCodec(
  () => [],
  (item) => {
    if (!Array.isArray(item) || item.length !== 0) throw new CodecError('BAD_SHAPE', 'expected an empty list')
    return null
  },
)

/** A single RLP byte string. */
export const bytesCodec: Codec<Uint8Array> = rlpCodec(
  (v) => v,
  (item) => asBytes(item),
)

/** A canonical unsigned integer of at most 8 bytes (uint64). */
export const uint64Codec: Codec<bigint> = rlpCodec(
  (v) => v,
  (item) => asBigint(item, 'uint64', 8),
)

/** A UTF-8 string of at most `maxBytes` bytes. */
export function textCodec(maxBytes = 1024): Codec<string> {
  return rlpCodec(
    (v) => v,
    (item) => asText(item, 'text', maxBytes),
  )
}

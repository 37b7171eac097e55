/**
 * What travels on one req/resp stream (consensus-specs phase0 p2p-interface.md "Protocol
 * identification" and "Encoding strategies"):
 *
 *     request  = varint(len(payload)) | snappy_frames(payload)
 *     response = result | varint(len(payload)) | snappy_frames(payload)
 *
 * The length prefix is an unsigned protobuf varint of the uncompressed size; it is checked against
 * the caller's limit before a single payload byte is read. One-way messages are sent like
 * requests on a stream of their own. Result codes follow the consensus spec.
 * @module
 */
import { concatBytes } from '../util/bytes.js'
import { MAX_ERROR_MESSAGE_SIZE, MAX_VARINT_BYTES } from './constants.js'
import { StreamWireError } from './errors.js'
import { encodeFramed, readFramed } from './framing.js'
import type { ByteSource } from './reader.js'

/** Response result codes. consensus-specs phase0 "Responding side". */
export const ResultCode = {
  Success: 0,
  InvalidRequest: 1,
  ServerError: 2,
  ResourceUnavailable: 3,
} as const

/** A response result code. */
export type ResultCodeValue = (typeof ResultCode)[keyof typeof ResultCode]

/** Unsigned LEB128 (protobuf varint) of a non-negative safe integer. */
export function encodeVarint(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`varint of ${n}`)
  const out: number[] = []
  let v = n
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80)
    v = Math.floor(v / 0x80)
  }
  out.push(v)
  return Uint8Array.from(out)
}

/**
 * Read a varint of at most {@link MAX_VARINT_BYTES} bytes whose value is at most `max`. Refuses
 * non-minimal encodings (a last byte of zero after the first) and stops at the first byte that
 * makes the value exceed `max`.
 */
export async function readVarint(src: ByteSource, max: number, signal?: AbortSignal): Promise<number> {
  let value = 0
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    const b = (await src.read(1, signal))[0] as number
    value += (b & 0x7f) * 2 ** (7 * i)
    if (value > max) throw new StreamWireError('TOO_LARGE', `length prefix announces more than ${max} bytes`)
    if (b < 0x80) {
      if (b === 0 && i > 0) throw new StreamWireError('BAD_VARINT', 'length prefix not minimally encoded')
      return value
    }
  }
  throw new StreamWireError('BAD_VARINT', `length prefix over ${MAX_VARINT_BYTES} bytes`)
}

/** A request (or one-way message) as written to its stream. */
export function encodeRequest(payload: Uint8Array): Uint8Array {
  return concatBytes(encodeVarint(payload.length), encodeFramed(payload))
}

/** Read a request (or one-way message) of at most `max` uncompressed bytes. */
export async function readRequest(src: ByteSource, max: number, signal?: AbortSignal): Promise<Uint8Array> {
  const len = await readVarint(src, max, signal)
  return readFramed(src, len, signal)
}

/** A response chunk as written to its stream. */
export function encodeResponse(result: ResultCodeValue, payload: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(result), encodeVarint(payload.length), encodeFramed(payload))
}

/** One response: its result code and payload (for an error, the error message bytes). */
export interface ResponseChunk {
  result: ResultCodeValue
  payload: Uint8Array
}

/**
 * Read one response chunk. A success payload is at most `max` bytes, an error message at most
 * {@link MAX_ERROR_MESSAGE_SIZE}. `firstByte` bounds the wait for the result byte (TTFB).
 */
export async function readResponse(
  src: ByteSource,
  max: number,
  signal?: AbortSignal,
  firstByte?: AbortSignal,
): Promise<ResponseChunk> {
  const r = (await src.read(1, firstByte ?? signal))[0] as number
  if (r > ResultCode.ResourceUnavailable) throw new StreamWireError('BAD_RESULT', `result code ${r}`)
  const result = r as ResultCodeValue
  const limit = result === ResultCode.Success ? max : MAX_ERROR_MESSAGE_SIZE
  const len = await readVarint(src, limit, signal)
  return { result, payload: await readFramed(src, len, signal) }
}

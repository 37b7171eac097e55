/**
 * Snappy block compression of message payloads (EIP-706, devp2p p2p version 5), with the decoded
 * length read from the block's varint header and checked before anything is decompressed.
 *
 * Spec: EIP-706 "Avoiding DOS attacks"; google/snappy format_description.txt (the stream starts
 * with the uncompressed length as a little-endian varint, at most 2^32 - 1). No I/O.
 * @module
 */
import snappy from 'snappy'
import { err, ok, type Result } from '../util/result.js'
import { MAX_FRAME_SIZE } from './frame/frame.js'

/**
 * Largest decompressed message accepted: 16 MiB - 1. EIP-706 keeps the 24-bit frame limit for
 * decompressed data; go-ethereum p2p/rlpx/rlpx.go refuses `snappy.DecodedLen > maxUint24`.
 */
export const MAX_MESSAGE_SIZE = MAX_FRAME_SIZE

/** Why a compressed payload was refused. */
export type SnappyErrorCode = 'BAD_LENGTH' | 'TOO_LARGE' | 'CORRUPT'

/** A payload that is not valid snappy, or that would decompress beyond the cap. */
export class SnappyError extends Error {
  override name = 'SnappyError'
  constructor(
    readonly code: SnappyErrorCode,
    detail = '',
  ) {
    super(detail ? `${code}: ${detail}` : code)
  }
}

/** The decoded length announced by a snappy block's varint header (≤ 5 bytes, ≤ 2^32 - 1). */
export function snappyDecodedLength(data: Uint8Array): Result<number, SnappyError> {
  let value = 0
  for (let i = 0; i < 5; i++) {
    const b = data[i]
    if (b === undefined) return err(new SnappyError('BAD_LENGTH', 'truncated length header'))
    value += (b & 0x7f) * 2 ** (7 * i)
    if (b < 0x80) {
      if (value > 0xffffffff) return err(new SnappyError('BAD_LENGTH', 'length over 32 bits'))
      return ok(value)
    }
  }
  return err(new SnappyError('BAD_LENGTH', 'length header over 5 bytes'))
}

/**
 * The binding's outputs are copied into ordinary V8-owned buffers (`copyOutputData`): its default,
 * an external buffer with a finaliser per call, costs more than the copy (4-10x slower at 64 KiB,
 * measured with snappy 7.4.3 on Node 20) because V8 accounts and collects external memory apart.
 */
const COPY_OUT = { copyOutputData: true } as const
const COPY_OUT_BUFFER = { asBuffer: true, copyOutputData: true } as const

/** Compress one payload as a snappy block (not the framing format: EIP-706). */
export function snappyCompress(data: Uint8Array): Uint8Array {
  return snappy.compressSync(data, COPY_OUT)
}

/**
 * Decompress a snappy block after checking its announced length against `max` (default
 * {@link MAX_MESSAGE_SIZE}): a small frame announcing a huge length is refused, not allocated.
 */
export function snappyDecompress(data: Uint8Array, max = MAX_MESSAGE_SIZE): Result<Uint8Array, SnappyError> {
  const len = snappyDecodedLength(data)
  if (!len.ok) return len
  if (len.value > max) return err(new SnappyError('TOO_LARGE', `announces ${len.value} bytes, cap ${max}`))
  let out: Uint8Array
  try {
    out = snappy.uncompressSync(data, COPY_OUT_BUFFER) as Buffer
  } catch (e) {
    return err(new SnappyError('CORRUPT', e instanceof Error ? e.message : String(e)))
  }
  if (out.length !== len.value) return err(new SnappyError('CORRUPT', 'decoded length differs from its header'))
  return ok(out)
}
